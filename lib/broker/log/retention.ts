/**
 * Retention of one partition: read its head and its oldest chunk index entries, plan with
 * ./retention-plan.ts, and move the log start through LogService.deleteRecords — the same
 * conditional head write as Kafka's DeleteRecords, so a produce or a DeleteRecords racing with
 * us is never lost or undone: a lost condition re-reads the head and retries, and a log start
 * already at or past our target is left alone (it never moves backwards). The target stays
 * right under a race because it is a chunk boundary of an immutable log below the high
 * watermark we read: new commits only add above it, and a newer log start only supersedes it.
 *
 * Also the physical cleanup DeleteRecords leaves to us: index entries wholly below the log
 * start (LogService.deleteRecords drops them as best effort; a failure there leaves them).
 *
 * Reading cost: `findChunks` from the log start, FIRST_READ_PAGE entries and then pages of
 * READ_PAGE (on DynamoDB each a GetItem of the head plus one Query of the oldest index pages:
 * docs/dynamodb-tables.md §3). With retention.ms alone the reading stops at the first
 * unexpired chunk, so a partition with nothing to delete costs one small page; with no limit
 * at all, nothing (or one entry, to look for DeleteRecords' leftovers). retention.bytes needs the log's size, which the index does
 * not keep as a total, so it reads every retained entry below the high watermark (about one
 * RCU per 32 chunks on DynamoDB); retention itself keeps that list bounded by retention.bytes.
 */
import type { ChunkEntry, MetadataStore, PartitionKey, TopicRecord } from "../../storage/ports.ts";
import { topicConfigValue } from "../topics/topic-configs.ts";
import { ErrorCode } from "./errors.ts";
import type { LogService } from "./log-service.ts";
import { expiredByTime, planRetention, retentionLimitsOf } from "./retention-plan.ts";

/** What retention needs of the log engine: its head reads and its log start move. */
export type LogStartMover = Pick<LogService, "heads" | "deleteRecords">;

export interface RetentionDeps {
  metadataStore: MetadataStore;
  log: LogStartMover;
  nowMs: () => number;
  /** True once the run's time is up: stop reading pages and act on what was read. */
  expired?: () => boolean;
}

export interface PartitionRetentionResult {
  topic: string;
  partition: number;
  /** The log start as read, and after this call (−1 for a partition never written). */
  logStartOffset: bigint;
  newLogStartOffset: bigint;
  highWatermark: bigint;
  /** Chunks retention removed from the log (by time or by size). */
  chunksExpired: number;
  /** Index entries deleted below the log start (DeleteRecords' and retention's leftovers). */
  chunksDropped: number;
  /** Whether every entry the rules needed was read (false: cut by the deadline). */
  complete: boolean;
  /**
   * Segment objects of the chunks this call read that are now wholly below the log start: the
   * orphan collector's candidates (./orphan-gc.ts judgeReleased), which it may delete once no
   * other partition's chunk in them is indexed.
   */
  releasedSegments: string[];
}

/**
 * Index entries read by the first findChunks call, and by each later one. The first is small:
 * on most partitions, most runs, the oldest chunk has not expired and one look at it settles
 * the matter (on DynamoDB a Query of 3 index pages, ≈ 1 RCU, rather than 26).
 */
export const FIRST_READ_PAGE = 8;
export const READ_PAGE = 100;

export class RetentionError extends Error {
  override readonly name = "RetentionError";
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
}

export async function applyRetention(
  deps: RetentionDeps,
  topic: TopicRecord,
  partition: number,
): Promise<PartitionRetentionResult> {
  const key: PartitionKey = { topicId: topic.topicId, partition };
  const limits = retentionLimitsOf((name) => topicConfigValue(topic.configs, name));
  const [head] = await deps.log.heads([key]);
  const result: PartitionRetentionResult = {
    topic: topic.name,
    partition,
    logStartOffset: head.version === 0 ? -1n : head.logStartOffset,
    newLogStartOffset: head.version === 0 ? -1n : head.logStartOffset,
    highWatermark: head.nextOffset,
    chunksExpired: 0,
    chunksDropped: 0,
    complete: true,
    releasedSegments: [],
  };
  if (head.version === 0) return result;
  const { logStartOffset, nextOffset: highWatermark } = head;
  const noLimits = limits.retentionMs < 0 && limits.retentionBytes < 0;
  // Without limits only DeleteRecords' leftovers can need work, and only above offset 0.
  if (noLimits && logStartOffset === 0n) return result;
  let limit = noLimits ? 1 : FIRST_READ_PAGE;

  // The first page from offset 0 is, in the usual case, the page from the log start; when it
  // is not, entries below the log start remain and are dropped before going on.
  let page = await deps.metadataStore.findChunks(key, 0n, limit, head);
  if (page.length > 0 && page[0].lastOffset < logStartOffset) {
    result.chunksDropped = await deps.metadataStore.deleteChunksBelow(key, logStartOffset);
    page = await deps.metadataStore.findChunks(key, logStartOffset, limit, head);
  }
  const nowMs = deps.nowMs();
  const chunks: ChunkEntry[] = [];
  const wanted = (c: ChunkEntry): boolean => c.baseOffset < highWatermark;
  for (;;) {
    const inLog = page.filter(wanted);
    chunks.push(...inLog);
    const more = page.length === limit && inLog.length === page.length;
    if (!more || noLimits) break;
    const needAll = limits.retentionBytes >= 0;
    const allExpired = inLog.every((c) => expiredByTime(c, nowMs, limits.retentionMs));
    if (!needAll && !allExpired) break;
    if (deps.expired?.()) {
      result.complete = false;
      break;
    }
    limit = READ_PAGE;
    page = await deps.metadataStore.findChunks(
      key,
      page[page.length - 1].lastOffset + 1n,
      limit,
      head,
    );
  }
  // Cut short, the list may not reach the end of the log: its size is unknown, so only the
  // time rule (which needs just a prefix) may act.
  const plan = planRetention({
    logStartOffset,
    highWatermark,
    chunks,
    nowMs,
    retentionMs: limits.retentionMs,
    retentionBytes: result.complete ? limits.retentionBytes : -1,
  });
  if (plan.newLogStartOffset <= logStartOffset) return result;
  const moved = await deps.log.deleteRecords(key, plan.newLogStartOffset);
  if (moved.errorCode !== ErrorCode.NONE) {
    throw new RetentionError(
      `moving the log start of ${topic.name}-${partition} to ${plan.newLogStartOffset} failed ` +
        `(error ${moved.errorCode}${moved.errorMessage ? `: ${moved.errorMessage}` : ""})`,
      moved.errorCode,
    );
  }
  result.newLogStartOffset = moved.lowWatermark;
  // A concurrent DeleteRecords may have gone further first: then it, not retention, removed them.
  if (moved.lowWatermark === plan.newLogStartOffset) result.chunksExpired = plan.chunksExpired;
  const released = new Set<string>();
  for (const c of chunks) if (c.lastOffset < moved.lowWatermark) released.add(c.segmentKey);
  result.releasedSegments = [...released];
  return result;
}
