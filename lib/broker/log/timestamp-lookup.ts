/**
 * Timestamp lookups over a partition's log (ListOffsets by timestamp and −3). The index keeps,
 * per chunk, its maximum timestamp and the running maximum of the log up to it; record-level
 * answers need the records, so the one or few batches that can hold the answer are decoded.
 */
import { batchesIn } from "../../protocol/records/batch-header.ts";
import { decodeRecords } from "../../protocol/records/decode.ts";
import type {
  ChunkEntry,
  MetadataStore,
  PartitionHead,
  PartitionKey,
} from "../../storage/ports.ts";
import type { LogMetrics } from "./metrics.ts";
import type { SegmentReader } from "./segment-reader.ts";

export interface TimestampedOffset {
  offset: bigint;
  timestampMs: bigint;
}

/** Index entries fetched per metadata lookup while walking forward. */
const CHUNK_PAGE = 8;

function keyOf(head: PartitionHead): PartitionKey {
  return { topicId: head.topicId, partition: head.partition };
}

export class TimestampLookup {
  private readonly metadataStore: MetadataStore;
  private readonly reader: SegmentReader;
  private readonly metrics: LogMetrics;

  constructor(deps: { metadataStore: MetadataStore; reader: SegmentReader; metrics: LogMetrics }) {
    this.metadataStore = deps.metadataStore;
    this.reader = deps.reader;
    this.metrics = deps.metrics;
  }

  /**
   * The first record (by offset, at or after the log start of `head`) whose timestamp is
   * ≥ timestampMs, or undefined when there is none.
   */
  async offsetForTimestamp(
    head: PartitionHead,
    timestampMs: bigint,
  ): Promise<TimestampedOffset | undefined> {
    const key = keyOf(head);
    if (BigInt(head.maxTimestampMs) < timestampMs) return undefined;
    this.metrics.chunkLookups++;
    // Running maxima are monotonic, so this is the first chunk that can hold such a record;
    // chunks after it may not (timestamps need not increase), hence the walk.
    const first = await this.metadataStore.findChunkByTimestamp(key, Number(timestampMs));
    if (!first) return undefined;
    for await (const entry of this.entriesFrom(key, first, head)) {
      if (BigInt(entry.maxTimestampMs) < timestampMs) continue;
      const found = await this.scanChunk(entry, head.logStartOffset, (ts) => ts >= timestampMs);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * The record with the largest timestamp at or after the log start, earliest offset on ties
   * (ListOffsets −3, KIP-734), or undefined for an empty log.
   */
  async maxTimestampOffset(head: PartitionHead): Promise<TimestampedOffset | undefined> {
    const key = keyOf(head);
    if (head.maxTimestampMs < 0 || head.logStartOffset >= head.nextOffset) return undefined;
    this.metrics.chunkLookups++;
    const first = await this.metadataStore.findChunkByTimestamp(key, head.maxTimestampMs);
    const max = BigInt(head.maxTimestampMs);
    if (
      first &&
      first.maxTimestampMs === head.maxTimestampMs &&
      first.baseOffset >= head.logStartOffset
    ) {
      // The first chunk holding the log-wide maximum, wholly inside the retained log.
      const found = await this.scanChunk(first, head.logStartOffset, (ts) => ts === max);
      if (found) return found;
    }
    // The maximum was deleted (DeleteRecords): scan the index, decoding only chunks that beat
    // the best so far.
    let best: TimestampedOffset | undefined;
    const start = await this.findChunks(key, head.logStartOffset, 1);
    if (start.length === 0) return undefined;
    for await (const entry of this.entriesFrom(key, start[0], head)) {
      if (best && BigInt(entry.maxTimestampMs) <= best.timestampMs) continue;
      const buf = await this.reader.read(entry);
      for (const v of batchesIn(buf)) {
        if (best && v.header.maxTimestamp <= best.timestampMs) continue;
        const lastOffset = v.header.baseOffset + BigInt(v.header.lastOffsetDelta);
        if (lastOffset < head.logStartOffset) continue;
        const recs = await decodeRecords(buf.subarray(v.byteOffset, v.byteOffset + v.byteLength));
        for (const r of recs) {
          if (r.offset < head.logStartOffset) continue;
          if (!best || r.timestampMs > best.timestampMs) {
            best = { offset: r.offset, timestampMs: r.timestampMs };
          }
        }
      }
    }
    return best;
  }

  private async findChunks(key: PartitionKey, from: bigint, limit: number): Promise<ChunkEntry[]> {
    this.metrics.chunkLookups++;
    return this.metadataStore.findChunks(key, from, limit);
  }

  /** `first`, then the entries after it, below the head's high watermark. */
  private async *entriesFrom(
    key: PartitionKey,
    first: ChunkEntry,
    head: PartitionHead,
  ): AsyncGenerator<ChunkEntry> {
    let entry: ChunkEntry | undefined = first;
    let page: ChunkEntry[] = [];
    while (entry && entry.baseOffset < head.nextOffset) {
      yield entry;
      if (page.length === 0) {
        if (entry.lastOffset + 1n >= head.nextOffset) return;
        page = await this.findChunks(key, entry.lastOffset + 1n, CHUNK_PAGE);
      }
      entry = page.shift();
    }
  }

  /** The first record in `entry` at or after `fromOffset` whose timestamp satisfies `match`. */
  private async scanChunk(
    entry: ChunkEntry,
    fromOffset: bigint,
    match: (timestampMs: bigint) => boolean,
  ): Promise<TimestampedOffset | undefined> {
    const buf = await this.reader.read(entry);
    for (const v of batchesIn(buf)) {
      const lastOffset = v.header.baseOffset + BigInt(v.header.lastOffsetDelta);
      // Both predicates ("≥ T", "= the maximum") hold for some record only if they hold for
      // the batch's MaxTimestamp, so other batches are skipped without decoding.
      if (lastOffset < fromOffset || !match(v.header.maxTimestamp)) continue;
      const recs = await decodeRecords(buf.subarray(v.byteOffset, v.byteOffset + v.byteLength));
      for (const r of recs) {
        if (r.offset >= fromOffset && match(r.timestampMs)) {
          return { offset: r.offset, timestampMs: r.timestampMs };
        }
      }
    }
    return undefined;
  }
}
