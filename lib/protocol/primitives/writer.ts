/**
 * Big-endian writer that produces a list of buffers. Small fields go into a growing scratch
 * buffer; large byte blobs (record batches on fetch) are kept by reference, so a multi-megabyte
 * fetch response is never copied before it reaches the socket.
 */
const ZERO_COPY_MIN_BYTES = 1024;

export class Writer {
  private readonly chunks: Buffer[] = [];
  private scratch: Buffer;
  private pos = 0;
  private flushedBytes = 0;

  constructor(initialBytes = 256) {
    this.scratch = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.flushedBytes + this.pos;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.scratch.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.pos + bytes));
    this.scratch.copy(next, 0, 0, this.pos);
    this.scratch = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.scratch.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  uint8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`uint8 ${v}`);
    this.ensure(1);
    this.scratch[this.pos++] = v;
    return this;
  }
  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }
  int16(v: number): this {
    this.ensure(2);
    this.scratch.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.scratch.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.scratch.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.scratch.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  int64(v: bigint): this {
    this.ensure(8);
    this.scratch.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }
  float64(v: number): this {
    this.ensure(8);
    this.scratch.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }
  uuid(v: string): this {
    const hex = v.replaceAll("-", "");
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a UUID: ${v}`);
    this.ensure(16);
    this.scratch.write(hex, this.pos, "hex");
    this.pos += 16;
    return this;
  }

  uvarint(v: number): this {
    if (v < 0 || v > 0xffffffff || !Number.isInteger(v)) throw new RangeError(`uvarint ${v}`);
    this.ensure(5);
    let n = v;
    while (n >= 0x80) {
      this.scratch[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.scratch[this.pos++] = n;
    return this;
  }
  varint(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff)
      throw new RangeError(`varint ${v}`);
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  varlong(v: bigint): this {
    if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new RangeError(`varlong ${v}`);
    let n = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    while (n >= 0x80n) {
      this.scratch[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.scratch[this.pos++] = Number(n);
    return this;
  }

  raw(bytes: Uint8Array): this {
    if (bytes.length >= ZERO_COPY_MIN_BYTES) {
      this.flushScratch();
      this.chunks.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
      this.flushedBytes += bytes.length;
      return this;
    }
    this.ensure(bytes.length);
    this.scratch.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }
  private utf8(v: string, lengthPrefix: (len: number) => void): this {
    const len = Buffer.byteLength(v, "utf8");
    lengthPrefix(len);
    this.ensure(len);
    this.scratch.write(v, this.pos, "utf8");
    this.pos += len;
    return this;
  }

  string(v: string): this {
    return this.utf8(v, (len) => this.int16(len));
  }
  nullableString(v: string | null): this {
    return v === null ? this.int16(-1) : this.string(v);
  }
  compactString(v: string): this {
    return this.utf8(v, (len) => this.uvarint(len + 1));
  }
  compactNullableString(v: string | null): this {
    return v === null ? this.uvarint(0) : this.compactString(v);
  }
  bytes(v: Uint8Array): this {
    return this.int32(v.length).raw(v);
  }
  nullableBytes(v: Uint8Array | null): this {
    return v === null ? this.int32(-1) : this.bytes(v);
  }
  compactBytes(v: Uint8Array): this {
    return this.uvarint(v.length + 1).raw(v);
  }
  compactNullableBytes(v: Uint8Array | null): this {
    return v === null ? this.uvarint(0) : this.compactBytes(v);
  }

  /** An empty tagged-field section. */
  emptyTaggedFields(): this {
    return this.uint8(0);
  }

  private flushScratch(): void {
    if (this.pos === 0) return;
    this.chunks.push(Buffer.from(this.scratch.subarray(0, this.pos)));
    this.flushedBytes += this.pos;
    this.pos = 0;
  }

  /** The written bytes as a list of buffers (large blobs by reference). */
  toBuffers(): Buffer[] {
    this.flushScratch();
    return this.chunks.slice();
  }

  /** The written bytes in one buffer (copies; for tests and small messages). */
  toBuffer(): Buffer {
    return Buffer.concat(this.toBuffers());
  }
}
