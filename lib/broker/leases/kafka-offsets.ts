/**
 * How an HTTP lease group shares committed offsets with the Kafka consumer group of the same
 * name. The two coordinate partitions differently (leases vs. the rebalance protocol), so they
 * must not consume at the same time; offsets, though, mean the same thing in both (the next
 * offset to read), so they are shared where that is coherent:
 *
 *  - a lease group whose name is a Kafka group with members (state other than Empty) is
 *    refused (GroupActiveError): takes and checkpoints are 409 group_active;
 *  - every checkpoint is also written as the Kafka group's committed offset, the way Kafka
 *    accepts a commit for an Empty group with generation −1 (a "simple" consumer): an absent
 *    group gets an Empty record first, as the broker's own OffsetCommit does, and the write is
 *    fenced on the group version, so a Kafka consumer joining meanwhile wins;
 *  - a partition without a checkpoint starts from the Kafka group's committed offset.
 *
 * So `kafka-consumer-groups --describe` shows an HTTP group's progress and lag, and a group can
 * move between the Kafka protocol and HTTP leases (stopping one before starting the other).
 */
import { VersionConflictError } from "../../storage/errors.ts";
import type { CommittedOffset, GroupRecord, MetadataStore } from "../../storage/ports.ts";
import { emptyGroup, toRecord } from "../groups/group-state.ts";
import { GroupActiveError } from "./lease-errors.ts";

const MAX_ATTEMPTS = 10;

/** The Kafka group record of that name; throws GroupActiveError if it has members. */
export async function inactiveKafkaGroup(
  store: MetadataStore,
  group: string,
): Promise<GroupRecord | undefined> {
  const record = await store.getGroup(group);
  if (record && record.state !== "Empty") throw new GroupActiveError(group, record.state);
  return record;
}

/** Writes the checkpoint as the Kafka group's committed offset (see the header). */
export async function commitAsKafkaGroup(
  store: MetadataStore,
  group: string,
  offset: Omit<CommittedOffset, "leaderEpoch">,
): Promise<void> {
  let lastConflict: VersionConflictError<unknown> | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let record = await inactiveKafkaGroup(store, group);
    try {
      if (!record) {
        record = toRecord(emptyGroup(group), 1);
        await store.putGroup(record, 0);
      }
      await store.commitOffsets(group, record.version, [{ ...offset, leaderEpoch: -1 }]);
      return;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      lastConflict = err;
    }
  }
  // Retriable (a 503 over HTTP): the group kept changing under us.
  throw lastConflict!;
}

/** The Kafka group's committed offsets of `topic`, by partition. */
export async function kafkaCommittedOffsets(
  store: MetadataStore,
  group: string,
  topic: string,
  partitionCount: number,
): Promise<Map<number, bigint>> {
  const partitions = Array.from({ length: partitionCount }, (_, partition) => ({
    topic,
    partition,
  }));
  const offsets = await store.fetchOffsets(group, partitions);
  return new Map(offsets.map((o) => [o.partition, o.offset]));
}
