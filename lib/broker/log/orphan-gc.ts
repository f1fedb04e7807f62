/**
 * Orphan segment collection: deletes segment objects that no chunk entry references, once they
 * are older than a grace period. They come from a flush that wrote its object and then never
 * committed it: a crash between PUT and commit, a failed commit, maxCommitAttempts lost races,
 * a flush past its commit deadline, or a flush whose appends were all duplicates (nothing to
 * commit; a single lost race only re-plans within the same object). And from DeleteTopic,
 * which drops the index entries but not the objects. Invariant 1 (DESIGN.md §2) promises this:
 * a crash before the commit leaves at most an orphan, garbage-collected later.
 *
 * One run: list the objects under the segment key prefix; skip those younger than the grace;
 * judge each remaining object; delete the unreferenced ones (their receipts first, then the
 * objects: DeleteObjects, 1,000 keys a request). An object with a receipt (./segment-receipt.ts)
 * is judged by looking up the chunks it names: referenced while one of them is still indexed.
 * One without (an orphan, a flush that died before its receipt or whose commit was in doubt, a
 * segment older than receipts) is judged the slow way: read its footer (one ranged GET, two for
 * a footer over 4 KB) and ask the metadata store whether a chunk entry of a partition the footer
 * names references the object (MetadataStore.segmentReferenced, which searches the index). The scheduled maintenance Lambda and `floe gc` both call this; the fronts do not.
 * The prefix must hold the segments of this metadata store alone: an object that another
 * deployment's store references looks unreferenced from this one. So before its first run a
 * collector claims the prefix for its store's cluster id, and refuses to run on a prefix another
 * cluster claimed (./prefix-owner.ts).
 *
 * Why deleting is safe against a commit still in progress: a flush never commits an object
 * more than LogConfig.commitDeadlineMs (≤ MAX_COMMIT_DEADLINE_MS, 5 min) after it began writing
 * it, plus the one storage call already under way (./commit-deadline.ts). The grace is at least
 * MIN_ORPHAN_GRACE_MS = that bound + 10 minutes, 1 hour by default: an object that old, if
 * unreferenced, stays unreferenced, because a commit that has not happened by then never will.
 *
 * Age and clocks: `lastModifiedMs` comes from the object store's clock (S3's, or the file's
 * mtime), our `nowMs` from ours, so their difference is off by the skew between the two; the
 * grace must dwarf that skew (minutes against an hour). On our own clock, the time since this
 * collector first listed the key is a lower bound of the object's true age. The age used is the
 * larger of the two: a long-lived collector (a warm Lambda container) can then still delete
 * objects whose store clock runs ahead of ours (lastModified in our future), and the smaller
 * estimate never decides.
 *
 * An object under the prefix whose footer does not decode (bad magic, unknown format version,
 * CRC mismatch, too short) is logged and LEFT. Flushes write objects whole (S3 PUT and the
 * filesystem store's link are atomic), so such an object was not written by this Floe's
 * flusher — a newer Floe's format during a rolling upgrade, another tool, or corruption of a
 * committed segment — and nothing proves it unreferenced: we cannot even name its partitions.
 * Deleting what we cannot prove is ours and unreferenced could destroy acknowledged records.
 *
 * Deadline and resumption: a run given a deadline (the maintenance function's) stops listing
 * when it passes, finishes what it started, and reports itself incomplete; the collector's next
 * run lists from after the last key this one listed, so a prefix too large for one run is still
 * covered, a slice per run, instead of its first slice again and again. This needs a listing in
 * ascending key order (S3 general-purpose buckets and the filesystem store give it); a run that
 * sees a key out of order drops the cursor and never resumes on that store again. Only an
 * in-process cursor: a new collector (a cold Lambda) starts from the beginning.
 *
 * Cost per run: ⌈objects / 1,000⌉ LISTs; per object older than the grace, one receipt read
 * and, with a receipt, one findChunks per partition until one is found (DynamoDB: about 1 RCU
 * each), without one, 1–2 ranged GETs and one segmentReferenced (SQLite: an index lookup;
 * DynamoDB: docs/dynamodb-tables.md §3 — the partitions' whole index for an unreferenced
 * object); per 1,000 orphans one DeleteObjects. Referenced segments are checked again on every
 * pass (docs/segment-reclamation.md proposes how not to).
 */
