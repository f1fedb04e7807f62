/**
 * What the cost model (./model.ts) is fed: the counts the AWS-cost run measured (per flush,
 * per segment and chunk read, per second of idle polling), each front's measured throughput, and the
 * assumptions about the deployment and the traffic. Every assumption is a named field with a
 * reason, and the report prints them all: the bills are only as good as these.
 */
import type { LogLayoutName } from "../../lib/config/aws-config.ts";
import { PRICE_LIST } from "../aws-cost/prices.ts";
import { type AwsCostResult, gibLayoutOf, layoutOf, layoutsOf, topicsOf } from "../aws-cost/run.ts";

/** DynamoDB units of one flush, measured at one number of partitions (of one topic). */
export interface FlushCommitPoint {
  partitions: number;
  wcu: number;
  rcu: number;
}

/**
 * What one flush's commit costs on one DynamoDB log layout, by partitions in the flush: the
 * steady-state points of the per-flush table (commit, index pages, snapshots, segment receipt,
 * head reads), ascending. Between points the cost is interpolated linearly (./floe.ts).
 */
export interface FlushCommitCurve {
  layout: LogLayoutName;
  points: FlushCommitPoint[];
}

/** Counts per unit of work, from one AWS-cost run (bench/aws-cost/). */
export interface MeasuredInputs {
  /** Where the counts come from (run date, emulators). */
  source: string;
  /** S3 PUTs per segment flush. */
  s3PutPerFlush: number;
  /**
   * DynamoDB units per flush by partitions in it, one curve per layout measured; the first is
   * the layout the bills use (the per-GiB run's), the others are priced next to it.
   */
  flushCommits: FlushCommitCurve[];
  /** Segment bytes stored per byte of record batches written (footer overhead). */
  s3BytesPerByteWritten: number;
  /**
   * S3 GETs per segment read by a consumer with a cold cache: the chunks of one segment that one
   * fetch asks for share a GET (lib/broker/log/segment-reader.ts), so this is one, plus the
   * segments a fetch's per-partition byte limit splits — a share that grows with the chunk size,
   * `readChunkBytes` where it was measured.
   */
  s3GetPerSegmentRead: number;
  readChunkBytes: number;
  /** Per chunk (one partition's share of a segment) read by a consumer with a cold cache. */
  rcuPerChunkRead: number;
  /** A caught-up consumer's long poll: DynamoDB read units per partition waited on per second. */
  idleRcuPerPartitionSecond: number;
  /** One front's throughput (MiB/s), and whether it was measured in this run or assumed. */
  frontProduceMiBps: number;
  frontConsumeMiBps: number;
  frontThroughputSource: string;
}

export interface Assumptions {
  /** Hours in the billed month (AWS bills 730 h per average month). */
  monthHours: number;
  retentionDays: number;
  /** Partitions of the traffic (topic partitions for Floe and MSK, Kinesis shards are automatic). */
  partitions: number;
  /** Fargate task of one front (Linux/ARM). */
  frontVcpu: number;
  frontMemoryGb: number;
  /** Fronts at any rate (one per AZ of two), and the share of a front's capacity used. */
  minFronts: number;
  frontUtilisation: number;
  /** Segment writer settings of the fronts (lib/broker/log/log-config.ts). */
  maxSegmentBytes: number;
  lingerMs: number;
  maxInFlightFlushes: number;
  /** Time from a flush's start to its commit on AWS: S3 PUT p50 + DynamoDB commit. */
  flushLatencyMs: number;
  /** Bytes a producer request carries per partition (kafka-clients batch.size). */
  producerBatchBytes: number;
  /** Kinesis record size (data blob + partition key), billed in 1 KB steps. */
  kinesisRecordBytes: number;
  /** MSK Serverless quotas (reference §9): per partition and per cluster, MB/s (10^6). */
  mskPartitionInMBps: number;
  mskPartitionOutMBps: number;
  mskClusterInMBps: number;
  mskClusterOutMBps: number;
  /** Floe's scheduled maintenance Lambda (retention, orphan GC): not measured, assumed. */
  maintenanceInvocationsPerHour: number;
  maintenanceGbSecondsPerInvocation: number;
}

