/**
 * Consumer-group administration over the wire client for the `floe groups` CLI and the
 * consumer-group compat suite (test/compat/groups): listing, full descriptions (decoded
 * consumer protocol), committed offsets and deletion. Each function talks to one connection;
 * routing to a group's coordinator through a multi-node cluster is in group-routing.ts.
 *
 * Versions sent: FindCoordinator v4 (batched keys), ListGroups v5, DescribeGroups v5,
 * OffsetFetch v8 (groups array), DeleteGroups v2 — all flexible, all served by Kafka 4.x and
 * by Floe.
 */
import type {
  DeleteGroupsResponse,
  DescribeGroupsResponse,
  FindCoordinatorResponse,
  ListGroupsResponse,
  OffsetFetchResponse,
} from "../protocol/generated/index.ts";
import { KafkaError } from "./admin.ts";
import {
  CONSUMER_PROTOCOL_TYPE,
  type ConsumerAssignment,
  type ConsumerSubscription,
  decodeAssignment,
  decodeSubscription,
} from "./consumer-protocol.ts";
import type { WireClient } from "./wire-client.ts";

export interface Coordinator {
  nodeId: number;
  host: string;
  port: number;
}

export const GroupErrorCode = {
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_GROUP_ID: 24,
  GROUP_AUTHORIZATION_FAILED: 30,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
} as const;

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  /** "classic", "consumer", "share"…; empty when the broker does not say (ListGroups < v5). */
  groupType: string;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded when the group speaks the consumer protocol; null otherwise. */
  subscription: ConsumerSubscription | null;
  assignment: ConsumerAssignment | null;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  groupId: string;
  errorCode: number;
  groupState: string;
  protocolType: string;
  /** The chosen assignor ("range", "cooperative-sticky"…) for consumer groups. */
  protocolData: string;
  members: GroupMember[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** −1 when the group has no offset for the partition. */
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

/** FindCoordinator v4 (one key of the batched form) for a group. */
export async function findCoordinator(client: WireClient, groupId: string): Promise<Coordinator> {
  const res = await client.request<FindCoordinatorResponse>(10, 4, {
    keyType: 0,
    coordinatorKeys: [groupId],
  });
  const c = res.coordinators?.[0];
  if (!c) throw new Error(`FindCoordinator returned no coordinator for group ${groupId}`);
  if (c.errorCode)
    throw new KafkaError(c.errorCode, c.errorMessage ?? `no coordinator for group ${groupId}`);
  return { nodeId: c.nodeId!, host: c.host!, port: c.port! };
}

/** The groups one broker coordinates. */
export async function listGroups(client: WireClient): Promise<ListedGroup[]> {
  const res = await client.request<ListGroupsResponse>(16, 5, {
    statesFilter: [],
    typesFilter: [],
  });
  if (res.errorCode) throw new KafkaError(res.errorCode, "ListGroups failed");
  return (res.groups ?? []).map((g) => ({
    groupId: g.groupId!,
    protocolType: g.protocolType ?? "",
    groupState: g.groupState ?? "",
    groupType: g.groupType ?? "",
  }));
}

/**
 * Describes groups coordinated by `client`, decoding consumer-protocol members' subscriptions
 * and assignments; a per-group error is returned in `errorCode`, not thrown.
 */
export async function describeGroups(
  client: WireClient,
  groupIds: string[],
): Promise<DescribedGroup[]> {
  const res = await client.request<DescribeGroupsResponse>(15, 5, {
    groups: groupIds,
    includeAuthorizedOperations: false,
  });
  return (res.groups ?? []).map((g) => {
    const consumer = g.protocolType === CONSUMER_PROTOCOL_TYPE;
    return {
      groupId: g.groupId!,
      errorCode: g.errorCode ?? 0,
      groupState: g.groupState ?? "",
      protocolType: g.protocolType ?? "",
      protocolData: g.protocolData ?? "",
      members: (g.members ?? []).map((m) => {
        const metadata = m.memberMetadata ?? Buffer.alloc(0);
        const assignment = m.memberAssignment ?? Buffer.alloc(0);
        return {
          memberId: m.memberId!,
          groupInstanceId: m.groupInstanceId ?? null,
          clientId: m.clientId ?? "",
          clientHost: m.clientHost ?? "",
          subscription: consumer && metadata.length > 0 ? decodeSubscription(metadata) : null,
          assignment: consumer ? decodeAssignment(assignment) : null,
          memberMetadata: metadata,
          memberAssignment: assignment,
        };
      }),
    };
  });
}

/**
 * The group's committed offsets (OffsetFetch v8): for the given partitions, or (topics = null)
 * for every partition the group has committed. Per-partition errors are returned, not thrown.
 */
export async function fetchOffsets(
  coordinator: WireClient,
  groupId: string,
  topics: { topic: string; partitions: number[] }[] | null = null,
): Promise<CommittedOffset[]> {
  const res = await coordinator.request<OffsetFetchResponse>(9, 8, {
    groups: [
      {
        groupId,
        topics: topics?.map((t) => ({ name: t.topic, partitionIndexes: t.partitions })) ?? null,
      },
    ],
    requireStable: false,
  });
  const g = res.groups?.[0];
  if (!g) throw new Error(`OffsetFetch returned no result for group ${groupId}`);
  if (g.errorCode) throw new KafkaError(g.errorCode, `cannot fetch offsets of group ${groupId}`);
  return (g.topics ?? []).flatMap((t) =>
    (t.partitions ?? []).map((p) => ({
      topic: t.name!,
      partition: p.partitionIndex!,
      committedOffset: p.committedOffset ?? -1n,
      committedLeaderEpoch: p.committedLeaderEpoch ?? -1,
      metadata: p.metadata ?? null,
      errorCode: p.errorCode ?? 0,
    })),
  );
}

/** Deletes groups; each result carries its own error code (68: the group still has members). */
export async function deleteGroups(
  coordinator: WireClient,
  groupIds: string[],
): Promise<{ groupId: string; errorCode: number }[]> {
  const res = await coordinator.request<DeleteGroupsResponse>(42, 2, { groupsNames: groupIds });
  return (res.results ?? []).map((r) => ({ groupId: r.groupId!, errorCode: r.errorCode ?? 0 }));
}
