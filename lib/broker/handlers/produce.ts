/**
 * Produce (key 0), advertised 0–11, served 3–11.
 *
 * Each partition's Records are validated (RecordBatch v2 only: magic, lengths, CRC-32C, codec,
 * counts, size) and handed to the log service unchanged; the response is sent only after the
 * segment object is durable AND the chunk is committed (invariant 1, enforced in
 * lib/broker/log). acks=0 sends no response at all, but the records are stored exactly as for
 * acks=1/-1 — Floe has no weaker durability level. An idempotent retry inside the five-batch
 * window is answered with its original offset.
 *
 * Differs from Kafka: versions 0–2 are advertised only because librdkafka enables gzip/snappy/
 * lz4 when Produce v0 is in range (KAFKA-18659); they carry old message formats and are
 * answered with UNSUPPORTED_VERSION per partition, as Kafka 4.0 does. Transactional produce is
 * not supported yet (no transaction APIs are advertised).
 */
import type {
  ProduceRequest,
  ProduceResponse,
  ProduceResponsePartitionProduceResponse,
  ProduceResponseTopicProduceResponse,
} from "../../protocol/generated/index.ts";
import {
  type BatchView,
  RecordBatchError,
  validateProduceRecords,
} from "../../protocol/records/index.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { topicConfigValue } from "../topics/topic-configs.ts";
import { storageErrorCode } from "./storage-errors.ts";

const FIRST_SERVED_VERSION = 3;
const ZSTD_MIN_VERSION = 7;

function failed(
  index: number,
  errorCode: number,
  errorMessage: string | null = null,
): ProduceResponsePartitionProduceResponse {
  return {
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    errorMessage,
  };
}

async function producePartition(
  ctx: BrokerContext,
  topicName: string,
  index: number,
  records: Buffer | null,
  version: number,
): Promise<ProduceResponsePartitionProduceResponse> {
  if (version < FIRST_SERVED_VERSION) return failed(index, ErrorCode.UNSUPPORTED_VERSION);
  const topic = await ctx.topics.byName(topicName);
  if (!topic || index < 0 || index >= topic.partitionCount) {
    return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  if (records === null || records.length === 0) {
    return failed(index, ErrorCode.CORRUPT_MESSAGE, "no record batches");
  }
  const maxMessageBytes = topic.configs["max.message.bytes"]
    ? Number(topicConfigValue(topic.configs, "max.message.bytes"))
    : ctx.config.maxMessageBytes;
  let batches: BatchView[];
  try {
    batches = validateProduceRecords(records, {
      maxMessageBytes,
      zstdAllowed: version >= ZSTD_MIN_VERSION,
    });
  } catch (err) {
    if (err instanceof RecordBatchError) return failed(index, err.errorCode, err.message);
    throw err;
  }
  if (batches.length !== 1) {
    // Kafka's ProduceRequest.validateRecords: v3+ carry exactly one batch per partition.
    return failed(
      index,
      ErrorCode.INVALID_RECORD,
      "Produce requests with version 3 or later are only allowed to contain exactly one record batch.",
    );
  }
  try {
    const outcome = await ctx.log.append(
      { topicId: topic.topicId, partition: index },
      records,
      batches,
    );
    return {
      index,
      errorCode: outcome.errorCode,
      baseOffset: outcome.errorCode === ErrorCode.NONE ? outcome.baseOffset : -1n,
      logAppendTimeMs: -1n,
      logStartOffset: outcome.logStartOffset,
      errorMessage: outcome.errorMessage ?? null,
    };
  } catch (err) {
    const code = storageErrorCode(err);
    return failed(index, code, err instanceof Error ? err.message : String(err));
  }
}

export const produceHandler: ApiHandler = {
  apiKey: 0,
  minVersion: 0,
  maxVersion: 11,
  async handle(
    ctx: BrokerContext,
    req: ProduceRequest,
    info: RequestInfo,
  ): Promise<ProduceResponse | null> {
    const acks = req.acks;
    const responses: ProduceResponseTopicProduceResponse[] = await Promise.all(
      req.topicData.map(async (topic) => ({
        name: topic.name,
        partitionResponses: await Promise.all(
          topic.partitionData.map((p) =>
            acks === 0 || acks === 1 || acks === -1
              ? producePartition(ctx, topic.name, p.index, p.records, info.apiVersion)
              : failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS),
          ),
        ),
      })),
    );
    if (acks === 0) return null;
    return { responses, throttleTimeMs: 0 };
  },
};
