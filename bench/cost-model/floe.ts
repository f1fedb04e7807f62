/**
 * Floe's monthly bill for steady traffic: S3 requests and DynamoDB units from the measured
 * per-flush and per-chunk counts, S3 storage for the retention, the fronts (Fargate), the load
 * balancer, the idle long-poll and the maintenance Lambda.
 *
 * The request cost is driven by flushes, not bytes: each flush is one PUT plus the commit of
 * the partitions in it, whatever its size, and the commit's DynamoDB units are the measured
 * per-flush cost at that many partitions on one layout (the first measured, unless asked for
 * another: the report prices each layout's commits side by side). A busy front fills 8 MiB segments (the measured
 * per-GiB run), but a front whose traffic arrives slower flushes on its linger timer, as often
 * as its in-flight limit allows, so segments, and the flush count per GiB, follow the rate
 * each front sees. `segments: "full"` prices the same traffic as if every segment were full:
 * the floor a longer linger would approach.
 */
import type { LogLayoutName } from "../../lib/config/aws-config.ts";
import { type Bill, type BillLine, bill, charge, MiB, SECONDS_PER_HOUR } from "./bill.ts";
import type { Assumptions, FlushCommitCurve, MeasuredInputs } from "./inputs.ts";

const FLUSH_COMMITS = "flush commits";

/** The bill lines of the flush commits (their DynamoDB units), whichever the layout. */
export const isFlushCommitLine = (l: BillLine): boolean => l.item.includes(`(${FLUSH_COMMITS},`);

/**
 * DynamoDB units of a flush of `partitions` partitions: linear between the measured points,
 * the first point's below it, the last segment's slope beyond the last (per partition with a
 * single point).
 */
export function flushCommitUnits(
  curve: FlushCommitCurve,
  partitions: number,
): { wcu: number; rcu: number } {
  const pts = curve.points;
  if (pts.length === 0) throw new RangeError(`no per-flush point for the ${curve.layout} layout`);
  if (partitions <= pts[0].partitions) return { wcu: pts[0].wcu, rcu: pts[0].rcu };
  if (pts.length === 1) {
    const k = partitions / pts[0].partitions;
    return { wcu: pts[0].wcu * k, rcu: pts[0].rcu * k };
  }
  let i = pts.findIndex((p) => p.partitions >= partitions);
  if (i === -1) i = pts.length - 1;
  const [lo, hi] = [pts[i - 1], pts[i]];
  const t = (partitions - lo.partitions) / (hi.partitions - lo.partitions);
  return { wcu: lo.wcu + t * (hi.wcu - lo.wcu), rcu: lo.rcu + t * (hi.rcu - lo.rcu) };
}

function curveOf(m: MeasuredInputs, layout: LogLayoutName | undefined): FlushCommitCurve {
  const curve =
    layout === undefined ? m.flushCommits[0] : m.flushCommits.find((c) => c.layout === layout);
  if (curve === undefined) throw new RangeError(`no per-flush measurement of the ${layout} layout`);
  return curve;
}

export interface FloeShape {
  fronts: number;
  /** Per front. */
  flushesPerSecond: number;
  segmentBytes: number;
  partitionsPerFlush: number;
}

/** Fronts needed so that each stays within its share of the measured capacity. */
export function frontsFor(
  rateMiBps: number,
  readFanOut: number,
  m: MeasuredInputs,
  a: Assumptions,
): number {
  const load = rateMiBps / m.frontProduceMiBps + (readFanOut * rateMiBps) / m.frontConsumeMiBps;
  return Math.max(a.minFronts, Math.ceil(load / a.frontUtilisation - 1e-9));
}

/** How often one front flushes, and what a segment holds, at `frontBytesPerSecond`. */
export function flushShape(
  frontBytesPerSecond: number,
  a: Assumptions,
  segments: "modelled" | "full",
): Omit<FloeShape, "fronts"> {
  if (frontBytesPerSecond <= 0)
    return { flushesPerSecond: 0, segmentBytes: 0, partitionsPerFlush: 0 };
  const whenFull = frontBytesPerSecond / a.maxSegmentBytes;
  const timerBound = Math.min(
    1000 / a.lingerMs,
    (a.maxInFlightFlushes * 1000) / a.flushLatencyMs,
    frontBytesPerSecond / a.producerBatchBytes,
  );
  const flushesPerSecond = segments === "full" ? whenFull : Math.max(whenFull, timerBound);
  const segmentBytes = frontBytesPerSecond / flushesPerSecond;
  const partitionsPerFlush = Math.min(
    a.partitions,
    Math.max(1, segmentBytes / a.producerBatchBytes),
  );
  return { flushesPerSecond, segmentBytes, partitionsPerFlush };
}

