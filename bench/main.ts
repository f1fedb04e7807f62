/**
 * `npm run bench [-- --quick] [-- --write] [-- --aws-only] [-- --out <dir>] [-- --from <results.json>]`:
 * produce/consume throughput and produce latency of Floe (embedded backend, `floe dev` as its own
 * process) side by side with the reference Apache Kafka 4.1.1 broker, in one run, on the same
 * machine, with the same load generators:
 *
 *   produce: Kafka's own org.apache.kafka.tools.ProducerPerformance (kafka-tools 4.1.1)
 *   consume: bench/AssignConsumerPerf.java (kafka-clients 4.1.1, assign() — no consumer group,
 *            because Floe has no group APIs yet), compiled with javac at the start of the run
 *
 * 1 KiB records, 3 partitions, acks=all. Targets run one after the other (never both under load
 * at once), each on a fresh data directory.
 *
 * Then the AWS backend's requests and their list-price cost (./aws-cost/): S3 PUTs and DynamoDB
 * units per flush of 1, 100 and 1,000 partitions, and per GiB written and read, measured with the
 * log engine in-process on DynamoDB Local and moto; the cost model (./cost-model/) turns them
 * into monthly bills next to MSK Serverless and Kinesis; and the produce Lambda's bundle size
 * and init time (./handler-size.ts).
 *
 * Full mode writes the report (./report.ts: README.md, results.json and PNG charts) into
 * docs/benchmarks/, or into --out <dir>; --quick runs smaller counts and only prints unless
 * --write or --out is given. --aws-only runs just the AWS part (about 30 s with --quick) and
 * only prints. --from <results.json> measures nothing: it re-renders the report and charts of a
 * stored run (into --out, by default the file's own directory).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { kafkaClasspath } from "../test/compat/reference-kafka.ts";
import { ROOT, requireCommand, runProcess, tail } from "../test/compat/tools.ts";
import { awsCostConsole } from "./aws-cost/report.ts";
import { runAwsCost } from "./aws-cost/run.ts";
import { costModelConsole } from "./cost-model/report-markdown.ts";
import { measureHandlerSize } from "./handler-size.ts";
import { consoleTable, rows } from "./kafka-report.ts";
import { costModelOf, DEFAULT_OUT_DIR, writeReport } from "./report.ts";
import {
  type BenchResults,
  benchSettings,
  type ConsumeResult,
  consumerArgs,
  type Machine,
  type ProduceResult,
  producerArgs,
  type TargetResult,
  type Tool,
} from "./results.ts";
import {
  cleanUpOnSignals,
  cleanups,
  cpuSeconds,
  peakRssMiB,
  runCleanups,
  startFloe,
  startKafka,
  type Target,
} from "./targets.ts";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    write: { type: "boolean", default: false },
    "aws-only": { type: "boolean", default: false },
    out: { type: "string" },
    from: { type: "string" },
  },
});
const QUICK = flags.quick === true;
const AWS_ONLY = flags["aws-only"] === true;
const OUT_DIR = flags.out !== undefined ? resolve(flags.out) : undefined;
const WRITE = !AWS_ONLY && (!QUICK || flags.write === true || OUT_DIR !== undefined);
const SETTINGS = benchSettings(QUICK);

function log(msg: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

// ---------------------------------------------------------------- load generators

let java = "java";
const tool: Tool = { jvmArgs: [], classpath: "" };

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
  const res = await runProcess(
    java,
    producerArgs(SETTINGS, tool, target.bootstrap, topic, records, throughput),
    {
      timeoutMs: 240_000,
    },
  );
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
    consumerArgs(SETTINGS, tool, target.bootstrap, topic, records),
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

function machine(): Machine {
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
    loadAverage: { start: round1(loadavg()[0]), end: Number.NaN },
  };
}

/** Re-renders a stored run: the report and charts are functions of the results file alone. */
function renderStored(from: string): void {
  const doc = JSON.parse(readFileSync(from, "utf8")) as BenchResults;
  // Files from before the cost model and the handler size: derive the one, mark the other.
  doc.costModel = costModelOf(doc.results.awsCost, doc.results.floe, doc.machine, doc.date);
  doc.handlerSize ??= null;
  const files = writeReport(doc, OUT_DIR ?? dirname(resolve(from)));
  log(`re-rendered ${files.map((f) => relative(ROOT, f)).join(", ")} from ${from}`);
}

