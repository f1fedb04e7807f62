/**
 * Maintenance from the command line (lib/broker/maintenance.ts: retention by time and size,
 * index cleanup after DeleteRecords, orphan segment collection):
 *
 *  - `floe maintenance`: one run over --data-dir (safe while a `floe dev` serves it) or, with
 *    --backend aws, over the bucket and table of the standard AWS environment — what the
 *    scheduled Lambda does, by hand or from cron. Exit status 1 when a step failed (it is
 *    retried next run).
 *  - the `floe dev` loop: a run every --maintenance-interval-ms (60 s by default, 0 = off) over
 *    the server's own stores, as Kafka's log.retention.check.interval.ms does (5 min there).
 *    Off by default in `floe front`, whose deployment has the scheduled function.
 */
import { LogService } from "../broker/log/log-service.ts";
import { type MaintenanceReport, MaintenanceRunner, reportFields } from "../broker/maintenance.ts";
import { type MaintenanceConfig, maintenanceConfig } from "../config/maintenance-config.ts";
import type { RunningFront } from "../front/node.ts";
import { createLogger, type Logger, type LogLevel } from "../logger.ts";
import { intOption, type Options } from "./args.ts";
import { openBackend } from "./gc.ts";
import { UsageError } from "./main.ts";

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 60_000;
/** `floe maintenance`: how long one run may take unless --deadline-ms says otherwise. */
const DEFAULT_DEADLINE_MS = 10 * 60_000;

/** The maintenance settings CLI options can change (validated, errors name the setting). */
function settingsOf(values: Options): Record<string, unknown> {
  return values["grace-ms"] !== undefined ? { orphanGraceMs: values["grace-ms"] } : {};
}

export async function runMaintenance(values: Options): Promise<number> {
  const level = String(values["log-level"] ?? "warn") as LogLevel;
  if (!LEVELS.includes(level)) {
    throw new UsageError(`--log-level must be one of ${LEVELS.join(", ")}`);
  }
  const config = maintenanceConfig(settingsOf(values));
  const deadlineMs = intOption(values, "deadline-ms", DEFAULT_DEADLINE_MS);
  const backend = await openBackend(values);
  const { objectStore, metadataStore } = backend;
  const log = new LogService({ objectStore, metadataStore });
  try {
    const runner = new MaintenanceRunner(
      { objectStore, metadataStore, log, logger: createLogger(level) },
      config,
    );
    const report = await runner.run({ deadlineMs });
    if (values.json) {
      const cost = backend.counters?.snapshot();
      console.log(JSON.stringify({ ...reportFields(report), ...(cost ? { cost } : {}) }, null, 2));
    } else {
      printReport(report, backend.where);
    }
    const failed = (report.orphanGc?.failed ?? 0) + (report.releasedGc?.failed ?? 0);
    return report.errorCount > 0 || failed > 0 ? 1 : 0;
  } finally {
    await log.close();
    await backend.close();
  }
}

function printReport(r: MaintenanceReport, where: string): void {
  console.log(
    `Examined ${r.partitionsExamined} of ${r.partitionsTotal} partitions in ${r.topics} topics ` +
      `(${where}): ${r.partitionsAdvanced} log starts moved, ${r.chunksExpired} chunks expired, ` +
      `${r.chunksDropped} stale index entries dropped.`,
  );
  for (const a of r.advanced) {
    console.log(`  ${a.topic}-${a.partition}: log start ${a.fromOffset} → ${a.toOffset}`);
  }
  if (r.releasedGc) {
    const g = r.releasedGc;
    console.log(
      `Released segments: ${g.candidates} released by retention, ${g.deleted} deleted, ` +
        `${g.referenced} still referenced, ${g.withoutReceipt} left to the pass (no receipt), ` +
        `${g.failed} failed.`,
    );
  }
  if (r.orphanGc) {
    console.log(
      `Orphan segments: ${r.orphanGc.scanned} scanned, ${r.orphanGc.deleted} deleted, ` +
        `${r.orphanGc.young} younger than the grace, ${r.orphanGc.failed} failed.`,
    );
  } else {
    console.log(`Orphan segments: not collected (${r.orphanGcSkipped ?? "failed"}).`);
  }
  if (!r.complete) console.log("The run did not finish; the next one goes on from there.");
  for (const e of r.errors) {
    const where = e.topic === undefined ? e.stage : `${e.topic}-${e.partition}`;
    console.log(`  failed: ${where}: ${e.message}`);
  }
}

export interface MaintenanceLoop {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export interface MaintenanceLoopSettings {
  /** 0 = no loop. */
  intervalMs: number;
  config: MaintenanceConfig;
}

/**
 * The loop's options, validated before the server starts (a typo must not leave it running).
 * `floe front` passes a default of 0: in AWS the scheduled function maintains, and every front
 * doing it as well would only multiply the reads.
 */
export function maintenanceLoopSettings(
  values: Options,
  defaultIntervalMs = DEFAULT_MAINTENANCE_INTERVAL_MS,
): MaintenanceLoopSettings {
  const intervalMs = intOption(values, "maintenance-interval-ms", defaultIntervalMs);
  if (intervalMs < 0) throw new UsageError("--maintenance-interval-ms must be ≥ 0 (0 = off)");
  return { intervalMs, config: maintenanceConfig(settingsOf(values)) };
}

/**
 * Runs maintenance over a running front's stores every interval; undefined when the interval
 * is 0. Runs never overlap (the next is timed from the end of the last); each may take at most
 * one interval.
 */
export function startMaintenanceLoop(
  front: RunningFront,
  settings: MaintenanceLoopSettings,
  logger: Logger,
): MaintenanceLoop | undefined {
  const { intervalMs } = settings;
  if (intervalMs === 0) return undefined;
  const runner = new MaintenanceRunner(
    { objectStore: front.objectStore, metadataStore: front.metadata, log: front.log, logger },
    settings.config,
  );
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runner
        .run({ deadlineMs: intervalMs })
        .then(
          () => undefined,
          (err: unknown) => logger.warn("maintenance run failed", { err }),
        )
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, intervalMs);
    // The loop alone never keeps the process alive.
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
