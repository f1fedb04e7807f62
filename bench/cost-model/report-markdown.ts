/**
 * The cost-model section of docs/benchmarks/README.md: the goal check, the monthly bills of
 * Floe and its peers, the itemised bills with their quantities, prices and dates, the measured
 * inputs and every assumption. Layout only; the figures come from ./model.ts.
 */
import { dollars, num, table } from "../aws-cost/report.ts";
import { type Bill, kindUsd, type LineKind } from "./bill.ts";
import {
  type CostModelResult,
  FAN_OUTS,
  findBill,
  type GoalCheck,
  RATES_MIBPS,
  SYSTEMS,
} from "./model.ts";

const usd = (x: number) => (x >= 1000 ? `$${Math.round(x).toLocaleString("en-US")}` : dollars(x));
const perGib = (x: number | null) => (x === null ? "–" : `$${x.toPrecision(3)}`);
const reads = (f: number) => (f === 0 ? "written only" : f === 1 ? "read once" : `read ${f}×`);

/** "$0.150 per GiB: misses the goal by $0.140 (15.0× it)". */
export function goalVerdict(g: GoalCheck): string {
  return g.met
    ? `meets it (${perGib(g.floeUsdPerGib)} per GiB)`
    : `**misses it by ${perGib(g.shortfallUsdPerGib)} per GiB** (${num(g.timesGoal, 1)}× the goal)`;
}

function summaryTable(r: CostModelResult): string {
  const rows = [
    [
      "idle floor (0 MiB/s, a consumer waiting)",
      ...SYSTEMS.map((s) => usd(findBill(r, s, 0, 1).totalUsd)),
    ],
  ];
  for (const rate of RATES_MIBPS) {
    for (const f of FAN_OUTS) {
      rows.push([
        `${rate} MiB/s, ${reads(f)}`,
        ...SYSTEMS.map((s) => {
          const b = findBill(r, s, rate, f);
          return `${usd(b.totalUsd)} (${perGib(b.usdPerGibWritten)}/GiB)`;
        }),
      ]);
    }
  }
  return table(["Traffic (7 days retained)", ...SYSTEMS], rows, ["l", "r", "r", "r"]);
}

function itemised(b: Bill, r: CostModelResult): string {
  const rows = b.lines.map((l) => {
    const p = r.prices[l.price];
    return [l.item, num(l.quantity, 0), `$${p.usd} ${p.unit}`, p.date, usd(l.usd)];
  });
  rows.push(["**total**", "", "", "", `**${usd(b.totalUsd)}**`]);
  return table(["Line", "Quantity per month", "Price", "Price date", "$ per month"], rows, [
    "l",
    "r",
    "l",
    "l",
    "r",
  ]);
}

function shapeText(b: Bill): string {
  const s = b.shape;
  if (b.system !== "Floe") {
    return Object.entries(s)
      .map(([k, v]) => `${k} ${num(v, 2)}`)
      .join(", ");
  }
  return `${s.fronts} fronts, each flushing ${num(s.flushesPerSecond, 1)} segments a second of ${num(s.segmentBytes / 1024, 0)} KiB holding ${num(s.partitionsPerFlush, 1)} partitions`;
}

function fullSegmentsTable(r: CostModelResult): string {
  return table(
    ["Rate, read once", "Floe as modelled", "Segments per front", "Floe with full 8 MiB segments"],
    r.floeFullSegments.map((full) => {
      const b = findBill(r, "Floe", full.rateMiBps, 1);
      return [
        `${full.rateMiBps} MiB/s`,
        `${usd(b.totalUsd)} (${perGib(b.usdPerGibWritten)}/GiB)`,
        `${num(b.shape.segmentBytes / 1024, 0)} KiB`,
        `${usd(full.totalUsd)} (${perGib(full.usdPerGibWritten)}/GiB)`,
      ];
    }),
    ["l", "r", "r", "r"],
  );
}

