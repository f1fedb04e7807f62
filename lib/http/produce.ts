/**
 * POST /v1/topics/{topic}/records — produce; POST /v1/producers — a producer id for
 * idempotent produce.
 *
 * The whole body is validated and every partition's RecordBatch v2 built and checked (the same
 * validateProduceRecords the Kafka Produce handler uses) before anything is appended, so a bad
 * record anywhere appends nothing. Records then go to the log as one batch per partition, all
 * enqueued in the same tick (one segment flush), and the answer waits for the commit (acks=all:
 * invariant 1). Each partition's batch succeeds or fails as a whole.
 *
 * Partition choice: an explicit `partition`; else a keyed record goes where Kafka's default
 * partitioner puts it (murmur2 of the key bytes); else — no key — every key-less record of the
 * request goes to ONE partition drawn at random per request: Kafka's sticky partitioner
 * (KIP-480) per request, so a request costs one batch, not one per partition.
 *
 * Idempotence (for the SDK): `producerId` + `producerEpoch` from POST /v1/producers and a
 * `baseSequences` entry for every partition written; a retried request inside Kafka's
 * five-batch window is answered with its original offsets.
 */

import { ErrorCode } from "../broker/error-codes.ts";
import { topicConfigValue } from "../broker/topics/topic-configs.ts";
import { partitionForKey } from "../client/partitioner.ts";
import {
  type BatchView,
  buildRecordBatch,
  RecordBatchError,
  validateProduceRecords,
} from "../protocol/records/index.ts";
import type { PartitionKey, TopicRecord } from "../storage/ports.ts";
import type { HttpContext } from "./context.ts";
import { bytesIn, type KeyEncoding, type ValueEncoding } from "./encoding.ts";
import { kafkaCodeError, toHttpError } from "./errors.ts";
import type { Route, RouteInput } from "./router.ts";
import { topicOrThrow } from "./topic-lookup.ts";
import { HttpError, type HttpResponse, jsonResponse } from "./types.ts";

interface ProduceBody {
  records: {
    key?: unknown;
    value: unknown;
    headers?: { key: string; value?: unknown }[];
    partition?: number;
    timestampMs?: number;
  }[];
  valueEncoding?: ValueEncoding;
  keyEncoding?: KeyEncoding;
  producerId?: number;
  producerEpoch?: number;
  baseSequences?: Record<string, number>;
}

interface PartitionBatch {
  partition: number;
  key: PartitionKey;
  /** Indexes into the request's records, in order. */
  indexes: number[];
  records: Buffer;
  views: BatchView[];
}

type RecordResult =
  | { partition: number; offset: number }
  | { partition: number; error: { code: string; message: string } };

function badBody(message: string): HttpError {
  return new HttpError(400, "invalid_body", message);
}

/** Partition of every record, by the rules in the header. */
function place(
  ctx: HttpContext,
  topic: TopicRecord,
  body: ProduceBody,
  keys: (Buffer | null)[],
): number[] {
  const sticky = Math.floor(ctx.random() * topic.partitionCount);
  return body.records.map((r, i) => {
    if (r.partition !== undefined) {
      if (r.partition >= topic.partitionCount) {
        throw badBody(
          `records[${i}].partition ${r.partition} is out of range: topic ${topic.name} has partitions 0..${topic.partitionCount - 1}`,
        );
      }
      return r.partition;
    }
    const key = keys[i];
    return key === null ? sticky : partitionForKey(key, topic.partitionCount);
  });
}

function idempotence(
  body: ProduceBody,
  partition: number,
): { producerId?: bigint; producerEpoch?: number; baseSequence?: number } {
  if (body.producerId === undefined) {
    if (body.producerEpoch !== undefined || body.baseSequences !== undefined) {
      throw badBody("producerEpoch and baseSequences need producerId");
    }
    return {};
  }
  if (body.producerEpoch === undefined) throw badBody("producerEpoch is required with producerId");
  const baseSequence = body.baseSequences?.[String(partition)];
  if (baseSequence === undefined) {
    throw badBody(`baseSequences.${partition} is required: records go to partition ${partition}`);
  }
  return { producerId: BigInt(body.producerId), producerEpoch: body.producerEpoch, baseSequence };
}

