/**
 * Settings of a maintenance run (lib/broker/maintenance.ts): retention, index cleanup and the
 * orphan segment collector. Validated once; the scheduled Lambda reads them from the
 * environment here (the only reader of process.env below functions/), `floe dev` and
 * `floe maintenance` from CLI options.
 *
 *   FLOE_MAINTENANCE_ORPHAN_GRACE_MS      segment objects younger than this are never judged
 *                                         orphans (≥ 15 min; 1 h by default)
 *   FLOE_MAINTENANCE_ORPHAN_GC            "false": retention only, no orphan collection
 *   FLOE_MAINTENANCE_ORPHAN_GC_MIN_BUDGET_MS  skip orphan collection with less time left
 *   FLOE_MAINTENANCE_DEADLINE_MARGIN_MS   Lambda: stop this long before the invocation times out
 *   FLOE_MAINTENANCE_CONCURRENCY          partitions worked on at once
 */
import { DEFAULT_ORPHAN_GRACE_MS, MIN_ORPHAN_GRACE_MS } from "../broker/log/orphan-gc-config.ts";
import { type ConfigOf, validateConfig, validateEnvConfig } from "./validate.ts";

export const MAINTENANCE_CONFIG_SCHEMA = {
  orphanGraceMs: {
    type: "int",
    default: DEFAULT_ORPHAN_GRACE_MS,
    min: MIN_ORPHAN_GRACE_MS,
    doc: "Orphan collection leaves segment objects younger than this (lib/broker/log/orphan-gc.ts).",
  },
  orphanGc: {
    type: "bool",
    default: true,
    doc: "Run the orphan segment collector after retention.",
  },
  orphanGcMinBudgetMs: {
    type: "int",
    default: 30_000,
    min: 0,
    doc: "Skip orphan collection when less time than this is left (it cannot stop half-way).",
  },
  deadlineMarginMs: {
    type: "int",
    default: 10_000,
    min: 0,
    max: 600_000,
    doc: "Lambda: the run's deadline is the invocation's remaining time minus this.",
  },
  concurrency: {
    type: "int",
    default: 8,
    min: 1,
    max: 256,
    doc: "Partitions whose retention is applied at once.",
  },
} as const;

export type MaintenanceConfig = ConfigOf<typeof MAINTENANCE_CONFIG_SCHEMA>;

/** The environment variables above, by name: cdk/ sets them on the maintenance function. */
export const MAINTENANCE_ENV_KEYS = Object.freeze({
  orphanGraceMs: "FLOE_MAINTENANCE_ORPHAN_GRACE_MS",
  orphanGc: "FLOE_MAINTENANCE_ORPHAN_GC",
  orphanGcMinBudgetMs: "FLOE_MAINTENANCE_ORPHAN_GC_MIN_BUDGET_MS",
  deadlineMarginMs: "FLOE_MAINTENANCE_DEADLINE_MARGIN_MS",
  concurrency: "FLOE_MAINTENANCE_CONCURRENCY",
});

export function maintenanceConfig(input: Record<string, unknown> = {}): MaintenanceConfig {
  return validateConfig("maintenance", MAINTENANCE_CONFIG_SCHEMA, input);
}

export function maintenanceConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): MaintenanceConfig {
  return validateEnvConfig("maintenance", MAINTENANCE_CONFIG_SCHEMA, MAINTENANCE_ENV_KEYS, env);
}
