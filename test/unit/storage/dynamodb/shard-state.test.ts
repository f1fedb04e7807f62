// The shard layout's pure parts (lib/storage/dynamodb/shard-state.ts, shard-items.ts): records
// and snapshots survive their codecs exactly, producers left unchanged travel by id, the fold
// is deterministic, snapshots page busy partitions and carry quiet ones, and a gap is refused.
import { describe, expect, it } from "vitest";
import {
  recordItem,
  recordOfItem,
  type ShardRecord,
  snapshotItems,
  snapshotOfItems,
} from "../../../../lib/storage/dynamodb/shard-items.ts";
import {
  PAGE_MIN_ENTRIES,
  ShardState,
  SNAPSHOT_EVERY,
} from "../../../../lib/storage/dynamodb/shard-state.ts";
import type {
  ChunkEntry,
  PartitionHead,
  ProducerPartitionState,
} from "../../../../lib/storage/ports.ts";

const topicId = "0b6c2f3e-1111-4222-8333-444455556666";

function producer(id: bigint, lastAppendMs: number): ProducerPartitionState {
  return {
    producerId: id,
    producerEpoch: 2,
    lastAppendMs,
    batches: [{ firstSequence: 0, lastSequence: 4, baseOffset: 10n, lastOffset: 14n }],
  };
}

/** The record appending `count` records to each of `partitions`, on `state`. */
function append(state: ShardState, partitions: number[], count: bigint, seq = state.seq + 1) {
  const changes = partitions.map((partition) => {
    const before = state.stored(partition).head;
    const chunk: ChunkEntry = {
      topicId,
      partition,
      baseOffset: before.nextOffset,
      lastOffset: before.nextOffset + count - 1n,
      segmentKey: `segments/${seq} with space`,
      byteStart: 64 * partition,
      byteLength: 1_000,
      batchCount: 1,
      maxTimestampMs: 1_000 + seq,
      runningMaxTimestampMs: 1_000 + seq,
    };
    const head: PartitionHead = {
      ...before,
      nextOffset: before.nextOffset + count,
      maxTimestampMs: 1_000 + seq,
      version: before.version + 1,
      producers: [producer(7n, 5), producer(BigInt(100 + partition), seq)],
    };
    return { partition, head, chunks: [chunk] };
  });
  return { seq, nonce: `n${seq}`, changes } satisfies ShardRecord;
}

/** A record as another host reads it back from its item. */
function roundTrip(state: ShardState, record: ShardRecord): ShardRecord {
  const item = recordItem(topicId, 0, record, (p) => state.stored(p).head.producers);
  return recordOfItem(topicId, item);
}

describe("shard records", () => {
  it("fold the same from the item as from the commit, unchanged producers sent by id", () => {
    const writer = ShardState.fromSnapshot(topicId, 0);
    const reader = ShardState.fromSnapshot(topicId, 0);
    for (let i = 0; i < 5; i++) {
      const record = append(writer, [0, 3, 31], BigInt(i + 1));
      const read = roundTrip(writer, record);
      if (i > 0) {
        // Producer 7 did not change after the first record: it travels as its id.
        expect(read.changes[0].producerRefs?.[0]).toBe(7n);
      }
      expect(writer.apply([record])).toBe(true);
      expect(reader.apply([read])).toBe(true);
    }
    for (const p of [0, 3, 31, 5]) expect(reader.stored(p)).toEqual(writer.stored(p));
  });

  it("refuses a gap and skips records already held", () => {
    const state = ShardState.fromSnapshot(topicId, 0);
    const first = append(state, [1], 2n);
    expect(state.apply([first])).toBe(true);
    expect(state.apply([first])).toBe(true);
    expect(state.seq).toBe(1);
    expect(state.apply([append(state, [1], 2n, 3)])).toBe(false);
  });
});

describe("shard snapshots", () => {
  it("page a busy partition, carry a quiet one, and load back to the same state", () => {
    const state = ShardState.fromSnapshot(topicId, 4);
    const other = ShardState.fromSnapshot(topicId, 4);
    for (let i = 0; i < SNAPSHOT_EVERY; i++) {
      const record = append(state, i % 11 === 0 ? [0, 1] : [0], 3n);
      other.apply([roundTrip(state, record)]);
      state.apply([record]);
    }
    expect(state.dueSnapshot()).toBe(SNAPSHOT_EVERY);
    const { snapshot, pages } = state.snapshotAt(SNAPSHOT_EVERY);
    expect(pages.map((p) => [p.key.partition, p.entries.length])).toEqual([[0, SNAPSHOT_EVERY]]);
    const quiet = snapshot.partitions.find((p) => p.head.partition === 1)!;
    expect(quiet.carried.length).toBeGreaterThan(0);
    expect(quiet.carried.length).toBeLessThan(PAGE_MIN_ENTRIES);

    const loaded = snapshotOfItems(topicId, snapshotItems(topicId, 4, snapshot));
    expect(loaded).toEqual(snapshot);
    // Deterministic: a host that read the same records back computes the same snapshot.
    expect(other.snapshotAt(SNAPSHOT_EVERY)).toEqual({ snapshot, pages });
    state.rebase(snapshot);
    expect(state.snapshotSeq).toBe(SNAPSHOT_EVERY);
    expect(state.stored(0).inline).toEqual([]);
    expect(state.stored(1).inline).toEqual(quiet.carried);
  });

  it("split into parts when partitions hold many producers", () => {
    const state = ShardState.fromSnapshot(topicId, 0);
    const record = append(state, [...Array(32).keys()], 1n);
    for (const change of record.changes) {
      change.head.producers = Array.from({ length: 800 }, (_, i) => producer(BigInt(i), i));
    }
    state.apply([record]);
    const { snapshot } = state.snapshotAt(1);
    const parts = snapshotItems(topicId, 0, snapshot);
    expect(parts.length).toBeGreaterThan(1);
    expect(snapshotOfItems(topicId, parts)).toEqual(snapshot);
    expect(() => snapshotOfItems(topicId, parts.slice(0, -1))).toThrow(/incomplete/);
  });
});
