/**
 * Reader: every read is bounds-checked against the frame window and fails with
 * ProtocolDecodeError (never RangeError, never garbage), strings must be valid UTF-8, and
 * claimed lengths are checked before anything is allocated.
 */
import { describe, expect, test } from "vitest";
import { ProtocolDecodeError } from "../../../../lib/protocol/errors.ts";
import { Reader } from "../../../../lib/protocol/primitives/reader.ts";

const r = (h: string): Reader => new Reader(Buffer.from(h.replaceAll(" ", ""), "hex"));

describe("fixed-width reads", () => {
  test("big-endian values at their edges", () => {
    const x = r(
      "80 7f ffff 8000 7fff ffff 80000000 7fffffff ffffffff 8000000000000000 7fffffffffffffff",
    );
    expect(x.int8()).toBe(-128);
    expect(x.int8()).toBe(127);
    expect(x.uint16()).toBe(65535);
    expect(x.int16()).toBe(-32768);
    expect(x.int16()).toBe(32767);
    expect(x.int16()).toBe(-1);
    expect(x.int32()).toBe(-2147483648);
    expect(x.int32()).toBe(2147483647);
    expect(x.uint32()).toBe(4294967295);
    expect(x.int64()).toBe(-(2n ** 63n));
    expect(x.int64()).toBe(2n ** 63n - 1n);
    expect(x.remaining).toBe(0);
  });

  test("float64 and bool (any non-zero byte is true, as in Kafka)", () => {
    const x = r("400c000000000000 00 01 ff");
    expect(x.float64()).toBe(3.5);
    expect(x.bool()).toBe(false);
    expect(x.bool()).toBe(true);
    expect(x.bool()).toBe(true);
  });

  test.each([
    ["int8", 1],
    ["uint8", 1],
    ["int16", 2],
    ["uint16", 2],
    ["int32", 4],
    ["uint32", 4],
    ["int64", 8],
    ["float64", 8],
    ["uuid", 16],
  ] as const)(
    "%s on truncated input throws ProtocolDecodeError and does not move",
    (method, size) => {
      for (let have = 0; have < size; have++) {
        const x = new Reader(Buffer.alloc(have, 0xab));
        expect(() => x[method]()).toThrow(ProtocolDecodeError);
        expect(x.offset).toBe(0);
      }
    },
  );

  test("the error names the offset where reading failed", () => {
    const x = r("0001 02");
    x.int16();
    try {
      x.int16();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolDecodeError);
      expect((e as ProtocolDecodeError).offset).toBe(2);
      expect((e as Error).message).toMatch(/at byte 2/);
    }
  });

  test("a window (offset, end) is respected even when the buffer continues", () => {
    const bytes = Buffer.from("000000010000000200000003", "hex");
    const x = new Reader(bytes, 4, 8);
    expect(x.remaining).toBe(4);
    expect(x.int32()).toBe(2);
    expect(() => x.int8()).toThrow(ProtocolDecodeError);
  });
});

describe("uuid", () => {
  test("formats 16 bytes as a lower-case dashed UUID", () => {
    expect(r("5c1d7a1e9f0b4c2e8a77 0123456789ab").uuid()).toBe(
      "5c1d7a1e-9f0b-4c2e-8a77-0123456789ab",
    );
    expect(r("00".repeat(16)).uuid()).toBe("00000000-0000-0000-0000-000000000000");
  });
});

