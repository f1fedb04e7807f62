// Partition leaders spread round-robin over the live fronts, by partition or, where the store
// commits a shard of partitions at one point, by shard (lib/broker/routing.ts).
import { describe, expect, it } from "vitest";
import type { NodeEndpoint } from "../../../lib/broker/context.ts";
import { hashRouting } from "../../../lib/broker/routing.ts";

const nodes: NodeEndpoint[] = [1, 2, 3].map((nodeId) => ({
  nodeId,
  host: `front-${nodeId}`,
  port: 9092,
}));
const topicId = "6f1c0b7e-0000-4000-8000-000000000001";

describe("hashRouting", () => {
  it("spreads consecutive partitions over every front when each partition commits alone", () => {
    const routing = hashRouting(() => nodes);
    const leaders = [0, 1, 2].map((p) => routing.partitionLeader(topicId, p));
    expect(new Set(leaders).size).toBe(3);
    expect(routing.partitionLeader(topicId, 3)).toBe(leaders[0]);
  });

  it("sends a whole shard to one front and spreads the shards", () => {
    const routing = hashRouting(() => nodes, 32);
    const first = routing.partitionLeader(topicId, 0);
    for (let p = 1; p < 32; p++) expect(routing.partitionLeader(topicId, p)).toBe(first);
    const shards = [0, 32, 64].map((p) => routing.partitionLeader(topicId, p));
    expect(new Set(shards).size).toBe(3);
  });
});
