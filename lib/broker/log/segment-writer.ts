/**
 * The segment writer: collects appends for many partitions from many callers and turns each
 * flush into one segment object plus one conditional commit per partition.
 *
 * Flush (./segment-flush.ts) = PUT the object (durable), then commit: read the heads, plan each
 * partition's commit (./commit-plan.ts: idempotence, dense offsets, chunk entries), and write
 * the new heads with their chunk entries conditionally on the head versions. A partition whose
 * commit lost a race (another host committed first) is re-planned on the winner's head.
 * Callers are answered only after their partition's commit succeeded (invariant 1).
 *
 * Per partition, commits happen in the order the flushes were taken: a flush waits for the
 * commits of earlier flushes that share a partition. If an earlier flush failed for a
 * partition, later in-flight appends to it fail too (retriable), so a producer that pipelines
 * requests retries them in order instead of meeting OUT_OF_ORDER_SEQUENCE_NUMBER.
 *
 * Buffering is bounded: at most `maxInFlightFlushes` flushes run at once (a slow store backs
 * up into the buffer) and at most `maxBufferedBytes` are held (then appends wait, and fail with
 * REQUEST_TIMED_OUT after `bufferWaitTimeoutMs`).
 */
import type { Logger } from "../../logger.ts";
import type { BatchView } from "../../protocol/records/batch-header.ts";
import type { MetadataStore, ObjectStore, PartitionKey } from "../../storage/ports.ts";
import type { WriterAppendResult } from "./commit-plan.ts";
import { ErrorCode, LogAppendError } from "./errors.ts";
import type { LogConfig } from "./log-config.ts";
import { LogMetrics } from "./metrics.ts";
import { partitionKeyString } from "./partition-key.ts";
import {
  type CommitListener,
  deferred,
  type Group,
  type Pending,
  SegmentFlusher,
} from "./segment-flush.ts";

export type { BatchOffsets, WriterAppendResult } from "./commit-plan.ts";
export type { CommitListener } from "./segment-flush.ts";

export interface SegmentWriterDeps {
  objectStore: ObjectStore;
  metadataStore: MetadataStore;
  config: LogConfig;
  metrics?: LogMetrics;
  /** Wall clock for producer state (lastAppendMs, expiry) and footers. */
  nowMs?: () => number;
  onCommit?: CommitListener;
  /** Where failed flushes are reported (./segment-flush.ts). */
  logger?: Logger;
}

interface Waiter {
  bytes: number;
  admit: () => void;
}

export class SegmentWriter {
  readonly metrics: LogMetrics;
  private readonly config: LogConfig;
  private readonly flusher: SegmentFlusher;

