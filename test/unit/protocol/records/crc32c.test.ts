import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c } from "../../../../lib/protocol/records/crc32c.ts";

/** Bit-at-a-time CRC-32C: slow and obviously right. */
function reference(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc ^= buf[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe("crc32c", () => {
  it("matches the standard check value for '123456789'", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
  });

  it("matches the iSCSI test vectors (RFC 3720 B.4)", () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it("is 0 for no bytes and returns unsigned values", () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(Buffer.from([0x80]))).toBeGreaterThan(0x7fffffff);
  });

  it("agrees with the bitwise reference on random input and ranges", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (b % (bytes.length - start + 1));
        expect(crc32c(bytes, start, end)).toBe(reference(bytes, start, end));
      }),
      { numRuns: 500 },
    );
  });

  it("agrees with the reference on a large buffer", () => {
    const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 2654435761) >>> 24);
    expect(crc32c(big)).toBe(reference(big));
  });

  it("rejects a range outside the buffer", () => {
    expect(() => crc32c(new Uint8Array(4), 0, 5)).toThrow(RangeError);
    expect(() => crc32c(new Uint8Array(4), 3, 2)).toThrow(RangeError);
  });
});