import { type Logger, silentLogger } from "../../logger.ts";
import { ObjectNotFoundError } from "../../storage/errors.ts";
import type { MetadataStore, ObjectInfo, ObjectStore, PartitionKey } from "../../storage/ports.ts";
import { clusterIdOf } from "../cluster-id.ts";
import {
  OrphanGcMetrics,
  type OrphanGcOptions,
  type OrphanGcReport,
  type ResolvedOrphanGcOptions,
  resolveOrphanGcOptions,
} from "./orphan-gc-config.ts";
import { claimSegmentPrefix } from "./prefix-owner.ts";
import { collectReleasedSegments, type ReleasedReport } from "./released-segments.ts";
import { readSegmentFooter, SegmentFormatError } from "./segment-format.ts";
import { receiptChunksIndexed } from "./segment-receipt.ts";

export {
  DEFAULT_ORPHAN_GRACE_MS,
  MIN_ORPHAN_GRACE_MS,
  OrphanGcMetrics,
  type OrphanGcOptions,
  type OrphanGcReport,
} from "./orphan-gc-config.ts";

export interface OrphanGcDeps {
  objectStore: ObjectStore;
  metadataStore: MetadataStore;
  logger?: Logger;
  /** Cumulative counters over runs; a fresh one by default. */
  metrics?: OrphanGcMetrics;
  /** Our wall clock. */
  nowMs?: () => number;
}

/** What became of one object; each names the report's counter. */
type Verdict = "young" | "referenced" | "unreadable" | "orphans" | "gone" | "failed";

/** At most this many keys are named in a report (the counts are always complete). */
const MAX_REPORTED_KEYS = 1_000;
const DELETE_BATCH_KEYS = 1_000;
/** Failures logged one by one per run; the rest only counted. */
const MAX_LOGGED_FAILURES = 10;

export class OrphanSegmentCollector {
  readonly metrics: OrphanGcMetrics;
  readonly options: ResolvedOrphanGcOptions;
  private readonly objectStore: ObjectStore;
  private readonly metadataStore: MetadataStore;
  private readonly logger: Logger;
  private readonly nowMs: () => number;
  /** When this collector first listed a key that was then young by its lastModified. */
  private firstSeenMs = new Map<string, number>();
  /** The same, for the keys listed so far in the current pass. */
  private passSightings = new Map<string, number>();
  /** The last key the previous run listed, when it stopped at its deadline. */
  private resumeAfter: string | undefined;
  /** Cleared for good when the store lists a key out of order: resuming would skip keys. */
  private listsInOrder = true;
  /** Set once the prefix is known to be this cluster's (claimed, or checked in a dry run). */
  private prefixClaimed = false;
  private prefixChecked = false;

  constructor(deps: OrphanGcDeps, options: OrphanGcOptions = {}) {
    this.options = resolveOrphanGcOptions(options);
    this.objectStore = deps.objectStore;
    this.metadataStore = deps.metadataStore;
    this.logger = deps.logger ?? silentLogger;
    this.metrics = deps.metrics ?? new OrphanGcMetrics();
    this.nowMs = deps.nowMs ?? Date.now;
  }

