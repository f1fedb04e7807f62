/**
 * The load generators of the benchmark, run as child JVMs against any target (./targets.ts):
 *
 *   produce:     Kafka's own org.apache.kafka.tools.ProducerPerformance (kafka-tools 4.1.1)
 *   consume:     ./AssignConsumerPerf.java (assign(), no consumer group)
 *   end to end:  ./EndToEndLatency.java (one producer and one consumer in one JVM)
 *
 * The two Java files are compiled with javac once per run (`setUpLoadTools`). Each run also
 * measures the server's CPU seconds over it (user + system, /proc/<pid>/stat).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kafkaClasspath } from "../test/compat/reference-kafka.ts";
import { ROOT, requireCommand, runProcess, tail } from "../test/compat/tools.ts";
import {
  type BenchSettings,
  type ConsumeResult,
  consumerArgs,
  type EndToEndResult,
  endToEndArgs,
  type ProduceResult,
  producerArgs,
  type Tool,
} from "./results.ts";
import { cleanups, cpuSeconds, type Target } from "./targets.ts";

export const tool: Tool & { java: string } = { java: "java", jvmArgs: [], classpath: "" };

const JAVA_SOURCES = ["bench/AssignConsumerPerf.java", "bench/EndToEndLatency.java"];

/** Finds java and javac, compiles the two Java load generators, writes a quiet log4j config. */
export function setUpLoadTools(s: BenchSettings): void {
  tool.java = requireCommand("java", "java (JDK >= 17)");
  const javac = requireCommand("javac", "javac (JDK >= 17)");
  const work = mkdtempSync(join(tmpdir(), "floe-bench-tools-"));
  cleanups.push(async () => rmSync(work, { recursive: true, force: true }));
  const kafkaCp = kafkaClasspath();
  execFileSync(
    javac,
    ["-nowarn", "-d", work, "-cp", kafkaCp, ...JAVA_SOURCES.map((f) => join(ROOT, f))],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  tool.classpath = `${kafkaCp}:${work}`;
  const log4j = join(work, "log4j2.properties");
  writeFileSync(
    log4j,
    "status = error\nappender.err.type = Console\nappender.err.name = ERR\nappender.err.target = SYSTEM_ERR\nappender.err.layout.type = PatternLayout\nappender.err.layout.pattern = %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.err.ref = ERR\n",
  );
  tool.jvmArgs = [`-Xmx${s.toolHeap}`, `-Dlog4j2.configurationFile=${log4j}`];
}

export function javaVersion(): string {
  return spawnSync(tool.java, ["-version"], { encoding: "utf8" })
    .stderr.split("\n")
    .slice(0, 2)
    .join(" / ")
    .trim();
}

// "200000 records sent, 41476.565740 records/sec (40.50 MB/sec), 636.91 ms avg latency,
//  1195.00 ms max latency, 640 ms 50th, 1010 ms 95th, 1127 ms 99th, 1183 ms 99.9th."
const FINAL_LINE =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/;

export async function produce(
  s: BenchSettings,
  target: Target,
  topic: string,
  records: number,
  throughput: number,
  recordSize = s.recordSize,
  timeoutMs = 240_000,
): Promise<ProduceResult> {
  const cpu0 = cpuSeconds(target.pid);
  const t0 = performance.now();
  const res = await runProcess(
    tool.java,
    producerArgs(s, tool, target.bootstrap, topic, records, throughput, recordSize),
    { timeoutMs },
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

export async function consume(
  s: BenchSettings,
  target: Target,
  topic: string,
  records: number,
): Promise<ConsumeResult> {
  const cpu0 = cpuSeconds(target.pid);
  const res = await runProcess(tool.java, consumerArgs(s, tool, target.bootstrap, topic, records), {
    timeoutMs: 240_000,
  });
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

/** EndToEndLatency on a fresh topic of `s.partitions` partitions (the caller creates it). */
export async function endToEnd(
  s: BenchSettings,
  target: Target,
  topic: string,
): Promise<EndToEndResult> {
  const cpu0 = cpuSeconds(target.pid);
  const res = await runProcess(tool.java, endToEndArgs(s, tool, target.bootstrap, topic), {
    timeoutMs: 180_000,
  });
  const serverCpuSec = cpuSeconds(target.pid) - cpu0;
  const line = res.stdout.split("\n").find((l) => l.startsWith("{"));
  if (res.code !== 0 || !line) {
    throw new Error(
      `EndToEndLatency against ${target.name} failed (exit ${res.code ?? res.signal}):\n` +
        `${tail(res.stdout, 10)}\n${tail(res.stderr, 20)}`,
    );
  }
  const out = JSON.parse(line) as Pick<
    EndToEndResult,
    "records" | "warmupRecords" | "rate" | "elapsedMs" | "ack" | "e2e"
  >;
  return { ...out, recordSize: s.recordSize, partitions: s.partitions, serverCpuSec };
}
