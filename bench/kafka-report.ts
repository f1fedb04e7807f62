/**
 * The Floe-vs-Kafka part of the benchmark report: the comparison table (console and Markdown),
 * every round, the machine, what was run and what the servers complained about. Rendered from
 * a results file alone (./results.ts), like the rest of the report.
 */
import {
  type BenchResults,
  type BenchSettings,
  consumerArgs,
  type ProduceResult,
  producerArgs,
  reportTool,
  type TargetResult,
} from "./results.ts";

export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

export interface Row {
  metric: string;
  floe: number;
  kafka: number;
  /** Floe on the AWS backend; absent when the run did not measure it. */
  floeAws?: number;
  digits: number;
  /** "neither": a diagnostic (e.g. how busy the server was), not a score. */
  better: "higher" | "lower" | "neither";
}

/** Server CPU time as a percentage of one core over the producer's wall time (JVM start included). */
function busy(p: ProduceResult): number {
  return (100 * p.serverCpuSec) / p.wallSec;
}

type Metric = [string, (t: TargetResult) => number, number, Row["better"]];

function metrics(s: BenchSettings): Metric[] {
  return [
    ["produce MB/s", (t) => t.produce.mbPerSec, 2, "higher"],
    ["produce records/s", (t) => t.produce.recordsPerSec, 0, "higher"],
    ["produce latency p50 ms (unthrottled)", (t) => t.produce.p50Ms, 0, "lower"],
    ["produce latency p99 ms (unthrottled)", (t) => t.produce.p99Ms, 0, "lower"],
    ["consume MB/s", (t) => t.consume.mbPerSec, 2, "higher"],
    ["consume records/s", (t) => t.consume.recordsPerSec, 0, "higher"],
    [
      `produce latency p50 ms (${s.latencyRate} rec/s)`,
      (t) => t.produceAtFixedRate.p50Ms,
      0,
      "lower",
    ],
    [
      `produce latency p99 ms (${s.latencyRate} rec/s)`,
      (t) => t.produceAtFixedRate.p99Ms,
      0,
      "lower",
    ],
    [
      `produce latency p99.9 ms (${s.latencyRate} rec/s)`,
      (t) => t.produceAtFixedRate.p999Ms,
      0,
      "lower",
    ],
    ["end-to-end latency p50 ms", (t) => t.endToEnd?.e2e.p50Ms ?? Number.NaN, 1, "lower"],
    ["end-to-end latency p99 ms", (t) => t.endToEnd?.e2e.p99Ms ?? Number.NaN, 1, "lower"],
    ["server CPU s, unthrottled produce", (t) => t.produce.serverCpuSec, 1, "lower"],
    ["server CPU busy %, unthrottled produce", (t) => busy(t.produce), 0, "neither"],
    ["server CPU s, consume", (t) => t.consume.serverCpuSec, 1, "lower"],
    ["server peak RSS MiB (VmHWM)", (t) => t.peakRssMiB, 0, "lower"],
    ["server start-up s", (t) => t.startupSec, 1, "lower"],
  ];
}

export function rows(
  floe: TargetResult,
  kafka: TargetResult,
  s: BenchSettings,
  floeAws?: TargetResult,
): Row[] {
  return metrics(s)
    .filter(([metric]) => !metric.startsWith("end-to-end") || kafka.endToEnd !== undefined)
    .map(([metric, of, digits, better]) => ({
      metric,
      floe: of(floe),
      kafka: of(kafka),
      ...(floeAws === undefined ? {} : { floeAws: of(floeAws) }),
      digits,
      better,
    }));
}

/** Floe ÷ Kafka; `floe` defaults to the embedded backend's figure. */
export function ratio(r: Row, floe = r.floe): string {
  if (!Number.isFinite(floe) || !Number.isFinite(r.kafka)) return "n/a";
  if (r.kafka === 0) return floe === 0 ? "1.00" : "∞";
  return (floe / r.kafka).toFixed(2);
}

export function verdict(r: Row, floe = r.floe): string {
  if (r.better === "neither") return "(diagnostic)";
  if (!Number.isFinite(floe) || !Number.isFinite(r.kafka)) return "not measured";
  if (r.kafka === 0 && floe === 0) return "same";
  const q = floe / r.kafka;
  if (!Number.isFinite(q)) return "Floe worse";
  const floeBetter = r.better === "higher" ? q > 1 : q < 1;
  const factor = q >= 1 ? q : 1 / q;
  if (Math.abs(factor - 1) < 0.05) return "about the same";
  return `Floe ${factor.toFixed(1)}× ${floeBetter ? "better" : "worse"}`;
}

