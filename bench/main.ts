/**
 * `npm run bench [-- --quick] [-- --write] [-- --aws-only]`: produce/consume throughput and
 * produce latency of Floe (embedded backend, `floe dev` as its own process) side by side with the
 * reference Apache Kafka 4.1.1 broker, in one run, on the same machine, with the same load
 * generators:
 *
 *   produce: Kafka's own org.apache.kafka.tools.ProducerPerformance (kafka-tools 4.1.1)
 *   consume: bench/AssignConsumerPerf.java (kafka-clients 4.1.1, assign() — no consumer group,
 *            because Floe has no group APIs yet), compiled with javac at the start of the run
 *
 * 1 KiB records, 3 partitions, acks=all. Targets run one after the other (never both under load
 * at once), each on a fresh data directory. Full mode writes docs/benchmarks.md and
 * docs/benchmarks.json; --quick runs smaller counts and only prints unless --write is given.
 *
 * Then the AWS backend's requests and their list-price cost (./aws-cost/): S3 PUTs and DynamoDB
 * units per flush of 1, 100 and 1,000 partitions, and per GiB written and read, measured with the
 * log engine in-process on DynamoDB Local and moto. --aws-only runs just that part (about 30 s
 * with --quick) and only prints.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createTopic as floeCreateTopic } from "../lib/client/admin.ts";
import { WireClient } from "../lib/client/wire-client.ts";
import { kafkaClasspath, startReferenceKafka } from "../test/compat/reference-kafka.ts";
import { ROOT, requireCommand, runProcess, tail } from "../test/compat/tools.ts";
import { startFloeProcess } from "../test/helpers/floe-process.ts";
import { awsCostConsole } from "./aws-cost/report.ts";
import { awsCostMarkdown } from "./aws-cost/report-markdown.ts";
import { type AwsCostResult, runAwsCost } from "./aws-cost/run.ts";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    write: { type: "boolean", default: false },
    "aws-only": { type: "boolean", default: false },
  },
});
const QUICK = flags.quick === true;
const AWS_ONLY = flags["aws-only"] === true;
const WRITE = !AWS_ONLY && (!QUICK || flags.write === true);

const SETTINGS = {
  recordSize: 1024,
  partitions: 3,
  acks: "all",
  records: QUICK ? 20_000 : 200_000,
  warmupRecords: QUICK ? 5_000 : 20_000,
  /** Second produce pass at a fixed rate, for latency that is not just queueing behind a flood. */
  latencyRate: 2_000,
  latencyRecords: QUICK ? 6_000 : 20_000,
  /** Produce + consume rounds per target; the median round (by MB/s) is reported. */
  repeats: QUICK ? 1 : 3,
  toolHeap: "1g",
};

// ---------------------------------------------------------------- process helpers

