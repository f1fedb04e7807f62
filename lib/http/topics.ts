/**
 * Topic administration and offsets over HTTP: list, describe (each partition's logStartOffset
 * and highWatermark), create, delete, and ListOffsets by time. The rules are the Kafka
 * handlers' own (topic names, config names and values, partition bounds), imported from
 * lib/broker, so a topic valid over one port is valid over the other.
 */
import { MAX_PARTITIONS_PER_TOPIC } from "../broker/handlers/create-topics.ts";
import { checkTopicConfig } from "../broker/topics/topic-configs.ts";
import { TopicExistsError, UnknownTopicError } from "../storage/errors.ts";
import type { TopicRecord } from "../storage/ports.ts";
import type { HttpContext } from "./context.ts";
import type { Route, RouteInput } from "./router.ts";
import { checkTopicParam, partitionOrThrow, topicOrThrow } from "./topic-lookup.ts";
import { HttpError, type HttpResponse, jsonResponse } from "./types.ts";

interface CreateTopicBody {
  name: string;
  partitions?: number;
  configs?: Record<string, string>;
}

async function describe(ctx: HttpContext, topic: TopicRecord): Promise<unknown> {
  const keys = Array.from({ length: topic.partitionCount }, (_, partition) => ({
    topicId: topic.topicId,
    partition,
  }));
  const heads = await ctx.log.heads(keys);
  return {
    name: topic.name,
    topicId: topic.topicId,
    partitionCount: topic.partitionCount,
    configs: topic.configs,
    partitions: heads.map((h, partition) => ({
      partition,
      logStartOffset: Number(h.logStartOffset),
      highWatermark: Number(h.nextOffset),
    })),
  };
}

async function listTopics(ctx: HttpContext): Promise<HttpResponse> {
  const topics = (await ctx.topics.list())
    .map((t) => ({ name: t.name, topicId: t.topicId, partitionCount: t.partitionCount }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return jsonResponse(200, { topics });
}

async function describeTopic(ctx: HttpContext, input: RouteInput): Promise<HttpResponse> {
  const topic = await topicOrThrow(ctx, String(input.params.topic));
  return jsonResponse(200, await describe(ctx, topic));
}

async function createTopic(ctx: HttpContext, input: RouteInput): Promise<HttpResponse> {
  const body = input.body as CreateTopicBody;
  checkTopicParam(body.name);
  const partitions = body.partitions ?? ctx.broker.defaultPartitions;
  if (partitions < 1 || partitions > MAX_PARTITIONS_PER_TOPIC) {
    throw new HttpError(
      400,
      "invalid_partitions",
      `partitions must be between 1 and ${MAX_PARTITIONS_PER_TOPIC}`,
    );
  }
  const configs = body.configs ?? {};
  for (const [name, value] of Object.entries(configs)) {
    const problem = checkTopicConfig(name, value);
    if (problem) throw new HttpError(400, "invalid_config", `configs.${name}: ${problem}`);
  }
  try {
    const topic = await ctx.topics.create(body.name, partitions, configs);
    return jsonResponse(201, await describe(ctx, topic));
  } catch (err) {
    if (err instanceof TopicExistsError) {
      throw new HttpError(409, "topic_exists", `topic ${body.name} already exists`);
    }
    throw err;
  }
}

async function deleteTopic(ctx: HttpContext, input: RouteInput): Promise<HttpResponse> {
  const name = String(input.params.topic);
  checkTopicParam(name);
  try {
    const removed = await ctx.topics.delete(name);
    return jsonResponse(200, { name: removed.name, topicId: removed.topicId });
  } catch (err) {
    if (err instanceof UnknownTopicError) {
      throw new HttpError(404, "unknown_topic", `topic ${name} does not exist`);
    }
    throw err;
  }
}

/**
 * ListOffsets: always the earliest (logStartOffset) and latest (highWatermark) offsets; with
 * `timestampMs`, also the first record whose timestamp is ≥ it (null when there is none).
 */
async function listOffsets(ctx: HttpContext, input: RouteInput): Promise<HttpResponse> {
  const topic = await topicOrThrow(ctx, String(input.params.topic));
  const partition = Number(input.params.partition);
  const key = partitionOrThrow(topic, partition);
  const [head] = await ctx.log.heads([key]);
  const body: Record<string, unknown> = {
    topic: topic.name,
    partition,
    logStartOffset: Number(head.logStartOffset),
    highWatermark: Number(head.nextOffset),
  };
  const timestampMs = input.query.timestampMs as number | undefined;
  if (timestampMs !== undefined) {
    const found = await ctx.log.offsetForTimestamp(key, timestampMs);
    body.timestampMs = timestampMs;
    body.offset = found ? Number(found.offset) : null;
    body.recordTimestampMs = found ? Number(found.timestampMs) : null;
  }
  return jsonResponse(200, body);
}

export const topicRoutes: readonly Route[] = [
  { method: "GET", path: "/v1/topics", handle: (ctx) => listTopics(ctx) },
  { method: "POST", path: "/v1/topics", handle: createTopic },
  { method: "GET", path: "/v1/topics/{topic}", handle: describeTopic },
  { method: "DELETE", path: "/v1/topics/{topic}", handle: deleteTopic },
  { method: "GET", path: "/v1/topics/{topic}/partitions/{partition}/offsets", handle: listOffsets },
];
