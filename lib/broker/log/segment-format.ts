/**
 * The segment object format.
 *
 *   [chunk 0][chunk 1]…[chunk n-1][footer][trailer]
 *
 * A chunk is a contiguous run of whole RecordBatches of one partition, byte for byte as the
 * producers sent them (BaseOffset as sent: offsets are assigned after the object is written,
 * at commit, and rewritten on the read path). Chunks are laid out back to back from byte 0.
 *
 * The footer describes every chunk, so a segment can be understood from the object alone
 * (index rebuild, garbage collection, debugging):
 *
 *   int64 createdAtMs, int32 chunkCount, then per chunk:
 *   uuid topicId, int32 partition, int64 byteStart, int32 byteLength, int32 batchCount,
 *   int32 recordCount, int64 minTimestampMs, int64 maxTimestampMs,
 *   int32 producerIdCount, int64 producerId × producerIdCount
 *
 * The trailer is fixed-size so a reader can fetch the last TRAILER_BYTES first:
 *
 *   uint32 footerLength, uint16 formatVersion, uint16 flags (0), uint32 CRC-32C(footer),
 *   4 bytes magic "FLSG"
 *
 * What the footer cannot say: which batches were committed, and at which offsets. Those are
 * decided by the metadata store after the object exists; a batch the commit rejected
 * (duplicate, fenced epoch) stays in the object unindexed, and an object whose commit failed is
 * an orphan. The metadata store stays the source of truth for offsets.
 */
import { randomUUID } from "node:crypto";
import { Reader, Writer } from "../../protocol/primitives/index.ts";
import type { BatchView } from "../../protocol/records/batch-header.ts";
import { crc32c } from "../../protocol/records/crc32c.ts";
import type { ObjectStore } from "../../storage/ports.ts";

export const SEGMENT_FORMAT_VERSION = 1;
export const SEGMENT_MAGIC = Buffer.from("FLSG", "latin1");
export const SEGMENT_TRAILER_BYTES = 16;
export const SEGMENT_KEY_PREFIX = "segments/";

/** Fixed bytes per chunk description, before its producer ids. */
const CHUNK_FIXED_BYTES = 16 + 4 + 8 + 4 + 4 + 4 + 8 + 8 + 4;
const FOOTER_FIXED_BYTES = 8 + 4;

export interface SegmentChunk {
  topicId: string;
  partition: number;
  /** Position of the chunk's first byte in the object. */
  byteStart: number;
  byteLength: number;
  batchCount: number;
  recordCount: number;
  /** Smallest batch BaseTimestamp (the first record's timestamp of each batch). */
  minTimestampMs: number;
  /** Largest batch MaxTimestamp. */
  maxTimestampMs: number;
  /** Distinct idempotent producer ids in the chunk, ascending; −1 is left out. */
  producerIds: bigint[];
}

export interface SegmentFooter {
  formatVersion: number;
  createdAtMs: number;
  chunks: SegmentChunk[];
  /** Bytes of footer + trailer at the end of the object. */
  tailBytes: number;
}

export class SegmentFormatError extends Error {
  override readonly name = "SegmentFormatError";
}

/** A fresh, never-reused key; the first two hex digits of the UUID spread keys over 256 prefixes. */
export function newSegmentKey(prefix: string = SEGMENT_KEY_PREFIX): string {
  const id = randomUUID();
  return `${prefix}${id.slice(0, 2)}/${id}.seg`;
}

