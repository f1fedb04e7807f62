/**
 * DescribeConfigs (key 32), versions 1–4.
 *
 * Topics (resource type 2) list every Kafka topic config Floe knows — overrides with source
 * DYNAMIC_TOPIC_CONFIG, the rest with Kafka's defaults — filtered by ConfigurationKeys when
 * given. Brokers (type 4) list the front's static settings under Kafka's names.
 *
 * Differs from Kafka: broker loggers (type 8) have nothing to describe and return an empty list.
 */
import type {
  DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResult,
} from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { ConfigSource, describeTopicConfigs } from "../topics/describe-configs.ts";

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const RESOURCE_BROKER_LOGGER = 8;

function brokerConfigs(ctx: BrokerContext): Record<string, string> {
  return {
    "auto.create.topics.enable": String(ctx.config.autoCreateTopics),
    "message.max.bytes": String(ctx.config.maxMessageBytes),
    "num.partitions": String(ctx.config.defaultPartitions),
    "socket.request.max.bytes": String(ctx.config.maxRequestBytes),
    "default.replication.factor": "1",
    "min.insync.replicas": "1",
  };
}

async function describe(
  ctx: BrokerContext,
  r: DescribeConfigsRequestDescribeConfigsResource,
  includeSynonyms: boolean,
): Promise<DescribeConfigsResponseDescribeConfigsResult> {
  const base = { resourceType: r.resourceType, resourceName: r.resourceName };
  if (r.resourceType === RESOURCE_TOPIC) {
    const topic = await ctx.topics.byName(r.resourceName);
    if (!topic) {
      return {
        ...base,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: `Topic ${r.resourceName} does not exist`,
        configs: [],
      };
    }
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      configs: describeTopicConfigs(topic.configs, r.configurationKeys, includeSynonyms),
    };
  }
  if (r.resourceType === RESOURCE_BROKER) {
    if (r.resourceName !== "" && r.resourceName !== String(ctx.self().nodeId)) {
      return {
        ...base,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Unexpected broker id ${r.resourceName}`,
        configs: [],
      };
    }
    const all = brokerConfigs(ctx);
    const names = (r.configurationKeys ?? Object.keys(all).sort()).filter((n) => n in all);
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      configs: names.map((name) => ({
        name,
        value: all[name],
        readOnly: true,
        isDefault: false,
        configSource: ConfigSource.STATIC_BROKER_CONFIG,
        isSensitive: false,
        synonyms: [],
        configType: 2,
        documentation: null,
      })),
    };
  }
  if (r.resourceType === RESOURCE_BROKER_LOGGER)
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs: [] };
  return {
    ...base,
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Unsupported resource type ${r.resourceType}`,
    configs: [],
  };
}

export const describeConfigsHandler: ApiHandler = {
  apiKey: 32,
  minVersion: 1,
  maxVersion: 4,
  async handle(ctx: BrokerContext, req: DescribeConfigsRequest): Promise<DescribeConfigsResponse> {
    const results = await Promise.all(
      req.resources.map((r) => describe(ctx, r, req.includeSynonyms)),
    );
    return { throttleTimeMs: 0, results };
  },
};
