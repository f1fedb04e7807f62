/** Topic and partition lookups shared by the HTTP routes, with their 404s. */

import { checkTopicName } from "../broker/topics/topic-names.ts";
import type { PartitionKey, TopicRecord } from "../storage/ports.ts";
import type { HttpContext } from "./context.ts";
import { HttpError } from "./types.ts";

export function checkTopicParam(name: string): void {
  const problem = checkTopicName(name);
  if (problem) throw new HttpError(400, "invalid_topic", problem);
}

/**
 * The named topic; 404 when unknown, unless `autoCreate` and the broker allows it (Kafka's
 * auto.create.topics.enable: created with the default partition count).
 */
export async function topicOrThrow(
  ctx: HttpContext,
  name: string,
  autoCreate = false,
): Promise<TopicRecord> {
  checkTopicParam(name);
  const topic = await ctx.topics.byName(name);
  if (topic) return topic;
  if (autoCreate && ctx.broker.autoCreateTopics) {
    return ctx.topics.ensure(name, ctx.broker.defaultPartitions);
  }
  throw new HttpError(404, "unknown_topic", `topic ${name} does not exist`);
}

/** The partition of a path parameter; 404 beyond the topic's partitions. */
export function partitionOrThrow(topic: TopicRecord, partition: number): PartitionKey {
  if (partition < 0 || partition >= topic.partitionCount) {
    throw new HttpError(
      404,
      "unknown_partition",
      `topic ${topic.name} has partitions 0..${topic.partitionCount - 1}, not ${partition}`,
    );
  }
  return { topicId: topic.topicId, partition };
}