interface Target {
  name: "Floe" | "Kafka";
  bootstrap: string;
  pid: number;
  describe: string;
  createTopic(name: string, partitions: number): Promise<void>;
  /** Server stderr/log lines worth reporting (warnings, errors). */
  complaints(): string[];
  stop(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    await fn().catch((e) => console.error(`cleanup: ${String(e)}`));
  }
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping everything the benchmark started…`);
    void runCleanups().finally(() => process.exit(130));
  });
}

function log(msg: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Peak resident set size in MiB (VmHWM). */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function startKafka(): Promise<Target> {
  const kafka = await startReferenceKafka({ heap: "1g" });
  const stop = () => kafka.stop();
  cleanups.push(stop);
  return {
    name: "Kafka",
    bootstrap: kafka.bootstrap,
    pid: kafka.pid,
    describe:
      "Apache Kafka 4.1.1, single-node KRaft (combined broker+controller), -Xms1g -Xmx1g G1",
    createTopic: (name, partitions) => kafka.createTopic(name, partitions),
    complaints: () => {
      try {
        return readFileSync(join(kafka.dir, "server.log"), "utf8")
          .split("\n")
          .filter((l) => /\] (WARN|ERROR) /.test(l));
      } catch {
        return [];
      }
    },
    stop,
  };
}

async function startFloe(): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), "floe-bench-"));
  const floe = await startFloeProcess({ dataDir });
  const stop = async () => {
    const exited = floe.kill("SIGTERM");
    const timer = setTimeout(() => floe.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  process.on("exit", () => floe.child.kill("SIGKILL"));
  return {
    name: "Floe",
    bootstrap: floe.bootstrap,
    pid: floe.child.pid!,
    describe: `floe dev (embedded backend, data dir on ${tmpdir()}), Node ${process.version}, --log-level warn`,
    createTopic: async (name, partitions) => {
      const client = await WireClient.connect("127.0.0.1", floe.port, "floe-bench-admin");
      try {
        await floeCreateTopic(client, name, partitions);
      } finally {
        client.close();
      }
    },
    complaints: () =>
      floe
        .stderr()
        .split("\n")
        .filter((l) => l.trim() !== ""),
    stop,
  };
}

// ---------------------------------------------------------------- load generators

interface ProduceResult {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  serverCpuSec: number;
  wallSec: number;
}

interface ConsumeResult {
  records: number;
  bytes: number;
  elapsedMs: number;
  firstRecordMs: number;
  mbPerSec: number;
  recordsPerSec: number;
  serverCpuSec: number;
}

let java = "java";
let toolClasspath = "";
let toolJvmArgs: string[] = [];

function producerArgs(target: Target, topic: string, records: number, throughput: number) {
  return [
    ...toolJvmArgs,
    "-cp",
    toolClasspath,
    "org.apache.kafka.tools.ProducerPerformance",
    "--topic",
    topic,
    "--num-records",
    String(records),
    "--record-size",
    String(SETTINGS.recordSize),
    "--throughput",
    String(throughput),
    "--producer-props",
    `bootstrap.servers=${target.bootstrap}`,
    `acks=${SETTINGS.acks}`,
  ];
}

// "200000 records sent, 41476.565740 records/sec (40.50 MB/sec), 636.91 ms avg latency,
//  1195.00 ms max latency, 640 ms 50th, 1010 ms 95th, 1127 ms 99th, 1183 ms 99.9th."
const FINAL_LINE =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/;

async function produce(
  target: Target,
  topic: string,
  records: number,
  throughput: number,
): Promise<ProduceResult> {
  const cpu0 = cpuSeconds(target.pid);
  const t0 = performance.now();
  const res = await runProcess(java, producerArgs(target, topic, records, throughput), {
    timeoutMs: 240_000,
  });
  const wallSec = (performance.now() - t0) / 1000;
  const serverCpuSec = cpuSeconds(target.pid) - cpu0;
  const lines = res.stdout.split("\n").filter((l) => FINAL_LINE.test(l));
  const m = FINAL_LINE.exec(lines.at(-1) ?? "");
  if (res.code !== 0 || !m) {
    throw new Error(
      `ProducerPerformance against ${target.name} failed (exit ${res.code ?? res.signal}):\n` +
        `${tail(res.stdout, 10)}\n${tail(res.stderr, 20)}`,
    );
  }
  const n = (i: number) => Number(m[i]);
  if (n(1) !== records) throw new Error(`ProducerPerformance sent ${n(1)} of ${records} records`);
  return {
    records: n(1),
    recordsPerSec: n(2),
    mbPerSec: n(3),
    avgLatencyMs: n(4),
    maxLatencyMs: n(5),
    p50Ms: n(6),
    p95Ms: n(7),
    p99Ms: n(8),
    p999Ms: n(9),
    serverCpuSec,
    wallSec,
  };
}

async function consume(target: Target, topic: string, records: number): Promise<ConsumeResult> {
  const cpu0 = cpuSeconds(target.pid);
  const res = await runProcess(
    java,
    [
      ...toolJvmArgs,
      "-cp",
      toolClasspath,
      "AssignConsumerPerf",
      "--bootstrap-server",
      target.bootstrap,
      "--topic",
      topic,
      "--partitions",
      String(SETTINGS.partitions),
      "--messages",
      String(records),
      "--timeout-ms",
      "180000",
    ],
    { timeoutMs: 240_000 },
  );
  const serverCpuSec = cpuSeconds(target.pid) - cpu0;
  const line = res.stdout.split("\n").find((l) => l.startsWith("{"));
  if (res.code !== 0 || !line) {
    throw new Error(
      `AssignConsumerPerf against ${target.name} failed (exit ${res.code ?? res.signal}):\n` +
        `${tail(res.stdout, 10)}\n${tail(res.stderr, 20)}`,
    );
  }
  return { ...(JSON.parse(line) as Omit<ConsumeResult, "serverCpuSec">), serverCpuSec };
}

// ---------------------------------------------------------------- the run

interface TargetResult {
  target: string;
  describe: string;
  startupSec: number;
  /** The median round by MB/s (all figures of that one round). */
  produce: ProduceResult;
  consume: ConsumeResult;
  produceRuns: ProduceResult[];
  consumeRuns: ConsumeResult[];
  produceAtFixedRate: ProduceResult;
  peakRssMiB: number;
  complaints: string[];
}

/** The element with the median key (the lower middle one for an even count). */
function medianBy<T>(xs: T[], key: (x: T) => number): T {
  const sorted = [...xs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function benchTarget(start: () => Promise<Target>): Promise<TargetResult> {
  const t0 = performance.now();
  const target = await start();
  const startupSec = (performance.now() - t0) / 1000;
  log(`${target.name} up at ${target.bootstrap} (pid ${target.pid}) in ${startupSec.toFixed(1)} s`);
  try {
    const topics = ["bench-warmup", "bench-latency"];
    for (let r = 1; r <= SETTINGS.repeats; r++) topics.push(`bench-throughput-${r}`);
    for (const t of topics) await target.createTopic(t, SETTINGS.partitions);
    log(`${target.name}: warm-up, ${SETTINGS.warmupRecords} records`);
    await produce(target, "bench-warmup", SETTINGS.warmupRecords, -1);
    await consume(target, "bench-warmup", SETTINGS.warmupRecords);

    const produceRuns: ProduceResult[] = [];
    const consumeRuns: ConsumeResult[] = [];
    for (let r = 1; r <= SETTINGS.repeats; r++) {
      const topic = `bench-throughput-${r}`;
      const round = `${target.name} round ${r}/${SETTINGS.repeats}`;
      const p = await produce(target, topic, SETTINGS.records, -1);
      produceRuns.push(p);
      log(
        `${round}: produce ${p.mbPerSec.toFixed(2)} MB/s, ${p.recordsPerSec.toFixed(0)} rec/s, p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms, server CPU ${p.serverCpuSec.toFixed(1)} s`,
      );
      const c = await consume(target, topic, SETTINGS.records);
      consumeRuns.push(c);
      log(
        `${round}: consume ${c.mbPerSec.toFixed(2)} MB/s, ${c.recordsPerSec.toFixed(0)} rec/s, server CPU ${c.serverCpuSec.toFixed(1)} s`,
      );
    }

    log(
      `${target.name}: produce ${SETTINGS.latencyRecords} records at a fixed ${SETTINGS.latencyRate} rec/s`,
    );
    const l = await produce(target, "bench-latency", SETTINGS.latencyRecords, SETTINGS.latencyRate);
    log(`${target.name}: fixed-rate p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms`);

    return {
      target: target.name,
      describe: target.describe,
      startupSec,
      produce: medianBy(produceRuns, (x) => x.mbPerSec),
      consume: medianBy(consumeRuns, (x) => x.mbPerSec),
      produceRuns,
      consumeRuns,
      produceAtFixedRate: l,
      peakRssMiB: peakRssMiB(target.pid),
      complaints: target.complaints(),
    };
  } finally {
    const i = cleanups.indexOf(target.stop);
    if (i >= 0) cleanups.splice(i, 1);
    await target.stop();
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function machine() {
  const javaVersion = spawnSync(java, ["-version"], { encoding: "utf8" })
    .stderr.split("\n")
    .slice(0, 2)
    .join(" / ")
    .trim();
  const model =
    /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model;
  return {
    cpus: availableParallelism(),
    cpuModel: model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `Linux ${release()} ${process.arch}`,
    node: process.version,
    java: javaVersion,
    /** 1-minute load average when the run started and when it ended. */
    loadAverage: { start: round1(loadavg()[0]), end: Number.NaN },
  };
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

interface Row {
  metric: string;
  floe: number;
  kafka: number;
  digits: number;
  /** "neither": a diagnostic (e.g. how busy the server was), not a score. */
  better: "higher" | "lower" | "neither";
}

/** Server CPU time as a percentage of one core over the producer's wall time (JVM start included). */
function busy(p: ProduceResult): number {
  return (100 * p.serverCpuSec) / p.wallSec;
}

function rows(floe: TargetResult, kafka: TargetResult): Row[] {
  return [
    {
      metric: "produce MB/s",
      floe: floe.produce.mbPerSec,
      kafka: kafka.produce.mbPerSec,
      digits: 2,
      better: "higher",
    },
    {
      metric: "produce records/s",
      floe: floe.produce.recordsPerSec,
      kafka: kafka.produce.recordsPerSec,
      digits: 0,
      better: "higher",
    },
    {
      metric: "produce latency p50 ms (unthrottled)",
      floe: floe.produce.p50Ms,
      kafka: kafka.produce.p50Ms,
      digits: 0,
      better: "lower",
    },
    {
      metric: "produce latency p99 ms (unthrottled)",
      floe: floe.produce.p99Ms,
      kafka: kafka.produce.p99Ms,
      digits: 0,
      better: "lower",
    },
    {
      metric: "consume MB/s",
      floe: floe.consume.mbPerSec,
      kafka: kafka.consume.mbPerSec,
      digits: 2,
      better: "higher",
    },
    {
      metric: "consume records/s",
      floe: floe.consume.recordsPerSec,
      kafka: kafka.consume.recordsPerSec,
      digits: 0,
      better: "higher",
    },
    {
      metric: `produce latency p50 ms (${SETTINGS.latencyRate} rec/s)`,
      floe: floe.produceAtFixedRate.p50Ms,
      kafka: kafka.produceAtFixedRate.p50Ms,
      digits: 0,
      better: "lower",
    },
    {
      metric: `produce latency p99 ms (${SETTINGS.latencyRate} rec/s)`,
      floe: floe.produceAtFixedRate.p99Ms,
      kafka: kafka.produceAtFixedRate.p99Ms,
      digits: 0,
      better: "lower",
    },
    {
      metric: "server CPU s, unthrottled produce",
      floe: floe.produce.serverCpuSec,
      kafka: kafka.produce.serverCpuSec,
      digits: 1,
      better: "lower",
    },
    {
      metric: "server CPU busy %, unthrottled produce",
      floe: busy(floe.produce),
      kafka: busy(kafka.produce),
      digits: 0,
      better: "neither",
    },
    {
      metric: "server CPU s, consume",
      floe: floe.consume.serverCpuSec,
      kafka: kafka.consume.serverCpuSec,
      digits: 1,
      better: "lower",
    },
    {
      metric: "server peak RSS MiB (VmHWM)",
      floe: floe.peakRssMiB,
      kafka: kafka.peakRssMiB,
      digits: 0,
      better: "lower",
    },
    {
      metric: "server start-up s",
      floe: floe.startupSec,
      kafka: kafka.startupSec,
      digits: 1,
      better: "lower",
    },
  ];
}

function ratio(r: Row): string {
  if (r.kafka === 0) return r.floe === 0 ? "1.00" : "∞";
  return (r.floe / r.kafka).toFixed(2);
}

function verdict(r: Row): string {
  if (r.better === "neither") return "(diagnostic)";
  if (r.kafka === 0 && r.floe === 0) return "same";
  const q = r.floe / r.kafka;
  if (!Number.isFinite(q)) return "Floe worse";
  const floeBetter = r.better === "higher" ? q > 1 : q < 1;
  const factor = q >= 1 ? q : 1 / q;
  if (Math.abs(factor - 1) < 0.05) return "about the same";
  return `Floe ${factor.toFixed(1)}× ${floeBetter ? "better" : "worse"}`;
}

function table(rs: Row[]): string {
  const head = "| Metric | Floe | Kafka 4.1.1 | Floe / Kafka | |\n|---|--:|--:|--:|---|";
  return [
    head,
    ...rs.map(
      (r) =>
        `| ${r.metric} | ${fmt(r.floe, r.digits)} | ${fmt(r.kafka, r.digits)} | ${ratio(r)} | ${verdict(r)} |`,
    ),
  ].join("\n");
}

function consoleTable(rs: Row[]): string {
  const w = Math.max(...rs.map((r) => r.metric.length));
  const line = (a: string, b: string, c: string, d: string, e: string) =>
    `${a.padEnd(w)}  ${b.padStart(10)}  ${c.padStart(10)}  ${d.padStart(12)}  ${e}`;
  return [
    line("metric", "Floe", "Kafka", "Floe/Kafka", ""),
    ...rs.map((r) =>
      line(r.metric, fmt(r.floe, r.digits), fmt(r.kafka, r.digits), ratio(r), verdict(r)),
    ),
  ].join("\n");
}

function markdown(
  date: string,
  durationSec: number,
  mach: ReturnType<typeof machine>,
  floe: TargetResult,
  kafka: TargetResult,
  aws: AwsCostResult,
): string {
  const rs = rows(floe, kafka);
  const pt = rs[0];
  const ct = rs[4];
  const sample = producerArgs(
    { bootstrap: "<bootstrap>" } as Target,
    "bench-throughput-1",
    SETTINGS.records,
    -1,
  );
  const lat = producerArgs(
    { bootstrap: "<bootstrap>" } as Target,
    "bench-latency",
    SETTINGS.latencyRecords,
    SETTINGS.latencyRate,
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
  return `# Benchmarks

Generated by \`npm run bench\` (bench/main.ts) on ${date}${QUICK ? " in --quick mode" : ""}; the run took ${fmt(durationSec, 0)} s.
Do not edit by hand: re-run the benchmark. Raw figures: [benchmarks.json](benchmarks.json).

Floe's embedded backend (\`floe dev\`, its own Node process) and the reference Apache Kafka 4.1.1
broker, measured one after the other in the same run on the same machine with the same load
generators: ${fmt(SETTINGS.recordSize, 0)}-byte records, ${SETTINGS.partitions} partitions, acks=all.
The last section counts what the AWS backend asks of S3 and DynamoDB per flush and per GiB, and
what that costs at list prices.

## Results

${table(rs)}

Every round:

| Target | Round | produce MB/s | produce records/s | p50 ms | p99 ms | consume MB/s | consume records/s |
|---|--:|--:|--:|--:|--:|--:|--:|
${rounds(floe)}
${rounds(kafka)}

In short: Floe produces at **${ratio(pt)}×** Kafka's throughput (${verdict(pt)}) and consumes at
**${ratio(ct)}×** Kafka's throughput (${verdict(ct)}) on this machine.
Ratios are Floe ÷ Kafka; for throughput higher is better, for latency, CPU, memory and start-up
lower is better. MB = 2^20 bytes (what ProducerPerformance prints). Throughput and unthrottled
latency are from the median of ${SETTINGS.repeats} round(s) by MB/s (produce and consume medians picked
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

For each target, in order (Kafka first, then Floe), on a fresh broker with fresh data:

1. Create topics \`bench-warmup\`, \`bench-latency\` and \`bench-throughput-<round>\` with ${SETTINGS.partitions} partitions
   (Kafka: Admin API, replication factor 1; Floe: CreateTopics over its own wire client).
2. Warm-up, not reported: ${SETTINGS.warmupRecords} records produced and consumed on \`bench-warmup\`.
3. ${SETTINGS.repeats} round(s) of steps 3 and 4, each on its own topic.
   **Produce throughput and latency**, unthrottled (\`--throughput -1\`), ${SETTINGS.records} records:

   \`\`\`
   ${cmd(sample)}
   \`\`\`

   Figures are ProducerPerformance's final line. Its latency is the time from send() to the
   acknowledgement, so when unthrottled it is mostly time spent queued in the producer's buffer
   (the producer sends as fast as it can; latency grows until the buffer is full). That is why
   step 5 exists.
4. **Consume throughput**: \`bench/AssignConsumerPerf.java\` (kafka-clients 4.1.1, compiled by the
   run) reads the ${SETTINGS.records} records of the round's topic from the beginning of all
   ${SETTINGS.partitions} partitions with \`assign()\` (Kafka's ConsumerPerformance needs a consumer
   group, which Floe does not support yet). Default consumer settings; bytes are key + value bytes;
   the clock runs from the first poll() to the last record.

   \`\`\`
   java ${toolJvmArgs.join(" ")} -cp ".tools/kafka/libs/*:<classes>" AssignConsumerPerf --bootstrap-server <bootstrap> --topic bench-throughput-1 --partitions ${SETTINGS.partitions} --messages ${SETTINGS.records}
   \`\`\`
5. **Produce latency at a fixed rate**: ${SETTINGS.latencyRecords} records at ${SETTINGS.latencyRate} records/s
   (~${fmt((SETTINGS.latencyRate * SETTINGS.recordSize) / 2 ** 20, 1)} MB/s), well below either target's
   capacity, so the latency is the broker's round trip rather than queueing:

   \`\`\`
   ${cmd(lat)}
   \`\`\`

Producer settings are kafka-clients 4.1.1 defaults apart from \`acks=all\` (so idempotence is on,
\`linger.ms=5\`, \`batch.size=16384\`, no compression). Server CPU is user + system time of the server
process (/proc/<pid>/stat) during the step; peak RSS is VmHWM from /proc/<pid>/status at the end.
Kafka runs with a fixed 1 GiB heap (-Xms1g), so its RSS mostly reflects that setting. Floe runs with
its default log engine settings (lib/broker/log/log-config.ts: 5 ms linger, 8 MiB segments, 4
flushes in flight).

Targets:

- Floe: ${floe.describe}
- Kafka: ${kafka.describe}

## Server complaints during the run

- Floe stderr (--log-level warn): ${complaints(floe)}
- Kafka server.log WARN/ERROR: ${complaints(kafka)}

${awsCostMarkdown(aws)}`;
}

