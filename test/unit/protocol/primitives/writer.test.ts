/**
 * Writer: the exact bytes for each encoding, values it must refuse rather than corrupt, and the
 * zero-copy contract for large blobs (kept by reference, in order, never copied).
 */
import { describe, expect, test } from "vitest";
import { Reader } from "../../../../lib/protocol/primitives/reader.ts";
import { Writer } from "../../../../lib/protocol/primitives/writer.ts";

const hex = (w: Writer): string => w.toBuffer().toString("hex");

describe("fixed-width writes", () => {
  test("big-endian values at their edges", () => {
    const w = new Writer(1) // tiny initial buffer: every write has to grow it
      .int8(-128)
      .int8(127)
      .uint16(65535)
      .int16(-32768)
      .int32(-2147483648)
      .int32(2147483647)
      .uint32(4294967295)
      .int64(-(2n ** 63n))
      .int64(2n ** 63n - 1n)
      .float64(3.5)
      .bool(true)
      .bool(false);
    expect(hex(w)).toBe(
      "807fffff8000800000007fffffffffffffff80000000000000007fffffffffffffff400c0000000000000100",
    );
    expect(w.length).toBe(44);
  });

  test.each([
    ["int8", 128],
    ["int8", -129],
    ["int16", 32768],
    ["int32", 2 ** 31],
    ["uint16", -1],
    ["uint32", 2 ** 32],
  ] as const)("%s(%d) is refused", (method, value) => {
    expect(() => new Writer()[method](value)).toThrow(RangeError);
  });

  test("int64 outside the signed 64-bit range is refused", () => {
    expect(() => new Writer().int64(2n ** 63n)).toThrow(RangeError);
    expect(() => new Writer().int64(-(2n ** 63n) - 1n)).toThrow(RangeError);
  });

  test("uint8 outside 0..255 is refused instead of being truncated", () => {
    // uint8(300) would otherwise write 0x2c.
    expect(() => new Writer().uint8(300)).toThrow(RangeError);
    expect(() => new Writer().uint8(-1)).toThrow(RangeError);
  });

  test("many small writes grow the scratch buffer without losing bytes", () => {
    const w = new Writer(4);
    for (let i = 0; i < 10_000; i++) w.int32(i);
    const r = new Reader(w.toBuffer());
    for (let i = 0; i < 10_000; i++) expect(r.int32()).toBe(i);
    expect(r.remaining).toBe(0);
  });
});

describe("uuid", () => {
  const U = "5c1d7a1e-9f0b-4c2e-8a77-0123456789ab";

  test("writes the 16 bytes; dashes and case do not matter", () => {
    expect(hex(new Writer().uuid(U))).toBe("5c1d7a1e9f0b4c2e8a770123456789ab");
    expect(hex(new Writer().uuid(U.replaceAll("-", "").toUpperCase()))).toBe(
      "5c1d7a1e9f0b4c2e8a770123456789ab",
    );
    expect(new Reader(new Writer().uuid(U).toBuffer()).uuid()).toBe(U);
  });

  test("a wrong length is refused", () => {
    expect(() => new Writer().uuid("5c1d7a1e")).toThrow(RangeError);
    expect(() => new Writer().uuid(`${U}00`)).toThrow(RangeError);
  });

  test("non-hex characters are refused (they must not leave uninitialised bytes in the frame)", () => {
    // Buffer#write(hex) stops at the first bad pair; the writer would then skip 16 bytes of an
    // allocUnsafe scratch buffer, emitting whatever memory was there.
    expect(() => new Writer().uuid("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz")).toThrow(RangeError);
    expect(() => new Writer().uuid("0123456789abcdef0123456789abcdeg")).toThrow(RangeError);
  });
});

describe("strings", () => {
  test("STRING / NULLABLE_STRING: int16 byte length, -1 for null", () => {
    expect(hex(new Writer().string("ünic"))).toBe("0005c3bc6e6963");
    expect(hex(new Writer().string(""))).toBe("0000");
    expect(hex(new Writer().nullableString(null))).toBe("ffff");
    expect(hex(new Writer().nullableString("🚀"))).toBe("0004f09f9a80");
  });

  test("COMPACT_STRING / COMPACT_NULLABLE_STRING: uvarint length+1, 0 for null", () => {
    expect(hex(new Writer().compactString("hi"))).toBe("036869");
    expect(hex(new Writer().compactString(""))).toBe("01");
    expect(hex(new Writer().compactNullableString(null))).toBe("00");
    const long = "é".repeat(100); // 200 bytes → length+1 = 201 needs two varint bytes
    expect(hex(new Writer().compactString(long)).slice(0, 4)).toBe("c901");
  });

  test("a string longer than 32767 bytes cannot be a STRING and leaves the writer unchanged", () => {
    const w = new Writer().int8(1);
    expect(() => w.string("x".repeat(32768))).toThrow(RangeError);
    expect(hex(w)).toBe("01");
    expect(hex(new Writer().string("x".repeat(32767))).slice(0, 4)).toBe("7fff");
  });

  test("a lone surrogate is written as U+FFFD (what Buffer does), which reads back cleanly", () => {
    const b = new Writer().string("a\ud800").toBuffer();
    expect(b.toString("hex")).toBe("000461efbfbd");
    expect(new Reader(b).string()).toBe("a\ufffd");
  });
});

describe("bytes", () => {
  test("BYTES / NULLABLE_BYTES / COMPACT_BYTES", () => {
    expect(hex(new Writer().bytes(Buffer.from([1, 2])))).toBe("000000020102");
    expect(hex(new Writer().nullableBytes(null))).toBe("ffffffff");
    expect(hex(new Writer().compactBytes(new Uint8Array([1, 2])))).toBe("030102");
    expect(hex(new Writer().compactNullableBytes(null))).toBe("00");
  });

  test("a blob of 1024 bytes or more is kept by reference, in order", () => {
    const blob = Buffer.alloc(4096, 7);
    const w = new Writer().int8(1).bytes(blob).int8(2);
    const parts = w.toBuffers();
    expect(parts.some((p) => p === blob)).toBe(true);
    expect(w.length).toBe(1 + 4 + 4096 + 1);
    const all = w.toBuffer();
    expect(all[0]).toBe(1);
    expect(all.readInt32BE(1)).toBe(4096);
    expect(all.subarray(5, 5 + 4096).equals(blob)).toBe(true);
    expect(all[all.length - 1]).toBe(2);
  });

  test("a blob below 1024 bytes is copied (the caller may reuse its buffer)", () => {
    const blob = Buffer.alloc(1023, 7);
    const w = new Writer().raw(blob);
    blob.fill(0);
    expect(w.toBuffer().every((b) => b === 7)).toBe(true);
  });

  test("a Uint8Array blob (not a Buffer) is accepted on the zero-copy path", () => {
    const blob = new Uint8Array(2048).fill(9);
    expect(new Writer().raw(blob).toBuffer().equals(Buffer.from(blob))).toBe(true);
  });

  test("toBuffers() can be called twice and keeps writing afterwards", () => {
    const w = new Writer().int16(1);
    expect(Buffer.concat(w.toBuffers()).toString("hex")).toBe("0001");
    w.int16(2);
    expect(Buffer.concat(w.toBuffers()).toString("hex")).toBe("00010002");
  });

  test("emptyTaggedFields() is a single zero byte", () => {
    expect(hex(new Writer().emptyTaggedFields())).toBe("00");
  });
});