/**
 * A consumer's GETs per segment of this shape: one, plus the measured share of segments split by
 * a fetch's per-partition byte limit, scaled by chunk size (a fetch ends inside a chunk about
 * once per max.partition.fetch.bytes it reads, so smaller chunks are split proportionally less).
 */
export function getsPerSegmentRead(m: MeasuredInputs, shape: Omit<FloeShape, "fronts">): number {
  const excess = Math.max(0, m.s3GetPerSegmentRead - 1);
  if (shape.partitionsPerFlush === 0 || m.readChunkBytes <= 0) return 1 + excess;
  const chunkBytes = shape.segmentBytes / shape.partitionsPerFlush;
  return 1 + excess * Math.min(1, chunkBytes / m.readChunkBytes);
}

export function floeBill(
  rateMiBps: number,
  readFanOut: number,
  m: MeasuredInputs,
  a: Assumptions,
  segments: "modelled" | "full" = "modelled",
  layout?: LogLayoutName,
): Bill {
  const seconds = a.monthHours * SECONDS_PER_HOUR;
  const curve = curveOf(m, layout);
  const fronts = frontsFor(rateMiBps, readFanOut, m, a);
  const shape = flushShape((rateMiBps * MiB) / fronts, a, segments);
  const flushes = fronts * shape.flushesPerSecond * seconds;
  const commits = flushes * shape.partitionsPerFlush;
  const units = flushCommitUnits(curve, shape.partitionsPerFlush);
  const storedGib = (rateMiBps * a.retentionDays * 86_400 * m.s3BytesPerByteWritten) / 1024;
  const lines: BillLine[] = [
    charge("write", "S3 PUT (one per segment flush)", flushes * m.s3PutPerFlush, "s3Put"),
    charge(
      "write",
      `DynamoDB WCU (${FLUSH_COMMITS}, ${curve.layout} layout)`,
      flushes * units.wcu,
      "dynamoWrite",
    ),
    charge(
      "write",
      `DynamoDB RCU (${FLUSH_COMMITS}, ${curve.layout} layout)`,
      flushes * units.rcu,
      "dynamoRead",
    ),
    charge(
      "read",
      "S3 GET (one per segment per consumer, its chunks in one fetch)",
      readFanOut * flushes * getsPerSegmentRead(m, shape),
      "s3Get",
    ),
    charge(
      "read",
      "DynamoDB RCU (chunk lookups per consumer)",
      readFanOut * commits * m.rcuPerChunkRead,
      "dynamoRead",
    ),
    charge(
      "storage",
      `S3 Standard storage (${a.retentionDays} days retained), GB-month`,
      storedGib,
      "s3StorageGbMonth",
    ),
    charge(
      "fixed",
      "Fargate front vCPU-hours",
      fronts * a.frontVcpu * a.monthHours,
      "fargateArmVcpuHour",
    ),
    charge(
      "fixed",
      "Fargate front GB-hours",
      fronts * a.frontMemoryGb * a.monthHours,
      "fargateArmGbHour",
    ),
    charge("fixed", "Network Load Balancer hours", a.monthHours, "nlbHour"),
    charge(
      "fixed",
      "DynamoDB RCU (long-poll head polling)",
      fronts * a.partitions * m.idleRcuPerPartitionSecond * seconds,
      "dynamoRead",
    ),
    charge(
      "fixed",
      "Lambda requests (maintenance)",
      a.maintenanceInvocationsPerHour * a.monthHours,
      "lambdaRequests",
    ),
    charge(
      "fixed",
      "Lambda GB-seconds (maintenance)",
      a.maintenanceInvocationsPerHour * a.monthHours * a.maintenanceGbSecondsPerInvocation,
      "lambdaArmGbSecond",
    ),
  ];
  return bill("Floe", rateMiBps, readFanOut, a.monthHours, lines, { fronts, ...shape });
}
