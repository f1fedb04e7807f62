/**
 * The per-target report sections of the three-target run (Kafka, Floe embedded, Floe on the AWS
 * backend) that the main comparison table (./kafka-report.ts) does not cover: the
 * produce-throughput matrix, end-to-end latency and server CPU and memory by step, with Floe ÷
 * Kafka ratios. Rendered from a results file alone; a file from before these were measured
 * renders "not measured".
 */
import { fmt } from "./kafka-report.ts";
import type { BenchResults, MatrixCell, TargetResult } from "./results.ts";

export const NOT_MEASURED = "not measured";

export function cellOf(t: TargetResult | undefined, size: number, partitions: number) {
  return t?.matrix?.find((c) => c.recordSize === size && c.partitions === partitions);
}

export const mbps = (c: MatrixCell | undefined) => c?.produce?.mbPerSec ?? Number.NaN;

export function ratioText(floe: number, kafka: number): string {
  return Number.isFinite(floe) && Number.isFinite(kafka) && kafka > 0
    ? (floe / kafka).toFixed(2)
    : "n/a";
}

/** The matrix cells the run has, in order (from Kafka's, the reference). */
export function cells(doc: BenchResults): Array<[number, number]> {
  return (doc.results.kafka.matrix ?? []).map((c) => [c.recordSize, c.partitions]);
}

function cellSizing(doc: BenchResults): string {
  const s = doc.settings;
  if (s.matrixSecondsPerCell === undefined) {
    return `${fmt((s.matrixBytesPerCell ?? 0) / 2 ** 20, 0)} MiB of records per cell (records = that ÷ record size).`;
  }
  const mib = (t: TargetResult | undefined) => {
    const c = t?.matrix?.[0];
    return c?.records === undefined
      ? NOT_MEASURED
      : `${fmt((c.records * c.recordSize) / 2 ** 20, 0)} MiB`;
  };
  const { kafka, floe, floeAws } = doc.results;
  return `Each target produces what its own median throughput round would in about ${s.matrixSecondsPerCell} s, within
${fmt((s.matrixMinBytesPerCell ?? 0) / 2 ** 20, 0)}–${fmt((s.matrixMaxBytesPerCell ?? 0) / 2 ** 20, 0)} MiB per cell (so a slow target's cells do not take minutes): this run
${mib(kafka)} per cell for Kafka, ${mib(floe)} for Floe embedded, ${mib(floeAws)} for Floe AWS.`;
}

export function matrixMarkdown(doc: BenchResults): string {
  const { kafka, floe, floeAws } = doc.results;
  const list = cells(doc);
  if (list.length === 0) {
    return "## Produce throughput by record size and partitions\n\nNot measured in this run (it predates the matrix).\n";
  }
  const show = (c: MatrixCell | undefined) =>
    c === undefined
      ? NOT_MEASURED
      : c.produce === null
        ? `failed: ${c.error ?? "?"}`
        : fmt(c.produce.mbPerSec, 2);
  const lines = list.map(([size, p]) => {
    const [k, f, a] = [cellOf(kafka, size, p), cellOf(floe, size, p), cellOf(floeAws, size, p)];
    return `| ${size} | ${p} | ${show(k)} | ${show(f)} | ${ratioText(mbps(f), mbps(k))} | ${show(a)} | ${ratioText(mbps(a), mbps(k))} |`;
  });
  return `## Produce throughput by record size and partitions

Unthrottled ProducerPerformance, acks=all, one run per cell, each cell on its own fresh topic.
${cellSizing(doc)} MB/s is
ProducerPerformance's (2^20 bytes). Ratios are Floe ÷ Kafka (higher is better for Floe). Floe
AWS is \`floe front\` on DynamoDB Local + moto with no added S3 latency: it shows the front's own
overhead, not what S3 would allow (see the latency model for that).

| Record bytes | Partitions | Kafka MB/s | Floe embedded MB/s | embedded / Kafka | Floe AWS MB/s | AWS / Kafka |
|--:|--:|--:|--:|--:|--:|--:|
${lines.join("\n")}
`;
}

