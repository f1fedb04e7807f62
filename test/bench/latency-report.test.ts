// The three-target sections of the benchmark report (bench/target-report.ts,
// bench/latency-report.ts): the throughput matrix, end-to-end latency, the S3 latency model and the Goals rows they feed, rendered from
// a results file; a file from before they were measured says "not measured". Also the latency
// model's distribution (bench/s3-latency-proxy.ts) and the front's metrics parser.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseMetrics } from "../../bench/aws-target.ts";
import { rows } from "../../bench/kafka-report.ts";
import type { LatencyPoint } from "../../bench/latency-model.ts";
import { latencyGoalRows, latencyModelMarkdown, pointCost } from "../../bench/latency-report.ts";
import { costModelOf, reportMarkdown } from "../../bench/report.ts";
import type {
  BenchResults,
  EndToEndResult,
  MatrixCell,
  ProduceResult,
  TargetResult,
} from "../../bench/results.ts";
import {
  lognormalSigma,
  S3_EXPRESS,
  S3_STANDARD,
  sampleDelayMs,
} from "../../bench/s3-latency-proxy.ts";
import { matrixMarkdown } from "../../bench/target-report.ts";

/** A results file written before the three-target run (the 2026-11-22 report), kept as is. */
function runBeforeThreeTargets(): BenchResults {
  const doc = JSON.parse(
    readFileSync(join(import.meta.dirname, "fixtures/results-before-three-targets.json"), "utf8"),
  ) as BenchResults;
  doc.costModel = costModelOf(doc.results.awsCost, doc.results.floe, doc.machine, doc.date);
  doc.handlerSize ??= null;
  return doc;
}

const produceAt = (mbPerSec: number): ProduceResult => ({
  records: 1000,
  recordsPerSec: mbPerSec * 1024,
  mbPerSec,
  avgLatencyMs: 10,
  maxLatencyMs: 20,
  p50Ms: 5,
  p95Ms: 10,
  p99Ms: 15,
  p999Ms: 20,
  serverCpuSec: 1,
  wallSec: 2,
});

const e2eOf = (ackP99Ms: number, e2eP99Ms: number): EndToEndResult => ({
  records: 5000,
  warmupRecords: 500,
  rate: 500,
  recordSize: 1024,
  partitions: 3,
  elapsedMs: 10_000,
  ack: { p50Ms: ackP99Ms / 2, p99Ms: ackP99Ms, p999Ms: ackP99Ms + 10, maxMs: ackP99Ms + 20 },
  e2e: { p50Ms: e2eP99Ms / 2, p99Ms: e2eP99Ms, p999Ms: e2eP99Ms + 10, maxMs: e2eP99Ms + 20 },
  serverCpuSec: 1,
});

function withMatrix(t: TargetResult, name: string, mbs: number[]): TargetResult {
  const cells: MatrixCell[] = [
    { recordSize: 1024, partitions: 12, produce: produceAt(mbs[0]) },
    { recordSize: 16_384, partitions: 120, produce: produceAt(mbs[1]) },
  ];
  return { ...t, target: name, matrix: cells, endToEnd: e2eOf(20, 30), steps: [] };
}

function point(model: string, lingerMs: number, ackP99Ms: number, e2eP99Ms: number): LatencyPoint {
  return {
    model,
    lingerMs,
    endToEnd: e2eOf(ackP99Ms, e2eP99Ms),
    counters: {
      flushes: 100,
      segmentPuts: 100,
      segmentPutBytes: 100 * 64 * 1024,
      bytesAppended: 100 * 64 * 1024,
      partitionCommits: 300,
      s3Put: 100,
      s3Get: 0,
      wcu: 400,
      rcu: 500,
    },
    wallSec: 10,
    injectedPut: { count: 100, p50Ms: 100, p99Ms: 190 },
    injectedGet: { count: 0, p50Ms: Number.NaN, p99Ms: Number.NaN },
  };
}

function threeTargetRun(): BenchResults {
  const doc = runBeforeThreeTargets();
  const r = doc.results;
  r.kafka = withMatrix(r.kafka, "Kafka", [40, 80]);
  r.floe = withMatrix(r.floe, "Floe", [50, 40]);
  r.floeAws = withMatrix(r.floe, "Floe (AWS)", [4, 8]);
  r.latencyModel = {
    models: [S3_STANDARD, S3_EXPRESS],
    points: [
      point("S3 Standard", 5, 350, 550),
      point("S3 Standard", 200, 420, 700),
      point("S3 Express One Zone", 5, 60, 90),
    ],
  };
  doc.phases = [{ name: "Kafka", durationSec: 30 }];
  return doc;
}

