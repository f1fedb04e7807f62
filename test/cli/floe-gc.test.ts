/**
 * `floe gc` on the embedded backend, as a user runs it: a real `floe dev` writes segments, a
 * topic is deleted, and `floe gc --data-dir` (while the server keeps serving the same
 * directory) deletes exactly the deleted topic's segment objects once they are older than the
 * grace. The objects' modification times are moved two hours back, as the file system would
 * show them two hours later.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FloeProcess, startFloeProcess, tempDataDir } from "../helpers/floe-process.ts";
import { ageSegmentFiles, segmentFilesIn } from "../helpers/segment-files.ts";

const CLI = resolve(import.meta.dirname, "../../lib/cli/main.ts");
let floe: FloeProcess;

beforeAll(async () => {
  floe = await startFloeProcess({ args: ["--partitions", "2"] });
});
afterAll(() => floe.kill());

function floeCli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function segmentFiles(): string[] {
  return segmentFilesIn(floe.dataDir);
}

function ageAllSegments(byMs: number): void {
  ageSegmentFiles(floe.dataDir, byMs);
}

describe("floe gc", () => {
  it("deletes a deleted topic's segments after the grace, lists them in a dry run first", () => {
    const bootstrap = ["--bootstrap", floe.bootstrap];
    const lines = (prefix: string) =>
      `${Array.from({ length: 20 }, (_, i) => `${prefix} ${i}`).join("\n")}\n`;
    expect(floeCli(["topics", "create", "doomed", "--partitions", "1", ...bootstrap]).status).toBe(
      0,
    );
    expect(floeCli(["topics", "create", "kept", "--partitions", "1", ...bootstrap]).status).toBe(0);
    expect(floeCli(["produce", "doomed", ...bootstrap], lines("d")).status).toBe(0);
    const doomedSegments = segmentFiles();
    expect(floeCli(["produce", "kept", ...bootstrap], lines("k")).status).toBe(0);
    const keptSegments = segmentFiles().filter((k) => !doomedSegments.includes(k));
    expect(doomedSegments.length).toBeGreaterThan(0);
    expect(keptSegments.length).toBeGreaterThan(0);
    expect(floeCli(["topics", "delete", "doomed", ...bootstrap]).status).toBe(0);

    const young = floeCli(["gc", "--data-dir", floe.dataDir]);
    expect(young.status).toBe(0);
    expect(young.stdout).toContain("Deleted 0 orphaned segment objects.");
    expect(segmentFiles()).toHaveLength(doomedSegments.length + keptSegments.length);

    ageAllSegments(2 * 60 * 60_000);
    const dry = floeCli(["gc", "--data-dir", floe.dataDir, "--dry-run"]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`would delete ${doomedSegments.length} orphaned`);
    for (const key of doomedSegments) expect(dry.stdout).toContain(key);
    expect(segmentFiles()).toHaveLength(doomedSegments.length + keptSegments.length);

    const run = floeCli(["gc", "--data-dir", floe.dataDir, "--json"]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      dryRun: false,
      deleted: doomedSegments.length,
      referenced: keptSegments.length,
      failed: 0,
    });
    expect(segmentFiles()).toEqual(keptSegments);

    const consumed = floeCli(["consume", "kept", "--count", "20", ...bootstrap]);
    expect(consumed.stdout.trim().split("\n")).toEqual(lines("k").trim().split("\n"));
  });

  it("refuses a grace too short to be safe, and a directory without Floe data", () => {
    const short = floeCli(["gc", "--data-dir", floe.dataDir, "--grace-ms", "60000"]);
    expect(short.status).toBe(1);
    expect(short.stderr).toContain("--grace-ms must be at least 900000");
    const empty = floeCli(["gc", "--data-dir", tempDataDir()]);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/no Floe data in .* \(no floe\.db\)/);
  });
});
