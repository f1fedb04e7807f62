/**
 * RecordBatch v2 (magic 2) header: the 61 bytes in front of the records. Layout and the rules
 * for what may be rewritten live in ../../../docs/protocol.md; in short, only BaseOffset (0..7)
 * and PartitionLeaderEpoch (12..15) sit outside the CRC-32C, which covers bytes 21..end.
 */
import { ProtocolDecodeError } from "../errors.ts";

/** Bytes in the batch header, up to and including RecordsCount. */
export const RECORD_BATCH_OVERHEAD = 61;
/** BaseOffset + BatchLength: bytes not counted by BatchLength. */
export const LOG_OVERHEAD = 12;
export const CRC_START = 21;
export const MAGIC_V2 = 2;

export const CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_MASK = 0x10;
export const CONTROL_MASK = 0x20;

export const Codec = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CodecName = keyof typeof Codec;
export type CodecId = (typeof Codec)[CodecName];

export interface BatchHeader {
  baseOffset: bigint;
  /** Bytes after the BatchLength field; the whole batch is batchLength + LOG_OVERHEAD. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** A whole batch located inside a larger buffer. */
export interface BatchView {
  header: BatchHeader;
  /** Start of the batch (its BaseOffset field) within the buffer it was found in. */
  byteOffset: number;
  /** The whole batch, log overhead included. */
  byteLength: number;
}

/** Reads the header at `at`. The caller guarantees RECORD_BATCH_OVERHEAD bytes are there. */
export function readBatchHeader(buf: Buffer, at: number): BatchHeader {
  return {
    baseOffset: buf.readBigInt64BE(at),
    batchLength: buf.readInt32BE(at + 8),
    partitionLeaderEpoch: buf.readInt32BE(at + 12),
    magic: buf.readInt8(at + 16),
    crc: buf.readUInt32BE(at + 17),
    attributes: buf.readInt16BE(at + 21),
    lastOffsetDelta: buf.readInt32BE(at + 23),
    baseTimestamp: buf.readBigInt64BE(at + 27),
    maxTimestamp: buf.readBigInt64BE(at + 35),
    producerId: buf.readBigInt64BE(at + 43),
    producerEpoch: buf.readInt16BE(at + 51),
    baseSequence: buf.readInt32BE(at + 53),
    recordCount: buf.readInt32BE(at + 57),
  };
}

export function codecOf(header: BatchHeader): number {
  return header.attributes & CODEC_MASK;
}
export function isControlBatch(header: BatchHeader): boolean {
  return (header.attributes & CONTROL_MASK) !== 0;
}
export function isTransactionalBatch(header: BatchHeader): boolean {
  return (header.attributes & TRANSACTIONAL_MASK) !== 0;
}
/** Offsets the batch occupies: lastOffsetDelta + 1. */
export function offsetCountOf(header: BatchHeader): number {
  return header.lastOffsetDelta + 1;
}

/**
 * Walks the whole batches in `buf`. Used on bytes Floe already validated (segments, caches);
 * a structurally impossible length still raises ProtocolDecodeError rather than looping.
 */
export function* batchesIn(buf: Buffer, start = 0, end = buf.length): Generator<BatchView> {
  let at = start;
  while (at < end) {
    if (end - at < RECORD_BATCH_OVERHEAD)
      throw new ProtocolDecodeError("truncated batch header", at);
    const header = readBatchHeader(buf, at);
    const byteLength = header.batchLength + LOG_OVERHEAD;
    if (header.batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || at + byteLength > end) {
      throw new ProtocolDecodeError(`bad batch length ${header.batchLength}`, at);
    }
    yield { header, byteOffset: at, byteLength };
    at += byteLength;
  }
}

/** Rewrites BaseOffset in place. Outside the CRC, so the batch stays valid. */
export function writeBaseOffset(buf: Buffer, batchStart: number, baseOffset: bigint): void {
  buf.writeBigInt64BE(baseOffset, batchStart);
}