describe("a results file from before the three-target run", () => {
  const doc = runBeforeThreeTargets();
  const md = reportMarkdown(doc);

  it("renders every new section as not measured", () => {
    expect(matrixMarkdown(doc)).toContain("Not measured in this run");
    expect(latencyModelMarkdown(doc)).toContain("Not measured in this run");
    expect(md).toContain("## End-to-end latency\n\nNot measured in this run");
    expect(md).toContain("| produce p99 on the S3-Standard model | ≤ 300 ms | – | not measured |");
  });

  it("judges embedded throughput on the headline configuration instead of the matrix", () => {
    const [throughput] = latencyGoalRows(doc);
    expect(throughput).toContain("matrix not measured");
  });
});

describe("the three-target report", () => {
  const doc = threeTargetRun();
  const md = reportMarkdown(doc);

  it("gives every matrix cell both Floe targets' ratios against Kafka", () => {
    const m = matrixMarkdown(doc);
    expect(m).toContain("| 1024 | 12 | 40.00 | 50.00 | 1.25 | 4.00 | 0.10 |");
    expect(m).toContain("| 16384 | 120 | 80.00 | 40.00 | 0.50 | 8.00 | 0.10 |");
  });

  it("states each goal with the shortfall, judged on S3 Standard at the default linger", () => {
    expect(md).toContain(
      "| embedded produce throughput, every matrix cell (and the headline rounds, not counted) | ≥ Kafka's (ratio ≥ 1) | 1024 B × 12: 1.25; 16384 B × 120: 0.50 (1024 B × 3, median of 3 round(s): ",
    );
    expect(md).toContain(
      "meets it in 1 of 2 cells; **worst cell (16384 B × 120 partitions) misses it by 50 %**",
    );
    expect(md).toContain(
      "| produce p99 on the S3-Standard model (linger 5 ms, 500 rec/s) | ≤ 300 ms | 350 ms | **misses it by 50 ms** (1.17× the target) |",
    );
    expect(md).toContain(
      "| end-to-end p99 on the S3-Standard model (linger 5 ms, 500 rec/s) | ≤ 600 ms | 550 ms | meets it |",
    );
  });

  it("reports each batching point's segment size, flush rate and cost from its counters", () => {
    const c = pointCost(doc, doc.results.latencyModel!.points[0]);
    expect(c.avgSegmentBytes).toBe(64 * 1024);
    expect(c.flushesPerSec).toBe(10);
    expect(c.s3PutPerGib).toBe(100 / ((100 * 64 * 1024) / 2 ** 30));
    const longer = pointCost(doc, doc.results.latencyModel!.points[1]);
    expect(longer.modelledUsdPerGib).toBeLessThanOrEqual(c.modelledUsdPerGib);
    expect(latencyModelMarkdown(doc)).toContain(
      "| S3 Standard | 200 | 210 | 420 | 430 | 350 | 700 | 21.00 | 23.33 | 64.0 | 10.0 |",
    );
  });

  it("adds the AWS backend to the comparison table with its own ratio column", () => {
    const rs = rows(doc.results.floe, doc.results.kafka, doc.settings, doc.results.floeAws);
    expect(rs.every((r) => r.floeAws !== undefined)).toBe(true);
    expect(md).toContain("| Metric | Floe embedded | Floe AWS | Kafka 4.1.1 | embedded / Kafka |");
    expect(md).toContain("| end-to-end latency p99 ms | 30.0 | 30.0 | 30.0 | 1.00 |");
  });

  it("prints each phase's duration", () => {
    expect(md).toContain("Phases: Kafka 30 s.");
  });
});

describe("the S3 latency model", () => {
  // A fixed uniform sequence (LCG), so the check is deterministic.
  const lcg = (seed: number) => () => {
    seed = (seed * 1_664_525 + 1_013_904_223) % 2 ** 32;
    return seed / 2 ** 32;
  };

  it("draws delays whose p50 and p99 are the published figures", () => {
    for (const l of [S3_STANDARD.put, S3_STANDARD.get, S3_EXPRESS.put]) {
      const random = lcg(42);
      const xs = Array.from({ length: 40_000 }, () => sampleDelayMs(l, random)).sort(
        (a, b) => a - b,
      );
      expect(xs[20_000] / l.p50Ms).toBeCloseTo(1, 1);
      expect(xs[39_600] / l.p99Ms).toBeCloseTo(1, 1);
    }
    expect(lognormalSigma({ p50Ms: 100, p99Ms: 200 })).toBeCloseTo(0.298, 3);
  });
});

describe("the front's metrics", () => {
  it("parse from the Prometheus text", () => {
    const text =
      "# TYPE floe_s3_put_total counter\nfloe_s3_put_total 17\n# TYPE floe_log_flushes_total counter\nfloe_log_flushes_total 3\n";
    expect(parseMetrics(text)).toEqual({ floe_s3_put_total: 17, floe_log_flushes_total: 3 });
  });
});