export const DEFAULT_ASSUMPTIONS: Readonly<Assumptions> = Object.freeze({
  monthHours: 730,
  retentionDays: 7,
  partitions: 12,
  frontVcpu: 1,
  frontMemoryGb: 2,
  minFronts: 2,
  frontUtilisation: 0.5,
  maxSegmentBytes: 8 * 1024 * 1024,
  lingerMs: 5,
  maxInFlightFlushes: 4,
  flushLatencyMs: 110,
  producerBatchBytes: 16_384,
  kinesisRecordBytes: 1024,
  mskPartitionInMBps: 5,
  mskPartitionOutMBps: 10,
  mskClusterInMBps: 200,
  mskClusterOutMBps: 400,
  maintenanceInvocationsPerHour: 12,
  maintenanceGbSecondsPerInvocation: 1,
});

/** The assumptions in words, for the report (same order as the fields). */
export function describeAssumptions(a: Assumptions, m: MeasuredInputs): string[] {
  return [
    `A month is ${a.monthHours} hours; traffic is steady all month; retention is ${a.retentionDays} days, so ${a.retentionDays} days of writes are stored at any time.`,
    `${a.partitions} partitions (the AWS-cost run's topic); every consumer reads every partition, each byte once (read fan-out = number of consumers).`,
    `Floe fronts: Fargate Linux/ARM tasks of ${a.frontVcpu} vCPU and ${a.frontMemoryGb} GB, at least ${a.minFronts} (two AZs), as many as keep each at ≤ ${a.frontUtilisation * 100}% of its capacity of ${m.frontProduceMiBps.toFixed(1)} MiB/s produce and ${m.frontConsumeMiBps.toFixed(1)} MiB/s consume (${m.frontThroughputSource}); traffic is spread evenly over the fronts.`,
    `A flush's DynamoDB units (commit, index pages, snapshots, segment receipt) are the per-flush table's steady state at ${m.flushCommits[0]?.points.map((p) => p.partitions).join(", ")} partitions of one topic, interpolated linearly in between, on the ${m.flushCommits.map((c) => c.layout).join(" and the ")} layout${m.flushCommits.length === 1 ? "" : "s"}; the bills use the ${m.flushCommits[0]?.layout} layout${m.flushCommits.length === 1 ? "" : ", the comparison prices the others in their place"}. All partitions of the traffic are in one topic.`,
    `Segments: a front flushes every ${a.lingerMs} ms (lingerMs), with at most ${a.maxInFlightFlushes} flushes in flight of ${a.flushLatencyMs} ms each (S3 PUT p50 ≈ 100 ms, reference §9, + a DynamoDB commit, assumed 10 ms), and never more often than producer requests of ${a.producerBatchBytes / 1024} KiB arrive; a segment is full at ${a.maxSegmentBytes / 1024 / 1024} MiB. A flush commits every partition it holds data for, at most ${a.partitions}.`,
    "Every consumer reads every segment as a cold front does, one ranged GET for the chunks (each partition's part of the segment) that one of its fetches asks for, and an index lookup per chunk: no read cache shared between consumers (an upper bound; tailing consumers on the writing front are served from its cache). One consumer's fetch covers every partition; a group whose members split the partitions pays up to one GET per member per segment.",
    "Idle long-polling: every front polls the heads of every partition at the measured rate, at every rate (the poll interval only backs off while nothing is written, so a busy topic polls at least as often).",
    `Floe's maintenance Lambda (retention, orphan GC): ${a.maintenanceInvocationsPerHour} runs an hour of ${a.maintenanceGbSecondsPerInvocation} GB-s each (assumed, not measured).`,
    `No data transfer charges: clients, fronts and the services in one AZ and region, S3 and DynamoDB through gateway endpoints. Cross-AZ traffic would add $${PRICE_LIST.interAzGb.usd}/GB each way for all three systems' clients.`,
    'AWS "GB" is taken as 2^30 bytes (GiB) throughout. Free tiers are not applied.',
    `MSK Serverless: one cluster per ${a.mskClusterInMBps} MB/s in or ${a.mskClusterOutMBps} MB/s out; partitions = max(${a.partitions}, as many as keep each under ${a.mskPartitionInMBps} MB/s in and ${a.mskPartitionOutMBps} MB/s out).`,
    `Kinesis on-demand: one stream; records of ${a.kinesisRecordBytes} bytes (billed in 1 KB steps); consumers use shared-throughput GetRecords (no enhanced fan-out). Retention beyond 24 h is charged by AWS but its on-demand price is not in the reference, so it is left out: Kinesis figures are a lower bound.`,
  ];
}

