/**
 * The log engine's facade: what the Kafka handlers (Produce, Fetch, ListOffsets,
 * DeleteRecords) and the Lambda handlers call. Stateless across hosts: everything it knows
 * comes from the object store and the metadata store; the caches and the writer's buffer are
 * only optimisations, and two LogService instances over the same stores produce one log.
 *
 * Errors are data: Kafka error codes per partition. Storage failures on the write path answer
 * KAFKA_STORAGE_ERROR (retriable); read-path storage errors are thrown for the handler to map.
 */
import type { Logger } from "../../logger.ts";
import type { BatchView } from "../../protocol/records/batch-header.ts";
import { batchesIn, RECORD_BATCH_OVERHEAD } from "../../protocol/records/batch-header.ts";
import { ObjectNotFoundError } from "../../storage/errors.ts";
import type {
  ChunkEntry,
  MetadataStore,
  ObjectStore,
  PartitionHead,
  PartitionKey,
} from "../../storage/ports.ts";
import { clusterIdOf } from "../cluster-id.ts";
import { ErrorCode, LogAppendError } from "./errors.ts";
import { HeadLoader } from "./head-loader.ts";
import { HwmWatcher } from "./hwm-watcher.ts";
import { type LogConfig, resolveLogConfig } from "./log-config.ts";
import { LogMetrics } from "./metrics.ts";
import { claimSegmentPrefix, SegmentPrefixOwnedError } from "./prefix-owner.ts";
import { SegmentReader } from "./segment-reader.ts";
import { SegmentWriter, type WriterAppendResult } from "./segment-writer.ts";
import { type TimestampedOffset, TimestampLookup } from "./timestamp-lookup.ts";

export interface AppendOutcome {
  errorCode: number;
  /** Offset of the request's first batch (its original offset for a duplicate); −1 on error. */
  baseOffset: bigint;
  /** −1 on error, as Kafka answers. */
  logStartOffset: bigint;
  errorMessage?: string;
}

export interface ReadResult {
  errorCode: number;
  highWatermark: bigint;
  logStartOffset: bigint;
  /** Whole batches with assigned offsets, in offset order; do not modify. */
  records: Buffer[];
}

export interface ReadOptions {
  /**
   * Return the first batch even when it is larger than maxBytes (KIP-74). Default true; a
   * Fetch handler passes false for partitions after the first one that returned data.
   */
  minOneBatch?: boolean;
}

export type { TimestampedOffset } from "./timestamp-lookup.ts";

export interface DeleteRecordsOutcome {
  errorCode: number;
  lowWatermark: bigint;
  errorMessage?: string;
}

export interface LogServiceDeps {
  objectStore: ObjectStore;
  metadataStore: MetadataStore;
  config?: Partial<LogConfig>;
  /** Wall clock (producer state times, footers); tests inject one. */
  nowMs?: () => number;
  /** Failed flushes are logged here at warn (rate-limited). */
  logger?: Logger;
}

/** Index entries fetched per metadata lookup while reading forward. */
const CHUNK_PAGE = 8;

export class LogService {
  readonly config: LogConfig;
  readonly metrics = new LogMetrics();
  private readonly metadataStore: MetadataStore;
  private readonly objectStore: ObjectStore;
  /** The segment prefix's claim for this cluster (./prefix-owner.ts): pending, or undefined. */
  private prefixClaim: Promise<void> | undefined;
  private prefixClaimed = false;
  private readonly writer: SegmentWriter;
  private readonly reader: SegmentReader;
  private readonly watcher: HwmWatcher;
  private readonly headLoader: HeadLoader;
  private readonly timestamps: TimestampLookup;

