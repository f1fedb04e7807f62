/**
 * CreateTopics (key 19), versions 2–7.
 *
 * Creates each topic with a fresh topic id in one conditional metadata write (the name is the
 * condition), so two fronts racing on one name yield one topic and one TOPIC_ALREADY_EXISTS.
 * NumPartitions −1 means the broker default; explicit replica assignments fix the partition
 * count. Configs are checked against Kafka's topic config names; values Floe cannot honour are
 * refused with INVALID_CONFIG. v5+ echo the partition count, replication factor and configs.
 * ValidateOnly checks without creating.
 *
 * Differs from Kafka: there are no replicas to place — storage is S3 — so any replication
 * factor ≥ 1 (or −1) is accepted and reported as 1; replica assignments only set the count.
 */
import type {
  CreateTopicsRequest,
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponse,
  CreateTopicsResponseCreatableTopicResult,
} from "../../protocol/generated/index.ts";
import { TopicExistsError } from "../../storage/errors.ts";
import type { ApiHandler, BrokerContext } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { describeTopicConfigs } from "../topics/describe-configs.ts";
import { checkTopicConfig } from "../topics/topic-configs.ts";
import { checkTopicName } from "../topics/topic-names.ts";
import { storageErrorCode } from "./storage-errors.ts";

export const MAX_PARTITIONS_PER_TOPIC = 100_000;

function refused(
  name: string,
  errorCode: number,
  errorMessage: string,
): CreateTopicsResponseCreatableTopicResult {
  return {
    name,
    errorCode,
    errorMessage,
    topicConfigErrorCode: 0,
    numPartitions: -1,
    replicationFactor: -1,
    configs: null,
  };
}

/** Returns the partition count and configs to create, or a refusal. */
interface Plan {
  partitions: number;
  configs: Record<string, string>;
}

function plan(
  ctx: BrokerContext,
  t: CreateTopicsRequestCreatableTopic,
): Plan | CreateTopicsResponseCreatableTopicResult {
  const badName = checkTopicName(t.name);
  if (badName) return refused(t.name, ErrorCode.INVALID_TOPIC_EXCEPTION, badName);
  const hasAssignments = t.assignments.length > 0;
  if (hasAssignments && (t.numPartitions !== -1 || t.replicationFactor !== -1)) {
    return refused(
      t.name,
      ErrorCode.INVALID_REQUEST,
      "Both numPartitions or replicationFactor and replicasAssignments were set.",
    );
  }
  const partitions = hasAssignments
    ? t.assignments.length
    : t.numPartitions === -1
      ? ctx.config.defaultPartitions
      : t.numPartitions;
  if (partitions < 1 || partitions > MAX_PARTITIONS_PER_TOPIC) {
    return refused(
      t.name,
      ErrorCode.INVALID_PARTITIONS,
      `Number of partitions must be between 1 and ${MAX_PARTITIONS_PER_TOPIC}.`,
    );
  }
  if (t.replicationFactor === 0 || t.replicationFactor < -1) {
    return refused(
      t.name,
      ErrorCode.INVALID_REPLICATION_FACTOR,
      "Replication factor must be larger than 0, or -1 to use the default value.",
    );
  }
  const configs: Record<string, string> = {};
  for (const c of t.configs) {
    const problem = checkTopicConfig(c.name, c.value);
    if (problem) return refused(t.name, ErrorCode.INVALID_CONFIG, problem);
    configs[c.name] = c.value as string;
  }
  return { partitions, configs };
}

function isPlan(p: Plan | CreateTopicsResponseCreatableTopicResult): p is Plan {
  return "partitions" in p;
}

async function createOne(
  ctx: BrokerContext,
  t: CreateTopicsRequestCreatableTopic,
  validateOnly: boolean,
  duplicate: boolean,
): Promise<CreateTopicsResponseCreatableTopicResult> {
  if (duplicate)
    return refused(
      t.name,
      ErrorCode.INVALID_REQUEST,
      `Create topics request from client contains multiple entries for topic ${t.name}`,
    );
  const planned = plan(ctx, t);
  if (!isPlan(planned)) return planned;
  const p = planned;
  try {
    let topicId = "00000000-0000-0000-0000-000000000000";
    if (validateOnly) {
      if (await ctx.topics.byName(t.name)) throw new TopicExistsError(t.name);
    } else {
      topicId = (await ctx.topics.create(t.name, p.partitions, p.configs)).topicId;
    }
    return {
      name: t.name,
      topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topicConfigErrorCode: ErrorCode.NONE,
      numPartitions: p.partitions,
      replicationFactor: 1,
      configs: describeTopicConfigs(p.configs, null, false).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        configSource: c.configSource,
        isSensitive: c.isSensitive,
      })),
    };
  } catch (err) {
    if (err instanceof TopicExistsError) {
      return refused(t.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
    }
    return refused(t.name, storageErrorCode(err), err instanceof Error ? err.message : String(err));
  }
}

export const createTopicsHandler: ApiHandler = {
  apiKey: 19,
  minVersion: 2,
  maxVersion: 7,
  async handle(ctx: BrokerContext, req: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const topics = await Promise.all(
      req.topics.map((t) => createOne(ctx, t, req.validateOnly, (counts.get(t.name) ?? 0) > 1)),
    );
    return { throttleTimeMs: 0, topics };
  },
};
