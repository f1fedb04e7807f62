/**
 * Committed offsets of a group (OffsetCommit, OffsetFetch, OffsetDelete). A commit is written
 * only while the group record still has the version the commit was validated against
 * (MetadataStore.commitOffsets fences on it), so a member fenced by a rebalance on another
 * front cannot slip a commit in between the check and the write.
 *
 * Validation follows Kafka's ClassicGroup.validateOffsetCommit: generation −1 with no member id
 * commits for a group that is Empty (or absent: an Empty record is created first, as Kafka
 * creates the group); otherwise static fencing, membership and generation must hold, and a
 * group in CompletingRebalance answers REBALANCE_IN_PROGRESS.
 */
import { VersionConflictError } from "../../storage/errors.ts";
import type {
  CommittedOffset,
  GroupPartition,
  GroupRecord,
  MetadataStore,
} from "../../storage/ports.ts";
import { ErrorCode } from "../error-codes.ts";
import type { ActiveGroup } from "./active-group.ts";
import type { GroupCoordinator, MemberRef } from "./coordinator.ts";
import { emptyGroup, fromRecord, type Group, toRecord } from "./group-state.ts";
import { checkMember } from "./transitions.ts";

const MAX_ATTEMPTS = 20;
const MAX_OFFSETS_PER_WRITE = 1_000;

function validate(g: Group, ref: MemberRef): number {
  if (ref.generationId < 0 && ref.memberId === "") {
    return g.state === "Empty" ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }
  const code = checkMember(
    g.version === 0 ? undefined : g,
    ref.memberId,
    ref.groupInstanceId,
    ref.generationId,
  );
  if (code !== ErrorCode.NONE) {
    // Kafka answers an unknown group with ILLEGAL_GENERATION for a member-style commit.
    return g.version === 0 ? ErrorCode.ILLEGAL_GENERATION : code;
  }
  return g.state === "CompletingRebalance" ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
}

/** Commits `offsets` for the member (or standalone committer) in `ref`; one code for all. */
export async function commitOffsets(
  coordinator: GroupCoordinator,
  store: MetadataStore,
  ref: MemberRef,
  offsets: readonly CommittedOffset[],
  nowMs: number,
): Promise<number> {
  const ag = await coordinator.activate(ref.groupId);
  const code = await ag.run(async () => {
    let refreshed = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let code = validate(ag.group, ref);
      if (code !== ErrorCode.NONE && !refreshed) {
        await coordinator.refresh(ag);
        refreshed = true;
        code = validate(ag.group, ref);
      }
      if (code !== ErrorCode.NONE) return code;
      if (ag.group.version === 0) await createEmpty(store, ag);
      if (ref.memberId !== "") ag.observer.touch(ref.memberId, nowMs);
      try {
        for (let i = 0; i < offsets.length; i += MAX_OFFSETS_PER_WRITE) {
          await store.commitOffsets(
            ref.groupId,
            ag.group.version,
            offsets.slice(i, i + MAX_OFFSETS_PER_WRITE),
          );
        }
        return ErrorCode.NONE;
      } catch (err) {
        if (!(err instanceof VersionConflictError)) throw err;
        adopt(ag, err.current as GroupRecord | undefined);
        refreshed = true;
      }
    }
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  });
  coordinator.schedule(ag);
  return code;
}

async function createEmpty(store: MetadataStore, ag: ActiveGroup): Promise<void> {
  const group = emptyGroup(ag.group.groupId);
  try {
    await store.putGroup(toRecord(group, 1), 0);
    ag.group = { ...group, version: 1 };
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
    adopt(ag, err.current as GroupRecord | undefined);
  }
}

function adopt(ag: ActiveGroup, record: GroupRecord | undefined): void {
  ag.group = record ? fromRecord(record) : emptyGroup(ag.group.groupId);
}

/**
 * OffsetDelete: offsets of an Empty group go; a group with members keeps the offsets of topics
 * its members subscribe to (GROUP_SUBSCRIBED_TO_TOPIC per partition), as Kafka does.
 */
export async function deleteOffsets(
  coordinator: GroupCoordinator,
  store: MetadataStore,
  groupId: string,
  partitions: readonly GroupPartition[],
  subscribedTopics: (g: Group) => Set<string>,
): Promise<{ errorCode: number; partitionCodes: number[] }> {
  const ag = await coordinator.activate(groupId);
  return ag.run(async () => {
    await coordinator.refresh(ag);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const g = ag.group;
      if (g.version === 0) {
        return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitionCodes: [] };
      }
      const subscribed = g.state === "Empty" ? new Set<string>() : subscribedTopics(g);
      const codes = partitions.map((p) =>
        subscribed.has(p.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE,
      );
      const deletable = partitions.filter((_, i) => codes[i] === ErrorCode.NONE);
      try {
        if (deletable.length > 0) await store.deleteOffsets(groupId, g.version, deletable);
        return { errorCode: ErrorCode.NONE, partitionCodes: codes };
      } catch (err) {
        if (!(err instanceof VersionConflictError)) throw err;
        adopt(ag, err.current as GroupRecord | undefined);
      }
    }
    return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, partitionCodes: [] };
  });
}

/** DeleteGroups: only an Empty group (no members) may go, with its offsets. */
export async function deleteGroup(
  coordinator: GroupCoordinator,
  store: MetadataStore,
  groupId: string,
): Promise<number> {
  const ag = await coordinator.activate(groupId);
  return ag.run(async () => {
    await coordinator.refresh(ag);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const g = ag.group;
      if (g.version === 0) return ErrorCode.GROUP_ID_NOT_FOUND;
      if (g.state !== "Empty") return ErrorCode.NON_EMPTY_GROUP;
      try {
        await store.deleteGroup(groupId, g.version);
        ag.group = emptyGroup(groupId);
        return ErrorCode.NONE;
      } catch (err) {
        if (!(err instanceof VersionConflictError)) throw err;
        adopt(ag, err.current as GroupRecord | undefined);
      }
    }
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  });
}
