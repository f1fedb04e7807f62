/**
 * Floe's monthly bill for steady traffic: S3 requests and DynamoDB units from the measured
 * per-flush and per-chunk counts, S3 storage for the retention, the fronts (Fargate), the load
 * balancer, the idle long-poll and the maintenance Lambda.
 *
 * The request cost is driven by flushes, not bytes: each flush is one PUT plus one commit per
 * partition in it, whatever its size. A busy front fills 8 MiB segments (the measured
 * per-GiB run), but a front whose traffic arrives slower flushes on its linger timer, as often
 * as its in-flight limit allows, so segments, and the flush count per GiB, follow the rate
 * each front sees. `segments: "full"` prices the same traffic as if every segment were full:
 * the floor a longer linger would approach.
 */
import { type Bill, type BillLine, bill, charge, MiB, SECONDS_PER_HOUR } from "./bill.ts";
import type { Assumptions, MeasuredInputs } from "./inputs.ts";

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

export function floeBill(
  rateMiBps: number,
  readFanOut: number,
  m: MeasuredInputs,
  a: Assumptions,
  segments: "modelled" | "full" = "modelled",
): Bill {
  const seconds = a.monthHours * SECONDS_PER_HOUR;
  const fronts = frontsFor(rateMiBps, readFanOut, m, a);
  const shape = flushShape((rateMiBps * MiB) / fronts, a, segments);
  const flushes = fronts * shape.flushesPerSecond * seconds;
  const commits = flushes * shape.partitionsPerFlush;
  const storedGib = (rateMiBps * a.retentionDays * 86_400 * m.s3BytesPerByteWritten) / 1024;
  const lines: BillLine[] = [
    charge("write", "S3 PUT (one per segment flush)", flushes * m.s3PutPerFlush, "s3Put"),
    charge(
      "write",
      "DynamoDB WCU (partition commits)",
      commits * m.wcuPerPartitionCommit,
      "dynamoWrite",
    ),
    charge(
      "write",
      "DynamoDB RCU (head reads of commits)",
      commits * m.rcuPerPartitionCommit,
      "dynamoRead",
    ),
    charge(
      "read",
      "S3 GET (one per chunk per consumer)",
      readFanOut * commits * m.s3GetPerChunkRead,
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