function table(rs: Row[]): string {
  const aws = rs.some((r) => r.floeAws !== undefined);
  if (!aws) {
    const head = "| Metric | Floe | Kafka 4.1.1 | Floe / Kafka | |\n|---|--:|--:|--:|---|";
    return [
      head,
      ...rs.map(
        (r) =>
          `| ${r.metric} | ${fmt(r.floe, r.digits)} | ${fmt(r.kafka, r.digits)} | ${ratio(r)} | ${verdict(r)} |`,
      ),
    ].join("\n");
  }
  const head =
    "| Metric | Floe embedded | Floe AWS | Kafka 4.1.1 | embedded / Kafka | | AWS / Kafka | |\n|---|--:|--:|--:|--:|---|--:|---|";
  return [
    head,
    ...rs.map((r) => {
      const a = r.floeAws ?? Number.NaN;
      return `| ${r.metric} | ${fmt(r.floe, r.digits)} | ${fmt(a, r.digits)} | ${fmt(r.kafka, r.digits)} | ${ratio(r)} | ${verdict(r)} | ${ratio(r, a)} | ${verdict(r, a)} |`;
    }),
  ].join("\n");
}

export function consoleTable(rs: Row[]): string {
  const w = Math.max(...rs.map((r) => r.metric.length));
  const line = (cells: string[]) =>
    `${cells[0].padEnd(w)}  ${cells
      .slice(1)
      .map((c) => c.padStart(10))
      .join("  ")}`;
  return [
    line(["metric", "Floe", "Floe AWS", "Kafka", "Floe/Kafka", "AWS/Kafka"]),
    ...rs.map((r) => {
      const a = r.floeAws ?? Number.NaN;
      return line([
        r.metric,
        fmt(r.floe, r.digits),
        fmt(a, r.digits),
        fmt(r.kafka, r.digits),
        ratio(r),
        ratio(r, a),
      ]);
    }),
  ].join("\n");
}

