// The group coordinator across fronts: two GroupCoordinators over one SQLite file stand for
// two fronts sharing a metadata store. Members talk to different fronts; rebalances, syncs,
// expiry and commit fencing must come out as if there were one coordinator.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../lib/broker/error-codes.ts";
import { GroupCoordinator, type JoinInput } from "../../../../lib/broker/groups/coordinator.ts";
import { commitOffsets } from "../../../../lib/broker/groups/offsets.ts";
import { SqliteMetadataStore } from "../../../../lib/storage/sqlite/metadata-store.ts";

const LIMITS = { minSessionTimeoutMs: 100, maxSessionTimeoutMs: 60_000, maxSize: 100 };

describe("GroupCoordinator on two fronts sharing one store", () => {
  let dir: string;
  let stores: SqliteMetadataStore[];
  let fronts: GroupCoordinator[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "floe-groups-"));
    stores = [];
    fronts = [];
    for (let i = 0; i < 2; i++) {
      const store = await SqliteMetadataStore.open({ path: join(dir, "meta.db") });
      stores.push(store);
      fronts.push(
        new GroupCoordinator({
          store,
          limits: LIMITS,
          initialRebalanceDelayMs: 0,
          activePollMs: 20,
          idlePollMs: 50,
        }),
      );
    }
  });

  afterEach(async () => {
    for (const f of fronts) await f.close();
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const joinInput = (overrides: Partial<JoinInput> = {}): JoinInput => ({
    groupId: "g",
    memberId: "",
    groupInstanceId: null,
    clientId: "c",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: 1_000,
    rebalanceTimeoutMs: 5_000,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: Buffer.from("sub") }],
    apiVersion: 5,
    ...overrides,
  });

  async function joinFully(front: GroupCoordinator, overrides: Partial<JoinInput> = {}) {
    const first = await front.join(joinInput(overrides));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    return front.join(joinInput({ ...overrides, memberId: first.memberId }));
  }

  it("completes one rebalance for members joining through different fronts", async () => {
    const [a, b] = await Promise.all([joinFully(fronts[0]), joinFully(fronts[1])]);
    expect(a.errorCode).toBe(ErrorCode.NONE);
    expect(b.errorCode).toBe(ErrorCode.NONE);
    expect(a.generationId).toBe(b.generationId);
    expect(a.leaderId).toBe(b.leaderId);
    const [leader, leaderFront, follower, followerFront] =
      a.leaderId === a.memberId ? [a, 0, b, 1] : [b, 1, a, 0];
    expect(leader.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(follower.members).toEqual([]);

    const followerSync = fronts[followerFront].sync({
      groupId: "g",
      generationId: follower.generationId,
      memberId: follower.memberId,
      groupInstanceId: null,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [],
    });
    const leaderSync = await fronts[leaderFront].sync({
      groupId: "g",
      generationId: leader.generationId,
      memberId: leader.memberId,
      groupInstanceId: null,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [
        { memberId: leader.memberId, assignment: Buffer.from("L") },
        { memberId: follower.memberId, assignment: Buffer.from("F") },
      ],
    });
    expect(leaderSync).toMatchObject({ errorCode: 0, assignment: Buffer.from("L") });
    expect(await followerSync).toMatchObject({ errorCode: 0, assignment: Buffer.from("F") });
    const described = await fronts[0].describe("g");
    expect(described?.state).toBe("Stable");
  });

  it("expires a silent member on the surviving front and fences its commits", async () => {
    const [a, b] = await Promise.all([joinFully(fronts[0]), joinFully(fronts[1])]);
    const leader = a.leaderId === a.memberId ? a : b;
    const leaderFront = leader === a ? 0 : 1;
    const other = leader === a ? b : a;
    const assignments = [a, b].map((m) => ({ memberId: m.memberId, assignment: Buffer.from("x") }));
    const otherSync = fronts[1 - leaderFront].sync({
      groupId: "g",
      generationId: other.generationId,
      memberId: other.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    await fronts[leaderFront].sync({
      groupId: "g",
      generationId: leader.generationId,
      memberId: leader.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments,
    });
    await otherSync;

    // The front `other` talked to dies; only `leader` keeps heartbeating, to its own front.
    await fronts[1 - leaderFront].close();
    const ref = { groupId: "g", memberId: leader.memberId, groupInstanceId: null };
    let code: number = ErrorCode.NONE;
    const deadline = Date.now() + 5_000;
    while (code === ErrorCode.NONE && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      code = await fronts[leaderFront].heartbeat({ ...ref, generationId: leader.generationId });
    }
    expect(code).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const g = await fronts[leaderFront].describe("g");
    expect(g?.members.map((m) => m.memberId)).toEqual([leader.memberId]);

    // The expired member's commit is refused; the survivor's (same generation) still lands.
    const offsets = [
      { topic: "t", partition: 0, offset: 5n, leaderEpoch: -1, metadata: "", commitTimestampMs: 1 },
    ];
    const stale = await commitOffsets(
      fronts[leaderFront],
      stores[leaderFront],
      {
        groupId: "g",
        memberId: other.memberId,
        groupInstanceId: null,
        generationId: other.generationId,
      },
      offsets,
      Date.now(),
    );
    expect(stale).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const ok = await commitOffsets(
      fronts[leaderFront],
      stores[leaderFront],
      { ...ref, generationId: leader.generationId },
      offsets,
      Date.now(),
    );
    expect(ok).toBe(ErrorCode.NONE);
    expect((await stores[0].fetchOffsets("g")).map((o) => o.offset)).toEqual([5n]);
  });

  it("allows standalone commits only while the group is Empty", async () => {
    const standalone = { groupId: "solo", memberId: "", groupInstanceId: null, generationId: -1 };
    const offsets = [
      { topic: "t", partition: 1, offset: 9n, leaderEpoch: 3, metadata: "m", commitTimestampMs: 1 },
    ];
    expect(await commitOffsets(fronts[0], stores[0], standalone, offsets, 1)).toBe(ErrorCode.NONE);
    expect((await stores[1].getGroup("solo"))?.state).toBe("Empty");
    await joinFully(fronts[1], { groupId: "solo" });
    expect(await commitOffsets(fronts[0], stores[0], standalone, offsets, 1)).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });
});
