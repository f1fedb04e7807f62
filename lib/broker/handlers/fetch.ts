/**
 * Fetch (key 1), versions 4–17.
 *
 * Returns whole record batches starting with the batch that CONTAINS the fetch offset (clients
 * drop the records before their position), with BaseOffset rewritten to the assigned offsets.
 * Byte limits follow KIP-74: PartitionMaxBytes and MaxBytes bound the response, except that the
 * first batch of the first partition with data is always returned whole. Long poll: with less
 * than MinBytes available the request waits up to MaxWaitMs (capped by fetchMaxWaitCapMs) and
 * returns as soon as any requested partition grows. v13+ address topics by id.
 *
 * Differs from Kafka: no fetch sessions (KIP-227) — SessionId is always 0, so clients send
 * full fetches; an incremental request for a session is answered FETCH_SESSION_ID_NOT_FOUND.
 * Leader epochs are constant (0). No transactions yet, so LastStableOffset = HighWatermark and
 * there are no aborted transactions.
 */
import type {
  FetchRequest,
  FetchRequestFetchPartition,
  FetchResponse,
  FetchResponsePartitionData,
} from "../../protocol/generated/index.ts";
import { batchesIn, Codec, codecOf } from "../../protocol/records/batch-header.ts";
import type { PartitionKey, TopicRecord } from "../../storage/ports.ts";
import { type ApiHandler, type BrokerContext, LEADER_EPOCH, type RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { storageErrorCode } from "./storage-errors.ts";

const ZSTD_MIN_VERSION = 10;
const TOPIC_IDS_MIN_VERSION = 13;

interface Slot {
  topicIndex: number;
  request: FetchRequestFetchPartition;
  key: PartitionKey | null;
  result: FetchResponsePartitionData;
  bytes: number;
}

function partitionError(partitionIndex: number, errorCode: number): FetchResponsePartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: null,
    records: null,
  };
}

function epochError(currentLeaderEpoch: number): number {
  if (currentLeaderEpoch < 0 || currentLeaderEpoch === LEADER_EPOCH) return ErrorCode.NONE;
  return currentLeaderEpoch > LEADER_EPOCH
    ? ErrorCode.UNKNOWN_LEADER_EPOCH
    : ErrorCode.FENCED_LEADER_EPOCH;
}

/** Keeps the whole batches of `parts` that fit in `budget`, or the first batch if `mustReturnOne`. */
function trimToBudget(parts: readonly Buffer[], budget: number, mustReturnOne: boolean): Buffer[] {
  const kept: Buffer[] = [];
  let used = 0;
  for (const part of parts) {
    for (const batch of batchesIn(part)) {
      const fits = used + batch.byteLength <= budget || (mustReturnOne && used === 0);
      if (!fits) return kept;
      kept.push(part.subarray(batch.byteOffset, batch.byteOffset + batch.byteLength));
      used += batch.byteLength;
    }
  }
  return kept;
}

function hasZstd(parts: readonly Buffer[]): boolean {
  for (const part of parts) {
    for (const batch of batchesIn(part)) if (codecOf(batch.header) === Codec.zstd) return true;
  }
  return false;
}

async function readSlot(ctx: BrokerContext, slot: Slot, version: number): Promise<void> {
  const { request, key } = slot;
  if (!key) return;
  try {
    const read = await ctx.log.read(
      key,
      request.fetchOffset,
      Math.max(request.partitionMaxBytes, 0),
    );
    let records = read.records;
    let errorCode = read.errorCode;
    if (version < ZSTD_MIN_VERSION && hasZstd(records)) {
      records = [];
      errorCode = ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
    }
    slot.result = {
      partitionIndex: request.partition,
      errorCode,
      highWatermark: read.highWatermark,
      lastStableOffset: read.highWatermark,
      logStartOffset: read.logStartOffset,
      abortedTransactions: null,
      records,
    };
    slot.bytes = records.reduce((n: number, b: Buffer) => n + b.length, 0);
  } catch (err) {
    slot.result = partitionError(request.partition, storageErrorCode(err));
    slot.bytes = 0;
  }
}

/** Applies MaxBytes across partitions in request order (KIP-74: the first data always goes). */
function applyResponseBudget(slots: Slot[], maxBytes: number): number {
  let total = 0;
  for (const slot of slots) {
    const records = slot.result.records;
    if (!Array.isArray(records) || records.length === 0) continue;
    const kept = trimToBudget(records as Buffer[], Math.max(maxBytes - total, 0), total === 0);
    slot.result.records = kept;
    slot.bytes = kept.reduce((n, b) => n + b.length, 0);
    total += slot.bytes;
  }
  return total;
}

async function resolveTopic(
  ctx: BrokerContext,
  topic: { topic: string; topicId: string },
  version: number,
): Promise<{ record?: TopicRecord; errorCode: number }> {
  if (version >= TOPIC_IDS_MIN_VERSION) {
    const record = await ctx.topics.byId(topic.topicId);
    return record ? { record, errorCode: 0 } : { errorCode: ErrorCode.UNKNOWN_TOPIC_ID };
  }
  const record = await ctx.topics.byName(topic.topic);
  return record ? { record, errorCode: 0 } : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
}

export const fetchHandler: ApiHandler = {
  apiKey: 1,
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx: BrokerContext, req: FetchRequest, info: RequestInfo): Promise<FetchResponse> {
    const version = info.apiVersion;
    if (req.sessionId !== 0) {
      return { errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    if (req.sessionEpoch > 0) {
      return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: 0, responses: [] };
    }
    const topics = await Promise.all(req.topics.map((t) => resolveTopic(ctx, t, version)));
    const slots: Slot[] = [];
    req.topics.forEach((t, topicIndex) => {
      const { record, errorCode } = topics[topicIndex];
      for (const p of t.partitions) {
        let code = errorCode;
        if (record && (p.partition < 0 || p.partition >= record.partitionCount)) {
          code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (code === ErrorCode.NONE) code = epochError(p.currentLeaderEpoch);
        const key =
          code === ErrorCode.NONE && record
            ? { topicId: record.topicId, partition: p.partition }
            : null;
        slots.push({
          topicIndex,
          request: p,
          key,
          result: partitionError(p.partition, code),
          bytes: 0,
        });
      }
    });

    const waitMs = Math.min(Math.max(req.maxWaitMs, 0), ctx.config.fetchMaxWaitCapMs);
    const deadline = ctx.now() + waitMs;
    const waiting = slots.filter((s) => s.key !== null);
    const keys = waiting.map((s) => s.key!);
    for (;;) {
      await Promise.all(slots.map((s) => readSlot(ctx, s, version)));
      const total = applyResponseBudget(slots, req.maxBytes);
      const anyError = slots.some((s) => s.result.errorCode !== ErrorCode.NONE);
      const remainingMs = deadline - ctx.now();
      if (total >= req.minBytes || anyError || remainingMs <= 0 || keys.length === 0) {
        break;
      }
      // Wake on growth past what this request just saw, not past what the host last served.
      const since = waiting.map((s) => s.result.highWatermark ?? -1n);
      await ctx.log.waitForData(keys, remainingMs, undefined, since);
    }

    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      sessionId: 0,
      responses: req.topics.map((t, topicIndex) => ({
        topic: t.topic,
        topicId: topics[topicIndex].record?.topicId ?? t.topicId,
        partitions: slots.filter((s) => s.topicIndex === topicIndex).map((s) => s.result),
      })),
    };
  },
};