  constructor(deps: LogServiceDeps) {
    this.config = resolveLogConfig(deps.config);
    this.metadataStore = deps.metadataStore;
    this.objectStore = deps.objectStore;
    this.reader = new SegmentReader({
      objectStore: deps.objectStore,
      cacheBytes: this.config.cacheBytes,
      metrics: this.metrics,
    });
    this.watcher = new HwmWatcher({
      metadataStore: deps.metadataStore,
      pollIntervalMs: this.config.pollIntervalMs,
      maxPollIntervalMs: this.config.maxPollIntervalMs,
      metrics: this.metrics,
    });
    this.timestamps = new TimestampLookup({
      metadataStore: deps.metadataStore,
      reader: this.reader,
      metrics: this.metrics,
    });
    this.headLoader = new HeadLoader(async (keys) => {
      this.metrics.headReads++;
      this.metrics.headsRead += keys.length;
      const heads = await deps.metadataStore.getHeads(keys);
      for (const h of heads) this.watcher.observe(h, h.nextOffset);
      return heads;
    });
    this.writer = new SegmentWriter({
      objectStore: deps.objectStore,
      metadataStore: deps.metadataStore,
      config: this.config,
      metrics: this.metrics,
      nowMs: deps.nowMs,
      logger: deps.logger,
      onCommit: (head, entries, bytesOf) => {
        if (this.config.cacheOnAppend) {
          for (const e of entries) this.reader.prime(e, bytesOf(e), true);
        }
        this.watcher.observe(head, head.nextOffset);
      },
    });
  }

  /**
   * Appends validated batches (`batches` locate them in `records`). Resolves after the
   * batches are durable and committed (invariant 1), or with a per-partition error.
   */
  async append(
    key: PartitionKey,
    records: Buffer,
    batches: readonly BatchView[],
  ): Promise<AppendOutcome> {
    const r = await this.appendDetailed(key, records, batches);
    if (r.errorCode !== ErrorCode.NONE) return failedAppend(r.errorCode, r.errorMessage);
    return {
      errorCode: ErrorCode.NONE,
      baseOffset: r.batches[0].baseOffset,
      logStartOffset: r.logStartOffset,
    };
  }

  /**
   * Claims the segment key prefix for the metadata store's cluster (./prefix-owner.ts), once:
   * no segment goes under a prefix another cluster owns, whose collector would delete it. The
   * first append waits for it; a front calls it as it starts, to fail at once, passing the
   * cluster id it already holds. A claim that failed is tried again by the next call.
   */
  claimSegmentPrefix(knownClusterId?: string): Promise<void> {
    this.prefixClaim ??= (async () => {
      const clusterId = knownClusterId ?? (await clusterIdOf(this.metadataStore));
      await claimSegmentPrefix(this.objectStore, this.config.segmentKeyPrefix, clusterId);
      this.prefixClaimed = true;
    })().catch((err: unknown) => {
      this.prefixClaim = undefined;
      throw err;
    });
    return this.prefixClaim;
  }

  /** As `append`, with the offsets of every batch. */
  async appendDetailed(
    key: PartitionKey,
    records: Buffer,
    batches: readonly BatchView[],
  ): Promise<WriterAppendResult> {
    try {
      if (!this.prefixClaimed) await this.claimBeforeAppend();
      return await this.writer.append(key, records, batches);
    } catch (err) {
      if (!(err instanceof LogAppendError)) throw err;
      return {
        errorCode: err.code,
        errorMessage: err.message,
        batches: [],
        logStartOffset: -1n,
        highWatermark: -1n,
      };
    }
  }