const KINDS: [LineKind, string][] = [
  ["write", "write requests (S3 PUT, DynamoDB commits)"],
  ["read", "read requests (S3 GET, DynamoDB lookups)"],
  ["storage", "storage for the retention"],
  ["fixed", "fixed: fronts, load balancer, long-poll, Lambda"],
];

/** $ per GiB written by kind of line, as modelled and with full segments, at the goal's rate. */
function byKindTable(r: CostModelResult): string {
  const g = r.goal;
  const modelled = findBill(r, "Floe", g.rateMiBps, g.readFanOut);
  const full = r.floeFullSegments.find((b) => b.rateMiBps === g.rateMiBps);
  const cols = full === undefined ? [modelled] : [modelled, full];
  const perGibOf = (b: Bill, usdPerMonth: number) => perGib(usdPerMonth / b.gibWrittenPerMonth);
  return table(
    [
      `$ per GiB at ${g.rateMiBps} MiB/s, read once`,
      "as modelled",
      ...(full ? ["full segments"] : []),
    ],
    [
      ...KINDS.map(([kind, label]) => [label, ...cols.map((b) => perGibOf(b, kindUsd(b, kind)))]),
      ["**all-in**", ...cols.map((b) => `**${perGib(b.usdPerGibWritten)}**`)],
      ["goal", ...cols.map(() => `$${g.goalUsdPerGib}`)],
    ],
    ["l", ...cols.map(() => "r" as const)],
  );
}

/** Storage and fixed lines do not shrink with bigger segments: are they alone over the goal? */
function floorSentence(r: CostModelResult): string {
  const g = r.goal;
  const b = findBill(r, "Floe", g.rateMiBps, g.readFanOut);
  const floor = (kindUsd(b, "storage") + kindUsd(b, "fixed")) / b.gibWrittenPerMonth;
  return floor > g.goalUsdPerGib
    ? `Storage and the fixed lines alone come to ${perGib(floor)} per GiB at ${g.rateMiBps} MiB/s, above the goal whatever the segment size: with these assumptions the goal also needs shorter retention, a smaller fleet or cheaper storage.`
    : `Storage and the fixed lines come to ${perGib(floor)} per GiB at ${g.rateMiBps} MiB/s, leaving ${perGib(g.goalUsdPerGib - floor)} per GiB for requests.`;
}

function measuredTable(r: CostModelResult): string {
  const m = r.measured;
  const rows: [string, number, string][] = [
    ["S3 PUTs per segment flush", m.s3PutPerFlush, "per-GiB write phase"],
    ...m.flushCommits.flatMap((c) =>
      c.points.flatMap((p): [string, number, string][] => [
        [
          `DynamoDB WCU per flush of ${num(p.partitions, 0)} partition${p.partitions === 1 ? "" : "s"}, ${c.layout} layout`,
          p.wcu,
          "per-flush table (steady state)",
        ],
        [
          `DynamoDB RCU per flush of ${num(p.partitions, 0)} partition${p.partitions === 1 ? "" : "s"}, ${c.layout} layout`,
          p.rcu,
          "per-flush table (steady state)",
        ],
      ]),
    ),
    ["S3 bytes stored per byte written", m.s3BytesPerByteWritten, "per-GiB write phase"],
    ["S3 GETs per segment read", m.s3GetPerSegmentRead, "per-GiB read phase (cold front)"],
    ["bytes per chunk in that read phase", Math.round(m.readChunkBytes), "per-GiB write phase"],
    ["DynamoDB RCU per chunk read", m.rcuPerChunkRead, "per-GiB read phase (cold front)"],
    ["DynamoDB RCU per partition per second, long-poll", m.idleRcuPerPartitionSecond, "idle phase"],
    ["front produce MiB/s", m.frontProduceMiBps, m.frontThroughputSource],
    ["front consume MiB/s", m.frontConsumeMiBps, m.frontThroughputSource],
  ];
  return table(
    ["Input", "Value", "Measured in"],
    rows.map(([k, v, from]) => [k, num(v, 4), from]),
    ["l", "r", "l"],
  );
}

