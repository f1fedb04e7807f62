/** Topic administration over the wire client (used by the `floe topics` commands). */
import type {
  CreateTopicsResponse,
  DeleteTopicsResponse,
  DescribeConfigsResponse,
  MetadataResponse,
} from "../protocol/generated/index.ts";
import type { WireClient } from "./wire-client.ts";

export class KafkaError extends Error {
  readonly errorCode: number;
  constructor(errorCode: number, message: string) {
    super(`${message} (Kafka error ${errorCode})`);
    this.name = "KafkaError";
    this.errorCode = errorCode;
  }
}

export async function createTopic(
  client: WireClient,
  name: string,
  partitions: number,
  configs: Record<string, string> = {},
): Promise<void> {
  const res = await client.request<CreateTopicsResponse>(19, 7, {
    topics: [
      {
        name,
        numPartitions: partitions,
        replicationFactor: -1,
        assignments: [],
        configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
      },
    ],
    timeoutMs: 30000,
    validateOnly: false,
  });
  const t = res.topics![0];
  if (t.errorCode) throw new KafkaError(t.errorCode!, t.errorMessage ?? `cannot create ${name}`);
}

export async function deleteTopic(client: WireClient, name: string): Promise<void> {
  const res = await client.request<DeleteTopicsResponse>(20, 5, {
    topics: [],
    topicNames: [name],
    timeoutMs: 30000,
  });
  const t = res.responses![0];
  if (t.errorCode) throw new KafkaError(t.errorCode!, t.errorMessage ?? `cannot delete ${name}`);
}

export async function metadata(
  client: WireClient,
  topics: string[] | null,
  autoCreate = false,
): Promise<MetadataResponse> {
  return client.request<MetadataResponse>(3, 12, {
    topics:
      topics?.map((name) => ({ name, topicId: "00000000-0000-0000-0000-000000000000" })) ?? null,
    allowAutoTopicCreation: autoCreate,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
}

export async function describeTopicConfigs(
  client: WireClient,
  name: string,
): Promise<DescribeConfigsResponse> {
  return client.request<DescribeConfigsResponse>(32, 4, {
    resources: [{ resourceType: 2, resourceName: name, configurationKeys: null }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
}