  /** claimSegmentPrefix, its failure as the append's: a misconfiguration is not retriable. */
  private async claimBeforeAppend(): Promise<void> {
    try {
      await this.claimSegmentPrefix();
    } catch (err) {
      if (err instanceof SegmentPrefixOwnedError) {
        throw new LogAppendError(ErrorCode.UNKNOWN_SERVER_ERROR, false, err.message, {
          cause: err,
        });
      }
      throw new LogAppendError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        true,
        `claiming the segment prefix failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }

  /**
   * Settles once the segment receipts of the flushes done so far are written (./segment-receipt.ts):
   * appends do not wait for them, a count of what a flush cost does.
   */
  receiptsWritten(): Promise<void> {
    return this.writer.receiptsWritten();
  }

  /**
   * Current heads, in the order of `keys`. Calls made in the same tick share one getHeads
   * (a Fetch over many partitions reads their heads with one metadata request).
   */
  async heads(keys: readonly PartitionKey[]): Promise<PartitionHead[]> {
    return Promise.all(keys.map((k) => this.headLoader.load(k)));
  }

  /**
   * Whole batches from the one containing `fetchOffset`, across chunks and segments, while
   * they fit in `maxBytes` — but at least one batch (KIP-74) unless told otherwise.
   */
  async read(
    key: PartitionKey,
    fetchOffset: bigint,
    maxBytes: number,
    options: ReadOptions = {},
  ): Promise<ReadResult> {
    const [head] = await this.heads([key]);
    const highWatermark = head.nextOffset;
    const logStartOffset = head.logStartOffset;
    this.watcher.noteServed(key, highWatermark);
    const result: ReadResult = {
      errorCode: ErrorCode.NONE,
      highWatermark,
      logStartOffset,
      records: [],
    };
    if (fetchOffset < logStartOffset || fetchOffset > highWatermark) {
      result.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      return result;
    }
    let bytes = 0;
    let atLeastOne = options.minOneBatch ?? true;
    let next = fetchOffset;
    while (next < highWatermark) {
      const page = await this.findChunks(key, next, CHUNK_PAGE, head);
      let i = 0;
      while (i < page.length) {
        // No batch is smaller than its header: stop before a GET that cannot be used.
        if (!atLeastOne && bytes + RECORD_BATCH_OVERHEAD > maxBytes) return result;
        // The index knows each chunk's size, so the chunks this response can use are fetched
        // together (parallel GETs on a cold cache) rather than one after another. The first
        // chunk may start below `next`, so a wave can fall short; the next wave catches up.
        const wave: ChunkEntry[] = [];
        let planned = bytes;
        while (i < page.length && (wave.length === 0 || planned < maxBytes)) {
          // Committed after the head we read: not below this response's high watermark.
          if (page[i].baseOffset >= highWatermark) break;
          planned += page[i].byteLength;
          wave.push(page[i++]);
        }
        if (wave.length === 0) return result;
        const buffers = await this.readWave(key, wave);
        if (typeof buffers === "bigint") {
          // Retention or DeleteRecords moved the log start past these chunks after we read the
          // index, and their objects are gone: what was served stands, else out of range.
          result.logStartOffset = buffers;
          if (result.records.length === 0) result.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
          return result;
        }
        for (const buf of buffers) {
          let runStart = -1;
          let runEnd = -1;
          let full = false;
          for (const v of batchesIn(buf)) {
            const lastOffset = v.header.baseOffset + BigInt(v.header.lastOffsetDelta);
            if (lastOffset < next) continue;
            if (bytes + v.byteLength > maxBytes && !atLeastOne) {
              full = true;
              break;
            }
            atLeastOne = false;
            if (runStart < 0) runStart = v.byteOffset;
            runEnd = v.byteOffset + v.byteLength;
            bytes += v.byteLength;
            next = lastOffset + 1n;
          }
          if (runStart >= 0) result.records.push(buf.subarray(runStart, runEnd));
          if (full) return result;
        }
      }
      if (page.length < CHUNK_PAGE) break;
    }
    return result;
  }

  /**
   * The first record (by offset, at or after the log start) whose timestamp is ≥ the target
   * (ListOffsets with a timestamp), or undefined when there is none.
   */
  async offsetForTimestamp(
    key: PartitionKey,
    timestampMs: bigint | number,
  ): Promise<TimestampedOffset | undefined> {
    const [head] = await this.heads([key]);
    return this.timestamps.offsetForTimestamp(head, BigInt(timestampMs));
  }

  /**
   * The record with the largest timestamp at or after the log start, earliest offset on ties
   * (ListOffsets −3, KIP-734), or undefined for an empty log.
   */
  async maxTimestampOffset(key: PartitionKey): Promise<TimestampedOffset | undefined> {
    const [head] = await this.heads([key]);
    return this.timestamps.maxTimestampOffset(head);
  }

  /**
   * DeleteRecords: moves the log start to `beforeOffset` (−1 = the high watermark) with a
   * conditional head write, then drops index entries wholly below it. Never beyond the high
   * watermark (OFFSET_OUT_OF_RANGE); a target at or below the current log start changes nothing.
   */
  async deleteRecords(key: PartitionKey, beforeOffset: bigint): Promise<DeleteRecordsOutcome> {
    let [head] = await this.heads([key]);
    for (let attempt = 0; attempt < this.config.maxCommitAttempts; attempt++) {
      const target = beforeOffset === -1n ? head.nextOffset : beforeOffset;
      if (target < 0n || target > head.nextOffset) {
        return {
          errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
          lowWatermark: -1n,
          errorMessage: `offset ${beforeOffset} is outside [0, ${head.nextOffset}]`,
        };
      }
      if (target <= head.logStartOffset) {
        return { errorCode: ErrorCode.NONE, lowWatermark: head.logStartOffset };
      }
      this.metrics.commitCalls++;
      this.metrics.partitionCommits++;
      const [outcome] = await this.metadataStore.commitPartitions([
        {
          expectedVersion: head.version,
          head: { ...head, logStartOffset: target, version: head.version + 1 },
          chunks: [],
        },
      ]);
      if (outcome.ok) {
        // Entries below the log start are never read again; removing them is housekeeping,
        // and a failure here leaves only unreachable index rows.
        await this.metadataStore.deleteChunksBelow(key, target).catch(() => 0);
        return { errorCode: ErrorCode.NONE, lowWatermark: target };
      }
      this.metrics.commitConflicts++;
      head = outcome.current;
    }
    return {
      errorCode: ErrorCode.KAFKA_STORAGE_ERROR,
      lowWatermark: -1n,
      errorMessage: `log start update lost ${this.config.maxCommitAttempts} races`,
    };
  }

  /**
   * Resolves as soon as any partition's high watermark rises above `since` (default: the one
   * this process last saw — pass the HWMs your reads returned so a commit that lands between
   * the read and this call is not missed), at `timeoutMs`, or on abort.
   */
  waitForData(
    keys: readonly PartitionKey[],
    timeoutMs: number,
    signal?: AbortSignal,
    since?: readonly bigint[],
  ): Promise<void> {
    return this.watcher.wait(keys, timeoutMs, signal, since);
  }

  /** Flushes pending appends, then stops; waiting fetches are released. */
  async close(): Promise<void> {
    await this.writer.close();
    this.watcher.close();
  }

  /**
   * The chunks' bytes; or, when an object is gone because the log start has moved past its
   * chunk since the index was read (maintenance deletes such objects), the new log start. A
   * missing object the log still holds is a real loss and is thrown.
   */
  private async readWave(key: PartitionKey, wave: ChunkEntry[]): Promise<Buffer[] | bigint> {
    try {
      return await Promise.all(wave.map((e) => this.reader.read(e)));
    } catch (err) {
      if (!(err instanceof ObjectNotFoundError)) throw err;
      const [head] = await this.metadataStore.getHeads([key]);
      const missing = wave.find((e) => e.segmentKey === err.key);
      if (missing !== undefined && missing.lastOffset < head.logStartOffset) {
        return head.logStartOffset;
      }
      throw err;
    }
  }

  private async findChunks(
    key: PartitionKey,
    from: bigint,
    limit: number,
    atHead: PartitionHead,
  ): Promise<ChunkEntry[]> {
    this.metrics.chunkLookups++;
    return this.metadataStore.findChunks(key, from, limit, atHead);
  }
}

function failedAppend(errorCode: number, errorMessage?: string): AppendOutcome {
  return { errorCode, baseOffset: -1n, logStartOffset: -1n, errorMessage };
}
