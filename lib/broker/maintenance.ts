/**
 * One maintenance run over a whole deployment: for every topic partition, retention (time and
 * size, lib/broker/log/retention.ts) and the index cleanup DeleteRecords left; then the orphan
 * segment collector (lib/broker/log/orphan-gc.ts), which deletes the segment objects no
 * partition references any more — the bytes retention and DeleteRecords gave up — once they are
 * older than its grace. The scheduled Lambda (functions/maintenance.ts), the `floe dev` loop
 * and `floe maintenance` all run this; it is Kafka's log.retention.check.interval.ms loop.
 *
 * Bounded by a deadline: no partition is started after it, and the collector (which cannot
 * stop half-way, though stopping it anywhere is safe) is skipped when too little time is left.
 * The runner remembers where it stopped and the next run starts there, so a deployment with
 * more partitions than one run can cover is still covered, round after round. A fresh runner
 * (a cold Lambda) starts at a random partition when given `random`, so no partition starves
 * behind a prefix that never fits in one run.
 *
 * A failure on one partition is recorded in the report and the run goes on; nothing here
 * throws except a failure to list the topics at all.
 */
import type { MaintenanceConfig } from "../config/maintenance-config.ts";
import { maintenanceConfig } from "../config/maintenance-config.ts";
import { type Logger, silentLogger } from "../logger.ts";
import type { MetadataStore, ObjectStore, TopicRecord } from "../storage/ports.ts";
import { OrphanSegmentCollector } from "./log/orphan-gc.ts";
import { applyRetention, type LogStartMover } from "./log/retention.ts";
import {
  type MaintenanceError,
  type MaintenanceReport,
  newMaintenanceReport,
  reportFields,
} from "./maintenance-report.ts";

export type { MaintenanceReport } from "./maintenance-report.ts";
export { reportFields } from "./maintenance-report.ts";

export interface MaintenanceDeps {
  objectStore: ObjectStore;
  metadataStore: MetadataStore;
  /** The host's log engine: log starts move through its DeleteRecords (a conditional write). */
  log: LogStartMover;
  logger?: Logger;
  /** Our wall clock: record timestamps and object ages are judged against it. */
  nowMs?: () => number;
  /** Where a fresh runner starts (uniform in [0, 1)); without it, at the first partition. */
  random?: () => number;
}

export interface MaintenanceRunOptions {
  /** Time this run may take from its start (Lambda: remaining time minus a margin). */
  deadlineMs: number;
}

interface Target {
  topic: TopicRecord;
  partition: number;
}

/** At most this many errors are kept one by one in a report (errorCount is complete). */
const MAX_REPORTED_ERRORS = 100;
/** At most this many moved partitions are named in a report (partitionsAdvanced is complete). */
const MAX_REPORTED_ADVANCES = 1_000;

export class MaintenanceRunner {
  readonly config: MaintenanceConfig;
  private readonly deps: MaintenanceDeps;
  private readonly logger: Logger;
  private readonly nowMs: () => number;
  private readonly collector: OrphanSegmentCollector;
  /** "topic\0partition" of the first partition the next run examines. */
  private cursor: string | undefined;

  constructor(deps: MaintenanceDeps, config: MaintenanceConfig | Record<string, unknown> = {}) {
    this.config = maintenanceConfig({ ...config });
    this.deps = deps;
    this.logger = deps.logger ?? silentLogger;
    // Read at each call, not captured: a clock swapped later (tests, fake timers) is followed.
    this.nowMs = deps.nowMs ?? (() => Date.now());
    // One collector for every run: it remembers when it first saw a young object (orphan-gc.ts).
    this.collector = new OrphanSegmentCollector(
      {
        objectStore: deps.objectStore,
        metadataStore: deps.metadataStore,
        logger: this.logger,
        nowMs: this.nowMs,
      },
      { graceMs: this.config.orphanGraceMs },
    );
  }

