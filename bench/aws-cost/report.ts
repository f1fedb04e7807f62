/**
 * The AWS-backend cost section as console text (the Markdown for docs/benchmarks/README.md is in
 * ./report-markdown.ts, on the same helpers). Every figure is computed in ./run.ts; these files
 * only lay them out, with the inputs (counts, units, prices and their dates) next to every
 * dollar amount.
 */
import {
  type AwsCostResult,
  type FlushPointSummary,
  gibLayoutOf,
  layoutOf,
  layoutsOf,
  steadyFlushesOf,
  topicsOf,
} from "./run.ts";

export const MiB = 1024 * 1024;

/** Up to `digits` decimals, trailing zeros dropped (1, 1.25, 0.125); 12,345 from 10,000 on. */
export function num(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return "n/a";
  const rounded = Number(x.toFixed(digits));
  return Math.abs(rounded) >= 10_000
    ? rounded.toLocaleString("en-US", { maximumFractionDigits: digits })
    : String(rounded);
}

export function dollars(x: number): string {
  if (x === 0) return "$0";
  if (x >= 1) return `$${x.toFixed(2)}`;
  return `$${x.toPrecision(3)}`;
}

export function calls(c: Record<string, number>, digits = 2): string {
  return Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${num(n, digits)} ${op}`)
    .join(", ");
}

export function pct(x: number): string {
  return `${(100 * x).toFixed(0)}%`;
}

export function table(head: string[], rows: string[][], align: ("l" | "r")[]): string {
  const sep = align.map((a) => (a === "r" ? "--:" : "---"));
  return [head, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

function consoleTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}

/** "1,000" for one topic; "100 over 100 topics" when the partitions are spread. */
export function pointLabel(p: FlushPointSummary): string {
  const topics = topicsOf(p);
  return topics === 1
    ? num(p.partitions, 0)
    : `${num(p.partitions, 0)} over ${num(topics, 0)} topics`;
}

/** The WCU of the flushes that wrote only their commit, and what index pages/snapshots add. */
export function commitSplit(p: FlushPointSummary): { commit: string; occasional: string } {
  const c = p.commitOnly;
  if (c === undefined || c === null) return { commit: "–", occasional: "–" };
  return { commit: num(c.perFlush.wcu), occasional: num(p.perFlush.wcu - c.perFlush.wcu) };
}

/**
 * The row of one point on one layout: partitions, layout, S3 PUT, WCU, RCU, per partition, the
 * WCU split into commit and occasional writes, $ per million flushes, head-read share.
 */
export function flushRow(p: FlushPointSummary): string[] {
  const split = commitSplit(p);
  return [
    pointLabel(p),
    layoutOf(p),
    num(p.perFlush.s3Put),
    num(p.perFlush.wcu),
    num(p.perFlush.rcu),
    num(p.perPartition.wcu, 3),
    num(p.perPartition.rcu, 3),
    split.commit,
    split.occasional,
    num(p.dollarsPerMillionFlushes, 2),
    pct(p.headReadShare),
  ];
}

const FLUSH_HEAD = [
  "partitions/flush",
  "layout",
  "S3 PUT",
  "WCU",
  "RCU",
  "WCU/partition",
  "RCU/partition",
  "WCU commit only",
  "WCU pages+snapshots",
  "$/million flushes",
  "head-read share",
];

/** "shard layout: 32 flushes averaged after 32; partition layout: 8 after 1". */
export function roundsText(r: AwsCostResult): string {
  return layoutsOf(r)
    .map((layout) => {
      const p = r.perFlush.find((x) => layoutOf(x) === layout);
      if (p === undefined) return "";
      return `${layout} layout: ${steadyFlushesOf(r, p)} flushes averaged after ${1 + (p.warmupFlushes ?? 0)}`;
    })
    .join("; ");
}

export function gibRows(r: AwsCostResult): string[][] {
  const g = r.perGib;
  const lines = g.writtenDollars.map((w, i) => {
    const rd = g.readDollars[i];
    return [
      w.item,
      num(w.count, 0),
      num(rd.count, 0),
      w.price,
      dollars(w.dollars),
      dollars(rd.dollars),
    ];
  });
  lines.push([
    "total (requests only)",
    "",
    "",
    "",
    dollars(g.dollarsPerGibWritten),
    dollars(g.dollarsPerGibRead),
  ]);
  return lines;
}

const GIB_HEAD = [
  "item",
  "per GiB written",
  "per GiB read",
  "price",
  "$/GiB written",
  "$/GiB read",
];

export function awsCostConsole(r: AwsCostResult): string {
  const g = r.perGib;
  const w = g.raw.write;
  return [
    `AWS backend (S3 + DynamoDB on the emulators), steady-state flush (${roundsText(r)}):`,
    consoleTable(FLUSH_HEAD, r.perFlush.map(flushRow)),
    "",
    `per GiB (${gibLayoutOf(r)} layout): ${num(w.bytes / MiB, 0)} MiB written in ${w.flushes} segments of ${num(w.avgSegmentBytes / MiB, 2)} MiB on average across ${g.raw.settings.partitions} partitions, read back cold in ${g.raw.read.fetches} fetches:`,
    consoleTable(GIB_HEAD, gibRows(r)),
    `idle: a caught-up consumer long-polling ${r.idlePoll.partitions} partitions costs ${num(r.idlePoll.rcuPerSecond, 1)} RCU/s (${num(r.idlePoll.getHeadsPerSecond, 1)} getHeads/s) ≈ ${dollars(r.idlePoll.dollarsPerMonth)} per 30-day month per front`,
    `prices (${r.prices.source}): S3 ${r.prices.asOf.s3}; DynamoDB ${r.prices.asOf.dynamodb}`,
  ].join("\n");
}