/** Builds and validates every partition's batch; throws before anything is appended. */
async function prepare(
  ctx: HttpContext,
  topic: TopicRecord,
  body: ProduceBody,
): Promise<PartitionBatch[]> {
  const valueEncoding = body.valueEncoding ?? "json";
  const keyEncoding = body.keyEncoding ?? "string";
  const keys = body.records.map((r, i) => bytesIn(r.key, keyEncoding, `records[${i}].key`));
  const values = body.records.map((r, i) => bytesIn(r.value, valueEncoding, `records[${i}].value`));
  const headers = body.records.map((r, i) =>
    (r.headers ?? []).map((h, j) => ({
      key: h.key,
      value: bytesIn(h.value, keyEncoding, `records[${i}].headers[${j}].value`),
    })),
  );
  const partitions = place(ctx, topic, body, keys);
  const groups = new Map<number, number[]>();
  partitions.forEach((p, i) => {
    const g = groups.get(p);
    if (g) g.push(i);
    else groups.set(p, [i]);
  });
  const maxMessageBytes = topic.configs["max.message.bytes"]
    ? Number(topicConfigValue(topic.configs, "max.message.bytes"))
    : ctx.broker.maxMessageBytes;
  const nowMs = BigInt(ctx.now());
  const out: PartitionBatch[] = [];
  for (const [partition, indexes] of groups) {
    const records = await buildRecordBatch({
      records: indexes.map((i) => ({
        key: keys[i],
        value: values[i],
        headers: headers[i],
        timestampMs:
          body.records[i].timestampMs === undefined ? nowMs : BigInt(body.records[i].timestampMs!),
      })),
      ...idempotence(body, partition),
    });
    let views: BatchView[];
    try {
      views = validateProduceRecords(records, { maxMessageBytes, zstdAllowed: true });
    } catch (err) {
      if (!(err instanceof RecordBatchError)) throw err;
      const where = `the records for partition ${partition}`;
      if (err.errorCode === ErrorCode.MESSAGE_TOO_LARGE) {
        throw new HttpError(
          413,
          "batch_too_large",
          `${where}: ${err.message} (max.message.bytes ${maxMessageBytes})`,
        );
      }
      throw badBody(`${where}: ${err.message}`);
    }
    out.push({ partition, key: { topicId: topic.topicId, partition }, indexes, records, views });
  }
  return out;
}

async function produce(ctx: HttpContext, input: RouteInput): Promise<HttpResponse> {
  const body = input.body as ProduceBody;
  const topic = await topicOrThrow(ctx, String(input.params.topic), true);
  const batches = await prepare(ctx, topic, body);
  // No await between the appends: they join one segment flush.
  const appended = batches.map(
    (b): Promise<bigint | HttpError> =>
      ctx.log.append(b.key, b.records, b.views).then(
        (outcome) =>
          outcome.errorCode === ErrorCode.NONE
            ? outcome.baseOffset
            : kafkaCodeError(outcome.errorCode, outcome.errorMessage),
        (err: unknown) => toHttpError(err),
      ),
  );
  const results: RecordResult[] = new Array(body.records.length);
  const failures: HttpError[] = [];
  const outcomes = await Promise.all(appended);
  batches.forEach((b, k) => {
    const outcome = outcomes[k];
    b.indexes.forEach((recordIndex, j) => {
      results[recordIndex] =
        outcome instanceof HttpError
          ? { partition: b.partition, error: { code: outcome.code, message: outcome.message } }
          : { partition: b.partition, offset: Number(outcome + BigInt(j)) };
    });
    if (outcome instanceof HttpError) failures.push(outcome);
  });
  if (failures.length === 0) return jsonResponse(200, { offsets: results });
  // Every partition failed: the (first) failure's status; some did: 207 Multi-Status.
  const all = failures.length === batches.length;
  return jsonResponse(
    all ? failures[0].status : 207,
    { offsets: results },
    all ? failures[0].headers : {},
  );
}

async function initProducer(ctx: HttpContext): Promise<HttpResponse> {
  // The allocator InitProducerId uses: ids unique across every front and function.
  const producerId = await ctx.metadata.allocateProducerId();
  return jsonResponse(201, { producerId: Number(producerId), producerEpoch: 0 });
}

export const produceRoutes: readonly Route[] = [
  { method: "POST", path: "/v1/topics/{topic}/records", handle: produce },
  { method: "POST", path: "/v1/producers", handle: (ctx) => initProducer(ctx) },
];