async function main(): Promise<void> {
  const began = performance.now();
  log(
    `mode: ${QUICK ? "quick" : "full"}${AWS_ONLY ? ", AWS backend cost only" : ""}; setting up tools (scripts/setup-test-deps.sh)`,
  );
  const setup = spawnSync("bash", [join(ROOT, "scripts/setup-test-deps.sh")], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (setup.status !== 0) {
    throw new Error(
      "scripts/setup-test-deps.sh failed (its hint is above); the benchmark needs Java 17, the Kafka 4.1.1 jars in .tools/kafka/libs and moto in .tools/moto-venv",
    );
  }
  if (AWS_ONLY) {
    const aws = await runAwsCost(QUICK, log);
    console.log(`\n${awsCostConsole(aws)}\n`);
    log("--aws-only: docs/benchmarks.md not updated (a run without --aws-only writes it)");
    log(`done in ${((performance.now() - began) / 1000).toFixed(0)} s`);
    return;
  }
  java = requireCommand("java", "java (JDK >= 17)");
  const javac = requireCommand("javac", "javac (JDK >= 17)");

  const work = mkdtempSync(join(tmpdir(), "floe-bench-tools-"));
  cleanups.push(async () => rmSync(work, { recursive: true, force: true }));
  const kafkaCp = kafkaClasspath();
  execFileSync(
    javac,
    ["-nowarn", "-d", work, "-cp", kafkaCp, join(ROOT, "bench/AssignConsumerPerf.java")],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  toolClasspath = `${kafkaCp}:${work}`;
  const log4j = join(work, "log4j2.properties");
  writeFileSync(
    log4j,
    "status = error\nappender.err.type = Console\nappender.err.name = ERR\nappender.err.target = SYSTEM_ERR\nappender.err.layout.type = PatternLayout\nappender.err.layout.pattern = %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.err.ref = ERR\n",
  );
  toolJvmArgs = [`-Xmx${SETTINGS.toolHeap}`, `-Dlog4j2.configurationFile=${log4j}`];

  const mach = machine();
  log(
    `machine: ${mach.cpus} × ${mach.cpuModel}, ${mach.memoryGiB} GiB, ${mach.node}, ${mach.java}`,
  );

  const kafka = await benchTarget(startKafka);
  const floe = await benchTarget(startFloe);
  const aws = await runAwsCost(QUICK, log);

  const durationSec = (performance.now() - began) / 1000;
  mach.loadAverage.end = round1(loadavg()[0]);
  const rs = rows(floe, kafka);
  console.log(`\n${consoleTable(rs)}\n`);
  console.log(`${awsCostConsole(aws)}\n`);
  for (const t of [floe, kafka]) {
    if (t.complaints.length > 0) {
      console.log(
        `${t.target} complained ${t.complaints.length} time(s); last:\n${tail(t.complaints.join("\n"), 5)}\n`,
      );
    }
  }
  const date = new Date().toISOString();
  if (WRITE) {
    writeFileSync(
      join(ROOT, "docs/benchmarks.md"),
      markdown(date, durationSec, mach, floe, kafka, aws),
    );
    writeFileSync(
      join(ROOT, "docs/benchmarks.json"),
      `${JSON.stringify({ date, mode: QUICK ? "quick" : "full", durationSec, machine: mach, settings: SETTINGS, results: { floe, kafka, awsCost: aws } }, null, 2)}\n`,
    );
    // Biome formats Markdown too (aligned tables); keep the generated file lint-clean.
    spawnSync(join(ROOT, "node_modules/.bin/biome"), ["format", "--write", "docs/benchmarks.md"], {
      cwd: ROOT,
      stdio: "ignore",
    });
    log("wrote docs/benchmarks.md and docs/benchmarks.json");
  } else {
    log("quick mode: docs/benchmarks.md not updated (pass --write to update it)");
  }
  log(`done in ${durationSec.toFixed(0)} s`);
}

try {
  await main();
  await runCleanups();
} catch (e) {
  console.error(`\nbench failed: ${e instanceof Error ? e.message : String(e)}`);
  await runCleanups();
  process.exitCode = 1;
}
