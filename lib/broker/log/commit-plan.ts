/**
 * Planning one partition's commit for a flush, as a pure function of the partition's head:
 * run idempotence over the appends in arrival order, assign offsets densely from
 * head.nextOffset, and describe the appended batches as chunk entries of the segment.
 *
 * A request is all or nothing: if one of its batches is refused (45, 47), none is appended.
 * Entries cover only appended batches, so a duplicate or refused batch between two appended
 * ones splits the partition's physical chunk into several entries.
 */
import type { BatchView } from "../../protocol/records/batch-header.ts";
import type {
  ChunkEntry,
  PartitionCommit,
  PartitionHead,
  PartitionKey,
} from "../../storage/ports.ts";
import { expireProducers, PartitionProducers } from "../producers/idempotence.ts";
import { ErrorCode } from "./errors.ts";

/** Where one batch of an append landed. */
export interface BatchOffsets {
  baseOffset: bigint;
  lastOffset: bigint;
  /** A retry of a batch already in the log: these are its original offsets. */
  duplicate: boolean;
}

/** The answer to one append: all its batches were committed (or were duplicates), or none. */
export interface WriterAppendResult {
  /** 0, OUT_OF_ORDER_SEQUENCE_NUMBER or INVALID_PRODUCER_EPOCH. */
  errorCode: number;
  errorMessage?: string;
  /** Per batch, in request order; empty when errorCode ≠ 0. */
  batches: BatchOffsets[];
  logStartOffset: bigint;
  highWatermark: bigint;
}

/** One caller's append as laid out in the segment. */
export interface PlannedAppend {
  batches: readonly BatchView[];
  /** Object position of each batch. */
  objectStarts: readonly number[];
}

export interface PartitionPlan {
  /** Undefined when nothing is appended (only duplicates or refused requests). */
  commit: PartitionCommit | undefined;
  /** One per append, in order; final once the commit (if any) succeeded. */
  results: WriterAppendResult[];
}

/**
 * Runs idempotence over the partition's appends in arrival order on top of `head`, assigns
 * offsets densely from head.nextOffset, and builds the chunk entries. A request is all or
 * nothing: if one of its batches is refused, none of them is appended. Entries cover only
 * appended batches, so a refused or duplicate batch between two appended ones splits the
 * physical chunk into several entries.
 */
export function planPartitionCommit(
  key: PartitionKey,
  appends: readonly PlannedAppend[],
  head: PartitionHead,
  segmentKey: string,
  nowMs: number,
  producerIdExpirationMs: number,
): PartitionPlan {
  let producers = new PartitionProducers(
    expireProducers(head.producers, nowMs, producerIdExpirationMs),
  );
  let next = head.nextOffset;
  let runningMax = head.maxTimestampMs;
  const entries: ChunkEntry[] = [];
  let run: ChunkEntry | undefined;
  const closeRun = () => {
    if (run) entries.push(run);
    run = undefined;
  };
  const results: WriterAppendResult[] = [];
  for (const it of appends) {
    const trial = it.batches.length > 1 ? producers.fork() : producers;
    const offsets: BatchOffsets[] = [];
    let refused: { errorCode: number; errorMessage: string } | undefined;
    let at = next;
    for (const v of it.batches) {
      const decision = trial.check(v.header);
      if (decision.kind === "error") {
        refused = { errorCode: decision.errorCode, errorMessage: decision.errorMessage };
        break;
      }
      if (decision.kind === "duplicate") {
        const { baseOffset, lastOffset } = decision;
        offsets.push({ baseOffset, lastOffset, duplicate: true });
        continue;
      }
      const lastOffset = at + BigInt(v.header.lastOffsetDelta);
      trial.apply(v.header, at, lastOffset, nowMs);
      offsets.push({ baseOffset: at, lastOffset, duplicate: false });
      at = lastOffset + 1n;
    }
    if (refused) {
      closeRun();
      results.push({ ...refused, batches: [], logStartOffset: 0n, highWatermark: 0n });
      continue;
    }
    producers = trial;
    next = at;
    it.batches.forEach((v, i) => {
      const o = offsets[i];
      if (o.duplicate) {
        closeRun();
        return;
      }
      const maxTs = Number(v.header.maxTimestamp);
      runningMax = Math.max(runningMax, maxTs);
      if (!run) {
        run = {
          topicId: key.topicId,
          partition: key.partition,
          baseOffset: o.baseOffset,
          lastOffset: o.lastOffset,
          segmentKey,
          byteStart: it.objectStarts[i],
          byteLength: 0,
          batchCount: 0,
          maxTimestampMs: -1,
          runningMaxTimestampMs: -1,
        };
      }
      run.lastOffset = o.lastOffset;
      run.byteLength += v.byteLength;
      run.batchCount++;
      run.maxTimestampMs = Math.max(run.maxTimestampMs, maxTs);
      run.runningMaxTimestampMs = runningMax;
    });
    results.push({
      errorCode: ErrorCode.NONE,
      batches: offsets,
      logStartOffset: 0n,
      highWatermark: 0n,
    });
  }
  closeRun();

  const appended = next !== head.nextOffset;
  const newHead: PartitionHead = appended
    ? {
        topicId: key.topicId,
        partition: key.partition,
        nextOffset: next,
        logStartOffset: head.logStartOffset,
        maxTimestampMs: runningMax,
        version: head.version + 1,
        producers: producers.toList(),
      }
    : head;
  for (const r of results) {
    r.logStartOffset = newHead.logStartOffset;
    r.highWatermark = newHead.nextOffset;
  }
  return {
    commit: appended
      ? { expectedVersion: head.version, head: newHead, chunks: entries }
      : undefined,
    results,
  };
}
