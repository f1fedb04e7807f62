/**
 * The one error type of the SDK: a failed HTTP API call, with the server's stable error code
 * (docs/http-api.md) and whether retrying can succeed. Network failures (connection refused or
 * reset, a timeout) are status 0, code network_error, retriable: the request may or may not
 * have been applied, so only idempotent requests (or ones the server dedupes) are retried.
 */

/** Statuses a retry can fix: throttling and storage trouble (the server's Retry-After). */
const RETRIABLE_STATUSES = new Set([429, 502, 503, 504]);

export class FloeHttpError extends Error {
  override readonly name = "FloeHttpError";
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** The API's error code (lease_lost, unknown_topic, …); network_error without a response. */
  readonly code: string;
  readonly retriable: boolean;
  /** From Retry-After, when the server sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(
    status: number,
    code: string,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = status;
    this.code = code;
    this.retriable = status === 0 || RETRIABLE_STATUSES.has(status);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The lease of a partition is no longer this worker's: stop processing it at once. */
export function isLeaseLost(err: unknown): boolean {
  return err instanceof FloeHttpError && err.code === "lease_lost";
}
