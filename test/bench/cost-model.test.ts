// The benchmark's cost model (bench/cost-model/): hand-computed bills, the shape of the fronts
// and segments, monotonicity in the rate, read fan-out adding exactly the read lines, and the
// flush commits priced per DynamoDB layout from the per-flush points.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AwsCostResult } from "../../bench/aws-cost/run.ts";
import { type Bill, kindUsd } from "../../bench/cost-model/bill.ts";
import {
  floeBill,
  flushCommitUnits,
  flushShape,
  frontsFor,
  getsPerSegmentRead,
  isFlushCommitLine,
} from "../../bench/cost-model/floe.ts";
import {
  type Assumptions,
  checkMeasured,
  DEFAULT_ASSUMPTIONS,
  type MeasuredInputs,
  measuredInputs,
} from "../../bench/cost-model/inputs.ts";
import {
  checkGoal,
  costModel,
  findBill,
  SYSTEMS,
  systemBill,
} from "../../bench/cost-model/model.ts";
import { kinesisOnDemandBill, mskServerlessBill } from "../../bench/cost-model/peers.ts";

const MiB = 1024 * 1024;

const measured: MeasuredInputs = {
  source: "test",
  s3PutPerFlush: 1,
  // One point: a flush of p partitions costs p times it (1.25 WCU and 1 RCU per partition).
  flushCommits: [{ layout: "shard", points: [{ partitions: 1, wcu: 1.25, rcu: 1 }] }],
  s3BytesPerByteWritten: 1,
  s3GetPerSegmentRead: 1,
  readChunkBytes: 1024 * 1024,
  rcuPerChunkRead: 2,
  idleRcuPerPartitionSecond: 1,
  frontProduceMiBps: 20,
  frontConsumeMiBps: 150,
  frontThroughputSource: "test",
};

const line = (b: Bill, prefix: string) => {
  const l = b.lines.find((x) => x.item.startsWith(prefix));
  if (l === undefined) throw new Error(`no line ${prefix} in ${b.system}`);
  return l;
};

describe("peers at list prices", () => {
  it("prices Kinesis on-demand at 1 MiB/s read once over a 30-day month by hand", () => {
    const b = kinesisOnDemandBill(1, 1, { ...DEFAULT_ASSUMPTIONS, monthHours: 720 });
    // 720 h × $0.04 + 2,531.25 GiB × $0.08 in + 2,531.25 GiB × $0.04 out
    expect(b.gibWrittenPerMonth).toBeCloseTo(2531.25, 9);
    expect(line(b, "stream-hours").usd).toBeCloseTo(28.8, 9);
    expect(line(b, "GB in").usd).toBeCloseTo(202.5, 9);
    expect(line(b, "GB out").usd).toBeCloseTo(101.25, 9);
    expect(b.totalUsd).toBeCloseTo(332.55, 9);
  });

  it("bills Kinesis records in whole KB: 1,025-byte records pay for 2 KB each", () => {
    const a = { ...DEFAULT_ASSUMPTIONS, monthHours: 720 };
    const one = kinesisOnDemandBill(1, 0, { ...a, kinesisRecordBytes: 1024 });
    const over = kinesisOnDemandBill(1, 0, { ...a, kinesisRecordBytes: 1025 });
    expect(line(over, "GB in").quantity).toBeCloseTo(
      (line(one, "GB in").quantity * 2 * 1024) / 1025,
      6,
    );
  });

  it("puts MSK Serverless's idle floor at $0.75 × 730 h plus the partitions' hours", () => {
    const b = mskServerlessBill(0, 1, DEFAULT_ASSUMPTIONS);
    expect(b.totalUsd).toBeCloseTo(0.75 * 730 + 12 * 0.0015 * 730, 9);
    expect(b.usdPerGibWritten).toBeNull();
  });

  it("adds MSK partitions and clusters when the per-partition and per-cluster quotas need them", () => {
    // 100 MiB/s = 104.86 MB/s in: 21 partitions at 5 MB/s; read 3× = 314.6 MB/s out: 32 at 10 MB/s.
    expect(mskServerlessBill(100, 1, DEFAULT_ASSUMPTIONS).shape).toEqual({
      clusters: 1,
      partitions: 21,
    });
    expect(mskServerlessBill(100, 3, DEFAULT_ASSUMPTIONS).shape).toEqual({
      clusters: 1,
      partitions: 32,
    });
    expect(mskServerlessBill(200, 1, DEFAULT_ASSUMPTIONS).shape.clusters).toBe(2);
  });
});

