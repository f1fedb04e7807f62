// The AWS-cost section (bench/aws-cost/) with both DynamoDB layouts measured side by side: every
// flush point on each layout, labelled, over whole periods of each layout's occasional writes,
// and the cost model pricing the flush commits of each from the same run. The fixture is the
// `results.awsCost` of a `npm run bench -- --quick` run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkAttribution } from "../../bench/aws-cost/counts.ts";
import {
  measureFlushPoint,
  STEADY_PERIOD,
  WARMUP_FLUSHES,
} from "../../bench/aws-cost/per-flush.ts";
import { awsCostConsole, num, pointLabel } from "../../bench/aws-cost/report.ts";
import { awsCostMarkdown } from "../../bench/aws-cost/report-markdown.ts";
import { type AwsCostResult, layoutOf, layoutsOf } from "../../bench/aws-cost/run.ts";
import type { AwsStack } from "../../bench/aws-cost/stack.ts";
import { measuredInputs } from "../../bench/cost-model/inputs.ts";
import { costModel } from "../../bench/cost-model/model.ts";
import { costModelConsole, costModelMarkdown } from "../../bench/cost-model/report-markdown.ts";

const aws = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures/aws-cost-two-layouts.json"), "utf8"),
) as AwsCostResult;
const front = { produceMiBps: 20, consumeMiBps: 150, source: "test" };

describe("the per-flush table with both layouts", () => {
  const md = awsCostMarkdown(aws);
  const labels = ["1", "12", "100", "1000", "100 over 100 topics"];

  it("has every point on the shard and the partition layout, each row labelled", () => {
    expect(layoutsOf(aws)).toEqual(["shard", "partition"]);
    expect(aws.perFlush.map(pointLabel)).toEqual(labels.flatMap((l) => [l, l]));
    for (const label of labels) {
      for (const layout of ["shard", "partition"]) expect(md).toContain(`| ${label} | ${layout} |`);
    }
    const text = awsCostConsole(aws);
    expect(text).toMatch(/^100 over 100 topics +shard /m);
    expect(text).toMatch(/^1000 +partition /m);
  });

  it("averages whole periods of each layout, the shard layout's after its first snapshot", () => {
    for (const p of aws.perFlush) {
      const layout = layoutOf(p);
      expect((p.steadyFlushes ?? 0) % STEADY_PERIOD[layout]).toBe(0);
      expect(p.warmupFlushes).toBe(WARMUP_FLUSHES[layout]);
      // One snapshot per shard per window, booked on the flushes that caused it.
      if (layout === "shard") {
        expect(p.shardSnapshots).toBeCloseTo((p.commitPoints ?? 0) / STEADY_PERIOD.shard, 9);
      }
    }
  });

  it("sets each point's shard layout next to its partition layout, dearer cases included", () => {
    for (const label of labels) {
      const [shard, partition] = ["shard", "partition"].map(
        (l) => aws.perFlush.find((p) => layoutOf(p) === l && pointLabel(p) === label)!,
      );
      expect(md).toContain(
        `${label}: ${num(shard.perFlush.wcu)} against ${num(partition.perFlush.wcu)} WCU`,
      );
    }
  });

  it("says what the per-GiB run measured with and how its snapshots compare with the steady rate", () => {
    expect(md).toContain("On the shard layout (the default");
    expect(md).toContain(`The write phase's ${aws.perGib.raw.write.flushes} flushes to 1 shard`);
  });
});

describe("the cost model with both layouts", () => {
  const r = costModel(measuredInputs(aws, "2026-12-07", front));

  it("bills the per-GiB run's layout and prices the other's flush commits next to it", () => {
    expect(r.measured.flushCommits.map((c) => c.layout)).toEqual(["shard", "partition"]);
    // One-topic points only: the flush over 100 topics is not on the curve.
    expect(r.measured.flushCommits[0].points.map((p) => p.partitions)).toEqual([1, 12, 100, 1000]);
    const md = costModelMarkdown(r);
    expect(md).toContain("| DynamoDB WCU (flush commits, shard layout) |");
    expect(md).toContain("| Flush commits, shard layout | Flush commits, partition layout |");
    expect(costModelConsole(r)).toContain("Floe flush commits, partition layout:");
  });
});

describe("the per-flush measurement", () => {
  it("refuses steady rounds that are not whole periods of the layout", async () => {
    const stack = {} as AwsStack;
    const shape = { topics: 1, partitionsPerTopic: 1 };
    for (const [layout, rounds] of [
      ["shard", 8],
      ["shard", 0],
      ["partition", 6],
    ] as const) {
      await expect(
        measureFlushPoint(stack, { layout, shape, rounds, recordBytes: 1 }),
      ).rejects.toThrow(RangeError);
    }
  });

  it("refuses DynamoDB calls booked outside any port call", () => {
    const meter = {
      dynamo: { "(outside a port call) PutItem": { calls: 1, rcu: 0, wcu: 1 } },
      time: {},
    };
    expect(() =>
      checkAttribution("x", meter, { "dynamodb.calls.PutItem": 1, "dynamodb.wcu": 1 }),
    ).toThrow(/outside any port call/);
  });
});
