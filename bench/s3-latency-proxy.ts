/**
 * The object-store latency model of the benchmark: an HTTP proxy between a `floe front` and
 * moto that holds each S3 request for a delay drawn from a log-normal distribution fitted to
 * published S3 latency figures, so produce and end-to-end latency on the emulators read as a
 * user on AWS would see them (moto itself answers in about a millisecond).
 *
 * A log-normal with median m and 99th percentile q has mu = ln m and
 * sigma = ln(q / m) / z(0.99), z(0.99) = 2.3263; the delay is exp(mu + sigma * Z), Z standard
 * normal. Writes (PUT, POST, DELETE) draw from `put`, reads (GET, HEAD, including LIST) from
 * `get`. The delay is added before the request is forwarded (time to first byte); bodies are
 * not throttled. The model can be switched while the proxy runs.
 */
import { httpForwarder, listenLoopback } from "../test/helpers/http-forward.ts";

export interface OpLatency {
  p50Ms: number;
  p99Ms: number;
}

export interface S3LatencyModel {
  name: string;
  put: OpLatency;
  get: OpLatency;
  source: string;
}

export const S3_STANDARD: S3LatencyModel = Object.freeze({
  name: "S3 Standard",
  put: { p50Ms: 100, p99Ms: 200 },
  get: { p50Ms: 60, p99Ms: 80 },
  source:
    "the published S3 Standard figures quoted by issue 6: PUT ≈ 100 ms p50, 200 ms p99; GET (first byte) ≈ 60 ms p50, 80 ms p99",
});

export const S3_EXPRESS: S3LatencyModel = Object.freeze({
  name: "S3 Express One Zone",
  put: { p50Ms: 10, p99Ms: 20 },
  get: { p50Ms: 10, p99Ms: 20 },
  source:
    "the S3 Express One Zone figure quoted by issue 6 (≈ 10 ms) for PUT and GET; p99 taken as 2× p50 (assumed)",
});

const Z99 = 2.326_347_874;

export function lognormalSigma(l: OpLatency): number {
  return Math.log(l.p99Ms / l.p50Ms) / Z99;
}

/** One delay in ms from the operation's log-normal; `random` is uniform on [0, 1). */
export function sampleDelayMs(l: OpLatency, random: () => number = Math.random): number {
  // Box–Muller; 1 - random() is in (0, 1], so the log is finite.
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.exp(Math.log(l.p50Ms) + lognormalSigma(l) * z);
}

export function isRead(method: string): boolean {
  return method === "GET" || method === "HEAD";
}

export interface LatencyProxy {
  readonly endpoint: string;
  /** null: forward at once. */
  setModel(model: S3LatencyModel | null): void;
  /** Delays added so far, by kind, in ms (for the report's check of the model). */
  readonly delaysMs: { put: number[]; get: number[] };
  resetDelays(): void;
  close(): Promise<void>;
}

export async function startLatencyProxy(upstream: string): Promise<LatencyProxy> {
  const upstreamForwarder = httpForwarder(upstream, "latency proxy");
  const delaysMs = { put: [] as number[], get: [] as number[] };
  let model: S3LatencyModel | null = null;

  const server = await listenLoopback("latency proxy", (req, res) => {
    if (model === null) return upstreamForwarder.forward(req, res);
    const read = isRead(req.method ?? "");
    const delay = sampleDelayMs(read ? model.get : model.put);
    (read ? delaysMs.get : delaysMs.put).push(delay);
    // Hold the body back while waiting: paused, it stays in the socket buffer.
    req.pause();
    setTimeout(() => upstreamForwarder.forward(req, res), delay);
  });
  return {
    endpoint: server.endpoint,
    setModel(m) {
      model = m;
    },
    delaysMs,
    resetDelays() {
      delaysMs.put.length = 0;
      delaysMs.get.length = 0;
    },
    async close() {
      const closed = server.close();
      upstreamForwarder.destroy();
      await closed;
    },
  };
}
