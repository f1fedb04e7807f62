/**
 * Tagged-field sections (KIP-482): uvarint count, then per field uvarint tag, uvarint size and
 * the bytes, in strictly increasing tag order. Unknown tags are skipped; each known field is
 * read through a sub-reader bounded to its size.
 */
import { describe, expect, test } from "vitest";
import { writeTaggedFields } from "../../../../lib/protocol/codec-support.ts";
import { ProtocolDecodeError } from "../../../../lib/protocol/errors.ts";
import { Reader } from "../../../../lib/protocol/primitives/reader.ts";
import { Writer } from "../../../../lib/protocol/primitives/writer.ts";

const r = (h: string): Reader => new Reader(Buffer.from(h.replaceAll(" ", ""), "hex"));

function collect(reader: Reader): [number, string][] {
  const seen: [number, string][] = [];
  reader.taggedFields((tag, t) => {
    seen.push([tag, t.raw(t.remaining).toString("hex")]);
  });
  return seen;
}

describe("writeTaggedFields", () => {
  test("an empty section is one zero byte", () => {
    const w = new Writer();
    writeTaggedFields(w, []);
    expect(w.toBuffer().toString("hex")).toBe("00");
  });

  test("count, then tag / size / bytes per field", () => {
    const w = new Writer();
    writeTaggedFields(w, [
      [0, (t) => t.compactString("ab")],
      [1, (t) => t.int32(7)],
      [200, (t) => t.bool(true)],
    ]);
    expect(w.toBuffer().toString("hex")).toBe(
      "03 00 03 036162 01 04 00000007 c801 01 01".replaceAll(" ", ""),
    );
  });

  test("a field larger than 1 KiB (zero-copy chunk) is sized and copied correctly", () => {
    const blob = Buffer.alloc(3000, 5);
    const w = new Writer();
    writeTaggedFields(w, [[4, (t) => t.raw(blob)]]);
    const seen = collect(new Reader(w.toBuffer()));
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toBe(4);
    expect(Buffer.from(seen[0][1], "hex").equals(blob)).toBe(true);
  });
});

describe("Reader#taggedFields", () => {
  test("an empty section", () => {
    const x = r("00");
    expect(collect(x)).toEqual([]);
    expect(x.remaining).toBe(0);
  });

  test("fields arrive in order, each bounded to its size", () => {
    const x = r("02 00 02 aabb 05 01 cc ff");
    expect(collect(x)).toEqual([
      [0, "aabb"],
      [5, "cc"],
    ]);
    expect(x.remaining).toBe(1);
  });

  test("without a handler every tag is skipped", () => {
    const x = r("02 00 02 aabb 05 01 cc");
    x.taggedFields();
    expect(x.remaining).toBe(0);
  });

  test("a handler cannot read past its field", () => {
    const x = r("01 00 02 aabb ccdd");
    expect(() => x.taggedFields((_tag, t) => void t.int32())).toThrow(ProtocolDecodeError);
  });

  test("the reader continues after the field even if the handler read only part of it", () => {
    const x = r("01 00 03 aabbcc 7f");
    x.taggedFields((_tag, t) => void t.int8());
    expect(x.int8()).toBe(127);
  });

  test("out-of-order tags are refused", () => {
    expect(() => r("02 05 00 01 00").taggedFields()).toThrow(/out of order/);
  });

  test("a repeated tag is refused", () => {
    expect(() => r("02 03 00 03 00").taggedFields()).toThrow(/out of order/);
  });

  test("a field size beyond the frame is refused", () => {
    expect(() => r("01 00 7f aa").taggedFields()).toThrow(ProtocolDecodeError);
    expect(() => r("01 00 ffffffff0f aa").taggedFields()).toThrow(ProtocolDecodeError);
  });

  test("a count larger than the fields present is refused", () => {
    expect(() => r("05 00 00").taggedFields()).toThrow(ProtocolDecodeError);
  });

  test("a huge count with nothing behind it fails fast", () => {
    const started = performance.now();
    expect(() => r("ffffffff0f").taggedFields()).toThrow(ProtocolDecodeError);
    expect(performance.now() - started).toBeLessThan(100);
  });

  test("round-trips what writeTaggedFields wrote", () => {
    const w = new Writer();
    writeTaggedFields(w, [
      [1, (t) => t.int64(-2n)],
      [3, (t) => t.compactNullableString(null)],
      [1000, (t) => t.uuid("5c1d7a1e-9f0b-4c2e-8a77-0123456789ab")],
    ]);
    const got: Record<number, unknown> = {};
    new Reader(w.toBuffer()).taggedFields((tag, t) => {
      got[tag] = tag === 1 ? t.int64() : tag === 3 ? t.compactNullableString() : t.uuid();
    });
    expect(got).toEqual({ 1: -2n, 3: null, 1000: "5c1d7a1e-9f0b-4c2e-8a77-0123456789ab" });
  });
});