  async run(options: MaintenanceRunOptions): Promise<MaintenanceReport> {
    const startedAtMs = this.nowMs();
    const deadlineAtMs = startedAtMs + Math.max(0, options.deadlineMs);
    const expired = (): boolean => this.nowMs() >= deadlineAtMs;
    const report = newMaintenanceReport(startedAtMs);
    const fail = (error: MaintenanceError): void => {
      report.errorCount++;
      if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push(error);
      this.logger.warn("maintenance: a step failed", { ...error });
    };

    const topics = await this.deps.metadataStore.listTopics();
    const targets = this.ordered(topics);
    report.topics = topics.length;
    report.partitionsTotal = targets.length;

    let next = 0;
    let cutShort = false;
    /** Segment objects retention released this run: the collector's candidates. */
    const released = new Set<string>();
    const worker = async (): Promise<void> => {
      while (next < targets.length && !expired()) {
        const { topic, partition } = targets[next++];
        try {
          const r = await applyRetention(
            {
              metadataStore: this.deps.metadataStore,
              log: this.deps.log,
              nowMs: this.nowMs,
              expired,
            },
            topic,
            partition,
          );
          report.partitionsExamined++;
          report.chunksExpired += r.chunksExpired;
          report.chunksDropped += r.chunksDropped;
          for (const key of r.releasedSegments) released.add(key);
          if (r.newLogStartOffset > r.logStartOffset) {
            report.partitionsAdvanced++;
            if (report.advanced.length < MAX_REPORTED_ADVANCES) {
              report.advanced.push({
                topic: topic.name,
                partition,
                fromOffset: r.logStartOffset,
                toOffset: r.newLogStartOffset,
                chunksExpired: r.chunksExpired,
              });
            }
          }
          // The deadline stopped its reading: only the time rule acted, on what was read.
          if (!r.complete) cutShort = true;
        } catch (err) {
          report.partitionsExamined++;
          fail({ stage: "retention", topic: topic.name, partition, message: messageOf(err) });
        }
      }
    };
    await Promise.all(Array.from({ length: this.config.concurrency }, worker));
    const finished = next >= targets.length;
    this.cursor = finished ? undefined : cursorOf(targets[next]);

    // Past the deadline they are left to the passes, which find every unreferenced object.
    if (this.config.orphanGc && released.size > 0 && !expired()) {
      try {
        // By receipt, before the pass: the bytes go with the run that expired them.
        report.releasedGc = await this.collector.collectReleased([...released]);
        report.segmentsDeleted += report.releasedGc.deleted;
      } catch (err) {
        fail({ stage: "orphan-gc", message: messageOf(err) });
      }
    }
    let gcComplete = false;
    if (!this.config.orphanGc) {
      report.orphanGcSkipped = "disabled";
    } else if (deadlineAtMs - this.nowMs() < this.config.orphanGcMinBudgetMs) {
      report.orphanGcSkipped = "deadline";
    } else {
      try {
        // Stopped by the deadline, it goes on from there next run (orphan-gc.ts).
        report.orphanGc = await this.collector.run({ deadlineAtMs });
        report.segmentsDeleted += report.orphanGc.deleted;
        gcComplete = report.orphanGc.complete;
      } catch (err) {
        fail({ stage: "orphan-gc", message: messageOf(err) });
      }
    }
    report.complete = finished && !cutShort && (gcComplete || !this.config.orphanGc);
    report.tookMs = this.nowMs() - startedAtMs;
    this.logger.info("maintenance run done", reportFields(report));
    return report;
  }

  /** Every partition, sorted, rotated to start at the cursor. */
  private ordered(topics: readonly TopicRecord[]): Target[] {
    const targets: Target[] = [];
    const byName = [...topics].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const topic of byName) {
      for (let partition = 0; partition < topic.partitionCount; partition++) {
        targets.push({ topic, partition });
      }
    }
    if (targets.length === 0) return targets;
    let start = 0;
    if (this.cursor !== undefined) {
      const cursor = this.cursor;
      const at = targets.findIndex((t) => cursorOf(t) >= cursor);
      start = at < 0 ? 0 : at;
    } else if (this.deps.random) {
      start = Math.floor(this.deps.random() * targets.length) % targets.length;
    }
    return [...targets.slice(start), ...targets.slice(0, start)];
  }
}

function cursorOf(t: Target): string {
  // Partition numbers padded so that string order is partition order within a topic.
  return `${t.topic.name}\u0000${String(t.partition).padStart(10, "0")}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
