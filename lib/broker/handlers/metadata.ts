/**
 * Metadata (key 3), versions 0–12.
 *
 * Every front is leader (and the only replica and ISR) of every partition: any front can serve
 * any partition, so the leader named is only a routing hint (today: this front). Leader epochs
 * are a constant 0 — Floe has no leader changes to fence — and topic ids are stable UUIDs.
 * Topics named in the request are auto-created when the broker allows it and (v4+) the client
 * asks for it; v0 with an empty list and v1+ with a null list mean "all topics".
 *
 * Differs from Kafka: an auto-created topic is returned ready at once, not with
 * LEADER_NOT_AVAILABLE first, since creation is a single metadata write.
 */
import type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponseMetadataResponseTopic,
} from "../../protocol/generated/index.ts";
import type { TopicRecord } from "../../storage/ports.ts";
import { type ApiHandler, type BrokerContext, LEADER_EPOCH, type RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { checkTopicName } from "../topics/topic-names.ts";

const UNKNOWN_AUTHORIZED_OPERATIONS = -2147483648;

export function topicMetadata(
  ctx: BrokerContext,
  topic: TopicRecord,
): MetadataResponseMetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: false,
    partitions: Array.from({ length: topic.partitionCount }, (_, partitionIndex) => {
      const leader = ctx.routing.partitionLeader(topic.topicId, partitionIndex);
      return {
        errorCode: ErrorCode.NONE,
        partitionIndex,
        leaderId: leader,
        leaderEpoch: LEADER_EPOCH,
        replicaNodes: [leader],
        isrNodes: [leader],
        offlineReplicas: [],
      };
    }),
    topicAuthorizedOperations: UNKNOWN_AUTHORIZED_OPERATIONS,
  };
}

async function resolveTopic(
  ctx: BrokerContext,
  name: string,
  autoCreate: boolean,
): Promise<MetadataResponseMetadataResponseTopic> {
  const invalid = checkTopicName(name);
  if (invalid) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name, partitions: [] };
  const existing = await ctx.topics.byName(name);
  if (existing) return topicMetadata(ctx, existing);
  if (!autoCreate) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] };
  const created = await ctx.topics.ensure(name, ctx.config.defaultPartitions);
  return topicMetadata(ctx, created);
}

export const metadataHandler: ApiHandler = {
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(
    ctx: BrokerContext,
    req: MetadataRequest,
    info: RequestInfo,
  ): Promise<MetadataResponse> {
    const all = req.topics === null || (info.apiVersion === 0 && req.topics.length === 0);
    const autoCreate =
      ctx.config.autoCreateTopics && (info.apiVersion < 4 || req.allowAutoTopicCreation);
    let topics: MetadataResponseMetadataResponseTopic[];
    if (all) {
      topics = (await ctx.topics.list()).map((t) => topicMetadata(ctx, t));
    } else {
      topics = await Promise.all(
        req.topics!.map(async (t) => {
          if (t.name !== null) return resolveTopic(ctx, t.name, autoCreate);
          const byId = await ctx.topics.byId(t.topicId);
          return byId
            ? topicMetadata(ctx, byId)
            : {
                errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
                name: null,
                topicId: t.topicId,
                partitions: [],
              };
        }),
      );
    }
    return {
      throttleTimeMs: 0,
      brokers: ctx
        .liveNodes()
        .map((n) => ({ nodeId: n.nodeId, host: n.host, port: n.port, rack: null })),
      clusterId: ctx.clusterId,
      controllerId: ctx.routing.controllerId(),
      topics,
      clusterAuthorizedOperations: UNKNOWN_AUTHORIZED_OPERATIONS,
    };
  },
};
