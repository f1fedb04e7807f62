import { describe, expect, it } from "vitest";
import { type PlannedAppend, planPartitionCommit } from "../../../../lib/broker/log/commit-plan.ts";
import type { PartitionHead } from "../../../../lib/storage/ports.ts";
import { batch, newKey, request, values } from "./helpers.ts";

const SEG = "segments/ab/test.seg";
const DAY = 86_400_000;

/** Lays the appends out back to back from `start`, as a flush does. */
function layout(appends: ReturnType<typeof request>[], start = 0): PlannedAppend[] {
  let pos = start;
  return appends.map((a) => ({
    batches: a.batches,
    objectStarts: a.batches.map((v) => {
      const at = pos;
      pos += v.byteLength;
      return at;
    }),
  }));
}

function headOf(key: ReturnType<typeof newKey>, over: Partial<PartitionHead> = {}): PartitionHead {
  return {
    ...key,
    nextOffset: 0n,
    logStartOffset: 0n,
    maxTimestampMs: -1,
    version: 0,
    producers: [],
    ...over,
  };
}

describe("planPartitionCommit", () => {
  it("continues from the head: offsets, log start, version, running max timestamp", async () => {
    const key = newKey(2);
    const a = request(await batch({ values: values("a", 3), timestampsMs: [10n, 30n, 20n] }));
    const b = request(await batch({ values: ["b"], timestampsMs: [5n] }));
    const plan = planPartitionCommit(
      key,
      layout([a, b], 100),
      headOf(key, { nextOffset: 40n, logStartOffset: 7n, maxTimestampMs: 25, version: 3 }),
      SEG,
      0,
      DAY,
    );
    expect(plan.commit).toEqual({
      expectedVersion: 3,
      head: headOf(key, { nextOffset: 44n, logStartOffset: 7n, maxTimestampMs: 30, version: 4 }),
      chunks: [
        {
          ...key,
          baseOffset: 40n,
          lastOffset: 43n,
          segmentKey: SEG,
          byteStart: 100,
          byteLength: a.records.length + b.records.length,
          batchCount: 2,
          maxTimestampMs: 30,
          runningMaxTimestampMs: 30,
        },
      ],
    });
    expect(
      plan.results.map((r) => [r.errorCode, r.batches[0].baseOffset, r.highWatermark]),
    ).toEqual([
      [0, 40n, 44n],
      [0, 43n, 44n],
    ]);
    expect(plan.results[0].logStartOffset).toBe(7n);
  });

  it("commits nothing when every append is a duplicate or refused", async () => {
    const key = newKey();
    const dup = request(await batch({ values: ["x"], producerId: 1n }));
    const head = headOf(key, {
      nextOffset: 5n,
      version: 2,
      producers: [
        {
          producerId: 1n,
          producerEpoch: 0,
          batches: [{ firstSequence: 0, lastSequence: 0, baseOffset: 4n, lastOffset: 4n }],
          lastAppendMs: 0,
        },
      ],
    });
    const stale = request(
      await batch({ values: ["y"], producerId: 1n, producerEpoch: 0, baseSequence: 9 }),
    );
    const plan = planPartitionCommit(key, layout([dup, stale]), head, SEG, 1, DAY);
    expect(plan.commit).toBeUndefined();
    expect(plan.results[0]).toMatchObject({
      errorCode: 0,
      batches: [{ baseOffset: 4n, duplicate: true }],
    });
    expect(plan.results[1]).toMatchObject({ errorCode: 45, batches: [], highWatermark: 5n });
  });

  it("keeps the running maximum from the head when new batches are older", async () => {
    const key = newKey();
    const a = request(await batch({ values: ["a"], timestampsMs: [3n] }));
    const plan = planPartitionCommit(
      key,
      layout([a]),
      headOf(key, { maxTimestampMs: 99 }),
      SEG,
      0,
      DAY,
    );
    expect(plan.commit!.chunks[0]).toMatchObject({ maxTimestampMs: 3, runningMaxTimestampMs: 99 });
    expect(plan.commit!.head.maxTimestampMs).toBe(99);
  });

  it("records producer state for the head, dropping expired producers", async () => {
    const key = newKey();
    const a = request(
      await batch({ values: ["a", "b"], producerId: 7n, producerEpoch: 2, baseSequence: 10 }),
    );
    const idle = { producerId: 3n, producerEpoch: 0, batches: [], lastAppendMs: 0 };
    const plan = planPartitionCommit(
      key,
      layout([a]),
      headOf(key, { producers: [idle] }),
      SEG,
      DAY,
      DAY,
    );
    expect(plan.commit!.head.producers).toEqual([
      {
        producerId: 7n,
        producerEpoch: 2,
        batches: [{ firstSequence: 10, lastSequence: 11, baseOffset: 0n, lastOffset: 1n }],
        lastAppendMs: DAY,
      },
    ]);
  });
});
