/**
 * Retries for S3 requests: bounded attempts, exponential backoff with full jitter (sleep a
 * uniform random time in [0, min(maxDelayMs, baseDelayMs · 2^(n-1))]), as AWS recommends for
 * 503 Slow Down so that many clients backing off at once do not retry in lock-step.
 *
 * The SDK's own retry strategy is switched off (maxAttempts: 1 in ./client.ts) and this loop
 * does it instead, because the adapter must know when an attempt was retried: a conditional PUT
 * that times out may have landed, and its retry then fails with 412 against our own object (see
 * ./object-store.ts). One loop also means one place that counts `s3.retries`.
 *
 * What is retried (`isTransientS3Error`): HTTP 429/500/502/503/504, S3's SlowDown,
 * InternalError, ServiceUnavailable, RequestTimeout and throttling codes, 409
 * ConditionalRequestConflict (a concurrent conditional write was in progress; AWS says retry),
 * client timeouts, connection resets/refusals and truncated bodies. Anything else (403, 404,
 * 412, a malformed request) is answered at once: an HTTP 4xx the adapter did not turn into a
 * typed outcome itself (AccessDenied, NoSuchBucket, InvalidRequest…) becomes
 * StorageRejectedError; expired credentials are retried, as the SDK refreshes them. When
 * attempts run out, or a failure without an HTTP status is not transient, the caller gets
 * StorageUnavailableError with the SDK error as `cause`.
 */
import type { StorageCounters } from "../counters.ts";
import { StorageError, StorageRejectedError, StorageUnavailableError } from "../errors.ts";

export interface RetryPolicy {
  /** Attempts in total, including the first (1 = no retries). */
  readonly maxAttempts: number;
  /** Backoff cap of the first retry; doubles on each further retry. */
  readonly baseDelayMs: number;
  /** Largest backoff cap. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
});

/** A body shorter than its Content-Length: the connection broke mid-stream. Transient. */
export class TruncatedBodyError extends Error {
  override readonly name = "TruncatedBodyError";
}

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
  "SlowDown",
  "InternalError",
  "ServiceUnavailable",
  "RequestTimeout",
  "RequestTimeoutException",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "ConditionalRequestConflict",
  "TimeoutError",
  "TruncatedBodyError",
  // Credentials that expired mid-flight: the SDK's provider refreshes them for the retry.
  "ExpiredToken",
  "ExpiredTokenException",
  "TokenRefreshRequired",
]);
const TRANSIENT_ERRNO = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);

export function httpStatusOf(err: unknown): number | undefined {
  const meta = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return typeof meta?.httpStatusCode === "number" ? meta.httpStatusCode : undefined;
}

/** The S3 error code (`SlowDown`, `NoSuchKey`…) or the JS error name. */
export function errorCodeOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { Code?: unknown; name?: unknown };
  if (typeof e.Code === "string") return e.Code;
  return typeof e.name === "string" ? e.name : undefined;
}

function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function isTransientS3Error(err: unknown): boolean {
  if (err instanceof StorageError) return false;
  const status = httpStatusOf(err);
  if (status !== undefined && TRANSIENT_STATUS.has(status)) return true;
  const code = errorCodeOf(err);
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  const errno = errnoOf(err);
  // "socket hang up" and friends carry an errno; credential and validation errors do not.
  return errno !== undefined && TRANSIENT_ERRNO.has(errno);
}

/** A short human description of an SDK or network error, for messages. */
export function describeS3Error(err: unknown): string {
  const status = httpStatusOf(err);
  const code = errorCodeOf(err);
  const errno = errnoOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const tags = [status, code, errno].filter((x) => x !== undefined).join(" ");
  return `${tags}: ${message}`;
}

export interface RetryContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The error of the previous attempt, undefined on the first. */
  readonly previousError: unknown;
}

/**
 * Runs `attempt` until it succeeds, throws a non-transient error, or attempts run out.
 * StorageErrors other than StorageUnavailableError (ObjectExistsError…) pass through as they are.
 */
export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  counters: StorageCounters,
  attempt: (ctx: RetryContext) => Promise<T>,
  random: () => number = Math.random,
): Promise<T> {
  let previousError: unknown;
  for (let n = 1; ; n++) {
    try {
      return await attempt({ attempt: n, previousError });
    } catch (err) {
      if (err instanceof StorageError && !(err instanceof StorageUnavailableError)) throw err;
      if (err instanceof TypeError || err instanceof RangeError) throw err;
      if (err instanceof StorageUnavailableError) throw err;
      if (!isTransientS3Error(err)) {
        const message = `S3 ${what} failed: ${describeS3Error(err)}`;
        if (isRefusal(err)) throw new StorageRejectedError(message, { cause: err });
        throw new StorageUnavailableError(message, { cause: err });
      }
      if (n >= policy.maxAttempts) {
        throw new StorageUnavailableError(
          `S3 ${what} failed after ${n} attempt${n === 1 ? "" : "s"}: ${describeS3Error(err)}`,
          { cause: err },
        );
      }
      previousError = err;
      counters.add("s3.retries");
      const capMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      await sleep(Math.floor(random() * capMs));
    }
  }
}

/** An HTTP 4xx answer: the server understood the request and will refuse it again. */
function isRefusal(err: unknown): boolean {
  const status = httpStatusOf(err);
  return status !== undefined && status >= 400 && status < 500;
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