  /**
   * One pass over the segment objects, or, with a deadline, as much of it as fits (see the
   * header); `dryRun` overrides the collector's option.
   */
  async run(overrides: { dryRun?: boolean; deadlineAtMs?: number } = {}): Promise<OrphanGcReport> {
    const dryRun = overrides.dryRun ?? this.options.dryRun;
    const deadlineAtMs = overrides.deadlineAtMs ?? Number.POSITIVE_INFINITY;
    const startAfter = this.listsInOrder ? this.resumeAfter : undefined;
    const report: OrphanGcReport = {
      dryRun,
      scanned: 0,
      deleted: 0,
      kept: 0,
      failed: 0,
      young: 0,
      referenced: 0,
      unreadable: 0,
      orphans: 0,
      gone: 0,
      orphanKeys: [],
      resumedAfter: startAfter ?? null,
      complete: false,
    };
    await this.ensurePrefixIsOurs(dryRun);
    const startMs = this.nowMs();
    const sightings = new Map<string, number>();
    let pendingDeletes: string[] = [];
    let loggedFailures = 0;
    const fail = (what: string, fields: Record<string, unknown>): void => {
      if (loggedFailures++ < MAX_LOGGED_FAILURES) this.logger.warn(what, fields);
    };
    const flushDeletes = async (): Promise<void> => {
      const keys = pendingDeletes;
      pendingDeletes = [];
      if (keys.length === 0 || dryRun) return;
      try {
        // Receipts first: an object left without one is searched for, never misjudged.
        await this.metadataStore.deleteSegmentReceipts(keys);
        await this.objectStore.deleteMany(keys);
        report.deleted += keys.length;
      } catch (err) {
        report.failed += keys.length;
        fail("orphan gc: deleting orphan segments failed", { count: keys.length, err });
      }
    };

    const inFlight = new Set<Promise<void>>();
    const inspectOne = async (info: ObjectInfo): Promise<void> => {
      const verdict = await this.inspect(info, sightings, fail);
      report[verdict]++;
      if (verdict === "young" || verdict === "referenced" || verdict === "unreadable") {
        report.kept++;
      } else if (verdict === "orphans") {
        if (report.orphanKeys.length < MAX_REPORTED_KEYS) report.orphanKeys.push(info.key);
        pendingDeletes.push(info.key);
        if (pendingDeletes.length >= DELETE_BATCH_KEYS) await flushDeletes();
      }
    };
    let lastListed: string | undefined;
    let stopped = false;
    try {
      for await (const info of this.objectStore.list(this.options.segmentKeyPrefix, startAfter)) {
        if (!info.key.startsWith(this.options.segmentKeyPrefix)) continue;
        if (this.nowMs() >= deadlineAtMs) {
          stopped = true;
          break;
        }
        // Segment keys are ASCII, where string order is S3's byte order.
        if (lastListed !== undefined && info.key <= lastListed && this.listsInOrder) {
          this.listsInOrder = false;
          this.logger.warn(
            "orphan gc: the object store lists keys out of order; runs cut short by their deadline will start over",
            {
              key: info.key,
              after: lastListed,
            },
          );
        }
        lastListed = info.key;
        report.scanned++;
        // inspectOne never rejects: every failure becomes a verdict.
        const p = inspectOne(info).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= this.options.concurrency) await Promise.race(inFlight);
      }
    } catch (err) {
      // The listing failed: finish (and delete) what was judged, keep every sighting, give up
      // (the next run lists from where this one started).
      await Promise.all(inFlight);
      await flushDeletes();
      for (const [key, atMs] of sightings) this.firstSeenMs.set(key, atMs);
      throw err;
    }
    await Promise.all(inFlight);
    await flushDeletes();
    report.complete = !stopped;
    // First sightings: those of the keys listed in this pass (which may span runs) replace the
    // old ones once the pass is whole; until then both count.
    if (startAfter === undefined) this.passSightings = new Map();
    for (const [key, atMs] of sightings) {
      this.passSightings.set(key, atMs);
      this.firstSeenMs.set(key, atMs);
    }
    if (report.complete) {
      this.firstSeenMs = this.passSightings;
      this.passSightings = new Map();
      this.resumeAfter = undefined;
    } else {
      this.resumeAfter = this.listsInOrder ? (lastListed ?? startAfter) : undefined;
    }

