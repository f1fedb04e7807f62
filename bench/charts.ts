/**
 * Runs the chart renderer (./charts/render.py, matplotlib in .tools/charts-venv) on a results
 * file. The charts are part of the report, so a missing venv is an error with the install
 * hint rather than a report without its figures.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../test/compat/tools.ts";

/** The PNGs render.py writes, as the report links them. */
export const CHARTS = Object.freeze({
  latency: "latency.png",
  throughput: "throughput.png",
  matrix: "matrix.png",
  latencyModel: "latency-model.png",
  cost: "cost.png",
});

export const CHARTS_PYTHON = join(ROOT, ".tools/charts-venv/bin/python");

export function renderCharts(resultsPath: string, outDir: string, python = CHARTS_PYTHON): void {
  if (!existsSync(python)) {
    throw new Error(
      "the benchmark charts need matplotlib in .tools/charts-venv, which is missing: run `bash scripts/setup-test-deps.sh`",
    );
  }
  const res = spawnSync(python, [join(ROOT, "bench/charts/render.py"), resultsPath, outDir], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (res.status !== 0) {
    throw new Error(
      `bench/charts/render.py failed (exit ${res.status ?? res.signal}):\n${res.stderr}`,
    );
  }
}
