// The classic group protocol's state changes (lib/broker/groups/transitions.ts), as specs.
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../lib/broker/error-codes.ts";
import {
  emptyGroup,
  fromRecord,
  type Group,
  selectProtocol,
  toRecord,
} from "../../../../lib/broker/groups/group-state.ts";
import {
  applyAssignments,
  checkMember,
  completeJoin,
  type JoinInput,
  join,
  removeMembers,
  resolveLeaving,
} from "../../../../lib/broker/groups/transitions.ts";

const LIMITS = { minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 1_800_000, maxSize: 100 };
const range = { name: "range", metadata: Buffer.from([0, 1, 2]) };
const rr = { name: "roundrobin", metadata: Buffer.from([9]) };

function input(overrides: Partial<JoinInput> = {}): JoinInput {
  return {
    memberId: "",
    groupInstanceId: null,
    clientId: "c",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: "consumer",
    protocols: [range],
    requireKnownMemberId: true,
    newMemberId: "m-new",
    ...overrides,
  };
}

/** Joins a member all the way in (id handed out, then joined); returns the group. */
function joined(g: Group, id: string, overrides: Partial<JoinInput> = {}): Group {
  const first = join(g, input({ newMemberId: id, ...overrides }), LIMITS);
  let next = first.next as Group;
  if (first.outcome.kind === "memberIdRequired") {
    const second = join(next, input({ memberId: id, ...overrides }), LIMITS);
    expect(second.outcome.kind).toBe("park");
    next = second.next as Group;
  }
  return next;
}

function stableGroup(...ids: string[]): Group {
  let g = emptyGroup("g");
  for (const id of ids) g = joined(g, id);
  g = completeJoin(g);
  return applyAssignments(g, new Map(ids.map((id) => [id, Buffer.from(id)])));
}

