/**
 * The classic group protocol's state changes as pure functions: (group, input) → the next group
 * to write (or null: nothing to write) and an outcome for the caller. The coordinator writes
 * `next` with a conditional put on the version the function saw; if another front wrote first,
 * it re-runs the function on the stored group. Kafka's GroupCoordinator is the model
 * (ClassicGroup, GroupCoordinator.handleJoinGroup/handleSyncGroup/…); deviations are noted.
 */
import { ErrorCode } from "../error-codes.ts";
import {
  candidateProtocols,
  findMember,
  findStatic,
  type Group,
  hasJoined,
  type Member,
  type MemberProtocol,
  sameProtocols,
  selectProtocol,
} from "./group-state.ts";

export interface Transition<T> {
  next: Group | null;
  outcome: T;
}

export interface GroupLimits {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  maxSize: number;
}

export interface JoinInput {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
  /** JoinGroup v4+: a new dynamic member must first be handed an id (KIP-394). */
  requireKnownMemberId: boolean;
  /** The id a new member gets; drawn by the caller so that retries keep the function pure. */
  newMemberId: string;
}

export type JoinOutcome =
  | { kind: "error"; errorCode: number; memberId: string }
  | { kind: "memberIdRequired"; memberId: string }
  /** Answer now from the written group (current generation); `skipAssignment` for a static leader. */
  | { kind: "respond"; memberId: string; skipAssignment: boolean }
  /** Wait until the rebalance completes (the generation moves past `generationId`). */
  | { kind: "park"; memberId: string; generationId: number };

const clone = (g: Group): Group => ({
  ...g,
  members: g.members.map((m) => ({ ...m })),
  pending: [...g.pending],
});

export function join(group: Group, input: JoinInput, limits: GroupLimits): Transition<JoinOutcome> {
  const fail = (errorCode: number): Transition<JoinOutcome> => ({
    next: null,
    outcome: { kind: "error", errorCode, memberId: input.memberId },
  });
  if (
    input.sessionTimeoutMs < limits.minSessionTimeoutMs ||
    input.sessionTimeoutMs > limits.maxSessionTimeoutMs
  ) {
    return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
  }
  if (!supportsProtocols(group, input.protocolType, input.protocols)) {
    return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  }

  const g = clone(group);
  if (input.memberId === "") {
    const existingStatic = findStatic(g, input.groupInstanceId);
    if (existingStatic) return rejoinStatic(g, existingStatic, input);
    if (g.members.length >= limits.maxSize) return fail(ErrorCode.GROUP_MAX_SIZE_REACHED);
    if (input.requireKnownMemberId && input.groupInstanceId === null) {
      g.pending.push({ memberId: input.newMemberId, sessionTimeoutMs: input.sessionTimeoutMs });
      return { next: g, outcome: { kind: "memberIdRequired", memberId: input.newMemberId } };
    }
    return addMember(g, { ...input, memberId: input.newMemberId });
  }

  const pendingIndex = g.pending.findIndex((p) => p.memberId === input.memberId);
  if (pendingIndex >= 0) {
    if (g.members.length >= limits.maxSize) return fail(ErrorCode.GROUP_MAX_SIZE_REACHED);
    g.pending.splice(pendingIndex, 1);
    return addMember(g, input);
  }
  const byInstance = findStatic(g, input.groupInstanceId);
  if (byInstance && byInstance.memberId !== input.memberId) {
    return fail(ErrorCode.FENCED_INSTANCE_ID);
  }
  const member = findMember(g, input.memberId);
  if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);

  const unchanged = sameProtocols(member.protocols, input.protocols);
  updateMember(member, input);
  switch (g.state) {
    case "PreparingRebalance":
      member.joinedRebalanceSeq = g.rebalanceSeq;
      return park(g, input.memberId);
    case "CompletingRebalance":
      if (unchanged) return respondUnchanged(input.memberId);
      return rebalanceAndPark(g, member);
    case "Stable":
      if (unchanged && g.leaderId !== input.memberId) return respondUnchanged(input.memberId);
      return rebalanceAndPark(g, member);
    default:
      // An Empty group has no members, so a known member id cannot be here.
      return fail(ErrorCode.UNKNOWN_MEMBER_ID);
  }
}

/**
 * A static member (group.instance.id) came back with no member id: it takes a fresh id and the
 * old one is fenced. In a Stable group with unchanged protocols nothing rebalances (KIP-345):
 * the member gets the current generation and, in SyncGroup, its old assignment.
 */
function rejoinStatic(g: Group, member: Member, input: JoinInput): Transition<JoinOutcome> {
  const oldId = member.memberId;
  const unchanged = sameProtocols(member.protocols, input.protocols);
  member.memberId = input.newMemberId;
  updateMember(member, input);
  if (g.leaderId === oldId) g.leaderId = member.memberId;
  if (g.state === "Stable" && unchanged) {
    return {
      next: g,
      outcome: {
        kind: "respond",
        memberId: member.memberId,
        skipAssignment: g.leaderId === member.memberId,
      },
    };
  }
  if (g.state === "PreparingRebalance") {
    member.joinedRebalanceSeq = g.rebalanceSeq;
    return park(g, member.memberId);
  }
  return rebalanceAndPark(g, member);
}