/** --aws-only prices its counts with the front throughput of the last written run, if any. */
function lastFrontThroughput(): BenchResults | undefined {
  try {
    return JSON.parse(readFileSync(join(DEFAULT_OUT_DIR, "results.json"), "utf8")) as BenchResults;
  } catch {
    return undefined;
  }
}

function setUpTools(): void {
  log("setting up tools (scripts/setup-test-deps.sh)");
  const setup = spawnSync("bash", [join(ROOT, "scripts/setup-test-deps.sh")], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (setup.status !== 0) {
    throw new Error(
      "scripts/setup-test-deps.sh failed (its hint is above); the benchmark needs Java 17, the Kafka 4.1.1 jars in .tools/kafka/libs, moto in .tools/moto-venv and matplotlib in .tools/charts-venv",
    );
  }
}

async function main(): Promise<void> {
  const began = performance.now();
  if (flags.from !== undefined) {
    renderStored(flags.from);
    return;
  }
  log(`mode: ${QUICK ? "quick" : "full"}${AWS_ONLY ? ", AWS backend cost only" : ""}`);
  setUpTools();
  if (AWS_ONLY) {
    const aws = await runAwsCost(QUICK, log);
    console.log(`\n${awsCostConsole(aws)}\n`);
    const last = lastFrontThroughput();
    if (last !== undefined) {
      const model = costModelOf(aws, last.results.floe, last.machine, last.date);
      console.log(`${costModelConsole(model)}\n`);
    }
    log("--aws-only: the report is not written (a run without --aws-only writes it)");
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
  tool.classpath = `${kafkaCp}:${work}`;
  const log4j = join(work, "log4j2.properties");
  writeFileSync(
    log4j,
    "status = error\nappender.err.type = Console\nappender.err.name = ERR\nappender.err.target = SYSTEM_ERR\nappender.err.layout.type = PatternLayout\nappender.err.layout.pattern = %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.err.ref = ERR\n",
  );
  tool.jvmArgs = [`-Xmx${SETTINGS.toolHeap}`, `-Dlog4j2.configurationFile=${log4j}`];

  const mach = machine();
  log(
    `machine: ${mach.cpus} × ${mach.cpuModel}, ${mach.memoryGiB} GiB, ${mach.node}, ${mach.java}`,
  );

  const kafka = await benchTarget(startKafka);
  const floe = await benchTarget(startFloe);
  const aws = await runAwsCost(QUICK, log);
  log("produce Lambda: bundling functions/produce.ts and timing its init (bench/lambda-bundle.ts)");
  const handlerSize = await measureHandlerSize();
  log(
    `produce Lambda: ${handlerSize.bundleBytes} bytes bundled, ${handlerSize.initMs.toFixed(0)} ms init`,
  );

  const durationSec = (performance.now() - began) / 1000;
  mach.loadAverage.end = round1(loadavg()[0]);
  const date = new Date().toISOString();
  const doc: BenchResults = {
    date,
    mode: QUICK ? "quick" : "full",
    durationSec,
    machine: mach,
    settings: SETTINGS,
    results: { floe, kafka, awsCost: aws },
    costModel: costModelOf(aws, floe, mach, date),
    handlerSize,
  };
  console.log(`\n${consoleTable(rows(floe, kafka, SETTINGS))}\n`);
  console.log(`${awsCostConsole(aws)}\n`);
  console.log(`${costModelConsole(doc.costModel)}\n`);
  for (const t of [floe, kafka]) {
    if (t.complaints.length > 0) {
      console.log(
        `${t.target} complained ${t.complaints.length} time(s); last:\n${tail(t.complaints.join("\n"), 5)}\n`,
      );
    }
  }
  if (WRITE) {
    const files = writeReport(doc, OUT_DIR ?? DEFAULT_OUT_DIR);
    log(`wrote ${files.map((f) => relative(ROOT, f)).join(", ")}`);
  } else {
    log("quick mode: the report is not written (pass --write, or --out <dir>)");
  }
  log(`done in ${durationSec.toFixed(0)} s`);
}

cleanUpOnSignals();
try {
  await main();
  await runCleanups();
} catch (e) {
  console.error(`\nbench failed: ${e instanceof Error ? e.message : String(e)}`);
  await runCleanups();
  process.exitCode = 1;
}