describe("JoinGroup", () => {
  it("hands a new dynamic member its id first on v4+ (MEMBER_ID_REQUIRED), then parks it", () => {
    const first = join(emptyGroup("g"), input(), LIMITS);
    expect(first.outcome).toEqual({ kind: "memberIdRequired", memberId: "m-new" });
    expect(first.next?.pending.map((p) => p.memberId)).toEqual(["m-new"]);
    const second = join(first.next as Group, input({ memberId: "m-new" }), LIMITS);
    expect(second.outcome).toEqual({ kind: "park", memberId: "m-new", generationId: 0 });
    expect(second.next?.state).toBe("PreparingRebalance");
    expect(second.next?.initialRebalance).toBe(true);
    expect(second.next?.pending).toEqual([]);
  });

  it("admits a member at once below v4", () => {
    const r = join(emptyGroup("g"), input({ requireKnownMemberId: false }), LIMITS);
    expect(r.outcome.kind).toBe("park");
    expect(r.next?.members.map((m) => m.memberId)).toEqual(["m-new"]);
  });

  it("refuses session timeouts outside the configured bounds", () => {
    const r = join(emptyGroup("g"), input({ sessionTimeoutMs: 1000 }), LIMITS);
    expect(r.outcome).toMatchObject({
      kind: "error",
      errorCode: ErrorCode.INVALID_SESSION_TIMEOUT,
    });
    expect(r.next).toBeNull();
  });

  it("refuses a member with no protocol in common, or another protocol type", () => {
    const g = stableGroup("a");
    expect(join(g, input({ protocols: [rr] }), LIMITS).outcome).toMatchObject({
      errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    });
    expect(join(g, input({ protocolType: "connect" }), LIMITS).outcome).toMatchObject({
      errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    });
  });

  it("answers an unknown member id with UNKNOWN_MEMBER_ID", () => {
    const r = join(stableGroup("a"), input({ memberId: "ghost" }), LIMITS);
    expect(r.outcome).toMatchObject({ kind: "error", errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
  });

  it("lets a Stable follower with unchanged protocols rejoin without a rebalance", () => {
    const g = stableGroup("a", "b");
    const follower = g.leaderId === "a" ? "b" : "a";
    const r = join(g, input({ memberId: follower }), LIMITS);
    expect(r.outcome).toEqual({ kind: "respond", memberId: follower, skipAssignment: false });
    expect(r.next).toBeNull();
  });

  it("rebalances when the leader rejoins or a member's protocols change", () => {
    const g = stableGroup("a", "b");
    const leader = g.leaderId as string;
    expect(join(g, input({ memberId: leader }), LIMITS).next?.state).toBe("PreparingRebalance");
    const other = leader === "a" ? "b" : "a";
    const changed = join(g, input({ memberId: other, protocols: [range, rr] }), LIMITS);
    expect(changed.next?.state).toBe("PreparingRebalance");
    expect(changed.next?.rebalanceSeq).toBe(g.rebalanceSeq + 1);
  });

  it("replaces a restarted static member without a rebalance and fences its old id", () => {
    let g = emptyGroup("g");
    g = joined(g, "s1", { groupInstanceId: "i1", newMemberId: "s1" });
    g = completeJoin(g);
    g = applyAssignments(g, new Map([["s1", Buffer.from("A")]]));
    const r = join(g, input({ groupInstanceId: "i1", newMemberId: "s2" }), LIMITS);
    expect(r.outcome).toEqual({ kind: "respond", memberId: "s2", skipAssignment: true });
    const next = r.next as Group;
    expect(next.state).toBe("Stable");
    expect(next.generationId).toBe(g.generationId);
    expect(next.members.map((m) => [m.memberId, m.assignment.toString()])).toEqual([["s2", "A"]]);
    expect(checkMember(next, "s1", "i1", g.generationId)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(checkMember(next, "s2", "i1", g.generationId)).toBe(ErrorCode.NONE);
  });
});

describe("completing a join phase", () => {
  it("drops members that did not rejoin, bumps the generation and keeps a surviving leader", () => {
    let g = stableGroup("a", "b", "c");
    const leader = g.leaderId as string;
    g = join(g, input({ memberId: leader }), LIMITS).next as Group; // starts a rebalance
    const done = completeJoin(g);
    expect(done.generationId).toBe(g.generationId + 1);
    expect(done.members.map((m) => m.memberId)).toEqual([leader]);
    expect(done.leaderId).toBe(leader);
    expect(done.state).toBe("CompletingRebalance");
  });

  it("becomes Empty at a new generation when nobody rejoined", () => {
    const g = removeMembers(stableGroup("a"), new Set(["a"])) as Group;
    expect(g.state).toBe("Empty");
    expect(g.generationId).toBe(2);
  });

  it("chooses the protocol all members support by vote", () => {
    let g = emptyGroup("g");
    g = joined(g, "a", { protocols: [rr, range] });
    g = joined(g, "b", { protocols: [range, rr] });
    g = joined(g, "c", { protocols: [range] });
    expect(selectProtocol(g.members)).toBe("range");
  });
});

describe("leaving and fencing", () => {
  it("removes a leaving member and rebalances the rest", () => {
    const g = stableGroup("a", "b");
    const next = removeMembers(g, new Set(["b"])) as Group;
    expect(next.state).toBe("PreparingRebalance");
    expect(next.members.map((m) => m.memberId)).toEqual(["a"]);
  });

  it("resolves LeaveGroup identities by member id or instance id", () => {
    let g = emptyGroup("g");
    g = joined(g, "s1", { groupInstanceId: "i1", newMemberId: "s1" });
    expect(resolveLeaving(g, { memberId: "", groupInstanceId: "i1" })).toBe("s1");
    expect(resolveLeaving(g, { memberId: "x", groupInstanceId: "i1" })).toBe(
      ErrorCode.FENCED_INSTANCE_ID,
    );
    expect(resolveLeaving(g, { memberId: "nobody", groupInstanceId: null })).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it("fences stale generations and unknown members", () => {
    const g = stableGroup("a");
    expect(checkMember(g, "a", null, g.generationId)).toBe(ErrorCode.NONE);
    expect(checkMember(g, "a", null, g.generationId - 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(checkMember(g, "z", null, g.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(checkMember(undefined, "a", null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe("store encoding", () => {
  it("round-trips a group with binary metadata and assignments", () => {
    const g = stableGroup("a", "b");
    const back = fromRecord(toRecord(g, 7));
    expect(back).toEqual({ ...g, version: 7 });
  });
});