/** Floe's bill, read once, with each measured layout's flush commits: what the default saves. */
function layoutTable(r: CostModelResult): string {
  const layouts = [...new Set(r.layouts.map((l) => l.layout))];
  const cell = (layout: string, rate: number) =>
    r.layouts.find((l) => l.layout === layout && l.rateMiBps === rate);
  return table(
    [
      "Rate, read once",
      "Partitions per flush",
      ...layouts.map((l) => `Flush commits, ${l} layout`),
      ...layouts.map((l) => `All-in, ${l} layout`),
    ],
    RATES_MIBPS.map((rate) => [
      `${rate} MiB/s`,
      num(cell(layouts[0], rate)?.partitionsPerFlush ?? Number.NaN, 1),
      ...layouts.map((l) => usd(cell(l, rate)?.commitUsd ?? Number.NaN)),
      ...layouts.map((l) => {
        const c = cell(l, rate);
        return c === undefined ? "–" : `${usd(c.totalUsd)} (${perGib(c.usdPerGibWritten)}/GiB)`;
      }),
    ]),
    ["l", "r", ...layouts.map(() => "r" as const), ...layouts.map(() => "r" as const)],
  );
}

function layoutSection(r: CostModelResult): string {
  const layouts = [...new Set(r.layouts.map((l) => l.layout))];
  if (layouts.length < 2) {
    return `This run measured the ${layouts[0] ?? "?"} layout only: the bills price its flush commits.`;
  }
  const g = r.goal;
  const at = (layout: string) =>
    r.layouts.find((l) => l.layout === layout && l.rateMiBps === g.rateMiBps);
  const [head, other] = [at(layouts[0]), at(layouts[1])];
  let saving = "";
  if (head !== undefined && other !== undefined) {
    const month = other.totalUsd - head.totalUsd;
    const gib =
      other.usdPerGibWritten === null || head.usdPerGibWritten === null
        ? null
        : Math.abs(other.usdPerGibWritten - head.usdPerGibWritten);
    saving = ` At ${g.rateMiBps} MiB/s the ${layouts[0]} layout's commits cost ${usd(head.commitUsd)} a month against ${usd(other.commitUsd)} with the ${layouts[1]} layout: ${usd(Math.abs(month))} a month (${perGib(gib)} per GiB) ${month >= 0 ? "less" : "more"}.`;
  }
  return `The bills above price the flush commits with the ${layouts[0]} layout (the default). The same
traffic with each measured layout's commits, everything else equal (per-flush units from the
per-flush table of this run, interpolated at each rate's partitions per flush).${saving}
Where flushes carry few partitions (slow traffic spread over many fronts) the shard layout's
fixed cost per shard and per snapshot window can exceed one write per partition.

${layoutTable(r)}`;
}

function priceTable(r: CostModelResult): string {
  return table(
    ["Price", "$", "Unit", "Source", "Date"],
    Object.entries(r.prices).map(([k, p]) => [`\`${k}\``, String(p.usd), p.unit, p.source, p.date]),
    ["l", "r", "l", "l", "l"],
  );
}

