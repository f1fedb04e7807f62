/**
 * The shape of a benchmark results file (docs/benchmarks/results.json), its settings, and the
 * load generators' command lines. Shared by the run (./main.ts), which fills it, and the
 * report (./report.ts, ./kafka-report.ts), which is rendered from the file alone so that it
 * can be re-rendered from a stored run (`npm run bench -- --from <results.json>`).
 */

import { DEFAULT_LOG_CONFIG } from "../lib/broker/log/log-config.ts";
import type { AwsCostResult } from "./aws-cost/run.ts";
import type { CostModelResult } from "./cost-model/model.ts";
import type { HandlerSize } from "./handler-size.ts";
import type { LatencyModelResult } from "./latency-model.ts";

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
  /** Produce-throughput matrix: record sizes × partition counts, one run per cell. */
  matrixRecordSizes?: number[];
  matrixPartitions?: number[];
  /**
   * Bytes each matrix cell produces (records = bytes / record size): what the target's median
   * throughput round produces in `matrixSecondsPerCell`, within [min, max]. Older files have a
   * fixed `matrixBytesPerCell` instead.
   */
  matrixSecondsPerCell?: number;
  matrixMinBytesPerCell?: number;
  matrixMaxBytesPerCell?: number;
  matrixBytesPerCell?: number;
  /** End-to-end latency pass (bench/EndToEndLatency.java): rate, records. */
  e2eRate?: number;
  e2eRecords?: number;
  /** The AWS front's segment linger (ms) at each batching point of the latency model. */
  lingerPointsMs?: number[];
}

export function benchSettings(quick: boolean): BenchSettings {
  return {
    recordSize: 1024,
    partitions: 3,
    acks: "all",
    records: quick ? 20_000 : 200_000,
    // Quick mode skips the warm-up: it is a smoke run, its figures are not compared.
    warmupRecords: quick ? 0 : 20_000,
    latencyRate: 2_000,
    latencyRecords: quick ? 3_000 : 20_000,
    repeats: quick ? 1 : 3,
    toolHeap: "1g",
    matrixRecordSizes: [1024, 16_384],
    matrixPartitions: quick ? [12] : [1, 12, 120],
    matrixSecondsPerCell: quick ? 1.5 : 6,
    matrixMinBytesPerCell: (quick ? 2 : 8) * 2 ** 20,
    matrixMaxBytesPerCell: (quick ? 8 : 256) * 2 ** 20,
    e2eRate: 500,
    e2eRecords: quick ? 1_000 : 5_000,
    lingerPointsMs: quick
      ? [DEFAULT_LOG_CONFIG.lingerMs, 200]
      : [DEFAULT_LOG_CONFIG.lingerMs, 50, 200],
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

/** One matrix cell: unthrottled ProducerPerformance, acks=all; null figures when it failed. */
export interface MatrixCell {
  recordSize: number;
  partitions: number;
  /** Records sent (absent in older files: see BenchSettings.matrixBytesPerCell). */
  records?: number;
  produce: ProduceResult | null;
  /** Why the cell has no figures (timeout, error), else absent. */
  error?: string;
}

export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** bench/EndToEndLatency.java: send → acknowledgement and send → consumer poll() return. */
export interface EndToEndResult {
  records: number;
  /** The first records, left out of the percentiles (connection and metadata set-up). */
  warmupRecords?: number;
  rate: number;
  recordSize: number;
  partitions: number;
  elapsedMs: number;
  ack: Percentiles;
  e2e: Percentiles;
  serverCpuSec: number;
}

/** Server resource use of one step of a target's run. */
export interface StepUsage {
  step: string;
  serverCpuSec: number;
  wallSec: number;
  /** VmHWM at the end of the step (peak so far). */
  peakRssMiB: number;
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
  /** Absent in files from before the matrix, the end-to-end pass and the per-step usage. */
  matrix?: MatrixCell[];
  endToEnd?: EndToEndResult | null;
  steps?: StepUsage[];
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
  results: {
    floe: TargetResult;
    kafka: TargetResult;
    /** `floe front --backend aws` on DynamoDB Local + moto; absent in older files. */
    floeAws?: TargetResult;
    awsCost: AwsCostResult;
    /** The AWS front under the S3 latency model; absent in older files. */
    latencyModel?: LatencyModelResult;
  };
  costModel: CostModelResult;
  /** The produce Lambda's bundle and init time; null in files from before it was measured. */
  handlerSize: HandlerSize | null;
  /** How long each phase of the run took; absent in older files. */
  phases?: Phase[];
}

export interface Phase {
  name: string;
  durationSec: number;
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
  recordSize = s.recordSize,
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
    String(recordSize),
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

export function endToEndArgs(
  s: BenchSettings,
  tool: Tool,
  bootstrap: string,
  topic: string,
): string[] {
  return [
    ...tool.jvmArgs,
    "-cp",
    tool.classpath,
    "EndToEndLatency",
    "--bootstrap-server",
    bootstrap,
    "--topic",
    topic,
    "--partitions",
    String(s.partitions),
    "--records",
    String(s.e2eRecords ?? 5_000),
    "--rate",
    String(s.e2eRate ?? 500),
    "--record-size",
    String(s.recordSize),
    "--timeout-ms",
    "120000",
  ];
}

/** Bytes per matrix cell for a target whose median throughput round ran at `mbPerSec`. */
export function matrixCellBytes(s: BenchSettings, mbPerSec: number): number {
  if (s.matrixSecondsPerCell === undefined) return s.matrixBytesPerCell ?? 0;
  const want = mbPerSec * 2 ** 20 * s.matrixSecondsPerCell;
  return Math.min(s.matrixMaxBytesPerCell ?? want, Math.max(s.matrixMinBytesPerCell ?? 0, want));
}
