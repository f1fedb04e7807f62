/**
 * A consumer group's position per partition: committed offset (OffsetFetch at the
 * coordinator), end offset (ListOffsets latest at each leader), lag, and the member the
 * current assignment gives the partition to. This is what `floe groups describe` prints and
 * what Kafka's `kafka-consumer-groups --describe` prints for a classic group.
 *
 * Rows cover every partition the group has committed or has assigned, so a member's partition
 * with no commit yet shows up (committed null, no lag) and so does a committed partition nobody
 * owns right now (an empty group). Lag is end − committed, never negative: a commit past the
 * log end (a client may commit any offset) reads as 0 lag.
 */
import { type Cluster, latestOffsets, tpKey } from "./cluster.ts";
import { describeGroupAtCoordinator, withGroupCoordinator } from "./group-routing.ts";
import { type DescribedGroup, fetchOffsets } from "./groups.ts";

export interface PartitionLag {
  topic: string;
  partition: number;
  /** null when the group has no committed offset for the partition. */
  committedOffset: bigint | null;
  /** null when the partition's end offset could not be read (topic deleted…). */
  endOffset: bigint | null;
  lag: bigint | null;
  /** The owning member, or null when no member is assigned the partition. */
  memberId: string | null;
  clientId: string | null;
  clientHost: string | null;
}

export interface GroupLag {
  group: DescribedGroup;
  partitions: PartitionLag[];
}

export async function describeGroupLag(cluster: Cluster, groupId: string): Promise<GroupLag> {
  const group = await describeGroupAtCoordinator(cluster, groupId);
  const committed = await withGroupCoordinator(cluster, groupId, (c) => fetchOffsets(c, groupId));
  const rows = new Map<string, PartitionLag>();
  const row = (topic: string, partition: number): PartitionLag => {
    const key = tpKey(topic, partition);
    let r = rows.get(key);
    if (!r) {
      r = {
        topic,
        partition,
        committedOffset: null,
        endOffset: null,
        lag: null,
        memberId: null,
        clientId: null,
        clientHost: null,
      };
      rows.set(key, r);
    }
    return r;
  };
  for (const c of committed) {
    if (c.errorCode === 0 && c.committedOffset >= 0n)
      row(c.topic, c.partition).committedOffset = c.committedOffset;
  }
  for (const m of group.members) {
    for (const tp of m.assignment?.assignedPartitions ?? []) {
      for (const partition of tp.partitions) {
        Object.assign(row(tp.topic, partition), {
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.clientHost,
        });
      }
    }
  }
  const all = [...rows.values()];
  const ends = await latestOffsets(cluster, all);
  for (const r of all) {
    r.endOffset = ends.get(tpKey(r.topic, r.partition)) ?? null;
    if (r.endOffset !== null && r.committedOffset !== null) {
      const lag = r.endOffset - r.committedOffset;
      r.lag = lag > 0n ? lag : 0n;
    }
  }
  all.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { group, partitions: all };
}