  private pending: Pending[] = [];
  private pendingBytes = 0;
  /** Pending plus in-flight bytes: what `maxBufferedBytes` bounds. */
  private bufferedBytes = 0;
  private readonly waiters: Waiter[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly tails = new Map<string, Promise<boolean>>();
  private cancelTimer: (() => void) | undefined;
  private lingerDue = false;
  private closing = false;

  constructor(deps: SegmentWriterDeps) {
    this.config = deps.config;
    this.metrics = deps.metrics ?? new LogMetrics();
    this.flusher = new SegmentFlusher({
      objectStore: deps.objectStore,
      metadataStore: deps.metadataStore,
      config: deps.config,
      metrics: this.metrics,
      nowMs: deps.nowMs ?? Date.now,
      onCommit: deps.onCommit,
      logger: deps.logger,
    });
  }

  /** Bytes held by the writer (buffered and being flushed). */
  get heldBytes(): number {
    return this.bufferedBytes;
  }

  /**
   * Appends validated batches (`batches` locate them inside `records`) to one partition.
   * Resolves once they are durable and committed, or with a producer error (45, 47) when the
   * request was refused; rejects with a LogAppendError when nothing could be committed.
   */
  async append(
    key: PartitionKey,
    records: Buffer,
    batches: readonly BatchView[],
  ): Promise<WriterAppendResult> {
    if (this.closing) {
      throw new LogAppendError(ErrorCode.KAFKA_STORAGE_ERROR, true, "log writer is closed");
    }
    if (batches.length === 0) throw new RangeError("append needs at least one batch");
    let bytes = 0;
    for (const b of batches) bytes += b.byteLength;
    if (bytes > this.config.maxBufferedBytes) {
      throw new LogAppendError(
        ErrorCode.MESSAGE_TOO_LARGE,
        false,
        `append of ${bytes} bytes exceeds the ${this.config.maxBufferedBytes}-byte buffer`,
      );
    }
    if (this.waiters.length > 0 || this.bufferedBytes + bytes > this.config.maxBufferedBytes) {
      await this.waitForSpace(bytes); // reserves the bytes when it resolves
    } else {
      this.bufferedBytes += bytes;
    }
    return new Promise<WriterAppendResult>((resolve, reject) => {
      this.pending.push({
        key,
        records,
        batches,
        bytes,
        enqueuedAt: performance.now(),
        resolve,
        reject,
        objectStarts: [],
      });
      this.pendingBytes += bytes;
      this.maybeFlush();
    });
  }

  /** Settles once the segment receipts of flushes done so far are written (or given up). */
  receiptsWritten(): Promise<void> {
    return this.flusher.receiptsWritten();
  }

  /** Flushes everything buffered and waits for all flushes; later appends are refused. */
  async close(): Promise<void> {
    this.closing = true;
    for (;;) {
      this.maybeFlush();
      if (this.inFlight.size === 0 && this.pending.length === 0 && this.waiters.length === 0) break;
      // Nothing in flight but appends admitted a moment ago: let them reach the buffer.
      if (this.inFlight.size === 0) await new Promise((r) => setImmediate(r));
      else await Promise.race(this.inFlight);
    }
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.flusher.receiptsWritten();
  }

  private waitForSpace(bytes: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(
          new LogAppendError(
            ErrorCode.REQUEST_TIMED_OUT,
            true,
            `no buffer space for ${bytes} bytes within ${this.config.bufferWaitTimeoutMs} ms`,
          ),
        );
        this.admitWaiters(); // the head of the queue may have been the one blocking others
      }, this.config.bufferWaitTimeoutMs);
      const waiter: Waiter = {
        bytes,
        admit: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Admits waiting appends in arrival order, reserving their bytes. */
  private admitWaiters(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0];
      if (this.bufferedBytes + w.bytes > this.config.maxBufferedBytes) break;
      this.waiters.shift();
      this.bufferedBytes += w.bytes;
      w.admit();
    }
  }

  private maybeFlush(): void {
    while (this.pending.length > 0 && this.inFlight.size < this.config.maxInFlightFlushes) {
      const full = this.pendingBytes >= this.config.maxSegmentBytes;
      if (!full && !this.lingerDue && !this.closing) break;
      this.lingerDue = false;
      this.startFlush(this.take());
    }
    this.armTimer();
  }

  /**
   * The oldest appends while fewer than maxSegmentBytes are taken: a segment holds at most
   * maxSegmentBytes plus one append (fewer, larger PUTs rather than splitting at the limit).
   */
  private take(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.pending.length && bytes < this.config.maxSegmentBytes) {
      bytes += this.pending[n].bytes;
      n++;
    }
    this.pendingBytes -= bytes;
    return this.pending.splice(0, n);
  }

  private armTimer(): void {
    if (this.pending.length === 0) {
      this.cancelTimer?.();
      this.cancelTimer = undefined;
      return;
    }
    if (this.cancelTimer !== undefined || this.lingerDue) return;
    const age = performance.now() - this.pending[0].enqueuedAt;
    const delay = Math.max(0, this.config.lingerMs - age);
    const fire = () => {
      this.cancelTimer = undefined;
      this.lingerDue = true;
      this.maybeFlush();
    };
    if (delay === 0) {
      const h = setImmediate(fire);
      this.cancelTimer = () => clearImmediate(h);
    } else {
      const h = setTimeout(fire, delay);
      this.cancelTimer = () => clearTimeout(h);
    }
  }

  private startFlush(items: Pending[]): void {
    let bytes = 0;
    for (const it of items) bytes += it.bytes;
    // Order per partition is fixed here, synchronously, in take order.
    const groups = new Map<string, Group>();
    for (const it of items) {
      const pk = partitionKeyString(it.key);
      let g = groups.get(pk);
      if (!g) {
        g = {
          pk,
          key: { topicId: it.key.topicId, partition: it.key.partition },
          items: [],
          byteStart: 0,
          byteLength: 0,
          done: deferred<boolean>(),
          predecessor: this.tails.get(pk),
        };
        groups.set(pk, g);
        this.tails.set(pk, g.done.promise);
      }
      g.items.push(it);
    }
    const run = this.flusher.flush([...groups.values()]).finally(() => {
      for (const g of groups.values()) {
        if (this.tails.get(g.pk) === g.done.promise) this.tails.delete(g.pk);
      }
      this.inFlight.delete(run);
      this.bufferedBytes -= bytes;
      this.admitWaiters();
      this.maybeFlush();
    });
    this.inFlight.add(run);
  }
}