/** The sections from "Results" to "Server complaints during the run". */
export function kafkaMarkdown(doc: BenchResults): string {
  const { floe, kafka, floeAws } = doc.results;
  const s = doc.settings;
  const tool = reportTool(s);
  const mach = doc.machine;
  const rs = rows(floe, kafka, s, floeAws);
  const pt = rs[0];
  const ct = rs[4];
  const sample = producerArgs(s, tool, "<bootstrap>", "bench-throughput-1", s.records, -1);
  const lat = producerArgs(
    s,
    tool,
    "<bootstrap>",
    "bench-latency",
    s.latencyRecords,
    s.latencyRate,
  );
  const cmd = (args: string[]) =>
    `java ${args.map((a) => (/[*\s]/.test(a) ? `"${a}"` : a)).join(" ")}`;
  const rounds = (t: TargetResult) =>
    t.produceRuns
      .map(
        (p, i) =>
          `| ${t.target} | ${i + 1} | ${fmt(p.mbPerSec, 2)} | ${fmt(p.recordsPerSec, 0)} | ${p.p50Ms} | ${p.p99Ms} | ${fmt(t.consumeRuns[i].mbPerSec, 2)} | ${fmt(t.consumeRuns[i].recordsPerSec, 0)} |`,
      )
      .join("\n");
  const complaints = (t: TargetResult) =>
    t.complaints.length === 0
      ? "none"
      : `${t.complaints.length} line(s); last ones:\n\n\`\`\`\n${t.complaints.slice(-8).join("\n")}\n\`\`\``;
  return `## Results

${table(rs)}

Every round:

| Target | Round | produce MB/s | produce records/s | p50 ms | p99 ms | consume MB/s | consume records/s |
|---|--:|--:|--:|--:|--:|--:|--:|
${rounds(floe)}${floeAws === undefined ? "" : `\n${rounds(floeAws)}`}
${rounds(kafka)}

In short: Floe (embedded) produces at **${ratio(pt)}×** Kafka's throughput (${verdict(pt)}) and
consumes at **${ratio(ct)}×** Kafka's throughput (${verdict(ct)}) on this machine.${
    floeAws === undefined
      ? " Floe on the AWS backend was not measured in this run."
      : ` Floe on the AWS backend (on the emulators, no added S3 latency) produces at **${ratio(pt, pt.floeAws)}×** (${verdict(pt, pt.floeAws)}) and consumes at **${ratio(ct, ct.floeAws)}×** (${verdict(ct, ct.floeAws)}).`
  }
Ratios are Floe ÷ Kafka; for throughput higher is better, for latency, CPU, memory and start-up
lower is better. MB = 2^20 bytes (what ProducerPerformance prints). Throughput and unthrottled
latency are from the median of ${s.repeats} round(s) by MB/s (produce and consume medians picked
separately); the per-round figures are below the table and in the JSON.

Durability is not the same on both sides, and that favours Kafka: Floe's embedded backend fsyncs
each segment file and its SQLite commit before it acknowledges a produce, while Kafka with its
default settings (\`log.flush.interval.messages\` unset) acknowledges acks=all once the single
replica has the batch in the page cache and leaves flushing to the OS.

## Machine

| | |
|---|---|
| CPUs | ${mach.cpus} × ${mach.cpuModel} |
| Memory | ${mach.memoryGiB} GiB |
| OS | ${mach.os} |
| Node | ${mach.node} (Floe and the harness) |
| Java | ${mach.java} (Kafka and the load generators) |
| Load average (1 min) | ${mach.loadAverage.start} at the start, ${mach.loadAverage.end} at the end |

The load generators run on the same machine as the server under test and compete with it for the
same ${mach.cpus} CPUs, so absolute figures are low and noisy; the ratios are the point.${
    Math.max(mach.loadAverage.start, mach.loadAverage.end) > mach.cpus / 2
      ? `\n\n**Caution:** the machine was busy with other work during this run (load average up to ${Math.max(mach.loadAverage.start, mach.loadAverage.end)} on ${mach.cpus} CPUs), so these figures are noisier than usual and both targets were slowed down by an unknown, possibly unequal, amount. Compare the rounds before trusting a ratio.`
      : ""
  }

## What was run

For each target, in order (Kafka, then Floe embedded, then Floe on the AWS backend), on a fresh
server with fresh data:

1. Create topics \`bench-warmup\`, \`bench-latency\` and \`bench-throughput-<round>\` with ${s.partitions} partitions
   (Kafka: Admin API, replication factor 1; Floe: CreateTopics over its own wire client).
2. Warm-up, not reported: ${s.warmupRecords > 0 ? `${s.warmupRecords} records produced and consumed on \`bench-warmup\`` : "skipped (--quick)"}.
3. ${s.repeats} round(s) of steps 3 and 4, each on its own topic.
   **Produce throughput and latency**, unthrottled (\`--throughput -1\`), ${s.records} records:

   \`\`\`
   ${cmd(sample)}
   \`\`\`

   Figures are ProducerPerformance's final line. Its latency is the time from send() to the
   acknowledgement, so when unthrottled it is mostly time spent queued in the producer's buffer
   (the producer sends as fast as it can; latency grows until the buffer is full). That is why
   step 5 exists.
4. **Consume throughput**: \`bench/AssignConsumerPerf.java\` (kafka-clients 4.1.1, compiled by the
   run) reads the ${s.records} records of the round's topic from the beginning of all
   ${s.partitions} partitions with \`assign()\` (Kafka's ConsumerPerformance needs a consumer
   group, which Floe does not support yet). Default consumer settings; bytes are key + value bytes;
   the clock runs from the first poll() to the last record.

   \`\`\`
   ${cmd(consumerArgs(s, tool, "<bootstrap>", "bench-throughput-1", s.records))}
   \`\`\`
5. **Produce latency at a fixed rate**: ${s.latencyRecords} records at ${s.latencyRate} records/s
   (~${fmt((s.latencyRate * s.recordSize) / 2 ** 20, 1)} MB/s), well below either target's
   capacity, so the latency is the broker's round trip rather than queueing:

   \`\`\`
   ${cmd(lat)}
   \`\`\`
6. **End-to-end latency** (section "End-to-end latency"), then the **produce-throughput matrix**
   (section "Produce throughput by record size and partitions").

Producer settings are kafka-clients 4.1.1 defaults apart from \`acks=all\` (so idempotence is on,
\`linger.ms=5\`, \`batch.size=16384\`, no compression). Server CPU is user + system time of the server
process (/proc/<pid>/stat) during the step; peak RSS is VmHWM from /proc/<pid>/status at the end
(per step in the JSON, \`steps\`). For Floe on the AWS backend both are the \`floe front\` process's
alone: DynamoDB Local (a JVM) and moto (Python), which it needs, are excluded.
Kafka runs with a fixed 1 GiB heap (-Xms1g), so its RSS mostly reflects that setting. Floe runs with
its default log engine settings (lib/broker/log/log-config.ts: 5 ms linger, 8 MiB segments, 4
flushes in flight).

Targets:

- Floe: ${floe.describe}
- Floe (AWS): ${floeAws?.describe ?? "not measured in this run"}
- Kafka: ${kafka.describe}

## Server complaints during the run

- Floe stderr (--log-level warn): ${complaints(floe)}
- Floe (AWS) front stderr (--log-level warn): ${floeAws === undefined ? "not measured" : complaints(floeAws)}
- Kafka server.log WARN/ERROR: ${complaints(kafka)}
`;
}