describe("strings", () => {
  test("STRING: int16 length then UTF-8 bytes (length counts bytes, not characters)", () => {
    const x = r("0005 c3bc6e6963");
    expect(x.string()).toBe("ünic");
    expect(x.remaining).toBe(0);
  });

  test("STRING: 4-byte UTF-8 (emoji) decodes", () => {
    expect(r("0004 f09f9a80").string()).toBe("🚀");
  });

  test("STRING: -1 is refused (not nullable); NULLABLE_STRING: -1 is null, -2 is refused", () => {
    expect(() => r("ffff").string()).toThrow(ProtocolDecodeError);
    expect(r("ffff").nullableString()).toBe(null);
    expect(() => r("fffe").nullableString()).toThrow(/bad string length -2/);
    expect(r("0000").nullableString()).toBe("");
  });

  test("COMPACT_STRING: uvarint length+1; 0 is null only where nullable", () => {
    expect(r("03 6869").compactString()).toBe("hi");
    expect(r("01").compactString()).toBe("");
    expect(() => r("00").compactString()).toThrow(ProtocolDecodeError);
    expect(r("00").compactNullableString()).toBe(null);
    expect(r("01").compactNullableString()).toBe("");
  });

  test("a claimed length beyond the frame is refused before reading", () => {
    expect(() => r("7fff 6869").string()).toThrow(/need 32767 bytes, 2 left/);
    expect(() => r("7fff 6869").nullableString()).toThrow(ProtocolDecodeError);
    expect(() => r("ffffffff0f 6869").compactString()).toThrow(ProtocolDecodeError);
    expect(() => r("8080808008").compactNullableString()).toThrow(ProtocolDecodeError);
  });

  test.each([
    ["a lone continuation byte", "0001 80"],
    ["a truncated 2-byte sequence", "0001 c3"],
    ["an invalid lead byte", "0001 ff"],
    ["an overlong '/'", "0002 c0af"],
    ["a UTF-16 surrogate (CESU-8)", "0003 eda080"],
    ["a code point above U+10FFFF", "0004 f4908080"],
    ["a valid char followed by garbage", "0003 41c328"],
  ])("invalid UTF-8 is refused: %s", (_what, h) => {
    expect(() => r(h).string()).toThrow(/not valid UTF-8/);
    expect(() => r(h).nullableString()).toThrow(ProtocolDecodeError);
  });

  test("invalid UTF-8 in a compact string is refused too", () => {
    expect(() => r("02 ff").compactString()).toThrow(/not valid UTF-8/);
    expect(() => r("02 ff").compactNullableString()).toThrow(/not valid UTF-8/);
  });
});

describe("bytes", () => {
  test("BYTES / NULLABLE_BYTES / COMPACT_BYTES", () => {
    expect([...r("00000002 0102").bytes()]).toEqual([1, 2]);
    expect(() => r("ffffffff").bytes()).toThrow(ProtocolDecodeError);
    expect(r("ffffffff").nullableBytes()).toBe(null);
    expect(() => r("fffffffe").nullableBytes()).toThrow(/bad bytes length -2/);
    expect([...r("03 0102").compactBytes()]).toEqual([1, 2]);
    expect(() => r("00").compactBytes()).toThrow(ProtocolDecodeError);
    expect(r("00").compactNullableBytes()).toBe(null);
  });

  test("bytes are a view into the frame, not a copy", () => {
    const frame = Buffer.from("00000002aabb", "hex");
    const b = new Reader(frame).bytes();
    frame[4] = 0xcc;
    expect(b[0]).toBe(0xcc);
  });

  test("a claimed length of 2^31-1 is refused without allocating", () => {
    expect(() => r("7fffffff 00").bytes()).toThrow(/need 2147483647 bytes/);
    expect(() => r("7fffffff 00").nullableBytes()).toThrow(ProtocolDecodeError);
    expect(() => r("8080808008 00").compactBytes()).toThrow(ProtocolDecodeError);
  });

  test("raw() with a negative length is refused", () => {
    expect(() => r("00").raw(-1)).toThrow(ProtocolDecodeError);
  });
});

describe("array lengths", () => {
  test("ARRAY: int32 count; -1 is null only where nullable; below -1 is refused", () => {
    expect(r("00000002 0000").arrayLength(false)).toBe(2);
    expect(r("ffffffff").arrayLength(true)).toBe(-1);
    expect(() => r("ffffffff").arrayLength(false)).toThrow(/non-nullable array is null/);
    expect(() => r("fffffffe").arrayLength(true)).toThrow(/bad array length -2/);
    expect(() => r("80000000").arrayLength(true)).toThrow(ProtocolDecodeError);
  });

  test("COMPACT_ARRAY: uvarint count+1; 0 is null only where nullable", () => {
    expect(r("03 0000").compactArrayLength(false)).toBe(2);
    expect(r("00").compactArrayLength(true)).toBe(-1);
    expect(() => r("00").compactArrayLength(false)).toThrow(ProtocolDecodeError);
  });

  test("a count larger than the bytes left is refused before anything is allocated", () => {
    expect(() => r("7fffffff 00").arrayLength(false)).toThrow(/exceeds the 1 bytes left/);
    expect(() => r("8080808008 00").compactArrayLength(false)).toThrow(ProtocolDecodeError);
    expect(() => r("ffffffff0f").compactArrayLength(true)).toThrow(ProtocolDecodeError);
    expect(r("00000001 00").arrayLength(false)).toBe(1);
  });
});
