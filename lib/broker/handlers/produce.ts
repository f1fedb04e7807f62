/**
 * Produce (key 0), advertised 0–11, served 3–11.
 *
 * Each partition's Records are validated (RecordBatch v2 only: magic, lengths, CRC-32C, codec,
 * counts, size) and handed to the log service unchanged; the response is sent only after the
 * segment object is durable AND the chunk is committed (invariant 1, enforced in
 * lib/broker/log). acks=0 sends no response at all, but the records are stored exactly as for
 * acks=1/-1 — Floe has no weaker durability level. An idempotent retry inside the five-batch
 * window is answered with its original offset. A connection's Produce requests are handed to
 * the log in the order they arrived, though handled concurrently (../produce-order.ts).
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
import type { PartitionKey } from "../../storage/ports.ts";
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

/** A partition of the request: answered already (refused), or an append to hand to the log. */
type Prepared =
  | { kind: "answer"; response: ProduceResponsePartitionProduceResponse }
  | {
      kind: "append";
      index: number;
      key: PartitionKey;
      records: Buffer;
      batches: BatchView[];
    };

/** Everything before the append: topic lookup (async) and validation. */
async function preparePartition(
  ctx: BrokerContext,
  topicName: string,
  index: number,
  records: Buffer | null,
  version: number,
): Promise<Prepared> {
  const answer = (response: ProduceResponsePartitionProduceResponse): Prepared => ({
    kind: "answer",
    response,
  });
  if (version < FIRST_SERVED_VERSION) return answer(failed(index, ErrorCode.UNSUPPORTED_VERSION));
  let topic: Awaited<ReturnType<BrokerContext["topics"]["byName"]>>;
  try {
    topic = await ctx.topics.byName(topicName);
  } catch (err) {
    // The metadata store failed (throttled, unreachable): retriable for this partition only.
    return answer(failed(index, storageErrorCode(err), messageOf(err)));
  }
  if (!topic || index < 0 || index >= topic.partitionCount) {
    return answer(failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
  }
  if (records === null || records.length === 0) {
    return answer(failed(index, ErrorCode.CORRUPT_MESSAGE, "no record batches"));
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
    if (err instanceof RecordBatchError) return answer(failed(index, err.errorCode, err.message));
    throw err;
  }
  if (batches.length !== 1) {
    // Kafka's ProduceRequest.validateRecords: v3+ carry exactly one batch per partition.
    return answer(
      failed(
        index,
        ErrorCode.INVALID_RECORD,
        "Produce requests with version 3 or later are only allowed to contain exactly one record batch.",
      ),
    );
  }
  return {
    kind: "append",
    index,
    key: { topicId: topic.topicId, partition: index },
    records,
    batches,
  };
}

/**
 * Hands one partition's batches to the log. The log enqueues them synchronously, before this
 * returns its promise, which is what keeps a connection's appends in arrival order.
 */
async function appendPartition(
  ctx: BrokerContext,
  p: Extract<Prepared, { kind: "append" }>,
): Promise<ProduceResponsePartitionProduceResponse> {
  try {
    const outcome = await ctx.log.append(p.key, p.records, p.batches);
    return {
      index: p.index,
      errorCode: outcome.errorCode,
      baseOffset: outcome.errorCode === ErrorCode.NONE ? outcome.baseOffset : -1n,
      logAppendTimeMs: -1n,
      logStartOffset: outcome.logStartOffset,
      errorMessage: outcome.errorMessage ?? null,
    };
  } catch (err) {
    return failed(p.index, storageErrorCode(err), messageOf(err));
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
    // Our place in the connection's line, taken before the first await (../produce-order.ts).
    const turn = info.produceOrder?.enter();
    let started: Promise<ProduceResponsePartitionProduceResponse>[][];
    try {
      const prepared = await Promise.all(
        req.topicData.map((topic) =>
          Promise.all(
            topic.partitionData.map((p) =>
              acks === 0 || acks === 1 || acks === -1
                ? preparePartition(ctx, topic.name, p.index, p.records, info.apiVersion)
                : ({
                    kind: "answer",
                    response: failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS),
                  } satisfies Prepared),
            ),
          ),
        ),
      );
      await turn?.ready;
      // No await from here until every append is enqueued, in request order.
      started = prepared.map((partitions) =>
        partitions.map((p) =>
          p.kind === "append" ? appendPartition(ctx, p) : Promise.resolve(p.response),
        ),
      );
    } finally {
      turn?.leave();
    }
    const responses: ProduceResponseTopicProduceResponse[] = await Promise.all(
      req.topicData.map(async (topic, i) => ({
        name: topic.name,
        partitionResponses: await Promise.all(started[i]),
      })),
    );
    if (acks === 0) return null;
    return { responses, throttleTimeMs: 0 };
  },
};
