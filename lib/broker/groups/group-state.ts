/**
 * The classic consumer group as the broker sees it, and its encoding in the store's opaque
 * GroupRecord.body. Every field that decides a rebalance is here and persisted, so any front
 * can pick up a group where another front (perhaps dead) left it:
 *
 *  - `rebalanceSeq` numbers rebalances; a member has joined the current one when its
 *    `joinedRebalanceSeq` equals it. Observers time a rebalance from when THEY first saw its
 *    seq (their own clock; DESIGN.md §3), never from a timestamp another host wrote.
 *  - `heartbeatSeq` of a member is bumped (at most every sessionTimeoutMs/4) by the front that
 *    receives its heartbeats; an observer expires a member whose seq has not moved for its
 *    session timeout, measured on the observer's clock.
 *  - `pending` holds member ids handed out with MEMBER_ID_REQUIRED (JoinGroup v4+) that have not
 *    joined yet; they are forgotten after their session timeout like members.
 */
import type { GroupRecord } from "../../storage/ports.ts";

export type GroupStateName = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable";

export interface MemberProtocol {
  name: string;
  metadata: Buffer;
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
  joinedRebalanceSeq: number;
  /** Set by the leader's SyncGroup for the current generation; empty until then. */
  assignment: Buffer;
  heartbeatSeq: number;
}

export interface PendingMember {
  memberId: string;
  sessionTimeoutMs: number;
}

export interface Group {
  groupId: string;
  /** Store version this state was read at (0: no record yet). */
  version: number;
  state: GroupStateName;
  protocolType: string;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  rebalanceSeq: number;
  /** The current rebalance began on an Empty group: Kafka's initial delayed join applies. */
  initialRebalance: boolean;
  members: Member[];
  pending: PendingMember[];
}

export function emptyGroup(groupId: string): Group {
  return {
    groupId,
    version: 0,
    state: "Empty",
    protocolType: "",
    protocolName: null,
    generationId: 0,
    leaderId: null,
    rebalanceSeq: 0,
    initialRebalance: false,
    members: [],
    pending: [],
  };
}

// ---- store encoding ----

interface MemberJson extends Omit<Member, "protocols" | "assignment"> {
  protocols: { name: string; metadata: string }[];
  assignment: string;
}

interface BodyJson {
  v: 1;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  rebalanceSeq: number;
  initialRebalance: boolean;
  members: MemberJson[];
  pending: PendingMember[];
}

export function toRecord(group: Group, version: number): GroupRecord {
  const body: BodyJson = {
    v: 1,
    protocolName: group.protocolName,
    generationId: group.generationId,
    leaderId: group.leaderId,
    rebalanceSeq: group.rebalanceSeq,
    initialRebalance: group.initialRebalance,
    members: group.members.map((m) => ({
      ...m,
      protocols: m.protocols.map((p) => ({
        name: p.name,
        metadata: p.metadata.toString("base64"),
      })),
      assignment: m.assignment.toString("base64"),
    })),
    pending: group.pending,
  };
  return {
    groupId: group.groupId,
    version,
    state: group.state,
    protocolType: group.protocolType,
    body: JSON.stringify(body),
  };
}

export function fromRecord(record: GroupRecord): Group {
  const body = JSON.parse(record.body) as BodyJson;
  if (body.v !== 1) {
    throw new Error(`group ${record.groupId}: unknown body encoding version ${String(body.v)}`);
  }
  return {
    groupId: record.groupId,
    version: record.version,
    state: record.state as GroupStateName,
    protocolType: record.protocolType,
    protocolName: body.protocolName,
    generationId: body.generationId,
    leaderId: body.leaderId,
    rebalanceSeq: body.rebalanceSeq,
    initialRebalance: body.initialRebalance,
    members: body.members.map((m) => ({
      ...m,
      protocols: m.protocols.map((p) => ({
        name: p.name,
        metadata: Buffer.from(p.metadata, "base64"),
      })),
      assignment: Buffer.from(m.assignment, "base64"),
    })),
    pending: body.pending,
  };
}

// ---- queries ----

export function findMember(group: Group, memberId: string): Member | undefined {
  return group.members.find((m) => m.memberId === memberId);
}

export function findStatic(group: Group, instanceId: string | null): Member | undefined {
  return instanceId === null
    ? undefined
    : group.members.find((m) => m.groupInstanceId === instanceId);
}

export function hasJoined(group: Group, member: Member): boolean {
  return member.joinedRebalanceSeq === group.rebalanceSeq;
}

/** The longest rebalance timeout of the members: how long a rebalance may wait for joins. */
export function rebalanceTimeoutMs(group: Group): number {
  let max = 0;
  for (const m of group.members) max = Math.max(max, m.rebalanceTimeoutMs);
  return max;
}

/** Protocols every member supports (Kafka's candidateProtocols), in no particular order. */
export function candidateProtocols(members: readonly Member[]): Set<string> {
  if (members.length === 0) return new Set();
  const [first, ...rest] = members;
  const out = new Set(first.protocols.map((p) => p.name));
  for (const m of rest) {
    const names = new Set(m.protocols.map((p) => p.name));
    for (const n of out) if (!names.has(n)) out.delete(n);
  }
  return out;
}

/**
 * Kafka's selectProtocol: each member votes for its most preferred candidate; most votes wins,
 * ties broken by the first member's preference order (deterministic on every front).
 */
export function selectProtocol(members: readonly Member[]): string | null {
  const candidates = candidateProtocols(members);
  if (candidates.size === 0) return null;
  const votes = new Map<string, number>();
  for (const m of members) {
    const choice = m.protocols.find((p) => candidates.has(p.name));
    if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
  }
  let best: string | null = null;
  let bestVotes = -1;
  for (const p of members[0].protocols) {
    const v = votes.get(p.name) ?? 0;
    if (candidates.has(p.name) && v > bestVotes) {
      best = p.name;
      bestVotes = v;
    }
  }
  return best;
}

export function protocolMetadata(member: Member, protocolName: string | null): Buffer {
  return member.protocols.find((p) => p.name === protocolName)?.metadata ?? Buffer.alloc(0);
}

export function sameProtocols(a: readonly MemberProtocol[], b: readonly MemberProtocol[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => p.name === b[i].name && p.metadata.equals(b[i].metadata))
  );
}
