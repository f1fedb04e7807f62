/**
 * Which front a client is told to use for a partition (Metadata leader) and for a group
 * (FindCoordinator). Any front can serve anything, so this is purely for efficiency: one front
 * per partition batches that partition's produces into fewer segments and keeps its read cache
 * warm; one front per group keeps the group's requests on one cache. Every front computes the
 * same answer from the same list of live fronts (ascending node ids): a stable hash, with a
 * topic's partitions spread round-robin from a per-topic starting point.
 *
 * Where the store commits a shard of consecutive partitions at one point (the DynamoDB shard
 * layout: MetadataStore.partitionsPerShard), the unit spread round-robin is the shard, not the
 * partition: writers of one shard on different fronts would contend for its every commit.
 */
import type { NodeEndpoint } from "./context.ts";

export interface Routing {
  partitionLeader(topicId: string, partition: number): number;
  coordinator(key: string): NodeEndpoint;
  controllerId(): number;
}

/** FNV-1a, 32 bits: stable across processes and versions (unlike any runtime hash). */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hashRouting(nodes: () => readonly NodeEndpoint[], partitionsPerShard = 1): Routing {
  return {
    partitionLeader(topicId, partition) {
      const live = nodes();
      const unit = Math.floor(partition / partitionsPerShard);
      return live[(stableHash(topicId) + unit) % live.length].nodeId;
    },
    coordinator(key) {
      const live = nodes();
      return live[stableHash(key) % live.length];
    },
    controllerId() {
      return nodes()[0].nodeId;
    },
  };
}
