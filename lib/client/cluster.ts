/**
 * Connections to every node of a cluster, for admin commands that must reach a particular
 * node: a group's coordinator, a partition's leader, or each broker in turn (ListGroups is
 * answered per broker in Apache Kafka). Connections are opened lazily, one per address, and
 * reuse the bootstrap connection when a node is the bootstrap endpoint. Against Floe every
 * front can serve everything, so all routes usually land on the bootstrap connection; against
 * a multi-broker Kafka cluster they fan out.
 */
import type { ListOffsetsResponse, MetadataResponse } from "../protocol/generated/index.ts";
import { metadata } from "./admin.ts";
import { WireClient } from "./wire-client.ts";

export interface NodeAddress {
  nodeId: number;
  host: string;
  port: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export class Cluster {
  readonly bootstrap: WireClient;
  readonly bootstrapEndpoint: { host: string; port: number };
  private readonly bootstrapAddress: string;
  private readonly connections = new Map<string, Promise<WireClient>>();

  constructor(bootstrap: WireClient, host: string, port: number) {
    this.bootstrap = bootstrap;
    this.bootstrapEndpoint = { host, port };
    this.bootstrapAddress = `${host}:${port}`;
  }

  /** A connection to `host:port`, shared by every caller asking for the same address. */
  connectTo(address: { host: string; port: number }): Promise<WireClient> {
    const key = `${address.host}:${address.port}`;
    if (key === this.bootstrapAddress) return Promise.resolve(this.bootstrap);
    let conn = this.connections.get(key);
    if (!conn) {
      conn = WireClient.connect(address.host, address.port, this.bootstrap.clientId).then((c) => {
        c.onRequest = this.bootstrap.onRequest;
        return c;
      });
      this.connections.set(key, conn);
    }
    return conn;
  }

  /** Metadata for `topics` (null: all topics), asked of the bootstrap node. */
  metadata(topics: string[] | null): Promise<MetadataResponse> {
    return metadata(this.bootstrap, topics);
  }

  async brokers(): Promise<NodeAddress[]> {
    const md = await this.metadata([]);
    return (md.brokers ?? []).map((b) => ({ nodeId: b.nodeId!, host: b.host!, port: b.port! }));
  }

  close(): void {
    this.bootstrap.close();
    for (const conn of this.connections.values()) conn.then((c) => c.close()).catch(() => {});
    this.connections.clear();
  }
}

/** Key for maps of per-partition values. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * The latest offset (the high watermark) of each partition, asking each partition's leader.
 * Errors are per partition, as on the wire: a partition the cluster does not know, or whose
 * leader answers with an error, is missing from the result rather than failing the rest.
 */
export async function latestOffsets(
  cluster: Cluster,
  partitions: TopicPartition[],
): Promise<Map<string, bigint>> {
  const topics = [...new Set(partitions.map((tp) => tp.topic))];
  const out = new Map<string, bigint>();
  if (topics.length === 0) return out;
  const md = await cluster.metadata(topics);
  const nodes = new Map((md.brokers ?? []).map((b) => [b.nodeId!, b]));
  const byLeader = new Map<number, Map<string, number[]>>();
  for (const tp of partitions) {
    const t = md.topics?.find((x) => x.name === tp.topic);
    const p = t?.partitions?.find((x) => x.partitionIndex === tp.partition);
    if (!t || t.errorCode || !p) continue;
    const topicsOfLeader = byLeader.get(p.leaderId!) ?? new Map<string, number[]>();
    byLeader.set(p.leaderId!, topicsOfLeader);
    topicsOfLeader.set(tp.topic, [...(topicsOfLeader.get(tp.topic) ?? []), tp.partition]);
  }
  await Promise.all(
    [...byLeader].map(async ([leaderId, leaderTopics]) => {
      const node = nodes.get(leaderId);
      const client = node
        ? await cluster.connectTo({ host: node.host!, port: node.port! })
        : cluster.bootstrap;
      const res = await client.request<ListOffsetsResponse>(2, 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [...leaderTopics].map(([name, ps]) => ({
          name,
          partitions: ps.map((partitionIndex) => ({
            partitionIndex,
            currentLeaderEpoch: -1,
            timestamp: -1n,
            maxNumOffsets: 1,
          })),
        })),
        timeoutMs: 30000,
      });
      for (const t of res.topics ?? []) {
        for (const p of t.partitions ?? []) {
          if (!p.errorCode) out.set(tpKey(t.name!, p.partitionIndex!), p.offset!);
        }
      }
    }),
  );
  return out;
}
