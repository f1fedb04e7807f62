/**
 * One flush of the segment writer: lay the appends out as one segment object, PUT it
 * (durable), then commit each partition conditionally on its head, re-planning partitions that
 * lost a race to another host, and only then answer the callers.
 */

import { type Logger, silentLogger } from "../../logger.ts";
import type { BatchView } from "../../protocol/records/batch-header.ts";
import type {
  ChunkEntry,
  MetadataStore,
  ObjectStore,
  PartitionHead,
  PartitionKey,
} from "../../storage/ports.ts";
import { type CommitDeadline, startCommitDeadline } from "./commit-deadline.ts";
import { type PartitionPlan, planPartitionCommit, type WriterAppendResult } from "./commit-plan.ts";
import { ErrorCode, LogAppendError } from "./errors.ts";
import type { LogConfig } from "./log-config.ts";
import type { LogMetrics } from "./metrics.ts";
import {
  describeChunk,
  encodeSegmentFooter,
  newSegmentKey,
  type SegmentChunk,
} from "./segment-format.ts";
import {
  newReceiptDraft,
  noteCommitted,
  type ReceiptDraft,
  writeSegmentReceipt,
} from "./segment-receipt.ts";
import { type CrashHook, testCrashHook } from "./test-crash.ts";

/** Told about every successful partition commit, before the callers are answered. */
export type CommitListener = (
  head: PartitionHead,
  entries: readonly ChunkEntry[],
  bytesOf: (entry: ChunkEntry) => Buffer,
) => void;

/** One caller's append, waiting in the writer's buffer or in a flush. */
export interface Pending {
  key: PartitionKey;
  records: Buffer;
  batches: readonly BatchView[];
  bytes: number;
  enqueuedAt: number;
  resolve: (r: WriterAppendResult) => void;
  reject: (e: LogAppendError) => void;
  /** Object position of each batch, set when the flush lays out the segment. */
  objectStarts: number[];
}

/** Partitions whose last head a flusher remembers before it starts over (a few MB at most). */
const MAX_KNOWN_HEADS = 65_536;

/** The appends of one partition in one flush, in arrival order. */
export interface Group {
  pk: string;
  key: PartitionKey;
  items: Pending[];
  byteStart: number;
  byteLength: number;
  /** Settled when this flush's commit for the partition is over; true if it committed. */
  done: Deferred<boolean>;
  /** The same partition's group in the previous flush, which must commit first. */
  predecessor: Promise<boolean> | undefined;
}

interface Plan extends PartitionPlan {
  group: Group;
}

export interface SegmentFlusherDeps {
  objectStore: ObjectStore;
  metadataStore: MetadataStore;
  config: LogConfig;
  metrics: LogMetrics;
  nowMs: () => number;
  onCommit: CommitListener | undefined;
  /** Failed flushes are logged at warn, at most once per FAILURE_LOG_INTERVAL_MS. */
  logger?: Logger;
}

/**
 * A storage outage fails every flush (one per linger period): the first failure is logged at
 * once, later ones at most this often, with the count of those not logged in between.
 */
export const FAILURE_LOG_INTERVAL_MS = 10_000;

export class SegmentFlusher {
  private readonly objectStore: ObjectStore;
  private readonly metadataStore: MetadataStore;
  private readonly config: LogConfig;
  private readonly metrics: LogMetrics;
  private readonly nowMs: () => number;
  private readonly onCommit: CommitListener | undefined;
  private readonly logger: Logger;
  private lastFailureLogMs = Number.NEGATIVE_INFINITY;
  private failuresNotLogged = 0;
  /** TEST-ONLY kill points (FLOE_TEST_CRASH_POINT); a no-op unless configured. */
  private readonly crashAt: CrashHook;
  /**
   * The head each partition had after this process's last commit (or last read) of it. A
   * commit is planned on it without reading the store first: if another host moved the head
   * meanwhile, the conditional commit fails and returns the current head, which costs what the
   * read would have. Only an answer given WITHOUT a commit (a refusal, pure duplicates) is not
   * checked by a condition, so those are planned again on a fresh read before anyone hears.
   */
  private readonly knownHeads = new Map<string, PartitionHead>();
  /** Segment receipts being written (./segment-receipt.ts). */
  private readonly receiptWrites = new Set<Promise<void>>();

  constructor(deps: SegmentFlusherDeps) {
    this.objectStore = deps.objectStore;
    this.metadataStore = deps.metadataStore;
    this.config = deps.config;
    this.metrics = deps.metrics;
    this.nowMs = deps.nowMs;
    this.onCommit = deps.onCommit;
    this.logger = deps.logger ?? silentLogger;
    this.crashAt = testCrashHook(deps.config.testCrashPoint);
  }

  /** Writes and commits one segment; settles every caller in `groups`; never rejects. */
  async flush(groups: Group[]): Promise<void> {
    try {
      await this.writeAndCommit(groups);
    } catch (err) {
      // A bug, not a storage failure; still, no caller may hang. Settled callers are unaffected.
      this.failGroups(groups, `flush failed: ${messageOf(err)}`, err);
    }
  }