/**
 * Each layout's flush-commit curve from the per-flush points of one topic: the per-GiB run's
 * layout first (results from before the shard layout measured the partition layout only).
 */
export function flushCommitCurves(aws: AwsCostResult): FlushCommitCurve[] {
  const headline = gibLayoutOf(aws);
  const layouts = [headline, ...layoutsOf(aws).filter((l) => l !== headline)];
  return layouts.flatMap((layout) => {
    const points = aws.perFlush
      .filter((p) => layoutOf(p) === layout && topicsOf(p) === 1)
      .map((p) => ({ partitions: p.partitions, wcu: p.perFlush.wcu, rcu: p.perFlush.rcu }))
      .sort((a, b) => a.partitions - b.partitions);
    return points.length === 0 ? [] : [{ layout, points }];
  });
}

/**
 * Per-unit counts from the AWS-cost run: per flush from the per-flush points, the rest from the
 * per-GiB phases (full segments, cold reads, idle poll).
 */
export function measuredInputs(
  aws: AwsCostResult,
  date: string,
  front: { produceMiBps: number; consumeMiBps: number; source: string },
): MeasuredInputs {
  const w = aws.perGib.raw.write;
  const r = aws.perGib.raw.read;
  const idle = aws.perGib.raw.idle;
  // One chunk per partition per segment: the write phase's partition commits.
  const chunks = w.partitionCommits;
  return checkMeasured({
    source: `AWS-cost run of ${date} (${aws.emulators})`,
    s3PutPerFlush: w.totals.s3Put / w.flushes,
    flushCommits: flushCommitCurves(aws),
    s3BytesPerByteWritten: w.totals.s3BytesPut / w.bytes,
    // The read phase reads back every segment the write phase wrote.
    s3GetPerSegmentRead: r.totals.s3Get / w.flushes,
    readChunkBytes: w.bytes / chunks,
    rcuPerChunkRead: r.totals.rcu / chunks,
    idleRcuPerPartitionSecond: idle.totals.rcu / idle.seconds / idle.partitions,
    frontProduceMiBps: front.produceMiBps,
    frontConsumeMiBps: front.consumeMiBps,
    frontThroughputSource: front.source,
  });
}

/** A count that is not a finite number (a phase that measured nothing) would price as NaN. */
export function checkMeasured(m: MeasuredInputs): MeasuredInputs {
  for (const [key, v] of Object.entries(m)) {
    if (typeof v === "number" && !(Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`cost model input ${key} is ${v}: expected a finite number ≥ 0`);
    }
  }
  if (m.flushCommits.length === 0) {
    throw new RangeError("cost model input flushCommits is empty: no per-flush point was measured");
  }
  for (const c of m.flushCommits) {
    for (const p of c.points) {
      if (![p.partitions, p.wcu, p.rcu].every((v) => Number.isFinite(v) && v >= 0)) {
        throw new RangeError(
          `cost model input flushCommits (${c.layout} layout, ${p.partitions} partitions) is not finite and ≥ 0`,
        );
      }
    }
  }
  if (m.frontProduceMiBps <= 0 || m.frontConsumeMiBps <= 0) {
    throw new RangeError("cost model inputs frontProduceMiBps and frontConsumeMiBps must be > 0");
  }
  return m;
}