describe("Floe's shape", () => {
  it("sizes fronts by measured capacity and utilisation, never below the minimum", () => {
    expect(frontsFor(0, 1, measured, DEFAULT_ASSUMPTIONS)).toBe(2);
    // 100/20 + 100/150 = 5.67 fronts of capacity at ≤ 50% each → 12.
    expect(frontsFor(100, 1, measured, DEFAULT_ASSUMPTIONS)).toBe(12);
  });

  it("flushes on the linger timer, bounded by flushes in flight, until segments fill", () => {
    const a = DEFAULT_ASSUMPTIONS;
    // 1 MiB/s: min(1000/5, 4 × 1000/110, 1 MiB / 16 KiB) = 36.4 flushes/s of 28.2 KiB.
    const slow = flushShape(MiB, a, "modelled");
    expect(slow.flushesPerSecond).toBeCloseTo(4000 / 110, 9);
    expect(slow.segmentBytes).toBeCloseTo(MiB / (4000 / 110), 6);
    // 1,000 MiB/s fills 8 MiB segments faster than the timer fires.
    expect(flushShape(1000 * MiB, a, "modelled").segmentBytes).toBeCloseTo(8 * MiB, 6);
    // A trickle flushes no more often than producer requests arrive, one partition per flush.
    const trickle = flushShape(16_384, a, "modelled");
    expect(trickle).toEqual({ flushesPerSecond: 1, segmentBytes: 16_384, partitionsPerFlush: 1 });
    expect(flushShape(MiB, a, "full").segmentBytes).toBe(8 * MiB);
  });

  it("prices a hand-computed month: 8 MiB/s into one front, one 8 MiB segment a second", () => {
    const a: Assumptions = {
      ...DEFAULT_ASSUMPTIONS,
      monthHours: 720,
      partitions: 1,
      minFronts: 1,
      lingerMs: 1000,
    };
    const m = { ...measured, frontProduceMiBps: 1000, frontConsumeMiBps: 1000 };
    const b = floeBill(8, 1, m, a);
    expect(b.shape).toEqual({
      fronts: 1,
      flushesPerSecond: 1,
      segmentBytes: 8 * MiB,
      partitionsPerFlush: 1,
    });
    const flushes = 720 * 3600;
    expect(line(b, "S3 PUT").usd).toBeCloseTo((flushes * 0.005) / 1000, 9); // $12.96
    expect(line(b, "DynamoDB WCU").usd).toBeCloseTo((flushes * 1.25 * 0.625) / 1e6, 9);
    expect(line(b, "S3 GET").usd).toBeCloseTo((flushes * 0.0004) / 1000, 9);
    // 8 MiB/s × 7 days = 4,725 GiB stored all month.
    expect(line(b, "S3 Standard storage").usd).toBeCloseTo(4725 * 0.023, 9);
    expect(line(b, "Fargate front vCPU").usd).toBeCloseTo(720 * 0.03238, 9);
    expect(line(b, "Network Load Balancer").usd).toBeCloseTo(720 * 0.0225, 9);
  });

  it("scales the GETs a fetch's byte limit adds per segment by chunk size", () => {
    const m = { ...measured, s3GetPerSegmentRead: 3, readChunkBytes: 800_000 };
    const shape = (segmentBytes: number, partitionsPerFlush: number) => ({
      flushesPerSecond: 1,
      segmentBytes,
      partitionsPerFlush,
    });
    expect(getsPerSegmentRead(m, shape(12 * 800_000, 12))).toBe(3);
    expect(getsPerSegmentRead(m, shape(12 * 1_600_000, 12))).toBe(3);
    expect(getsPerSegmentRead(m, shape(10 * 80_000, 10))).toBeCloseTo(1.2, 9);
    expect(getsPerSegmentRead({ ...m, s3GetPerSegmentRead: 0.9 }, shape(800_000, 1))).toBe(1);
  });

  it("counts a consumer's GETs per segment and its index lookups per chunk", () => {
    const a: Assumptions = { ...DEFAULT_ASSUMPTIONS, partitions: 12, minFronts: 1 };
    const m = { ...measured, frontProduceMiBps: 1000, frontConsumeMiBps: 1000 };
    const b = floeBill(8, 2, m, a, "full");
    expect(b.shape.partitionsPerFlush).toBe(12);
    const flushes = b.shape.fronts * b.shape.flushesPerSecond * a.monthHours * 3600;
    expect(line(b, "S3 GET").quantity).toBeCloseTo(2 * flushes * m.s3GetPerSegmentRead, 6);
    expect(line(b, "DynamoDB RCU (chunk lookups").quantity).toBeCloseTo(
      2 * flushes * 12 * m.rcuPerChunkRead,
      6,
    );
  });
});

