/**
 * ListOffsets (key 2), versions 1–7.
 *
 * Timestamp −1 (latest) answers the high watermark, −2 (earliest) the log start offset, −3
 * (v7, max timestamp) the offset of the record with the largest timestamp, and a timestamp ≥ 0
 * the offset of the first RECORD whose timestamp is ≥ it (not merely its batch), or −1 when no
 * such record exists. Every partition gets an answer, errors included, so clients never wait on
 * a missing one.
 *
 * Differs from Kafka: with no transactions, read_committed (isolation level 1) sees the same
 * latest offset as read_uncommitted. Leader epochs are constant (0).
 */
import type {
  ListOffsetsRequest,
  ListOffsetsRequestListOffsetsPartition,
  ListOffsetsResponse,
  ListOffsetsResponseListOffsetsPartitionResponse,
} from "../../protocol/generated/index.ts";
import type { PartitionKey } from "../../storage/ports.ts";
import { type ApiHandler, type BrokerContext, LEADER_EPOCH, type RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { storageErrorCode } from "./storage-errors.ts";

export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;
export const MAX_TIMESTAMP = -3n;

function answer(
  partitionIndex: number,
  errorCode: number,
  offset = -1n,
  timestamp = -1n,
): ListOffsetsResponseListOffsetsPartitionResponse {
  return {
    partitionIndex,
    errorCode,
    oldStyleOffsets: [],
    timestamp,
    offset,
    leaderEpoch: errorCode === ErrorCode.NONE ? LEADER_EPOCH : -1,
  };
}

async function listOffset(
  ctx: BrokerContext,
  key: PartitionKey,
  p: ListOffsetsRequestListOffsetsPartition,
): Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
  const index = p.partitionIndex;
  if (p.timestamp === LATEST_TIMESTAMP || p.timestamp === EARLIEST_TIMESTAMP) {
    const [head] = await ctx.log.heads([key]);
    const offset = p.timestamp === LATEST_TIMESTAMP ? head.nextOffset : head.logStartOffset;
    return answer(index, ErrorCode.NONE, offset, -1n);
  }
  if (p.timestamp === MAX_TIMESTAMP) {
    const found = await ctx.log.maxTimestampOffset(key);
    return found
      ? answer(index, ErrorCode.NONE, found.offset, found.timestampMs)
      : answer(index, ErrorCode.NONE);
  }
  if (p.timestamp < 0n) return answer(index, ErrorCode.UNSUPPORTED_VERSION);
  const found = await ctx.log.offsetForTimestamp(key, Number(p.timestamp));
  return found
    ? answer(index, ErrorCode.NONE, found.offset, found.timestampMs)
    : answer(index, ErrorCode.NONE);
}

export const listOffsetsHandler: ApiHandler = {
  apiKey: 2,
  minVersion: 1,
  maxVersion: 7,
  async handle(
    ctx: BrokerContext,
    req: ListOffsetsRequest,
    _info: RequestInfo,
  ): Promise<ListOffsetsResponse> {
    const topics = await Promise.all(
      req.topics.map(async (t) => {
        const topic = await ctx.topics.byName(t.name);
        const partitions = await Promise.all(
          t.partitions.map(async (p) => {
            if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitionCount) {
              return answer(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            }
            if (p.currentLeaderEpoch > LEADER_EPOCH)
              return answer(p.partitionIndex, ErrorCode.UNKNOWN_LEADER_EPOCH);
            try {
              return await listOffset(
                ctx,
                { topicId: topic.topicId, partition: p.partitionIndex },
                p,
              );
            } catch (err) {
              return answer(p.partitionIndex, storageErrorCode(err));
            }
          }),
        );
        return { name: t.name, partitions };
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
};