/** Describes the batches `views` (found in `buf`) laid out from `byteStart` of the object. */
export function describeChunk(
  topicId: string,
  partition: number,
  byteStart: number,
  views: readonly BatchView[],
): SegmentChunk {
  let byteLength = 0;
  let recordCount = 0;
  let minTimestampMs = Number.POSITIVE_INFINITY;
  let maxTimestampMs = -1;
  const producerIds = new Set<bigint>();
  for (const v of views) {
    byteLength += v.byteLength;
    recordCount += v.header.recordCount;
    minTimestampMs = Math.min(minTimestampMs, Number(v.header.baseTimestamp));
    maxTimestampMs = Math.max(maxTimestampMs, Number(v.header.maxTimestamp));
    if (v.header.producerId >= 0n) producerIds.add(v.header.producerId);
  }
  return {
    topicId,
    partition,
    byteStart,
    byteLength,
    batchCount: views.length,
    recordCount,
    minTimestampMs: views.length === 0 ? -1 : minTimestampMs,
    maxTimestampMs,
    producerIds: [...producerIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** Footer + trailer, to be written after the chunks. */
export function encodeSegmentFooter(createdAtMs: number, chunks: readonly SegmentChunk[]): Buffer {
  let expectedStart = 0;
  const w = new Writer(FOOTER_FIXED_BYTES + chunks.length * (CHUNK_FIXED_BYTES + 8));
  w.int64(BigInt(createdAtMs)).int32(chunks.length);
  for (const c of chunks) {
    if (c.byteStart !== expectedStart) {
      throw new SegmentFormatError(`chunk starts at ${c.byteStart}, expected ${expectedStart}`);
    }
    expectedStart += c.byteLength;
    w.uuid(c.topicId)
      .int32(c.partition)
      .int64(BigInt(c.byteStart))
      .int32(c.byteLength)
      .int32(c.batchCount)
      .int32(c.recordCount)
      .int64(BigInt(c.minTimestampMs))
      .int64(BigInt(c.maxTimestampMs))
      .int32(c.producerIds.length);
    for (const id of c.producerIds) w.int64(id);
  }
  const footer = w.toBuffer();
  const trailer = Buffer.alloc(SEGMENT_TRAILER_BYTES);
  trailer.writeUInt32BE(footer.length, 0);
  trailer.writeUInt16BE(SEGMENT_FORMAT_VERSION, 4);
  trailer.writeUInt16BE(0, 6);
  trailer.writeUInt32BE(crc32c(footer), 8);
  SEGMENT_MAGIC.copy(trailer, 12);
  return Buffer.concat([footer, trailer]);
}

/**
 * How many bytes at the end of the object hold footer + trailer, read from the trailer alone
 * (the last SEGMENT_TRAILER_BYTES of `tail`).
 */
export function segmentTailLength(tail: Buffer): number {
  if (tail.length < SEGMENT_TRAILER_BYTES) {
    throw new SegmentFormatError(`need ${SEGMENT_TRAILER_BYTES} trailer bytes, got ${tail.length}`);
  }
  const t = tail.subarray(tail.length - SEGMENT_TRAILER_BYTES);
  if (!t.subarray(12).equals(SEGMENT_MAGIC)) {
    throw new SegmentFormatError("not a Floe segment (bad magic)");
  }
  const version = t.readUInt16BE(4);
  if (version !== SEGMENT_FORMAT_VERSION) {
    throw new SegmentFormatError(`unsupported segment format version ${version}`);
  }
  return t.readUInt32BE(0) + SEGMENT_TRAILER_BYTES;
}

/**
 * Rebuilds the chunk list from the last bytes of a segment object (at least `tailBytes`; the
 * whole object is fine). With `objectSizeBytes`, also checks that the chunks exactly fill the
 * object in front of the footer.
 */
export function decodeSegmentFooter(tail: Buffer, objectSizeBytes?: number): SegmentFooter {
  const tailBytes = segmentTailLength(tail);
  if (tail.length < tailBytes) {
    throw new SegmentFormatError(`footer needs ${tailBytes} bytes, got ${tail.length}`);
  }
  const trailerAt = tail.length - SEGMENT_TRAILER_BYTES;
  const footer = tail.subarray(tail.length - tailBytes, trailerAt);
  const storedCrc = tail.readUInt32BE(trailerAt + 8);
  if (crc32c(footer) !== storedCrc) throw new SegmentFormatError("footer CRC-32C mismatch");

  const r = new Reader(footer);
  try {
    const createdAtMs = Number(r.int64());
    const count = r.int32();
    if (count < 0 || count * CHUNK_FIXED_BYTES > r.remaining) {
      throw new SegmentFormatError(`bad chunk count ${count}`);
    }
    const chunks: SegmentChunk[] = [];
    let expectedStart = 0;
    for (let i = 0; i < count; i++) {
      const topicId = r.uuid();
      const partition = r.int32();
      const byteStart = Number(r.int64());
      const byteLength = r.int32();
      const batchCount = r.int32();
      const recordCount = r.int32();
      const minTimestampMs = Number(r.int64());
      const maxTimestampMs = Number(r.int64());
      const idCount = r.int32();
      if (idCount < 0 || idCount * 8 > r.remaining) {
        throw new SegmentFormatError(`bad producer id count ${idCount}`);
      }
      const producerIds: bigint[] = [];
      for (let j = 0; j < idCount; j++) producerIds.push(r.int64());
      if (byteStart !== expectedStart || byteLength < 0 || partition < 0 || batchCount < 0) {
        throw new SegmentFormatError(`chunk ${i} is out of place (${byteStart}+${byteLength})`);
      }
      expectedStart += byteLength;
      chunks.push({
        topicId,
        partition,
        byteStart,
        byteLength,
        batchCount,
        recordCount,
        minTimestampMs,
        maxTimestampMs,
        producerIds,
      });
    }
    if (r.remaining !== 0) throw new SegmentFormatError(`${r.remaining} stray footer bytes`);
    if (objectSizeBytes !== undefined && expectedStart + tailBytes !== objectSizeBytes) {
      throw new SegmentFormatError(
        `chunks end at ${expectedStart} but the footer starts at ${objectSizeBytes - tailBytes}`,
      );
    }
    return { formatVersion: SEGMENT_FORMAT_VERSION, createdAtMs, chunks, tailBytes };
  } catch (err) {
    if (err instanceof SegmentFormatError) throw err;
    throw new SegmentFormatError(`corrupt footer: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Reads a segment's footer with at most two ranged GETs (ObjectStore has no suffix-range read,
 * so the size comes from a listing). The first GET guesses a footer of `guessBytes`.
 */
export async function readSegmentFooter(
  store: ObjectStore,
  key: string,
  objectSizeBytes: number,
  guessBytes = 4096,
): Promise<SegmentFooter> {
  const first = Math.min(objectSizeBytes, Math.max(guessBytes, SEGMENT_TRAILER_BYTES));
  let tail = await store.getRange(key, objectSizeBytes - first, first);
  const needed = segmentTailLength(tail);
  if (needed > objectSizeBytes) throw new SegmentFormatError(`footer larger than ${key}`);
  if (needed > tail.length) tail = await store.getRange(key, objectSizeBytes - needed, needed);
  return decodeSegmentFooter(tail, objectSizeBytes);
}
