/**
 * CreatePartitions (key 37), versions 0–3.
 *
 * Raises a topic's partition count with a version-conditional write on the topic record. Every
 * requested topic gets a result entry (librdkafka stalls on an empty result list). New
 * partitions start empty; Floe has no replicas, so assignments are accepted and ignored.
 */
import type {
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreatePartitionsResponseCreatePartitionsTopicResult,
} from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { MAX_PARTITIONS_PER_TOPIC } from "./create-topics.ts";
import { storageErrorCode } from "./storage-errors.ts";

async function grow(
  ctx: BrokerContext,
  name: string,
  count: number,
  validateOnly: boolean,
): Promise<CreatePartitionsResponseCreatePartitionsTopicResult> {
  const topic = await ctx.topics.byName(name);
  if (!topic)
    return {
      name,
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: `The topic '${name}' does not exist.`,
    };
  if (count > MAX_PARTITIONS_PER_TOPIC) {
    return {
      name,
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: `Number of partitions must be at most ${MAX_PARTITIONS_PER_TOPIC}.`,
    };
  }
  if (count <= topic.partitionCount) {
    const msg =
      count === topic.partitionCount
        ? `Topic already has ${count} partitions.`
        : `Topic currently has ${topic.partitionCount} partitions, which is higher than the requested ${count}.`;
    return { name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: msg };
  }
  if (validateOnly) return { name, errorCode: ErrorCode.NONE, errorMessage: null };
  try {
    let refusal: string | null = null;
    await ctx.topics.update(name, (current) => {
      if (count <= current.partitionCount)
        refusal = `Topic currently has ${current.partitionCount} partitions.`;
      return refusal ? current : { ...current, partitionCount: count };
    });
    return refusal
      ? { name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: refusal }
      : { name, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (err) {
    return { name, errorCode: storageErrorCode(err), errorMessage: String(err) };
  }
}

export const createPartitionsHandler: ApiHandler = {
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  async handle(
    ctx: BrokerContext,
    req: CreatePartitionsRequest,
  ): Promise<CreatePartitionsResponse> {
    const results = await Promise.all(
      req.topics.map((t) => grow(ctx, t.name, t.count, req.validateOnly)),
    );
    return { throttleTimeMs: 0, results };
  },
};
