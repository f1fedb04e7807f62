/**
 * DeleteRecords (key 21), versions 0–2.
 *
 * Moves a partition's log start offset forward with a conditional write on its head (offset −1
 * means the high watermark); offsets below it are no longer served and their index entries are
 * dropped. The log start never moves backwards and never past the high watermark
 * (OFFSET_OUT_OF_RANGE). Segment bytes are reclaimed later, by retention and orphan cleanup.
 */
import type {
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DeleteRecordsResponseDeleteRecordsPartitionResult,
} from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { storageErrorCode } from "./storage-errors.ts";

export const deleteRecordsHandler: ApiHandler = {
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx: BrokerContext, req: DeleteRecordsRequest): Promise<DeleteRecordsResponse> {
    const topics = await Promise.all(
      req.topics.map(async (t) => {
        const topic = await ctx.topics.byName(t.name);
        const partitions = await Promise.all(
          t.partitions.map(
            async (p): Promise<DeleteRecordsResponseDeleteRecordsPartitionResult> => {
              if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitionCount) {
                return {
                  partitionIndex: p.partitionIndex,
                  lowWatermark: -1n,
                  errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                };
              }
              try {
                const result = await ctx.log.deleteRecords(
                  { topicId: topic.topicId, partition: p.partitionIndex },
                  p.offset,
                );
                return {
                  partitionIndex: p.partitionIndex,
                  lowWatermark: result.lowWatermark,
                  errorCode: result.errorCode,
                };
              } catch (err) {
                return {
                  partitionIndex: p.partitionIndex,
                  lowWatermark: -1n,
                  errorCode: storageErrorCode(err),
                };
              }
            },
          ),
        );
        return { name: t.name, partitions };
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
};