  private async writeAndCommit(groups: Group[]): Promise<void> {
    this.metrics.flushes++;
    const deadline = startCommitDeadline(this.config.commitDeadlineMs, this.nowMs);
    const segmentKey = newSegmentKey(this.config.segmentKeyPrefix);
    const body: Buffer[] = [];
    const chunks: SegmentChunk[] = [];
    let pos = 0;
    for (const g of groups) {
      g.byteStart = pos;
      const views: BatchView[] = [];
      for (const it of g.items) {
        for (const v of it.batches) {
          body.push(it.records.subarray(v.byteOffset, v.byteOffset + v.byteLength));
          it.objectStarts.push(pos);
          views.push(v);
          pos += v.byteLength;
        }
      }
      g.byteLength = pos - g.byteStart;
      chunks.push(describeChunk(g.key.topicId, g.key.partition, g.byteStart, views));
    }
    const footer = encodeSegmentFooter(this.nowMs(), chunks);
    body.push(footer);

    this.crashAt("before-put");
    try {
      await this.objectStore.putNew(segmentKey, body);
      this.metrics.segmentPuts++;
      this.metrics.segmentPutBytes += pos + footer.length;
    } catch (err) {
      this.metrics.segmentPutFailures++;
      // Nothing was committed, so nothing is visible; the object, if any, is an orphan.
      this.failGroups(groups, `segment write failed: ${messageOf(err)}`, err);
      return;
    }
    this.crashAt("after-put");

    const live: Group[] = [];
    for (const g of groups) {
      if (g.predecessor === undefined || (await g.predecessor)) live.push(g);
      else this.failGroups([g], "an earlier append to this partition failed; retry in order");
    }
    if (live.length === 0) return;
    const receipt = newReceiptDraft();
    await this.commit(segmentKey, live, deadline, receipt);
    // Every caller has its answer by now; neither they nor the next flush wait for the receipt.
    const write = writeSegmentReceipt(this.metadataStore, this.metrics, segmentKey, receipt);
    this.receiptWrites.add(write);
    void write.finally(() => this.receiptWrites.delete(write));
  }

  /** Settles once every receipt write started so far is over (they never reject). */
  async receiptsWritten(): Promise<void> {
    await Promise.all(this.receiptWrites);
  }

  private async commit(
    segmentKey: string,
    groups: Group[],
    deadline: CommitDeadline,
    receipt: ReceiptDraft,
  ): Promise<void> {
    let todo = groups;
    let heads: PartitionHead[];
    let unverified: boolean[];
    try {
      ({ heads, unverified } = await this.headsFor(todo));
    } catch (err) {
      this.failGroups(todo, `reading partition heads failed: ${messageOf(err)}`, err);
      return;
    }
    for (let attempt = 1; todo.length > 0; attempt++) {
      if (attempt > this.config.maxCommitAttempts) {
        this.failGroups(todo, `commit lost ${this.config.maxCommitAttempts} races; retry`);
        return;
      }
      const nowMs = this.nowMs();
      const plans: Plan[] = todo.map((g, i) => ({
        group: g,
        ...planPartitionCommit(
          g.key,
          g.items,
          heads[i],
          segmentKey,
          nowMs,
          this.config.producerIdExpirationMs,
        ),
      }));
      const stale = plans.flatMap((p, i) => (p.commit === undefined && unverified[i] ? [i] : []));
      if (stale.length > 0) {
        // An answer without a commit must rest on a head read from the store, not remembered.
        try {
          const fresh = await this.readHeads(stale.map((i) => todo[i].key));
          stale.forEach((i, j) => {
            heads[i] = fresh[j];
            unverified[i] = false;
            this.remember(todo[i].pk, fresh[j]);
          });
        } catch (err) {
          this.failGroups(todo, `reading partition heads failed: ${messageOf(err)}`, err);
          return;
        }
        attempt--;
        continue;
      }
      const toCommit = plans.filter((p) => p.commit !== undefined);
      for (const p of plans) if (p.commit === undefined) this.answer(p);
      if (toCommit.length === 0) return;

      if (deadline.passed()) {
        // Too late: the object may be collected as an orphan by now (./commit-deadline.ts).
        this.metrics.commitDeadlineMisses += toCommit.length;
        this.failGroups(
          toCommit.map((p) => p.group),
          `commit not done within ${deadline.deadlineMs} ms of the segment write; retry`,
        );
        return;
      }
      let outcomes: Awaited<ReturnType<MetadataStore["commitPartitions"]>>;
      try {
        this.metrics.commitCalls++;
        this.metrics.partitionCommits += toCommit.length;
        outcomes = await this.metadataStore.commitPartitions(toCommit.map((p) => p.commit!));
        this.crashAt("after-commit");
      } catch (err) {
        // Any of these partitions may have committed: no receipt may claim to name them all.
        receipt.inDoubt = true;
        this.metrics.commitFailures++;
        this.failGroups(
          toCommit.map((p) => p.group),
          `commit failed: ${messageOf(err)}`,
          err,
        );
        return;
      }
      const retry: Group[] = [];
      const retryHeads: PartitionHead[] = [];
      outcomes.forEach((outcome, i) => {
        const p = toCommit[i];
        if (outcome.ok) {
          this.remember(p.group.pk, p.commit!.head);
          noteCommitted(receipt, p.commit!.chunks);
          this.committed(p, segmentKey);
        } else {
          this.metrics.commitConflicts++;
          this.remember(p.group.pk, outcome.current);
          retry.push(p.group);
          retryHeads.push(outcome.current);
        }
      });
      todo = retry;
      heads = retryHeads;
      unverified = retry.map(() => false);
    }
  }

