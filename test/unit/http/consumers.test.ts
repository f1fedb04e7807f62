/**
 * HTTP consumer groups over partition leases (lib/http/consumers.ts): listing creates the
 * leases, takes are conditional on the observed counter, only the owner in its epoch renews,
 * checkpoints and releases (409 lease_lost otherwise), and checkpoints are shared with the Kafka
 * group of the same name — refused while that group has members.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyGroup, toRecord } from "../../../lib/broker/groups/group-state.ts";
import { type Harness, startHarness } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  expect(
    (await h.call("POST", "/v1/topics", { body: { name: "orders", partitions: 3 } })).status,
  ).toBe(201);
});
afterAll(() => h.close());

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
type Json = any;

const leases = (group: string) => `/v1/groups/${group}/topics/orders/leases`;

describe("consumer-group leases", () => {
  it("lists one unowned lease per partition, created on first listing", async () => {
    const res = await h.call("GET", leases("list-g"));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ group: "list-g", topic: "orders", kafkaGroupState: null });
    const fields = (l: Json) => [l.partition, l.owner, l.counter, l.epoch, l.checkpoint];
    expect(res.json.leases.map(fields)).toEqual([0, 1, 2].map((p) => [p, null, 1, 0, null]));
    expect(res.json.leases.every((l: Json) => l.kafkaCommittedOffset === null)).toBe(true);
    expect((await h.call("GET", leases("list-g"))).json.leases[0].counter).toBe(1);
  });

  it("takes on the observed counter only, and fences the old owner after a takeover", async () => {
    const p0 = `${leases("take-g")}/0`;
    await h.call("GET", leases("take-g"));
    const a = await h.call("POST", `${p0}/take`, { body: { owner: "a", expectedCounter: 1 } });
    expect(a.json).toMatchObject({ owner: "a", counter: 2, epoch: 1 });
    const late = await h.call("POST", `${p0}/take`, { body: { owner: "b", expectedCounter: 1 } });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe("lease_conflict");
    const renewed = await h.call("POST", `${p0}/renew`, { body: { owner: "a", epoch: 1 } });
    expect(renewed.json).toMatchObject({ owner: "a", counter: 3, epoch: 1 });
    // b saw counter 3 stand still for the lease duration (its clock) and takes over.
    const b = await h.call("POST", `${p0}/take`, { body: { owner: "b", expectedCounter: 3 } });
    expect(b.json).toMatchObject({ owner: "b", counter: 4, epoch: 2 });
    for (const action of ["renew", "release"]) {
      const stale = await h.call("POST", `${p0}/${action}`, { body: { owner: "a", epoch: 1 } });
      expect(stale.status).toBe(409);
      expect(stale.json.error.code).toBe("lease_lost");
    }
    const staleCheckpoint = await h.call("POST", `${p0}/checkpoint`, {
      body: { owner: "a", epoch: 1, offset: 5 },
    });
    expect(staleCheckpoint.json.error.code).toBe("lease_lost");
    const released = await h.call("POST", `${p0}/release`, { body: { owner: "b", epoch: 2 } });
    expect(released.json).toMatchObject({ owner: null, epoch: 3, counter: 5 });
  });

  it("lets one of two racing takers win, and an owner's renew and checkpoint race safely", async () => {
    const p2 = `${leases("race-g")}/2`;
    await h.call("GET", leases("race-g"));
    const takes = await Promise.all(
      ["a", "b"].map((owner) =>
        h.call("POST", `${p2}/take`, { body: { owner, expectedCounter: 1 } }),
      ),
    );
    expect(takes.map((t) => t.status).sort()).toEqual([200, 409]);
    const winner = takes.find((t) => t.status === 200)!.json;
    const holder = { owner: winner.owner, epoch: winner.epoch };
    const [renewed, checkpointed] = await Promise.all([
      h.call("POST", `${p2}/renew`, { body: holder }),
      h.call("POST", `${p2}/checkpoint`, { body: { ...holder, offset: 3 } }),
    ]);
    expect([renewed.status, checkpointed.status]).toEqual([200, 200]);
    const [lease] = (await h.call("GET", leases("race-g"))).json.leases.slice(2);
    expect(lease).toMatchObject({ ...holder, counter: 4, checkpoint: 3 });
  });

  it("checkpoints forward only, and shares them as the Kafka group's committed offsets", async () => {
    const p1 = `${leases("share-g")}/1`;
    await h.call("POST", `${p1}/take`, { body: { owner: "a", expectedCounter: 1 } });
    const cp = await h.call("POST", `${p1}/checkpoint`, {
      body: { owner: "a", epoch: 1, offset: 42, metadata: "m" },
    });
    expect(cp.json).toMatchObject({ checkpoint: 42, checkpointMetadata: "m" });
    const back = await h.call("POST", `${p1}/checkpoint`, {
      body: { owner: "a", epoch: 1, offset: 41 },
    });
    expect(back.status).toBe(409);
    expect(back.json.error.code).toBe("checkpoint_regressed");
    const [kafka] = await h.front.metadata.fetchOffsets("share-g");
    expect(kafka).toMatchObject({ topic: "orders", partition: 1, offset: 42n, metadata: "m" });
    expect((await h.front.metadata.getGroup("share-g"))?.state).toBe("Empty");
    const listed = await h.call("GET", leases("share-g"));
    expect(listed.json.kafkaGroupState).toBe("Empty");
    expect(listed.json.leases[1]).toMatchObject({ checkpoint: 42, kafkaCommittedOffset: 42 });
  });

  it("starts from a Kafka group's committed offset when there is no checkpoint", async () => {
    await h.front.metadata.putGroup(toRecord(emptyGroup("kafka-g"), 1), 0);
    await h.front.metadata.commitOffsets("kafka-g", 1, [
      {
        topic: "orders",
        partition: 2,
        offset: 7n,
        leaderEpoch: -1,
        metadata: null,
        commitTimestampMs: 1,
      },
    ]);
    const listed = await h.call("GET", leases("kafka-g"));
    expect(listed.json.leases[2]).toMatchObject({ checkpoint: null, kafkaCommittedOffset: 7 });
  });

  it("refuses a lease group whose name is an active Kafka consumer group", async () => {
    await h.front.metadata.putGroup(
      { ...toRecord(emptyGroup("active-g"), 1), state: "Stable", protocolType: "consumer" },
      0,
    );
    const take = await h.call("POST", `${leases("active-g")}/0/take`, {
      body: { owner: "a", expectedCounter: 1 },
    });
    expect(take.status).toBe(409);
    expect(take.json.error.code).toBe("group_active");
    expect(take.json.error.message).toContain("active Kafka consumer group");
  });

  it("rejects an unknown partition, a bad body, and deletes a group's leases", async () => {
    const missing = await h.call("POST", `${leases("del-g")}/3/take`, {
      body: { owner: "a", expectedCounter: 1 },
    });
    expect(missing.status).toBe(404);
    const bad = await h.call("POST", `${leases("del-g")}/0/renew`, { body: { owner: "a" } });
    expect(bad.status).toBe(400);
    await h.call("GET", leases("del-g"));
    const deleted = await h.call("DELETE", "/v1/groups/del-g/leases");
    expect(deleted.json).toEqual({ group: "del-g", deleted: 3 });
  });
});
