/**
 * Committed offsets of a deleted topic go with it, as Kafka's group coordinator drops the
 * offsets of deleted partitions, and so do the HTTP consumer groups' leases on it (whose
 * checkpoints are offsets too): without this, a group consuming a topic created again under the
 * same name would resume at the old topic's offsets, silently skipping records below them when
 * the new log is longer, or resetting by policy when it is shorter.
 *
 * Both are keyed by topic name (MetadataStore.commitOffsets, putLease), so after the topic record
 * is gone every group's offsets on that name are deleted, each under the group's version fence
 * like any OffsetDelete (a group that changed meanwhile is read again), and its leases on it. A
 * lease group that never checkpointed has no group record and is not found; its leases hold no
 * offset to inherit. Run after the topic is deleted, never before: a consumer still running could
 * commit again in between.
 */
import { VersionConflictError } from "../../storage/errors.ts";
import type { GroupPartition, GroupRecord, MetadataStore } from "../../storage/ports.ts";

const MAX_ATTEMPTS = 20;
/** deleteOffsets takes what commitOffsets takes: at most 1,000 partitions per call. */
const MAX_PARTITIONS_PER_CALL = 1_000;

/** Deletes every group's committed offsets and leases on `topic`; returns how many of each went. */
export async function forgetDeletedTopic(
  metadata: MetadataStore,
  topic: string,
): Promise<{ offsets: number; leases: number }> {
  const removed = { offsets: 0, leases: 0 };
  for (const listed of await metadata.listGroups()) {
    removed.offsets += await deleteFromGroup(metadata, listed, topic);
    removed.leases += await metadata.deleteLeases(listed.groupId, topic);
  }
  return removed;
}

async function deleteFromGroup(
  metadata: MetadataStore,
  listed: GroupRecord,
  topic: string,
): Promise<number> {
  let group: GroupRecord | undefined = listed;
  for (let attempt = 1; group !== undefined; attempt++) {
    const doomed: GroupPartition[] = (await metadata.fetchOffsets(group.groupId))
      .filter((o) => o.topic === topic)
      .map((o) => ({ topic, partition: o.partition }));
    try {
      for (let at = 0; at < doomed.length; at += MAX_PARTITIONS_PER_CALL) {
        const part = doomed.slice(at, at + MAX_PARTITIONS_PER_CALL);
        await metadata.deleteOffsets(group.groupId, group.version, part);
      }
      return doomed.length;
    } catch (err) {
      if (!(err instanceof VersionConflictError) || attempt >= MAX_ATTEMPTS) throw err;
      group = err.current as GroupRecord | undefined; // changed or deleted meanwhile
    }
  }
  return 0; // the group went, and its offsets with it
}
