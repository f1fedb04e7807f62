/**
 * `npm run bench [-- --quick] [-- --write] [-- --aws-only] [-- --out <dir>] [-- --from <results.json>]`:
 * Floe on the embedded backend (`floe dev`), Floe on the AWS backend (`floe front` on DynamoDB
 * Local + moto, which the run starts itself) and the reference Apache Kafka 4.1.1 broker, each
 * its own process, measured one after the other on the same machine with the same load
 * generators and settings (./load.ts, ./target-run.ts):
 *
 *   produce:     Kafka's own org.apache.kafka.tools.ProducerPerformance (kafka-tools 4.1.1)
 *   consume:     bench/AssignConsumerPerf.java (assign(), no consumer group)
 *   end to end:  bench/EndToEndLatency.java (producer and consumer in one JVM)
 *
 * Per target: throughput rounds (1 KiB, 3 partitions, acks=all), produce latency at a fixed
 * rate, end-to-end latency, and the produce-throughput matrix (1 KiB and 16 KiB records × 1,
 * 12 and 120 partitions). Then the AWS front again under the S3 latency model at two or three
 * batching points (./latency-model.ts), the AWS backend's request counts and their list-price
 * cost (./aws-cost/), the cost model (./cost-model/) and the produce Lambda's bundle size and
 * init time (./handler-size.ts). Each phase's duration is printed and recorded.
 *
 * Full mode writes the report (./report.ts: README.md, results.json and PNG charts) into
 * docs/benchmarks/, or into --out <dir>; --quick runs smaller counts and fewer matrix cells and
 * only prints unless --write or --out is given. --aws-only runs just the AWS cost part (about
 * 2 minutes with --quick: both DynamoDB layouts) and only prints. --from <results.json>
 * measures nothing: it re-renders the report and charts of a stored run (into --out, by
 * default the file's own directory).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, tail } from "../test/compat/tools.ts";
import { startAwsEmulators } from "../test/helpers/aws-cluster.ts";
import { awsCostConsole } from "./aws-cost/report.ts";
import { type AwsCostResult, runAwsCost } from "./aws-cost/run.ts";
import { startFloeAws } from "./aws-target.ts";
import { costModelConsole } from "./cost-model/report-markdown.ts";
import { measureHandlerSize } from "./handler-size.ts";
import { consoleTable, rows } from "./kafka-report.ts";
import { type LatencyModelResult, runLatencyModel } from "./latency-model.ts";
import { latencyModelConsole } from "./latency-report.ts";
import { javaVersion, setUpLoadTools } from "./load.ts";
import { costModelOf, DEFAULT_OUT_DIR, writeReport } from "./report.ts";
import {
  type BenchResults,
  benchSettings,
  type Machine,
  type Phase,
  type TargetResult,
} from "./results.ts";
import { matrixConsole } from "./target-report.ts";
import { benchTarget } from "./target-run.ts";
import { cleanUpOnSignals, cleanups, runCleanups, startFloe, startKafka } from "./targets.ts";

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

const phases: Phase[] = [];
/** Runs one phase of the benchmark, printing and recording how long it took. */
async function phase<T>(name: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await run();
  } finally {
    const durationSec = (performance.now() - t0) / 1000;
    phases.push({ name, durationSec });
    log(`phase "${name}" took ${durationSec.toFixed(1)} s`);
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function machine(): Machine {
  const model =
    /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model;
  return {
    cpus: availableParallelism(),
    cpuModel: model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `Linux ${release()} ${process.arch}`,
    node: process.version,
    java: javaVersion(),
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

/**
 * The AWS front as a target, then under the S3 latency model, then the AWS cost counts, all on
 * one pair of emulators (each part on its own fresh table and bucket).
 */
async function awsBackend(): Promise<[TargetResult, LatencyModelResult, AwsCostResult]> {
  log("AWS backend: starting DynamoDB Local and moto");
  const emulators = await startAwsEmulators();
  const stop = () => emulators.stop();
  cleanups.push(stop);
  try {
    const floeAws = await phase("Floe (AWS backend)", () =>
      benchTarget(SETTINGS, () => startFloeAws(emulators), log),
    );
    const model = await phase("S3 latency model", () => runLatencyModel(SETTINGS, emulators, log));
    const aws = await phase("AWS cost counts", () => runAwsCost(QUICK, log, emulators));
    return [floeAws, model, aws];
  } finally {
    cleanups.splice(cleanups.indexOf(stop), 1);
    await stop();
  }
}

async function main(): Promise<void> {
  const began = performance.now();
  if (flags.from !== undefined) {
    renderStored(flags.from);
    return;
  }
  log(`mode: ${QUICK ? "quick" : "full"}${AWS_ONLY ? ", AWS backend cost only" : ""}`);
  await phase("setup", async () => setUpTools());
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
  await phase("compile load generators", async () => setUpLoadTools(SETTINGS));
  const mach = machine();
  log(
    `machine: ${mach.cpus} × ${mach.cpuModel}, ${mach.memoryGiB} GiB, ${mach.node}, ${mach.java}`,
  );

  const kafka = await phase("Kafka", () => benchTarget(SETTINGS, startKafka, log));
  const floe = await phase("Floe (embedded)", () => benchTarget(SETTINGS, startFloe, log));
  const [floeAws, latencyModel, aws] = await awsBackend();
  log("produce Lambda: bundling functions/produce.ts and timing its init (bench/lambda-bundle.ts)");
  const handlerSize = await phase("produce Lambda size", () => measureHandlerSize());
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
    results: { floe, kafka, floeAws, awsCost: aws, latencyModel },
    costModel: costModelOf(aws, floe, mach, date),
    handlerSize,
    phases,
  };
  console.log(`\n${consoleTable(rows(floe, kafka, SETTINGS, floeAws))}\n`);
  console.log(`${matrixConsole(doc)}\n`);
  console.log(`${latencyModelConsole(doc)}\n`);
  console.log(`${awsCostConsole(aws)}\n`);
  console.log(`${costModelConsole(doc.costModel)}\n`);
  for (const t of [floe, floeAws, kafka]) {
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
  for (const p of phases) log(`  ${p.name.padEnd(26)} ${p.durationSec.toFixed(1).padStart(7)} s`);
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
