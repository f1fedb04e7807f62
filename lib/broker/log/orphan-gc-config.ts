/**
 * Options, report and counters of the orphan segment collector (./orphan-gc.ts). The options
 * are one closed object validated once, with an error that names the key; the grace period has
 * a floor because the collector's safety rests on it (see ./orphan-gc.ts and
 * ./commit-deadline.ts).
 */
import { type ConfigOf, validateConfig } from "../../config/validate.ts";
import { MAX_COMMIT_DEADLINE_MS } from "./commit-deadline.ts";
import { SEGMENT_KEY_PREFIX } from "./segment-format.ts";

export const DEFAULT_ORPHAN_GRACE_MS = 60 * 60_000;
/**
 * The shortest grace allowed: the longest a flush may still commit an object after writing it
 * (MAX_COMMIT_DEADLINE_MS, plus one storage call already under way), and room for the skew
 * between the object store's clock and ours. 15 minutes.
 */
export const MIN_ORPHAN_GRACE_MS = MAX_COMMIT_DEADLINE_MS + 10 * 60_000;

const SCHEMA = {
  graceMs: {
    type: "int",
    default: DEFAULT_ORPHAN_GRACE_MS,
    min: MIN_ORPHAN_GRACE_MS,
    doc: "objects younger than this are never judged or deleted",
  },
  dryRun: { type: "bool", default: false, doc: "judge and report, delete nothing" },
  segmentKeyPrefix: {
    type: "string",
    default: SEGMENT_KEY_PREFIX,
    pattern: /^[^/].*\/$/,
    doc: "where segment objects are (LogConfig.segmentKeyPrefix)",
  },
  concurrency: {
    type: "int",
    default: 16,
    min: 1,
    max: 256,
    doc: "objects judged at once (footer read + reference check)",
  },
} as const;

export type ResolvedOrphanGcOptions = ConfigOf<typeof SCHEMA>;
export type OrphanGcOptions = Partial<ResolvedOrphanGcOptions>;

/** Defaults overlaid with `options`; throws ConfigError naming the first bad key. */
export function resolveOrphanGcOptions(options: OrphanGcOptions = {}): ResolvedOrphanGcOptions {
  return validateConfig("OrphanGcOptions", SCHEMA, options as Record<string, unknown>);
}

/**
 * The outcome of one run. Every object listed ends in exactly one of young, referenced,
 * unreadable, orphans, gone or failed; kept = young + referenced + unreadable. An orphan is
 * deleted (deleted) unless the run is a dry run or its delete request failed (then also
 * counted in failed).
 */
export interface OrphanGcReport {
  dryRun: boolean;
  /** Objects listed under the segment key prefix. */
  scanned: number;
  /** Orphans deleted (0 in a dry run). */
  deleted: number;
  /** Left in place on purpose: young + referenced + unreadable. */
  kept: number;
  /** Could not be judged (storage error) or their delete failed; tried again next run. */
  failed: number;
  /** Younger than the grace period. */
  young: number;
  /** Named by a chunk entry. */
  referenced: number;
  /** No valid footer: logged and left (never provably unreferenced). */
  unreadable: number;
  /** Old enough and referenced by no chunk entry. */
  orphans: number;
  /** Deleted by someone else between the listing and our read. */
  gone: number;
  /** The orphans' keys, at most the first 1,000. */
  orphanKeys: string[];
  /** Where this run's listing started: after this key, or at the start of the prefix (null). */
  resumedAfter: string | null;
  /**
   * Whether the run reached the end of the listing. A run stopped by its deadline is not, and
   * the collector's next run goes on after the last key this one listed (./orphan-gc.ts).
   */
  complete: boolean;
}

/** Counters summed over runs, for export with the other metrics (cost is measured). */
export class OrphanGcMetrics {
  runs = 0;
  scanned = 0;
  deleted = 0;
  kept = 0;
  failed = 0;
  young = 0;
  referenced = 0;
  unreadable = 0;
  orphans = 0;
  gone = 0;
  /** readSegmentFooter calls (each 1–2 ranged GETs) and segmentReferenced calls. */
  footerReads = 0;
  referenceChecks = 0;
  /** Objects judged by their receipt (one findChunks per partition until one is found). */
  receiptChecks = 0;

  record(report: OrphanGcReport): void {
    this.runs++;
    this.scanned += report.scanned;
    this.deleted += report.deleted;
    this.kept += report.kept;
    this.failed += report.failed;
    this.young += report.young;
    this.referenced += report.referenced;
    this.unreadable += report.unreadable;
    this.orphans += report.orphans;
    this.gone += report.gone;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(Object.entries(this)) as Record<string, number>;
  }
}
