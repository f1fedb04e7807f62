// The benchmark report (bench/report.ts) rendered from the committed results file: the goals,
// the charts it links, the cost tables with their inputs, and charts that are the same bytes
// when rendered twice from the same file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PRICE_LIST } from "../../bench/aws-cost/prices.ts";
import { CHARTS, renderCharts } from "../../bench/charts.ts";
import { findBill } from "../../bench/cost-model/model.ts";
import { goalVerdict } from "../../bench/cost-model/report-markdown.ts";
import { checkHandlerSize } from "../../bench/handler-size.ts";
import { costModelOf, reportMarkdown } from "../../bench/report.ts";
import type { BenchResults } from "../../bench/results.ts";
import { ROOT } from "../compat/tools.ts";

function committedRun(): BenchResults {
  const doc = JSON.parse(
    readFileSync(join(ROOT, "docs/benchmarks/results.json"), "utf8"),
  ) as BenchResults;
  doc.costModel = costModelOf(doc.results.awsCost, doc.results.floe, doc.machine, doc.date);
  doc.handlerSize ??= null;
  return doc;
}

describe("the benchmark report", () => {
  const doc = committedRun();
  const md = reportMarkdown(doc);

  it("states the cost goal and Floe's figure against it, with the shortfall if any", () => {
    const g = doc.costModel.goal;
    expect(md).toContain("## Goals");
    expect(md).toContain(goalVerdict(g));
    expect(
      goalVerdict({
        ...g,
        met: false,
        floeUsdPerGib: 0.03,
        shortfallUsdPerGib: 0.02,
        timesGoal: 3,
      }),
    ).toBe("**misses it by $0.0200 per GiB** (3× the goal)");
    expect(
      goalVerdict({ ...g, met: true, floeUsdPerGib: 0.008, shortfallUsdPerGib: 0, timesGoal: 0.8 }),
    ).toBe("meets it ($0.00800 per GiB)");
  });

  it("reports the produce Lambda's size against its targets, with the shortfall if any", () => {
    const met = reportMarkdown({
      ...doc,
      handlerSize: checkHandlerSize({ bundleBytes: 313_729, initMs: 219 }),
    });
    expect(met).toContain("| produce Lambda bundle | ≤ 1.5 MB | 0.31 MB | meets it |");
    expect(met).toContain("| produce Lambda init, local | ≤ 300 ms | 219 ms | meets it |");
    const missed = reportMarkdown({
      ...doc,
      handlerSize: checkHandlerSize({ bundleBytes: 1_700_000, initMs: 450 }),
    });
    expect(missed).toContain("**misses it by 0.20 MB** (1.13× the target)");
    expect(missed).toContain("**misses it by 150 ms** (1.50× the target)");
    expect(reportMarkdown({ ...doc, handlerSize: null })).toContain(
      "| produce Lambda bundle | ≤ 1.5 MB | – |",
    );
  });

  it("links every chart and describes the machine", () => {
    for (const png of Object.values(CHARTS)) expect(md).toContain(`](${png})`);
    expect(md).toContain("## Machine");
    expect(md).toContain(doc.machine.cpuModel);
  });

  it("shows the cost tables' inputs: every price with its date, and the itemised quantities", () => {
    for (const [name, p] of Object.entries(PRICE_LIST)) {
      expect(md).toContain(`| \`${name}\` | ${p.usd} | ${p.unit} | ${p.source} | ${p.date} |`);
    }
    const floe = findBill(doc.costModel, "Floe", 10, 1);
    for (const l of floe.lines) expect(md).toContain(`| ${l.item} |`);
    for (const t of doc.costModel.assumptionsText) expect(md).toContain(t);
  });
});

describe("the charts", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("fail with the install hint when matplotlib's venv is missing", () => {
    expect(() =>
      renderCharts("results.json", tmpdir(), join(ROOT, ".tools/no-such-venv/bin/python")),
    ).toThrow("bash scripts/setup-test-deps.sh");
  });

  it("are PNGs, and the same bytes when rendered twice from the same results", () => {
    const json = join(mkdtempSync(join(tmpdir(), "floe-charts-")), "results.json");
    dirs.push(join(json, ".."));
    writeFileSync(json, JSON.stringify(committedRun()));
    const [a, b] = ["a", "b"].map((n) => join(json, "..", n));
    renderCharts(json, a);
    renderCharts(json, b);
    for (const png of Object.values(CHARTS)) {
      const first = readFileSync(join(a, png));
      expect(first.subarray(1, 4).toString()).toBe("PNG");
      expect(readFileSync(join(b, png)).equals(first)).toBe(true);
    }
  }, 60_000);
});