describe("every system's bill", () => {
  const rate = fc.double({ min: 0, max: 400, noNaN: true });

  it("never falls as the rate rises", () => {
    fc.assert(
      fc.property(
        rate,
        rate,
        fc.constantFrom(0, 1, 3),
        fc.constantFrom(...SYSTEMS),
        (x, y, f, s) => {
          const [lo, hi] = x <= y ? [x, y] : [y, x];
          const a = systemBill(s, lo, f, measured, DEFAULT_ASSUMPTIONS).totalUsd;
          const b = systemBill(s, hi, f, measured, DEFAULT_ASSUMPTIONS).totalUsd;
          expect(b).toBeGreaterThanOrEqual(a - 1e-9);
        },
      ),
    );
  });

  it("grows by exactly the read lines per extra consumer while the fleet is the same size", () => {
    for (const s of SYSTEMS) {
      const [none, once, thrice] = [0, 1, 3].map((f) =>
        systemBill(s, 10, f, measured, DEFAULT_ASSUMPTIONS),
      );
      expect(thrice.shape).toEqual(once.shape);
      const readOnce = kindUsd(once, "read");
      expect(readOnce).toBeGreaterThan(0);
      expect(kindUsd(none, "read")).toBe(0);
      expect(once.totalUsd - none.totalUsd).toBeCloseTo(readOnce, 6);
      expect(thrice.totalUsd - once.totalUsd).toBeCloseTo(2 * readOnce, 6);
      expect(kindUsd(thrice, "read")).toBeCloseTo(3 * readOnce, 6);
    }
  });
});

describe("the model", () => {
  it("bills every system at every rate and fan-out, and checks Floe against the goal", () => {
    const r = costModel(measured);
    expect(r.bills).toHaveLength(3 * (1 + 3 * 3));
    const floe = findBill(r, "Floe", 10, 1);
    expect(r.goal.floeUsdPerGib).toBe(floe.usdPerGibWritten);
    expect(r.goal.met).toBe(floe.usdPerGibWritten! <= 0.01);
    expect(r.assumptionsText.length).toBeGreaterThan(5);
    for (const b of r.floeFullSegments) {
      expect(b.totalUsd).toBeLessThanOrEqual(findBill(r, "Floe", b.rateMiBps, 1).totalUsd);
    }
  });

  it("states the shortfall when the goal is missed, and none when it is met", () => {
    const over = checkGoal({
      ...floeBill(10, 1, measured, DEFAULT_ASSUMPTIONS),
      usdPerGibWritten: 0.025,
    });
    expect(over).toMatchObject({ met: false, timesGoal: 2.5 });
    expect(over.shortfallUsdPerGib).toBeCloseTo(0.015, 12);
    const under = checkGoal({
      ...floeBill(10, 1, measured, DEFAULT_ASSUMPTIONS),
      usdPerGibWritten: 0.008,
    });
    expect(under).toMatchObject({ met: true, shortfallUsdPerGib: 0 });
  });

  it("refuses inputs that would price as NaN", () => {
    expect(() => checkMeasured({ ...measured, rcuPerChunkRead: Number.NaN })).toThrow(
      /rcuPerChunkRead is NaN/,
    );
  });

  it("derives per-unit counts from an AWS-cost run", () => {
    const totals = (o: Record<string, number>) => ({
      s3Put: 0,
      s3Get: 0,
      s3BytesPut: 0,
      rcu: 0,
      wcu: 0,
      ...o,
    });
    const flush = (layout: string, partitions: number, wcu: number, topics = 1) => ({
      layout,
      topics,
      partitions,
      perFlush: totals({ wcu, rcu: wcu / 10 }),
    });
    const aws = {
      emulators: "emulators",
      perFlush: [
        flush("shard", 1, 3),
        flush("partition", 1, 2),
        flush("shard", 100, 19),
        flush("partition", 100, 126),
        flush("shard", 100, 220, 100),
        flush("partition", 100, 130, 100),
      ],
      perGib: {
        raw: {
          layout: "shard",
          write: {
            bytes: 1000,
            flushes: 4,
            partitionCommits: 48,
            totals: totals({ s3Put: 4, wcu: 60, rcu: 48, s3BytesPut: 1010 }),
          },
          read: { totals: totals({ s3Get: 48, rcu: 96 }) },
          idle: { seconds: 2, partitions: 12, totals: totals({ rcu: 240 }) },
        },
      },
    } as unknown as AwsCostResult;
    const m = measuredInputs(aws, "2026-01-01", {
      produceMiBps: 20,
      consumeMiBps: 150,
      source: "run",
    });
    expect(() =>
      measuredInputs(aws, "2026-01-01", { produceMiBps: 0, consumeMiBps: 150, source: "run" }),
    ).toThrow(/frontProduceMiBps/);
    expect(m).toMatchObject({
      s3PutPerFlush: 1,
      // The per-GiB run's layout first; the flush over 100 topics is not a one-topic point.
      flushCommits: [
        {
          layout: "shard",
          points: [
            { partitions: 1, wcu: 3, rcu: 0.3 },
            { partitions: 100, wcu: 19, rcu: 1.9 },
          ],
        },
        {
          layout: "partition",
          points: [
            { partitions: 1, wcu: 2, rcu: 0.2 },
            { partitions: 100, wcu: 126, rcu: 12.6 },
          ],
        },
      ],
      s3BytesPerByteWritten: 1.01,
      s3GetPerSegmentRead: 12,
      readChunkBytes: 1000 / 48,
      rcuPerChunkRead: 2,
      idleRcuPerPartitionSecond: 10,
    });
  });
});