function addMember(g: Group, input: JoinInput): Transition<JoinOutcome> {
  if (g.members.length === 0) g.protocolType = input.protocolType;
  const member: Member = {
    memberId: input.memberId,
    groupInstanceId: input.groupInstanceId,
    clientId: input.clientId,
    clientHost: input.clientHost,
    sessionTimeoutMs: input.sessionTimeoutMs,
    rebalanceTimeoutMs: input.rebalanceTimeoutMs,
    protocolType: input.protocolType,
    protocols: input.protocols,
    joinedRebalanceSeq: -1,
    assignment: Buffer.alloc(0),
    heartbeatSeq: 0,
  };
  g.members.push(member);
  return rebalanceAndPark(g, member);
}

function updateMember(member: Member, input: JoinInput): void {
  member.clientId = input.clientId;
  member.clientHost = input.clientHost;
  member.sessionTimeoutMs = input.sessionTimeoutMs;
  member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
  member.protocols = input.protocols;
  member.heartbeatSeq += 1;
}

function rebalanceAndPark(g: Group, member: Member): Transition<JoinOutcome> {
  prepareRebalance(g);
  member.joinedRebalanceSeq = g.rebalanceSeq;
  return park(g, member.memberId);
}

function park(g: Group, memberId: string): Transition<JoinOutcome> {
  return { next: g, outcome: { kind: "park", memberId, generationId: g.generationId } };
}

/** The member's protocols are unchanged: answer from the group as it is, writing nothing. */
function respondUnchanged(memberId: string): Transition<JoinOutcome> {
  return { next: null, outcome: { kind: "respond", memberId, skipAssignment: false } };
}

/** Kafka's supportsProtocols: the first member sets the type; later ones must share a protocol. */
function supportsProtocols(
  group: Group,
  protocolType: string,
  protocols: MemberProtocol[],
): boolean {
  if (protocolType === "" || protocols.length === 0) return false;
  if (group.members.length === 0) return true;
  if (protocolType !== group.protocolType) return false;
  const candidates = candidateProtocols(group.members);
  return protocols.some((p) => candidates.has(p.name));
}

/** Starts a rebalance unless one is under way; members must join again to stay. */
export function prepareRebalance(g: Group): void {
  if (g.state === "PreparingRebalance") return;
  g.initialRebalance = g.state === "Empty";
  g.state = "PreparingRebalance";
  g.rebalanceSeq += 1;
}

/**
 * Ends the join phase: members that did not join are removed, the generation advances, the
 * protocol is chosen by vote, and the leader is kept if still a member. An empty result is an
 * Empty group (Kafka also bumps the generation then).
 */
export function completeJoin(group: Group): Group {
  const g = clone(group);
  g.members = g.members.filter((m) => hasJoined(g, m));
  g.generationId += 1;
  for (const m of g.members) m.assignment = Buffer.alloc(0);
  if (g.members.length === 0) {
    g.state = "Empty";
    g.protocolName = null;
    g.leaderId = null;
    return g;
  }
  g.protocolName = selectProtocol(g.members);
  if (!g.leaderId || !findMember(g, g.leaderId)) g.leaderId = g.members[0].memberId;
  g.state = "CompletingRebalance";
  g.initialRebalance = false;
  return g;
}

/**
 * Removes members (LeaveGroup, session expiry, sync timeout) and pending ids. The rest of the
 * group rebalances; a group left with no members becomes Empty at a new generation.
 */
export function removeMembers(group: Group, memberIds: ReadonlySet<string>): Group | null {
  const members = group.members.filter((m) => !memberIds.has(m.memberId));
  const pending = group.pending.filter((p) => !memberIds.has(p.memberId));
  if (members.length === group.members.length && pending.length === group.pending.length) {
    return null;
  }
  const g = clone(group);
  g.pending = pending;
  if (members.length === group.members.length) return g;
  g.members = members;
  if (g.leaderId && memberIds.has(g.leaderId)) g.leaderId = null;
  if (members.length === 0) {
    g.state = "Empty";
    g.generationId += 1;
    g.protocolName = null;
    g.leaderId = null;
    g.initialRebalance = false;
    return g;
  }
  prepareRebalance(g);
  return g;
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

/** Which member id a LeaveGroup identity names, or the error for it (Kafka's rules, v3+). */
export function resolveLeaving(group: Group, who: MemberIdentity): string | number {
  if (who.groupInstanceId !== null) {
    const m = findStatic(group, who.groupInstanceId);
    if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (who.memberId !== "" && who.memberId !== m.memberId) return ErrorCode.FENCED_INSTANCE_ID;
    return m.memberId;
  }
  if (findMember(group, who.memberId) || group.pending.some((p) => p.memberId === who.memberId)) {
    return who.memberId;
  }
  return ErrorCode.UNKNOWN_MEMBER_ID;
}

/**
 * Checks a request made as a member of a generation (Heartbeat, SyncGroup, OffsetCommit):
 * static fencing first, then membership, then generation. NONE when it stands.
 */
export function checkMember(
  group: Group | undefined,
  memberId: string,
  groupInstanceId: string | null,
  generationId: number,
): number {
  if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
  const byInstance = findStatic(group, groupInstanceId);
  if (byInstance && byInstance.memberId !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  if (!findMember(group, memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return ErrorCode.NONE;
}

/** The leader's SyncGroup in CompletingRebalance: assignments are stored and the group is Stable. */
export function applyAssignments(group: Group, assignments: ReadonlyMap<string, Buffer>): Group {
  const g = clone(group);
  for (const m of g.members) m.assignment = assignments.get(m.memberId) ?? Buffer.alloc(0);
  g.state = "Stable";
  return g;
}

export function bumpHeartbeat(group: Group, memberId: string): Group | null {
  const g = clone(group);
  const m = findMember(g, memberId);
  if (!m) return null;
  m.heartbeatSeq += 1;
  return g;
}
