import { ProtocolDecodeError } from "../errors.ts";

const textDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Bounds-checked big-endian reader over one frame. Every read validates the remaining length
 * first, so truncated or hostile input raises ProtocolDecodeError instead of reading garbage.
 * Length-prefixed reads also check the claimed length against what is left, which keeps a
 * hostile "array of 2^31 elements" from allocating anything.
 */
export class Reader {
  readonly buf: Buffer;
  offset: number;
  readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  fail(message: string): never {
    throw new ProtocolDecodeError(message, this.offset);
  }

  private need(bytes: number): void {
    if (bytes < 0 || this.offset + bytes > this.end) {
      this.fail(`need ${bytes} bytes, ${this.remaining} left`);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }
  uint8(): number {
    this.need(1);
    return this.buf[this.offset++];
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }
  uuid(): string {
    this.need(16);
    const hex = this.buf.toString("hex", this.offset, this.offset + 16);
    this.offset += 16;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Unsigned LEB128, at most 5 bytes (32 bits). */
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.uint8();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) this.fail("uvarint overflows 32 bits");
        return result;
      }
    }
    return this.fail("uvarint longer than 5 bytes");
  }
  /** Zig-zag signed varint (32 bits). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  /** Zig-zag signed varlong (64 bits). */
  varlong(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.uint8();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (result >> 64n !== 0n) this.fail("varlong overflows 64 bits");
        return (result >> 1n) ^ -(result & 1n);
      }
    }
    return this.fail("varlong longer than 10 bytes");
  }

  raw(length: number): Buffer {
    this.need(length);
    const out = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  private utf8(length: number): string {
    const bytes = this.raw(length);
    try {
      return textDecoder.decode(bytes);
    } catch {
      return this.fail("string is not valid UTF-8");
    }
  }

  string(): string {
    const len = this.int16();
    if (len < 0) this.fail("non-nullable string is null");
    return this.utf8(len);
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < -1) this.fail(`bad string length ${len}`);
    return len === -1 ? null : this.utf8(len);
  }
  compactString(): string {
    const len = this.uvarint() - 1;
    if (len < 0) this.fail("non-nullable compact string is null");
    return this.utf8(len);
  }
  compactNullableString(): string | null {
    const len = this.uvarint() - 1;
    return len === -1 ? null : this.utf8(len);
  }
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) this.fail("non-nullable bytes are null");
    return this.raw(len);
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len < -1) this.fail(`bad bytes length ${len}`);
    return len === -1 ? null : this.raw(len);
  }
  compactBytes(): Buffer {
    const len = this.uvarint() - 1;
    if (len < 0) this.fail("non-nullable compact bytes are null");
    return this.raw(len);
  }
  compactNullableBytes(): Buffer | null {
    const len = this.uvarint() - 1;
    return len === -1 ? null : this.raw(len);
  }

  /**
   * Array length for the classic (int32) encoding. Each element takes at least one byte, so a
   * count larger than the bytes left is rejected before anything is allocated.
   */
  arrayLength(nullable: boolean): number {
    const n = this.int32();
    return this.checkCount(n, nullable);
  }
  compactArrayLength(nullable: boolean): number {
    const n = this.uvarint() - 1;
    return this.checkCount(n, nullable);
  }
  private checkCount(n: number, nullable: boolean): number {
    if (n === -1) {
      if (!nullable) this.fail("non-nullable array is null");
      return -1;
    }
    if (n < -1) this.fail(`bad array length ${n}`);
    if (n > this.remaining) this.fail(`array length ${n} exceeds the ${this.remaining} bytes left`);
    return n;
  }

  /**
   * Reads a tagged-field section. Known tags are handed to `onTag` with a sub-reader bounded to
   * the field; unknown tags are skipped, as the protocol requires.
   */
  taggedFields(onTag?: (tag: number, r: Reader) => void): void {
    const count = this.uvarint();
    let lastTag = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= lastTag) this.fail("tagged fields out of order");
      lastTag = tag;
      const size = this.uvarint();
      this.need(size);
      if (onTag) {
        const sub = new Reader(this.buf, this.offset, this.offset + size);
        onTag(tag, sub);
      }
      this.offset += size;
    }
  }
}
