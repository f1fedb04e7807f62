// Deleting a topic deletes every group's committed offsets on it, under each group's version
// fence, as Kafka's coordinator drops the offsets of deleted partitions, and the HTTP groups'
// leases on it (lib/broker/groups/deleted-topic.ts, called by TopicRegistry.delete).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forgetDeletedTopic } from "../../../../lib/broker/groups/deleted-topic.ts";
import { TopicRegistry } from "../../../../lib/broker/topics/topic-registry.ts";
import type { CommittedOffset, GroupRecord } from "../../../../lib/storage/ports.ts";
import { SqliteMetadataStore } from "../../../../lib/storage/sqlite/metadata-store.ts";

function offset(topic: string, partition: number, value: bigint): CommittedOffset {
  return { topic, partition, offset: value, leaderEpoch: -1, metadata: null, commitTimestampMs: 1 };
}

function group(groupId: string, version = 1): GroupRecord {
  return { groupId, version, state: "Empty", protocolType: "consumer", body: "{}" };
}

describe("deleting a topic's committed offsets", () => {
  let dir: string;
  let store: SqliteMetadataStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "floe-deleted-offsets-"));
    store = await SqliteMetadataStore.open({ path: join(dir, "meta.db") });
    for (const id of ["billing", "audit"]) {
      await store.putGroup(group(id), 0);
      await store.commitOffsets(id, 1, [
        offset("orders", 0, 10n),
        offset("orders", 1, 20n),
        offset("payments", 0, 5n),
      ]);
    }
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("goes with the topic and leaves every other topic's offsets and leases", async () => {
    const topics = new TopicRegistry(store, 0);
    await topics.create("orders", 2, {});
    for (const topic of ["orders", "payments"]) {
      await store.putLease(
        {
          group: "billing",
          topic,
          partition: 0,
          owner: "worker-a",
          counter: 1,
          epoch: 1,
          checkpoint: 7n,
          checkpointMetadata: null,
        },
        0,
      );
    }
    await topics.delete("orders");
    expect(await store.listLeases("billing", "orders")).toEqual([]);
    expect(await store.listLeases("billing", "payments")).toHaveLength(1);
    for (const id of ["billing", "audit"]) {
      expect((await store.fetchOffsets(id)).map((o) => [o.topic, o.partition, o.offset])).toEqual([
        ["payments", 0, 5n],
      ]);
    }
    // A topic created again under the name starts without committed offsets.
    await topics.create("orders", 2, {});
    expect(await store.fetchOffsets("billing", [{ topic: "orders", partition: 0 }])).toEqual([]);
  });

  it("reads a group again when it changed between the listing and the deletion", async () => {
    const racing = Object.create(store) as SqliteMetadataStore;
    let raced = false;
    racing.deleteOffsets = async (groupId, expectedVersion, partitions) => {
      if (!raced && groupId === "audit") {
        raced = true; // a rebalance bumps the group's version first
        await store.putGroup({ ...group("audit", 2), state: "PreparingRebalance" }, 1);
      }
      return store.deleteOffsets(groupId, expectedVersion, partitions);
    };
    expect(await forgetDeletedTopic(racing, "orders")).toEqual({ offsets: 4, leases: 0 });
    expect(raced).toBe(true);
    expect((await store.fetchOffsets("audit")).map((o) => o.topic)).toEqual(["payments"]);
    expect((await store.getGroup("audit"))?.version).toBe(2);
  });
});
