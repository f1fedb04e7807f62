/**
 * One target's part of the benchmark, the same steps and settings for every target (Kafka,
 * Floe embedded, Floe on the AWS backend), on a freshly started server:
 *
 *   1. warm-up (not reported);
 *   2. `repeats` rounds of unthrottled produce then catch-up consume, 1 KiB × `partitions`;
 *   3. produce latency at a fixed rate (ProducerPerformance --throughput);
 *   4. end-to-end latency at a fixed rate (EndToEndLatency.java);
 *   5. the produce-throughput matrix: record sizes × partition counts, one run per cell.
 *
 * Each step records the server's CPU seconds and its peak RSS so far (VmHWM).
 */
import { consume, endToEnd, produce } from "./load.ts";
import {
  type BenchSettings,
  type ConsumeResult,
  type EndToEndResult,
  type MatrixCell,
  matrixCellBytes,
  type ProduceResult,
  type StepUsage,
  type TargetResult,
} from "./results.ts";
import { cleanups, cpuSeconds, peakRssMiB, type Target } from "./targets.ts";

type Log = (msg: string) => void;

/** The element with the median key (the lower middle one for an even count). */
export function medianBy<T>(xs: T[], key: (x: T) => number): T {
  const sorted = [...xs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export const matrixTopic = (recordSize: number, partitions: number) =>
  `bench-matrix-${recordSize}-${partitions}`;

export async function benchTarget(
  s: BenchSettings,
  start: () => Promise<Target>,
  log: Log,
): Promise<TargetResult> {
  const t0 = performance.now();
  const target = await start();
  const startupSec = (performance.now() - t0) / 1000;
  log(`${target.name} up at ${target.bootstrap} (pid ${target.pid}) in ${startupSec.toFixed(1)} s`);
  const steps: StepUsage[] = [];
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const cpu0 = cpuSeconds(target.pid);
    const w0 = performance.now();
    const out = await run();
    steps.push({
      step: name,
      serverCpuSec: cpuSeconds(target.pid) - cpu0,
      wallSec: (performance.now() - w0) / 1000,
      peakRssMiB: peakRssMiB(target.pid),
    });
    return out;
  };
  try {
    const topics = ["bench-warmup", "bench-latency", "bench-e2e"];
    for (let r = 1; r <= s.repeats; r++) topics.push(`bench-throughput-${r}`);
    for (const t of topics) await target.createTopic(t, s.partitions);
    if (s.warmupRecords > 0) {
      log(`${target.name}: warm-up, ${s.warmupRecords} records`);
      await step("warm-up", async () => {
        await produce(s, target, "bench-warmup", s.warmupRecords, -1);
        await consume(s, target, "bench-warmup", s.warmupRecords);
      });
    }

    const produceRuns: ProduceResult[] = [];
    const consumeRuns: ConsumeResult[] = [];
    for (let r = 1; r <= s.repeats; r++) {
      const topic = `bench-throughput-${r}`;
      const round = `${target.name} round ${r}/${s.repeats}`;
      const p = await step(`produce round ${r}`, () => produce(s, target, topic, s.records, -1));
      produceRuns.push(p);
      log(
        `${round}: produce ${p.mbPerSec.toFixed(2)} MB/s, ${p.recordsPerSec.toFixed(0)} rec/s, p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms, server CPU ${p.serverCpuSec.toFixed(1)} s`,
      );
      const c = await step(`consume round ${r}`, () => consume(s, target, topic, s.records));
      consumeRuns.push(c);
      log(
        `${round}: consume ${c.mbPerSec.toFixed(2)} MB/s, ${c.recordsPerSec.toFixed(0)} rec/s, server CPU ${c.serverCpuSec.toFixed(1)} s`,
      );
    }

    log(`${target.name}: produce ${s.latencyRecords} records at a fixed ${s.latencyRate} rec/s`);
    const l = await step("fixed-rate produce", () =>
      produce(s, target, "bench-latency", s.latencyRecords, s.latencyRate),
    );
    log(`${target.name}: fixed-rate p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, p99.9 ${l.p999Ms} ms`);

    const e2e = await step("end-to-end", () => endToEndOrNull(s, target, log));
    const median = medianBy(produceRuns, (x) => x.mbPerSec);
    const matrix = await step("matrix", () =>
      runMatrix(s, target, matrixCellBytes(s, median.mbPerSec), log),
    );

    return {
      target: target.name,
      describe: target.describe,
      startupSec,
      produce: median,
      consume: medianBy(consumeRuns, (x) => x.mbPerSec),
      produceRuns,
      consumeRuns,
      produceAtFixedRate: l,
      peakRssMiB: peakRssMiB(target.pid),
      complaints: target.complaints(),
      matrix,
      endToEnd: e2e,
      steps,
    };
  } finally {
    const i = cleanups.indexOf(target.stop);
    if (i >= 0) cleanups.splice(i, 1);
    await target.stop();
  }
}

async function endToEndOrNull(
  s: BenchSettings,
  target: Target,
  log: Log,
): Promise<EndToEndResult | null> {
  log(`${target.name}: end-to-end, ${s.e2eRecords} records at ${s.e2eRate} rec/s`);
  try {
    const e = await endToEnd(s, target, "bench-e2e");
    log(
      `${target.name}: end-to-end p50 ${e.e2e.p50Ms.toFixed(1)} ms, p99 ${e.e2e.p99Ms.toFixed(1)} ms; ack p99 ${e.ack.p99Ms.toFixed(1)} ms`,
    );
    return e;
  } catch (err) {
    log(`${target.name}: end-to-end failed: ${(err as Error).message.split("\n")[0]}`);
    return null;
  }
}

/** Unthrottled produce per cell; a cell that fails or times out is reported, not fatal. */
async function runMatrix(
  s: BenchSettings,
  target: Target,
  bytes: number,
  log: Log,
): Promise<MatrixCell[]> {
  const cells: MatrixCell[] = [];
  for (const recordSize of s.matrixRecordSizes ?? []) {
    for (const partitions of s.matrixPartitions ?? []) {
      const topic = matrixTopic(recordSize, partitions);
      const records = Math.max(1, Math.round(bytes / recordSize));
      try {
        await target.createTopic(topic, partitions);
        const p = await produce(s, target, topic, records, -1, recordSize, 120_000);
        cells.push({ recordSize, partitions, records, produce: p });
        log(
          `${target.name}: matrix ${recordSize} B × ${partitions} partitions: ${p.mbPerSec.toFixed(2)} MB/s, p99 ${p.p99Ms} ms`,
        );
      } catch (err) {
        const error = (err as Error).message.split("\n")[0];
        cells.push({ recordSize, partitions, records, produce: null, error });
        log(`${target.name}: matrix ${recordSize} B × ${partitions} partitions failed: ${error}`);
      }
    }
  }
  return cells;
}