    this.metrics.record(report);
    this.logger.info(dryRun ? "orphan gc dry run done" : "orphan gc done", {
      ...report,
      orphanKeys: undefined,
      graceMs: this.options.graceMs,
      tookMs: this.nowMs() - startMs,
    });
    return report;
  }

  /**
   * Judges the segment objects retention just released by their receipts and deletes those no
   * index entry names any more (./released-segments.ts); the passes handle the rest.
   */
  async collectReleased(
    segmentKeys: readonly string[],
    overrides: { dryRun?: boolean } = {},
  ): Promise<ReleasedReport> {
    const dryRun = overrides.dryRun ?? this.options.dryRun;
    await this.ensurePrefixIsOurs(dryRun);
    const report = await collectReleasedSegments(
      {
        objectStore: this.objectStore,
        metadataStore: this.metadataStore,
        prefix: this.options.segmentKeyPrefix,
        concurrency: this.options.concurrency,
        dryRun,
      },
      segmentKeys,
    );
    this.metrics.receiptChecks += report.judged;
    this.metrics.deleted += report.deleted;
    return report;
  }

  /** Throws SegmentPrefixOwnedError (deleting nothing) when the prefix is another cluster's. */
  private async ensurePrefixIsOurs(dryRun: boolean): Promise<void> {
    if (this.prefixClaimed || (dryRun && this.prefixChecked)) return;
    const clusterId = await clusterIdOf(this.metadataStore);
    await claimSegmentPrefix(this.objectStore, this.options.segmentKeyPrefix, clusterId, {
      checkOnly: dryRun,
    });
    if (dryRun) this.prefixChecked = true;
    else this.prefixClaimed = true;
  }

  private async inspect(
    info: ObjectInfo,
    sightings: Map<string, number>,
    fail: (what: string, fields: Record<string, unknown>) => void,
  ): Promise<Verdict> {
    const { key } = info;
    // Read now, not at the start of the run: the key may have been PUT while we were listing,
    // and a first sighting must never be dated before the object existed.
    const nowMs = this.nowMs();
    const byStoreClockMs = nowMs - info.lastModifiedMs;
    if (byStoreClockMs < this.options.graceMs) {
      const firstSeenMs = this.firstSeenMs.get(key) ?? nowMs;
      sightings.set(key, firstSeenMs);
      if (nowMs - firstSeenMs < this.options.graceMs) return "young";
    }
    try {
      const receipt = (await this.metadataStore.getSegmentReceipts([key])).get(key);
      if (receipt !== undefined) {
        this.metrics.receiptChecks++;
        const live = await receiptChunksIndexed(this.metadataStore, key, receipt);
        return live ? "referenced" : "orphans";
      }
      this.metrics.footerReads++;
      const footer = await readSegmentFooter(this.objectStore, key, info.sizeBytes);
      this.metrics.referenceChecks++;
      const referenced = await this.metadataStore.segmentReferenced(key, partitionsOf(footer));
      return referenced ? "referenced" : "orphans";
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return "gone"; // deleted meanwhile (another run)
      if (err instanceof SegmentFormatError) {
        this.logger.warn("orphan gc: not a readable Floe segment; left in place", {
          key,
          sizeBytes: info.sizeBytes,
          reason: err.message,
        });
        return "unreadable";
      }
      fail("orphan gc: could not judge a segment; left for the next run", { key, err });
      return "failed";
    }
  }
}

/** One run of a fresh collector: what `floe gc` and a scheduled maintenance function call. */
export async function collectOrphanSegments(
  deps: OrphanGcDeps,
  options: OrphanGcOptions = {},
): Promise<OrphanGcReport> {
  return new OrphanSegmentCollector(deps, options).run();
}

function partitionsOf(footer: { chunks: readonly PartitionKey[] }): PartitionKey[] {
  const unique = new Map<string, PartitionKey>();
  for (const { topicId, partition } of footer.chunks) {
    unique.set(`${topicId}#${partition}`, { topicId, partition });
  }
  return [...unique.values()];
}
