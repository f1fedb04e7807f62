/**
 * Maintenance settings (lib/config/maintenance-config.ts): defaults, the orphan grace's floor,
 * unknown keys refused, and from the environment with errors that name the variable.
 */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_ORPHAN_GRACE_MS,
  MIN_ORPHAN_GRACE_MS,
} from "../../../lib/broker/log/orphan-gc-config.ts";
import {
  MAINTENANCE_ENV_KEYS,
  maintenanceConfig,
  maintenanceConfigFromEnv,
} from "../../../lib/config/maintenance-config.ts";
import { ConfigError } from "../../../lib/config/validate.ts";

describe("maintenanceConfig", () => {
  it("has safe defaults", () => {
    expect(maintenanceConfig()).toEqual({
      orphanGraceMs: DEFAULT_ORPHAN_GRACE_MS,
      orphanGc: true,
      orphanGcMinBudgetMs: 30_000,
      deadlineMarginMs: 10_000,
      concurrency: 8,
    });
  });

  it("refuses a grace below the collector's floor and unknown keys, naming them", () => {
    expect(() => maintenanceConfig({ orphanGraceMs: MIN_ORPHAN_GRACE_MS - 1 })).toThrow(
      /maintenance\.orphanGraceMs: must be ≥ 900000/,
    );
    expect(() => maintenanceConfig({ graceMs: 1 })).toThrow(/maintenance\.graceMs: unknown/);
  });
});

describe("maintenanceConfigFromEnv", () => {
  it("reads every setting from its variable; blank means unset", () => {
    const config = maintenanceConfigFromEnv({
      [MAINTENANCE_ENV_KEYS.orphanGraceMs]: "1800000",
      [MAINTENANCE_ENV_KEYS.orphanGc]: "false",
      [MAINTENANCE_ENV_KEYS.orphanGcMinBudgetMs]: "5000",
      [MAINTENANCE_ENV_KEYS.deadlineMarginMs]: " 2000 ",
      [MAINTENANCE_ENV_KEYS.concurrency]: "",
    });
    expect(config).toEqual({
      orphanGraceMs: 1_800_000,
      orphanGc: false,
      orphanGcMinBudgetMs: 5_000,
      deadlineMarginMs: 2_000,
      concurrency: 8,
    });
  });

  it("names the variable of a bad value", () => {
    const bad = () => maintenanceConfigFromEnv({ FLOE_MAINTENANCE_CONCURRENCY: "1000" });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/^FLOE_MAINTENANCE_CONCURRENCY: must be ≤ 256, got 1000$/);
  });
});
