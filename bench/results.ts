/**
 * The shape of a benchmark results file (docs/benchmarks/results.json), its settings, and the
 * load generators' command lines. Shared by the run (./main.ts), which fills it, and the
 * report (./report.ts, ./kafka-report.ts), which is rendered from the file alone so that it
 * can be re-rendered from a stored run (`npm run bench -- --from <results.json>`).
 */
import type { AwsCostResult } from "./aws-cost/run.ts";
import type { CostModelResult } from "./cost-model/model.ts";
import type { HandlerSize } from "./handler-size.ts";

export interface BenchSettings {
  recordSize: number;
  partitions: number;
  acks: string;
  records: number;
  warmupRecords: number;
  /** Second produce pass at a fixed rate, for latency that is not just queueing behind a flood. */
  latencyRate: number;
  latencyRecords: number;
  /** Produce + consume rounds per target; the median round (by MB/s) is reported. */
  repeats: number;
  toolHeap: string;
}

export function benchSettings(quick: boolean): BenchSettings {
  return {
    recordSize: 1024,
    partitions: 3,
    acks: "all",
    records: quick ? 20_000 : 200_000,
    warmupRecords: quick ? 5_000 : 20_000,
    latencyRate: 2_000,
    latencyRecords: quick ? 6_000 : 20_000,
    repeats: quick ? 1 : 3,
    toolHeap: "1g",
  };
}

export interface ProduceResult {
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

export interface ConsumeResult {
  records: number;
  bytes: number;
  elapsedMs: number;
  firstRecordMs: number;
  mbPerSec: number;
  recordsPerSec: number;
  serverCpuSec: number;
}

export interface TargetResult {
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

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  java: string;
  /** 1-minute load average when the run started and when it ended. */
  loadAverage: { start: number; end: number };
}

export interface BenchResults {
  date: string;
  mode: "quick" | "full";
  durationSec: number;
  machine: Machine;
  settings: BenchSettings;
  results: { floe: TargetResult; kafka: TargetResult; awsCost: AwsCostResult };
  costModel: CostModelResult;
  /** The produce Lambda's bundle and init time; null in files from before it was measured. */
  handlerSize: HandlerSize | null;
}

/** The JVM and classpath of a load generator; placeholders in the report. */
export interface Tool {
  jvmArgs: string[];
  classpath: string;
}

export function reportTool(s: BenchSettings): Tool {
  return {
    jvmArgs: [`-Xmx${s.toolHeap}`, "-Dlog4j2.configurationFile=<log4j2.properties>"],
    classpath: ".tools/kafka/libs/*:<classes>",
  };
}

export function producerArgs(
  s: BenchSettings,
  tool: Tool,
  bootstrap: string,
  topic: string,
  records: number,
  throughput: number,
): string[] {
  return [
    ...tool.jvmArgs,
    "-cp",
    tool.classpath,
    "org.apache.kafka.tools.ProducerPerformance",
    "--topic",
    topic,
    "--num-records",
    String(records),
    "--record-size",
    String(s.recordSize),
    "--throughput",
    String(throughput),
    "--producer-props",
    `bootstrap.servers=${bootstrap}`,
    `acks=${s.acks}`,
  ];
}

export function consumerArgs(
  s: BenchSettings,
  tool: Tool,
  bootstrap: string,
  topic: string,
  records: number,
): string[] {
  return [
    ...tool.jvmArgs,
    "-cp",
    tool.classpath,
    "AssignConsumerPerf",
    "--bootstrap-server",
    bootstrap,
    "--topic",
    topic,
    "--partitions",
    String(s.partitions),
    "--messages",
    String(records),
    "--timeout-ms",
    "180000",
  ];
}
