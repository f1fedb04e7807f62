/**
 * Kafka's variable-length integers: unsigned LEB128 (uvarint, 32-bit), zig-zag varint (32-bit)
 * and zig-zag varlong (64-bit). Expected bytes come from the protocol definition and Kafka's
 * ByteUtils, not from this implementation.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ProtocolDecodeError } from "../../../../lib/protocol/errors.ts";
import { Reader } from "../../../../lib/protocol/primitives/reader.ts";
import { Writer } from "../../../../lib/protocol/primitives/writer.ts";

const hex = (w: Writer): string => w.toBuffer().toString("hex");
const reader = (h: string): Reader => new Reader(Buffer.from(h, "hex"));

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

describe("uvarint", () => {
  const table: [number, string][] = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "8001"],
    [300, "ac02"],
    [16383, "ff7f"],
    [16384, "808001"],
    [2 ** 31 - 1, "ffffffff07"],
    [2 ** 31, "8080808008"],
    [2 ** 32 - 1, "ffffffff0f"],
  ];

  test.each(table)("%d ⇄ %s", (n, h) => {
    expect(hex(new Writer().uvarint(n))).toBe(h);
    const r = reader(h);
    expect(r.uvarint()).toBe(n);
    expect(r.remaining).toBe(0);
  });

  test.each([-1, 2 ** 32, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "the writer refuses %d",
    (n) => {
      expect(() => new Writer().uvarint(n)).toThrow(RangeError);
    },
  );

  test("a non-canonical (zero-padded) encoding is accepted, as Kafka's ByteUtils does", () => {
    expect(reader("8000").uvarint()).toBe(0);
    expect(reader("ff80808000").uvarint()).toBe(127);
  });

  test("more than 32 bits in the fifth byte is rejected", () => {
    expect(() => reader("ffffffff1f").uvarint()).toThrow(ProtocolDecodeError);
    expect(() => reader("ffffffff7f").uvarint()).toThrow(/overflows 32 bits/);
  });

  test("a sixth byte is rejected", () => {
    expect(() => reader("ffffffff8f01").uvarint()).toThrow(/longer than 5 bytes/);
  });

  test("truncated input is rejected at every cut", () => {
    const full = "ffffffff07";
    for (let cut = 0; cut < full.length / 2; cut++) {
      expect(() => reader(full.slice(0, cut * 2)).uvarint()).toThrow(ProtocolDecodeError);
    }
  });

  test("every 32-bit value round-trips (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        expect(new Reader(new Writer().uvarint(n).toBuffer()).uvarint()).toBe(n);
      }),
    );
  });
});

describe("varint (zig-zag, 32-bit)", () => {
  const table: [number, string][] = [
    [0, "00"],
    [-1, "01"],
    [1, "02"],
    [-2, "03"],
    [2, "04"],
    [63, "7e"],
    [-64, "7f"],
    [64, "8001"],
    [2147483647, "feffffff0f"],
    [-2147483648, "ffffffff0f"],
  ];

  test.each(table)("%d ⇄ %s", (n, h) => {
    expect(hex(new Writer().varint(n))).toBe(h);
    expect(reader(h).varint()).toBe(n);
  });

  test.each([2 ** 31, -(2 ** 31) - 1])("the writer refuses %d (outside int32)", (n) => {
    expect(() => new Writer().varint(n)).toThrow(RangeError);
  });

  test("the writer refuses non-integers instead of writing another number", () => {
    // 1.5 zig-zags to 3, which reads back as -2.
    expect(() => new Writer().varint(1.5)).toThrow(RangeError);
    expect(() => new Writer().varint(-0.5)).toThrow(RangeError);
  });

  test("every int32 round-trips (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
        expect(new Reader(new Writer().varint(n).toBuffer()).varint()).toBe(n);
      }),
    );
  });
});

describe("varlong (zig-zag, 64-bit)", () => {
  const table: [bigint, string][] = [
    [0n, "00"],
    [-1n, "01"],
    [1n, "02"],
    [-2n, "03"],
    [2n ** 31n, "8080808010"],
    [-(2n ** 31n) - 1n, "8180808010"],
    [2n ** 53n + 1n, "82808080808080 20".replace(" ", "")],
    [INT64_MAX, "feffffffffffffffff01"],
    [INT64_MIN, "ffffffffffffffffff01"],
  ];

  test.each(table)("%s ⇄ %s", (n, h) => {
    expect(hex(new Writer().varlong(n))).toBe(h);
    const r = reader(h);
    expect(r.varlong()).toBe(n);
    expect(r.remaining).toBe(0);
  });

  test("int64 min and max take exactly ten bytes", () => {
    expect(new Writer().varlong(INT64_MIN).toBuffer()).toHaveLength(10);
    expect(new Writer().varlong(INT64_MAX).toBuffer()).toHaveLength(10);
  });

  test("bits beyond 64 in the tenth byte are rejected", () => {
    expect(() => reader("ffffffffffffffffff03").varlong()).toThrow(/overflows 64 bits/);
  });

  test("an eleventh byte is rejected", () => {
    expect(() => reader("ffffffffffffffffff8101").varlong()).toThrow(/longer than 10 bytes/);
  });

  test("truncated input is rejected", () => {
    expect(() => reader("ffffffffffffffffff").varlong()).toThrow(ProtocolDecodeError);
  });

  test.each([INT64_MAX + 1n, INT64_MIN - 1n, 2n ** 64n])(
    "the writer refuses %s instead of wrapping it",
    (n) => {
      // Without a range check 2^63 zig-zags to 1 and reads back as -1.
      expect(() => new Writer().varlong(n)).toThrow(RangeError);
    },
  );

  test("every int64 round-trips (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (n) => {
        expect(new Reader(new Writer().varlong(n).toBuffer()).varlong()).toBe(n);
      }),
    );
  });
});
