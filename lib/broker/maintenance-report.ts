/**
 * What one maintenance run (./maintenance.ts) did: counts for metrics and alarms, the
 * partitions whose log start moved, the orphan collector's own report, and the failures (each
 * partition's failure is data here; the run goes on).
 */
import type { OrphanGcReport } from "./log/orphan-gc.ts";
import type { ReleasedReport } from "./log/released-segments.ts";

export interface PartitionAdvance {
  topic: string;
  partition: number;
  fromOffset: bigint;
  toOffset: bigint;
  /** Chunks retention removed (0 when a concurrent DeleteRecords moved the start first). */
  chunksExpired: number;
}

export interface MaintenanceError {
  stage: "retention" | "orphan-gc";
  topic?: string;
  partition?: number;
  message: string;
}

export interface MaintenanceReport {
  startedAtMs: number;
  tookMs: number;
  /** Every partition examined in full, and the orphan collector's pass finished (unless disabled). */
  complete: boolean;
  topics: number;
  /** Partitions of every topic, and those this run got to before its deadline. */
  partitionsTotal: number;
  partitionsExamined: number;
  /** Partitions whose log start this run moved, and how. */
  partitionsAdvanced: number;
  advanced: PartitionAdvance[];
  /** Chunks removed from logs by retention. */
  chunksExpired: number;
  /** Index entries deleted below log starts (left by DeleteRecords or an earlier failure). */
  chunksDropped: number;
  /** Segment objects the orphan collector deleted (released ones and the pass's). */
  segmentsDeleted: number;
  /** What became of the segment objects retention released this run (judged by receipt). */
  releasedGc?: ReleasedReport;
  orphanGc?: OrphanGcReport;
  /** Why the collector did not run: switched off, or too little time left. */
  orphanGcSkipped?: "disabled" | "deadline";
  errorCount: number;
  /** The first failures, one by one. */
  errors: MaintenanceError[];
}

export function newMaintenanceReport(startedAtMs: number): MaintenanceReport {
  return {
    startedAtMs,
    tookMs: 0,
    complete: false,
    topics: 0,
    partitionsTotal: 0,
    partitionsExamined: 0,
    partitionsAdvanced: 0,
    advanced: [],
    chunksExpired: 0,
    chunksDropped: 0,
    segmentsDeleted: 0,
    errorCount: 0,
    errors: [],
  };
}

/** The report as plain JSON values (offsets as strings), for logs and `--json`. */
export function reportFields(report: MaintenanceReport): Record<string, unknown> {
  const { orphanGc, advanced, ...counts } = report;
  return {
    ...counts,
    advanced: advanced.map((a) => ({
      ...a,
      fromOffset: a.fromOffset.toString(),
      toOffset: a.toOffset.toString(),
    })),
    ...(orphanGc ? { orphanGc: { ...orphanGc, orphanKeys: orphanGc.orphanKeys.length } } : {}),
  };
}

/** The counts a host publishes as metrics, by metric name. */
export function reportMetrics(report: MaintenanceReport): Record<string, number> {
  return {
    PartitionsExamined: report.partitionsExamined,
    PartitionsAdvanced: report.partitionsAdvanced,
    ChunksExpired: report.chunksExpired,
    ChunksDropped: report.chunksDropped,
    SegmentsDeleted: report.segmentsDeleted,
    OrphanSegmentsFailed: (report.orphanGc?.failed ?? 0) + (report.releasedGc?.failed ?? 0),
    Errors: report.errorCount,
    Incomplete: report.complete ? 0 : 1,
    DurationMs: report.tookMs,
  };
}
