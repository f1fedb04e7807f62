/**
 * The state of one shard as a process knows it (./shard-log.ts does the I/O): a snapshot it
 * loaded or wrote (the "base"), the commit records after it, densely numbered, and the heads
 * they fold into. Pure: no I/O, no clock.
 *
 * The fold is deterministic, so every process that holds records (base, at] computes the same
 * snapshot at `at` and the same index pages before it, and a snapshot or page written twice is
 * written with the same content. Snapshots fall on multiples of SNAPSHOT_EVERY only, so windows
 * never overlap and neither do index pages.
 *
 * Entries of a partition are either in index pages (strictly before its first inline entry) or
 * inline: carried by the base snapshot, or in a record after it. At each snapshot a partition's
 * inline entries at or above its chunk floor go into one page once there are PAGE_MIN_ENTRIES
 * of them (fewer are carried on), so a partition written once per window does not pay a page
 * write per window, and a busy one pays one page per window, not one per commit.
 */
import type { ChunkEntry, PartitionHead, PartitionKey } from "../ports.ts";
import type { StoredHead } from "./log-items.ts";
import { implicitHead } from "./log-items.ts";
import type {
  PartitionChange,
  ShardRecord,
  ShardSnapshot,
  SnapshotPartition,
} from "./shard-items.ts";

/** Records per snapshot window. A format constant, like SHARD_PARTITIONS. */
export const SNAPSHOT_EVERY = 32;
/** Inline entries that make a page at a snapshot; fewer are carried in the snapshot. */
export const PAGE_MIN_ENTRIES = 8;
/** Entries per index page at most (a partition with many chunks per window gets several). */
const PAGE_MAX_ENTRIES = 64;

export interface IndexPage {
  key: PartitionKey;
  entries: ChunkEntry[];
}

export class ShardState {
  readonly topicId: string;
  readonly shard: number;
  private baseSeq: number;
  private base: Map<number, SnapshotPartition>;
  private records: ShardRecord[] = [];
  private current = new Map<number, StoredHead>();

  private constructor(topicId: string, shard: number, snapshot: ShardSnapshot | undefined) {
    this.topicId = topicId;
    this.shard = shard;
    this.baseSeq = snapshot?.seq ?? 0;
    this.base = new Map((snapshot?.partitions ?? []).map((p) => [p.head.partition, p]));
    this.current = foldHeads(topicId, this.base, []);
  }

  static fromSnapshot(topicId: string, shard: number, snapshot?: ShardSnapshot): ShardState {
    return new ShardState(topicId, shard, snapshot);
  }

  /** The sequence number of the last record folded in. */
  get seq(): number {
    return this.records.at(-1)?.seq ?? this.baseSeq;
  }

  get snapshotSeq(): number {
    return this.baseSeq;
  }

  /** The record with this seq, if held (after the base). */
  record(seq: number): ShardRecord | undefined {
    const at = seq - this.baseSeq - 1;
    return at >= 0 ? this.records[at] : undefined;
  }

  /**
   * Folds in records that follow, skipping those already held. False when they leave a gap
   * (records the caller never saw were deleted): the caller must load the shard again.
   */
  apply(records: readonly ShardRecord[]): boolean {
    for (const record of records) {
      if (record.seq <= this.seq) continue;
      if (record.seq !== this.seq + 1) return false;
      this.records.push(record);
      foldRecord(this.current, this.topicId, record);
    }
    return true;
  }

  /** The partition's head, inline entries and chunk floor after the last record held. */
  stored(partition: number): StoredHead {
    return (
      this.current.get(partition) ?? {
        head: implicitHead({ topicId: this.topicId, partition }),
        inline: [],
        chunkFloor: 0n,
      }
    );
  }

  /** The first snapshot due, if the records held reach it. */
  dueSnapshot(): number | undefined {
    const next = this.baseSeq + SNAPSHOT_EVERY;
    return next <= this.seq ? next : undefined;
  }

  /** The snapshot after record `at` (the next due one) and the pages that must exist first. */
  snapshotAt(at: number): { snapshot: ShardSnapshot; pages: IndexPage[] } {
    if (at <= this.baseSeq || at > this.seq) {
      throw new RangeError(`shard snapshot at ${at}: records (${this.baseSeq}, ${this.seq}] held`);
    }
    const folded = foldHeads(this.topicId, this.base, this.records.slice(0, at - this.baseSeq));
    const partitions: SnapshotPartition[] = [];
    const pages: IndexPage[] = [];
    for (const partition of [...folded.keys()].sort((a, b) => a - b)) {
      const { head, inline, chunkFloor } = folded.get(partition)!;
      const live = inline.filter((e) => e.lastOffset >= chunkFloor);
      const paged = live.length >= PAGE_MIN_ENTRIES;
      if (paged) {
        for (let i = 0; i < live.length; i += PAGE_MAX_ENTRIES) {
          pages.push({ key: head, entries: live.slice(i, i + PAGE_MAX_ENTRIES) });
        }
      }
      partitions.push({ head, chunkFloor, carried: paged ? [] : live });
    }
    return { snapshot: { seq: at, partitions }, pages };
  }

  /** Moves the base to a snapshot that now exists, dropping the records it covers. */
  rebase(snapshot: ShardSnapshot): void {
    if (snapshot.seq <= this.baseSeq || snapshot.seq > this.seq) return;
    this.records = this.records.filter((r) => r.seq > snapshot.seq);
    this.baseSeq = snapshot.seq;
    this.base = new Map(snapshot.partitions.map((p) => [p.head.partition, p]));
    this.current = foldHeads(this.topicId, this.base, this.records);
  }
}

function foldHeads(
  topicId: string,
  base: ReadonlyMap<number, SnapshotPartition>,
  records: readonly ShardRecord[],
): Map<number, StoredHead> {
  const heads = new Map<number, StoredHead>();
  for (const [partition, p] of base) {
    heads.set(partition, { head: p.head, inline: [...p.carried], chunkFloor: p.chunkFloor });
  }
  for (const record of records) foldRecord(heads, topicId, record);
  return heads;
}

function foldRecord(heads: Map<number, StoredHead>, topicId: string, record: ShardRecord): void {
  for (const change of record.changes) {
    const before = heads.get(change.partition) ?? {
      head: implicitHead({ topicId, partition: change.partition }),
      inline: [],
      chunkFloor: 0n,
    };
    heads.set(change.partition, {
      head: change.head === undefined ? before.head : resolveHead(change, before.head),
      inline: change.chunks.length > 0 ? [...before.inline, ...change.chunks] : before.inline,
      chunkFloor:
        change.floor !== undefined && change.floor > before.chunkFloor
          ? change.floor
          : before.chunkFloor,
    });
  }
}

/** A record's head as read back names unchanged producers by id: take them from before it. */
function resolveHead(change: PartitionChange, before: PartitionHead): PartitionHead {
  const head = change.head!;
  if (change.producerRefs === undefined) return head;
  const previous = new Map(before.producers.map((p) => [p.producerId, p]));
  const producers = change.producerRefs.map((ref) => {
    if (typeof ref !== "bigint") return ref;
    const kept = previous.get(ref);
    if (kept === undefined) {
      throw new Error(
        `shard record of ${head.topicId}/${head.partition} keeps producer ${ref}, ` +
          "which the state before it does not hold",
      );
    }
    return kept;
  });
  return { ...head, producers };
}