export function costModelMarkdown(r: CostModelResult): string {
  const g = r.goal;
  const floe10 = findBill(r, "Floe", g.rateMiBps, g.readFanOut);
  const msk10 = findBill(r, "MSK Serverless", g.rateMiBps, g.readFanOut);
  const kin10 = findBill(r, "Kinesis on-demand", g.rateMiBps, g.readFanOut);
  const nlbBytesPerGib = (1 + g.readFanOut) * r.prices.nlbLcuHour.usd;
  return `## Cost model: monthly bills next to MSK Serverless and Kinesis

Floe's bill is the counts measured above (per flush, per segment and chunk read, per second of long-poll)
scaled to steady traffic, plus storage, fronts and the load balancer; the peers' bills are
their list prices for the same traffic. All prices are us-east-1 list prices with the dates
the reference gives (table below); every assumption is listed at the end of this section.
"All-in" means every line of the bill, divided by the GiB written in the month.

**Goal: ≤ $${g.goalUsdPerGib} per GiB all-in at ${g.rateMiBps} MiB/s** (written and read once, ${r.assumptions.retentionDays} days retained).
Floe as modelled: ${perGib(g.floeUsdPerGib)} per GiB — ${goalVerdict(g)}. MSK Serverless: ${perGib(msk10.usdPerGibWritten)},
Kinesis on-demand: ${perGib(kin10.usdPerGibWritten)} per GiB for the same traffic.

### Monthly bills

${summaryTable(r)}

### Floe at ${g.rateMiBps} MiB/s, read once, itemised

Shape: ${shapeText(floe10)}.

${itemised(floe10, r)}

**The flush count, not the bytes, sets Floe's request cost.** Each flush costs one PUT and
the commit of the partitions in it whatever its size, and a front flushes on its ${r.assumptions.lingerMs} ms linger
timer (bounded by ${r.assumptions.maxInFlightFlushes} flushes in flight) long before a segment is full. With full
${r.assumptions.maxSegmentBytes / 1024 / 1024} MiB segments — what a longer linger, or fewer fronts sharing the traffic, would approach — the
same traffic costs:

${fullSegmentsTable(r)}

Where each GiB's dollars go at the goal's rate:

${byKindTable(r)}

${floorSentence(r)}

### Flush commits by DynamoDB layout

${layoutSection(r)}

### The peers at ${g.rateMiBps} MiB/s, read once, itemised

MSK Serverless (${shapeText(msk10)}):

${itemised(msk10, r)}

Kinesis on-demand (${shapeText(kin10)}):

${itemised(kin10, r)}

### Inputs measured by this run

${measuredTable(r)}

From ${r.measured.source}.

### Prices

${priceTable(r)}

### Assumptions

${r.assumptionsText.map((t) => `- ${t}`).join("\n")}

### Not included

- Network Load Balancer processed bytes: the reference lists the NLCU's new-connection
  dimension only (800 new TCP connections/s, negligible here) and marks the others unverified.
  If an NLCU also covers 1 GB processed per hour, Floe's clients' bytes through the NLB add about
  $${nlbBytesPerGib.toFixed(3)} per GiB written and read once.
- DynamoDB storage of the chunk index ($${r.prices.dynamoStorageGbMonth.usd}/GB-month beyond 25 GB), CloudWatch, logs.
- Kinesis retention beyond 24 hours (priced by AWS, not in the reference): Kinesis is a lower bound.
- Free tiers (Lambda, DynamoDB storage), savings plans and reserved capacity.
`;
}

/** A few lines for the console: each system's bill at each rate, read once, and the goal. */
export function costModelConsole(r: CostModelResult): string {
  const g = r.goal;
  const lines = SYSTEMS.map((s) => {
    const cells = [0, ...RATES_MIBPS].map((rate) => {
      const b = findBill(r, s, rate, 1);
      return `${rate} MiB/s ${usd(b.totalUsd)}${b.usdPerGibWritten === null ? "" : ` (${perGib(b.usdPerGibWritten)}/GiB)`}`;
    });
    return `${s.padEnd(18)} ${cells.join(", ")}`;
  });
  const layouts = [...new Set(r.layouts.map((l) => l.layout))].map((layout) => {
    const cells = r.layouts
      .filter((l) => l.layout === layout)
      .map(
        (l) =>
          `${l.rateMiBps} MiB/s ${usd(l.commitUsd)} (all-in ${perGib(l.usdPerGibWritten)}/GiB)`,
      );
    return `Floe flush commits, ${layout} layout: ${cells.join(", ")}`;
  });
  return [
    "monthly bills, read once, 7 days retained (cost model; 0 MiB/s = idle floor):",
    ...lines,
    ...layouts,
    `goal ≤ $${g.goalUsdPerGib}/GiB all-in at ${g.rateMiBps} MiB/s: Floe ${perGib(g.floeUsdPerGib)}/GiB, ${goalVerdict(g).replaceAll("**", "")}`,
  ].join("\n");
}