  /**
   * Remembers a partition's head. The map is a cache (a forgotten head is read again), so it
   * is simply emptied when it outgrows MAX_KNOWN_HEADS, which also drops deleted topics' heads.
   */
  private remember(pk: string, head: PartitionHead): void {
    if (this.knownHeads.size >= MAX_KNOWN_HEADS && !this.knownHeads.has(pk))
      this.knownHeads.clear();
    this.knownHeads.set(pk, head);
  }

  /** Remembered heads where there are any, the rest read from the store. */
  private async headsFor(
    groups: readonly Group[],
  ): Promise<{ heads: PartitionHead[]; unverified: boolean[] }> {
    const remembered = groups.map((g) => this.knownHeads.get(g.pk));
    const missing = groups.filter((_, i) => remembered[i] === undefined);
    const read = missing.length > 0 ? await this.readHeads(missing.map((g) => g.key)) : [];
    let next = 0;
    const heads = remembered.map((h, i) => {
      if (h !== undefined) return h;
      const fresh = read[next++];
      this.remember(groups[i].pk, fresh);
      return fresh;
    });
    return { heads, unverified: remembered.map((h) => h !== undefined) };
  }

  private async readHeads(keys: PartitionKey[]): Promise<PartitionHead[]> {
    this.metrics.headReads++;
    this.metrics.headsRead += keys.length;
    return this.metadataStore.getHeads(keys);
  }

  private committed(p: Plan, segmentKey: string): void {
    const commit = p.commit!;
    if (this.onCommit) {
      let chunk: Buffer | undefined;
      const g = p.group;
      const bytesOf = (e: ChunkEntry): Buffer => {
        if (e.segmentKey !== segmentKey) throw new RangeError("entry is not from this flush");
        chunk ??= Buffer.concat(
          g.items.flatMap((it) =>
            it.batches.map((v) => it.records.subarray(v.byteOffset, v.byteOffset + v.byteLength)),
          ),
        );
        return chunk.subarray(e.byteStart - g.byteStart, e.byteStart - g.byteStart + e.byteLength);
      };
      try {
        this.onCommit(commit.head, commit.chunks, bytesOf);
      } catch {
        // A listener (cache, long-poll wake-up) must not turn a committed append into an error.
      }
    }
    this.answer(p);
  }

  private answer(p: Plan): void {
    p.group.done.resolve(true);
    p.group.items.forEach((it, i) => {
      const r = p.results[i];
      if (r.errorCode === ErrorCode.NONE) {
        for (const b of r.batches) {
          if (b.duplicate) this.metrics.batchesDuplicate++;
          else this.metrics.batchesAppended++;
        }
        if (r.batches.some((b) => !b.duplicate)) this.metrics.bytesAppended += it.bytes;
      } else {
        this.metrics.batchesRejected += it.batches.length;
      }
      // Invariant 1 (durability) is enforced here: a caller hears of its append only after the
      // segment object was durably PUT (flush) AND the partition's conditional commit succeeded
      // (commit → committed), or when the append changed nothing (duplicate or refused
      // request, judged on the committed head). No path answers success before both.
      it.resolve(r);
    });
  }

  private failGroups(groups: readonly Group[], message: string, cause?: unknown): void {
    this.logFailure(groups, message, cause);
    for (const g of groups) {
      g.done.resolve(false);
      for (const it of g.items) {
        it.reject(new LogAppendError(ErrorCode.KAFKA_STORAGE_ERROR, true, message, { cause }));
      }
    }
  }

  /** Callers hear KAFKA_STORAGE_ERROR and retry; the operator hears it here, rate-limited. */
  private logFailure(groups: readonly Group[], message: string, cause: unknown): void {
    const nowMs = performance.now();
    if (nowMs - this.lastFailureLogMs < FAILURE_LOG_INTERVAL_MS) {
      this.failuresNotLogged++;
      return;
    }
    this.lastFailureLogMs = nowMs;
    let appends = 0;
    for (const g of groups) appends += g.items.length;
    this.logger.warn("segment flush failed; its appends were answered KAFKA_STORAGE_ERROR", {
      reason: message,
      partitions: groups.length,
      appends,
      failuresNotLoggedBefore: this.failuresNotLogged,
      ...(cause instanceof Error ? { err: cause } : {}),
    });
    this.failuresNotLogged = 0;
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
