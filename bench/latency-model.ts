/**
 * The AWS front under the object-store latency model (./s3-latency-proxy.ts): produce-ack and
 * end-to-end latency at a fixed rate (bench/EndToEndLatency.java) as a user on AWS would see
 * them, under S3 Standard at each batching point (the front's --linger-ms) and under S3
 * Express at the default linger. Each point is a fresh front (fresh bucket and table) whose
 * counters (--metrics-port) are read before and after the run, so each point's segment size,
 * flush rate and request count per GiB are measured, not modelled.
 */
import { DEFAULT_LOG_CONFIG } from "../lib/broker/log/log-config.ts";
import type { AwsEmulators } from "../test/helpers/aws-cluster.ts";
import { startFloeAws } from "./aws-target.ts";
import { endToEnd } from "./load.ts";
import type { BenchSettings, EndToEndResult } from "./results.ts";
import {
  S3_EXPRESS,
  S3_STANDARD,
  type S3LatencyModel,
  startLatencyProxy,
} from "./s3-latency-proxy.ts";
import { cleanups, type Target } from "./targets.ts";

/** Counter deltas over one point's run (names as the front's /metrics serves them). */
export interface PointCounters {
  flushes: number;
  segmentPuts: number;
  segmentPutBytes: number;
  bytesAppended: number;
  partitionCommits: number;
  s3Put: number;
  s3Get: number;
  wcu: number;
  rcu: number;
}

export interface InjectedDelays {
  count: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LatencyPoint {
  model: string;
  /** The front's --linger-ms (the log engine default is 5). */
  lingerMs: number;
  endToEnd: EndToEndResult | null;
  error?: string;
  counters: PointCounters;
  /** Wall time of the EndToEndLatency run the counters cover. */
  wallSec: number;
  injectedPut: InjectedDelays;
  injectedGet: InjectedDelays;
}

export interface LatencyModelResult {
  models: S3LatencyModel[];
  points: LatencyPoint[];
}

const METRIC: Record<keyof PointCounters, string> = {
  flushes: "floe_log_flushes_total",
  segmentPuts: "floe_log_segment_puts_total",
  segmentPutBytes: "floe_log_segment_put_bytes_total",
  bytesAppended: "floe_log_bytes_appended_total",
  partitionCommits: "floe_log_partition_commits_total",
  s3Put: "floe_s3_put_total",
  s3Get: "floe_s3_get_total",
  wcu: "floe_dynamodb_wcu_total",
  rcu: "floe_dynamodb_rcu_total",
};

function countersOf(m: Record<string, number>): PointCounters {
  const out = {} as PointCounters;
  for (const [k, name] of Object.entries(METRIC)) out[k as keyof PointCounters] = m[name] ?? 0;
  return out;
}

function delta(a: PointCounters, b: PointCounters): PointCounters {
  const out = {} as PointCounters;
  for (const k of Object.keys(METRIC) as (keyof PointCounters)[]) out[k] = b[k] - a[k];
  return out;
}

function summarise(delays: number[]): InjectedDelays {
  const s = [...delays].sort((x, y) => x - y);
  const at = (q: number) =>
    s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { count: s.length, p50Ms: at(0.5), p99Ms: at(0.99) };
}

export async function runLatencyModel(
  s: BenchSettings,
  emulators: AwsEmulators,
  log: (msg: string) => void,
): Promise<LatencyModelResult> {
  const proxy = await startLatencyProxy(emulators.s3Endpoint);
  const closeProxy = () => proxy.close();
  cleanups.push(closeProxy);
  const plan: Array<[S3LatencyModel, number]> = [
    ...(s.lingerPointsMs ?? [DEFAULT_LOG_CONFIG.lingerMs]).map((l): [S3LatencyModel, number] => [
      S3_STANDARD,
      l,
    ]),
    [S3_EXPRESS, DEFAULT_LOG_CONFIG.lingerMs],
  ];
  const points: LatencyPoint[] = [];
  try {
    for (const [model, lingerMs] of plan) {
      proxy.setModel(null); // start-up (bucket, table, registration) at emulator speed
      const target = await startFloeAws(emulators, { s3Endpoint: proxy.endpoint, lingerMs });
      try {
        points.push(await runPoint(s, target, model, lingerMs, proxy, log));
      } finally {
        const i = cleanups.indexOf(target.stop);
        if (i >= 0) cleanups.splice(i, 1);
        await target.stop();
      }
    }
  } finally {
    const i = cleanups.indexOf(closeProxy);
    if (i >= 0) cleanups.splice(i, 1);
    await proxy.close();
  }
  return { models: [S3_STANDARD, S3_EXPRESS], points };
}

async function runPoint(
  s: BenchSettings,
  target: Target,
  model: S3LatencyModel,
  lingerMs: number,
  proxy: Awaited<ReturnType<typeof startLatencyProxy>>,
  log: (msg: string) => void,
): Promise<LatencyPoint> {
  const name = `${model.name}, linger ${lingerMs} ms`;
  await target.createTopic("bench-e2e", s.partitions);
  proxy.setModel(model);
  proxy.resetDelays();
  const before = countersOf(await target.metrics!());
  const t0 = performance.now();
  let e2e: EndToEndResult | null = null;
  let error: string | undefined;
  try {
    e2e = await endToEnd(s, target, "bench-e2e");
    log(
      `latency model, ${name}: ack p50 ${e2e.ack.p50Ms.toFixed(0)} / p99 ${e2e.ack.p99Ms.toFixed(0)} ms, end-to-end p50 ${e2e.e2e.p50Ms.toFixed(0)} / p99 ${e2e.e2e.p99Ms.toFixed(0)} ms`,
    );
  } catch (err) {
    error = (err as Error).message.split("\n")[0];
    log(`latency model, ${name}: failed: ${error}`);
  }
  const wallSec = (performance.now() - t0) / 1000;
  const counters = delta(before, countersOf(await target.metrics!()));
  return {
    model: model.name,
    lingerMs,
    endToEnd: e2e,
    ...(error === undefined ? {} : { error }),
    counters,
    wallSec,
    injectedPut: summarise(proxy.delaysMs.put),
    injectedGet: summarise(proxy.delaysMs.get),
  };
}
