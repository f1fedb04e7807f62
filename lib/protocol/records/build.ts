/**
 * Building a RecordBatch v2 the way Java's producer (MemoryRecordsBuilder) does: offset deltas
 * 0..n-1, the first record's timestamp as BaseTimestamp, CreateTime, PartitionLeaderEpoch -1,
 * the CRC-32C set last. Used by the CLI, the SDK and tests; the broker will use `control` for
 * transaction markers.
 */
import { compress } from "../compression/index.ts";
import { Writer } from "../primitives/writer.ts";
import {
  CONTROL_MASK,
  Codec,
  type CodecId,
  CRC_START,
  LOG_OVERHEAD,
  MAGIC_V2,
  RECORD_BATCH_OVERHEAD,
  TRANSACTIONAL_MASK,
} from "./batch-header.ts";
import { crc32c } from "./crc32c.ts";
import type { RecordHeader } from "./decode.ts";

export interface BuildRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Defaults to `baseTimestampMs`, else the time of the call. */
  timestampMs?: bigint;
}

export interface BuildRecordBatchOptions {
  /** At least one record: Kafka refuses empty batches from producers. */
  records: BuildRecord[];
  codec?: CodecId;
  /** Producers send 0 (the default); storage rewrites it. */
  baseOffset?: bigint;
  /** -1 (default) for a producer without idempotence. */
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  /** A control batch (transaction marker). Only the broker writes these. */
  control?: boolean;
  /** BaseTimestamp; defaults to the first record's timestamp. */
  baseTimestampMs?: bigint;
  /** Defaults to -1, as producers send it. */
  partitionLeaderEpoch?: number;
}

const INT16_MIN = -0x8000;
const INT16_MAX = 0x7fff;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export async function buildRecordBatch(opts: BuildRecordBatchOptions): Promise<Buffer> {
  const { records } = opts;
  if (records.length === 0) throw new RangeError("a record batch needs at least one record");
  const codec = opts.codec ?? Codec.none;
  const baseOffset = opts.baseOffset ?? 0n;
  const producerId = opts.producerId ?? -1n;
  const producerEpoch = opts.producerEpoch ?? -1;
  const baseSequence = opts.baseSequence ?? -1;
  const partitionLeaderEpoch = opts.partitionLeaderEpoch ?? -1;
  checkInt64("baseOffset", baseOffset);
  checkInt64("producerId", producerId);
  checkInt("producerEpoch", producerEpoch, INT16_MIN, INT16_MAX);
  checkInt("baseSequence", baseSequence, INT32_MIN, INT32_MAX);
  checkInt("partitionLeaderEpoch", partitionLeaderEpoch, INT32_MIN, INT32_MAX);
  if (producerId >= 0n && (producerEpoch < 0 || baseSequence < 0)) {
    throw new RangeError(
      "an idempotent batch (producerId ≥ 0) needs producerEpoch and baseSequence ≥ 0",
    );
  }

  const fallbackMs = opts.baseTimestampMs ?? BigInt(Date.now());
  const timestamps = records.map((rec) => rec.timestampMs ?? fallbackMs);
  const baseTimestamp = opts.baseTimestampMs ?? timestamps[0];
  let maxTimestamp = timestamps[0];
  for (const ts of timestamps) {
    checkInt64("timestampMs", ts);
    if (ts > maxTimestamp) maxTimestamp = ts;
  }
  checkInt64("baseTimestampMs", baseTimestamp);

  const body = new Writer(1024);
  for (let i = 0; i < records.length; i++) {
    const { key, value, headers = [] } = records[i];
    const timestampDelta = timestamps[i] - baseTimestamp;
    const headerKeys = headers.map((h) => Buffer.from(h.key, "utf8"));
    let size = 1 + varlongSize(timestampDelta) + varintSize(i);
    size += bytesSize(key) + bytesSize(value) + varintSize(headers.length);
    for (let h = 0; h < headers.length; h++) {
      size += varintSize(headerKeys[h].length) + headerKeys[h].length + bytesSize(headers[h].value);
    }
    body.varint(size).int8(0).varlong(timestampDelta).varint(i);
    nullableBytes(body, key);
    nullableBytes(body, value);
    body.varint(headers.length);
    for (let h = 0; h < headers.length; h++) {
      body.varint(headerKeys[h].length).raw(headerKeys[h]);
      nullableBytes(body, headers[h].value);
    }
  }
  const payload = await compress(codec, body.toBuffer());

  const total = RECORD_BATCH_OVERHEAD + payload.length;
  if (total - LOG_OVERHEAD > INT32_MAX)
    throw new RangeError(`batch of ${total} bytes is too large`);
  let attributes: number = codec;
  if (opts.transactional) attributes |= TRANSACTIONAL_MASK;
  if (opts.control) attributes |= CONTROL_MASK;

  const out = Buffer.allocUnsafe(total);
  out.writeBigInt64BE(baseOffset, 0);
  out.writeInt32BE(total - LOG_OVERHEAD, 8);
  out.writeInt32BE(partitionLeaderEpoch, 12);
  out.writeInt8(MAGIC_V2, 16);
  out.writeInt16BE(attributes, 21);
  out.writeInt32BE(records.length - 1, 23);
  out.writeBigInt64BE(baseTimestamp, 27);
  out.writeBigInt64BE(maxTimestamp, 35);
  out.writeBigInt64BE(producerId, 43);
  out.writeInt16BE(producerEpoch, 51);
  out.writeInt32BE(baseSequence, 53);
  out.writeInt32BE(records.length, 57);
  payload.copy(out, RECORD_BATCH_OVERHEAD);
  out.writeUInt32BE(crc32c(out, CRC_START), 17);
  return out;
}

function nullableBytes(w: Writer, v: Buffer | null): void {
  if (v === null) w.varint(-1);
  else w.varint(v.length).raw(v);
}

function varintSize(v: number): number {
  return uvarintSize(v >= 0 ? v * 2 : -v * 2 - 1);
}
function uvarintSize(u: number): number {
  let n = 1;
  for (let x = u; x >= 0x80; x = Math.floor(x / 128)) n++;
  return n;
}
function varlongSize(v: bigint): number {
  let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  let n = 1;
  for (; u >= 0x80n; u >>= 7n) n++;
  return n;
}
function bytesSize(v: Buffer | null): number {
  return v === null ? 1 : varintSize(v.length) + v.length;
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} ${v} is outside [${min}, ${max}]`);
  }
}
function checkInt64(name: string, v: bigint): void {
  if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`${name} ${v} does not fit in int64`);
}