export function matrixConsole(doc: BenchResults): string {
  const { kafka, floe, floeAws } = doc.results;
  const head = "matrix (MB/s)          Kafka    Floe  Floe/K   F.AWS  AWS/K";
  return [
    head,
    ...cells(doc).map(([size, p]) => {
      const [k, f, a] = [cellOf(kafka, size, p), cellOf(floe, size, p), cellOf(floeAws, size, p)];
      const label = `${size} B × ${p} p`.padEnd(20);
      return `${label} ${fmt(mbps(k), 2).padStart(7)} ${fmt(mbps(f), 2).padStart(7)} ${ratioText(mbps(f), mbps(k)).padStart(7)} ${fmt(mbps(a), 2).padStart(7)} ${ratioText(mbps(a), mbps(k)).padStart(6)}`;
    }),
  ].join("\n");
}

export function endToEndMarkdown(doc: BenchResults): string {
  const { kafka, floe, floeAws } = doc.results;
  const ts = [floe, floeAws, kafka].filter((t): t is TargetResult => t !== undefined);
  if (ts.every((t) => t.endToEnd === undefined)) {
    return "## End-to-end latency\n\nNot measured in this run (it predates bench/EndToEndLatency.java).\n";
  }
  const k = kafka.endToEnd;
  const line = (t: TargetResult) => {
    const e = t.endToEnd;
    if (e === undefined || e === null) return `| ${t.target} | ${NOT_MEASURED} | | | | | | | |`;
    return `| ${t.target} | ${fmt(e.ack.p50Ms, 1)} | ${fmt(e.ack.p99Ms, 1)} | ${fmt(e.ack.p999Ms, 1)} | ${fmt(e.e2e.p50Ms, 1)} | ${fmt(e.e2e.p99Ms, 1)} | ${fmt(e.e2e.p999Ms, 1)} | ${ratioText(e.e2e.p50Ms, k?.e2e.p50Ms ?? Number.NaN)} | ${ratioText(e.e2e.p99Ms, k?.e2e.p99Ms ?? Number.NaN)} |`;
  };
  const s = doc.settings;
  return `## End-to-end latency

\`bench/EndToEndLatency.java\` (kafka-clients 4.1.1): one producer (acks=all, otherwise default
settings) and one consumer (assign() on every partition, positioned at the end before the first
send) in one JVM, so both read the same clock. ${s.e2eRecords ?? "?"} records of ${s.recordSize} bytes
at ${s.e2eRate ?? "?"} records/s over ${s.partitions} partitions; each value carries its send time.
Ack = send → acknowledgement; end-to-end = send → the consumer's poll() returning it. The first
second's worth of records is sent but left out of the percentiles (producer metadata and
connection set-up). Floe AWS runs on DynamoDB Local and moto with no added S3 latency, so its
figures are the front's plus the emulators' own latency on this machine. No added S3 latency here (see the latency model below). Ratios are Floe ÷ Kafka (lower is better for Floe).

| Target | ack p50 ms | ack p99 ms | ack p99.9 ms | e2e p50 ms | e2e p99 ms | e2e p99.9 ms | e2e p50 / Kafka | e2e p99 / Kafka |
|---|--:|--:|--:|--:|--:|--:|--:|--:|
${ts.map(line).join("\n")}
`;
}

/** Each target's server CPU and peak RSS per step of its run. */
export function stepsMarkdown(doc: BenchResults): string {
  const { kafka, floe, floeAws } = doc.results;
  const ts = [floe, floeAws, kafka].filter((t): t is TargetResult => t?.steps !== undefined);
  if (ts.length === 0) return "";
  const lines = ts.flatMap((t) =>
    (t.steps ?? []).map(
      (x) =>
        `| ${t.target} | ${x.step} | ${fmt(x.wallSec, 1)} | ${fmt(x.serverCpuSec, 1)} | ${fmt((100 * x.serverCpuSec) / x.wallSec, 0)} | ${fmt(x.peakRssMiB, 0)} |`,
    ),
  );
  return `## Server CPU and memory by step

Server CPU seconds (user + system) during each step, as a share of one core over the step's wall
time (load generator start-up included), and the server's peak RSS so far (VmHWM) at the step's
end. Floe AWS is the \`floe front\` process alone (DynamoDB Local and moto excluded).

| Target | Step | wall s | server CPU s | CPU % of a core | peak RSS MiB |
|---|---|--:|--:|--:|--:|
${lines.join("\n")}
`;
}
