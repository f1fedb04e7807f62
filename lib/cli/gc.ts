/**
 * `floe gc`: one run of the orphan segment collector (lib/broker/log/orphan-gc.ts) — deletes
 * segment objects no chunk entry references (failed or abandoned flushes, deleted topics) once
 * they are older than the grace period. On the embedded backend by --data-dir (safe while a
 * `floe dev` serves the same directory), on S3 + DynamoDB with --backend aws, configured by the
 * standard AWS environment like `floe front`. The fronts never run it; a scheduled maintenance
 * function calls the same collector. The bucket's segment prefix must belong to this table
 * alone (segments another deployment's table references look unreferenced from this one).
 *
 * Exit status 1 when some object could not be judged or deleted (it is retried next run), so a
 * cron job notices a run that did not finish its work.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  collectOrphanSegments,
  MIN_ORPHAN_GRACE_MS,
  type OrphanGcReport,
} from "../broker/log/orphan-gc.ts";
import { awsConfigFromEnv } from "../config/aws-config.ts";
import { createLogger, type LogLevel } from "../logger.ts";
import { createAwsStores } from "../storage/aws-stores.ts";
import type { StorageCounters } from "../storage/counters.ts";
import { FsObjectStore } from "../storage/fs/object-store.ts";
import type { MetadataStore, ObjectStore } from "../storage/ports.ts";
import { SqliteMetadataStore } from "../storage/sqlite/metadata-store.ts";
import { intOption, type Options } from "./args.ts";
import { UsageError } from "./main.ts";

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

export interface Backend {
  objectStore: ObjectStore;
  metadataStore: MetadataStore;
  where: string;
  counters: StorageCounters | undefined;
  close(): Promise<void>;
}

/** The stores of --data-dir or --backend aws (also what `floe maintenance` runs over). */
export async function openBackend(values: Options): Promise<Backend> {
  const backend = String(values.backend ?? "embedded");
  if (backend === "aws") {
    const aws = awsConfigFromEnv(process.env);
    const stores = await createAwsStores(aws);
    return {
      ...stores,
      where: `s3://${aws.bucket}, DynamoDB table ${aws.table}`,
    };
  }
  if (backend !== "embedded")
    throw new UsageError(`--backend must be embedded or aws, got ${backend}`);
  // The layout of startEmbeddedFront (lib/front/node.ts): objects/ and floe.db.
  const dataDir = resolve(String(values["data-dir"] ?? "data"));
  const dbPath = join(dataDir, "floe.db");
  if (!existsSync(dbPath)) {
    throw new Error(`no Floe data in ${dataDir} (no floe.db); pass the --data-dir of floe dev`);
  }
  const metadataStore = await SqliteMetadataStore.open({ path: dbPath });
  return {
    objectStore: new FsObjectStore({
      rootDir: join(dataDir, "objects"),
      sweepStaleTemps: !values["dry-run"],
    }),
    metadataStore,
    counters: undefined,
    where: dataDir,
    close: () => metadataStore.close(),
  };
}

export async function runGc(values: Options): Promise<number> {
  const graceMs = intOption(values, "grace-ms", 60 * 60_000);
  if (graceMs < MIN_ORPHAN_GRACE_MS) {
    throw new UsageError(
      `--grace-ms must be at least ${MIN_ORPHAN_GRACE_MS} (15 minutes): a flush may still ` +
        "commit a segment that young, and deleting it would lose acknowledged records",
    );
  }
  const dryRun = Boolean(values["dry-run"]);
  const level = String(values["log-level"] ?? "warn") as LogLevel;
  if (!LEVELS.includes(level))
    throw new UsageError(`--log-level must be one of ${LEVELS.join(", ")}`);
  const backend = await openBackend(values);
  try {
    const report = await collectOrphanSegments(
      {
        objectStore: backend.objectStore,
        metadataStore: backend.metadataStore,
        logger: createLogger(level),
      },
      { graceMs, dryRun },
    );
    if (values.json) {
      const cost = backend.counters?.snapshot();
      console.log(JSON.stringify({ ...report, graceMs, ...(cost ? { cost } : {}) }, null, 2));
    } else {
      printReport(report, graceMs, backend.where);
      if (backend.counters) console.log(`Requests: ${formatCounters(backend.counters)}`);
    }
    return report.failed > 0 ? 1 : 0;
  } finally {
    await backend.close();
  }
}

function printReport(r: OrphanGcReport, graceMs: number, where: string): void {
  const minutes = Math.round(graceMs / 60_000);
  console.log(
    `Scanned ${r.scanned} segment objects in ${where} (grace ${minutes} min): ` +
      `${r.young} younger than the grace, ${r.referenced} referenced, ` +
      `${r.unreadable} unreadable (left), ${r.orphans} orphaned, ${r.failed} failed.`,
  );
  if (r.dryRun) {
    console.log(`Dry run: would delete ${r.orphans} orphaned segment objects:`);
    for (const key of r.orphanKeys) console.log(`  ${key}`);
    if (r.orphanKeys.length < r.orphans) {
      console.log(`  … and ${r.orphans - r.orphanKeys.length} more`);
    }
  } else {
    console.log(`Deleted ${r.deleted} orphaned segment objects.`);
  }
}

function formatCounters(counters: StorageCounters): string {
  const c = counters.snapshot();
  const pick = ["s3.list", "s3.get", "s3.delete", "dynamodb.rcu"];
  return pick.map((name) => `${name}=${c[name] ?? 0}`).join(" ");
}