describe("flush commits by layout", () => {
  const shard = {
    layout: "shard" as const,
    points: [
      { partitions: 1, wcu: 3, rcu: 0 },
      { partitions: 12, wcu: 4, rcu: 0.2 },
      { partitions: 100, wcu: 19, rcu: 0.6 },
    ],
  };
  const partition = {
    layout: "partition" as const,
    points: [
      { partitions: 1, wcu: 2.25, rcu: 0 },
      { partitions: 12, wcu: 16, rcu: 0 },
    ],
  };
  const both: MeasuredInputs = { ...measured, flushCommits: [shard, partition] };

  it("interpolates a flush's units linearly between the measured points", () => {
    expect(flushCommitUnits(shard, 1)).toEqual({ wcu: 3, rcu: 0 });
    expect(flushCommitUnits(shard, 0.5)).toEqual({ wcu: 3, rcu: 0 });
    // 6.5 partitions: halfway from 1 to 12.
    expect(flushCommitUnits(shard, 6.5).wcu).toBeCloseTo(3.5, 12);
    expect(flushCommitUnits(shard, 56).wcu).toBeCloseTo(11.5, 12);
    // Beyond the last point: the last segment's slope (16 − 2.25) / 11 per partition.
    expect(flushCommitUnits(partition, 23).wcu).toBeCloseTo(16 + 13.75, 12);
    // One point: per partition.
    expect(flushCommitUnits(measured.flushCommits[0], 8).wcu).toBe(10);
  });

  it("prices the flush commits with the first layout, and each layout on request", () => {
    const a = { ...DEFAULT_ASSUMPTIONS, monthHours: 720, minFronts: 1, lingerMs: 1000 };
    const m = { ...both, frontProduceMiBps: 1000, frontConsumeMiBps: 1000 };
    // 8 MiB/s into one front: one 8 MiB segment a second holding 12 partitions (the cap).
    const flushes = 720 * 3600;
    const first = floeBill(8, 1, m, a);
    expect(first.shape.partitionsPerFlush).toBe(12);
    expect(line(first, "DynamoDB WCU (flush commits, shard layout)").quantity).toBeCloseTo(
      flushes * 4,
      3,
    );
    const other = floeBill(8, 1, m, a, "modelled", "partition");
    expect(line(other, "DynamoDB WCU (flush commits, partition layout)").quantity).toBeCloseTo(
      flushes * 16,
      3,
    );
    expect(() => floeBill(8, 1, measured, a, "modelled", "partition")).toThrow(/partition/);
  });

  it("shows every layout's bill next to the others, differing only in the commit lines", () => {
    const r = costModel(both);
    expect(r.layouts.map((l) => l.layout)).toEqual([
      "shard",
      "shard",
      "shard",
      "partition",
      "partition",
      "partition",
    ]);
    for (const rate of [1, 10, 100]) {
      const [s, p] = ["shard", "partition"].map(
        (layout) => r.layouts.find((l) => l.layout === layout && l.rateMiBps === rate)!,
      );
      expect(s.totalUsd - p.totalUsd).toBeCloseTo(s.commitUsd - p.commitUsd, 6);
      const bill = findBill(r, "Floe", rate, 1);
      expect(s.totalUsd).toBeCloseTo(bill.totalUsd, 6);
      expect(s.commitUsd).toBeCloseTo(
        bill.lines.filter(isFlushCommitLine).reduce((sum, l) => sum + l.usd, 0),
        6,
      );
    }
  });

  it("refuses a layout without points, or points that are not finite", () => {
    expect(() => checkMeasured({ ...measured, flushCommits: [] })).toThrow(/flushCommits/);
    expect(() =>
      checkMeasured({
        ...measured,
        flushCommits: [{ layout: "shard", points: [{ partitions: 1, wcu: Number.NaN, rcu: 0 }] }],
      }),
    ).toThrow(/shard layout, 1 partitions/);
  });
});
