/**
 * How the SDK talks to the HTTP API: JSON over the global `fetch`, against `floe dev`
 * (http://127.0.0.1:8092) or API Gateway in AWS. Both ends are pluggable, so one SDK serves a
 * Node service, a Lambda function and tests:
 *
 *  - `request` replaces the fetch call (another HTTP stack, a test double, a Lambda invoke);
 *  - `signer` rewrites every request before it goes (SigV4 for API Gateway's IAM auth: see
 *    ./sigv4.ts), and runs again on each retry, so a signature never goes stale.
 *
 * Retriable failures (FloeHttpError.retriable: 429/502/503/504 and network errors) are retried
 * with capped exponential backoff and full jitter, honouring Retry-After; callers pass
 * `retry: false` for requests that must not be repeated blindly.
 */
import { FloeHttpError } from "./errors.ts";
import { sdkConfig, TRANSPORT_SCHEMA } from "./options.ts";

export interface FloeRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface FloeRawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type RequestFn = (req: FloeRequest) => Promise<FloeRawResponse>;
export type Signer = (req: FloeRequest) => Promise<FloeRequest>;

export interface TransportOptions {
  /** Base URL of the API, without /v1: http://127.0.0.1:8092 or the API Gateway stage URL. */
  endpoint: string;
  request?: RequestFn;
  signer?: Signer;
  /** Attempts after the first for a retriable failure (default 8). */
  retries?: number;
  /** First backoff (default 50 ms); doubles per attempt up to maxBackoffMs (default 2 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface CallOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Retry retriable failures (default true). */
  retry?: boolean;
}

/** The default `request`: the global fetch. */
export const fetchRequest: RequestFn = async (req) => {
  const res = await fetch(req.url, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    signal: req.signal,
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
};

export class FloeTransport {
  private readonly endpoint: string;
  private readonly request: RequestFn;
  private readonly signer: Signer | undefined;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(options: TransportOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    this.request = options.request ?? fetchRequest;
    this.signer = options.signer;
    const config = sdkConfig("transport", TRANSPORT_SCHEMA, options);
    this.retries = config.retries;
    this.backoffMs = config.backoffMs;
    this.maxBackoffMs = config.maxBackoffMs;
  }

  async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const maxAttempts = options.retry === false ? 1 : this.retries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(method, path, options);
      } catch (err) {
        if (!(err instanceof FloeHttpError) || !err.retriable || attempt >= maxAttempts) throw err;
        if (options.signal?.aborted) throw err;
        const capMs = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
        await sleep(Math.max(err.retryAfterMs ?? 0, Math.random() * capMs), options.signal);
      }
    }
  }

  private async once<T>(method: string, path: string, options: CallOptions): Promise<T> {
    const url = new URL(`${this.endpoint}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    let req: FloeRequest = {
      method,
      url: url.toString(),
      headers: { accept: "application/json" },
      signal: options.signal,
    };
    if (options.body !== undefined) {
      req.headers["content-type"] = "application/json";
      req.body = JSON.stringify(options.body);
    }
    if (this.signer) req = await this.signer(req);
    let res: FloeRawResponse;
    try {
      res = await this.request(req);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new FloeHttpError(0, "network_error", `${method} ${path}: ${message}`, { cause: err });
    }
    const json = parse(res.body);
    if (res.status >= 200 && res.status < 300) return json as T;
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    const retryAfter = Number(res.headers["retry-after"]);
    throw new FloeHttpError(
      res.status,
      error?.code ?? `http_${res.status}`,
      `${method} ${path}: ${error?.message ?? res.body.slice(0, 200)}`,
      { retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined },
    );
  }
}

function parse(body: string): unknown {
  try {
    return body === "" ? undefined : JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Waits `ms`, or less if `signal` aborts (then resolves: the caller checks the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
