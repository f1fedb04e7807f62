/**
 * Translation of AWS SDK exceptions into the storage errors of ../errors.ts, done once, here,
 * for every call the adapter makes (client.ts routes every call through translate()).
 *
 * By the time an exception reaches us the SDK has already retried it (standard retry mode:
 * exponential backoff with full jitter, `maxAttempts` in client.ts), so what is left is either
 *  - transient: throttling, 5xx, timeouts, dropped connections, transaction conflicts →
 *    StorageUnavailableError (retriable; the operation had no effect or an unknown one), or
 *  - permanent: a missing table, a validation error (an adapter or caller bug), access denied →
 *    StorageRejectedError naming the operation, which no retry fixes.
 * Conditional-check failures are not translated here: each call site turns them into its own
 * typed outcome (VersionConflictError carrying the current value, TopicExistsError, …).
 */
import { StorageError, StorageRejectedError, StorageUnavailableError } from "../errors.ts";

const TRANSIENT_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TransactionConflictException",
  "TransactionInProgressException",
  "ReplicatedWriteConflictException",
  "LimitExceededException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  // Credentials that expired mid-flight; the SDK's provider refreshes them for the retry.
  "ExpiredTokenException",
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "UND_ERR_SOCKET",
]);

/** Cancellation reason codes of TransactWriteItems that a later attempt can get past. */
const TRANSIENT_CANCELLATION_CODES = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
  "RequestLimitExceeded",
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

export function isConditionalCheckFailed(err: unknown): err is Error & { Item?: unknown } {
  return errorName(err) === "ConditionalCheckFailedException";
}

export interface CancellationReason {
  Code?: string;
  Message?: string;
  Item?: Record<string, unknown>;
}

/** The per-action reasons of a cancelled TransactWriteItems, or undefined for other errors. */
export function cancellationReasons(err: unknown): CancellationReason[] | undefined {
  if (errorName(err) !== "TransactionCanceledException") return undefined;
  const reasons = (err as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
  return reasons ?? [];
}

/** A cancelled transaction that failed only for reasons a retry can get past. */
export function isTransientCancellation(reasons: readonly CancellationReason[]): boolean {
  const codes = reasons.map((r) => r.Code ?? "None").filter((c) => c !== "None");
  return codes.length > 0 && codes.every((c) => TRANSIENT_CANCELLATION_CODES.has(c));
}

export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const shape = err as SdkErrorShape;
  if (TRANSIENT_NAMES.has(err.name)) return true;
  if (typeof shape.code === "string" && NETWORK_CODES.has(shape.code)) return true;
  const status = shape.$metadata?.httpStatusCode;
  if (typeof status === "number" && status >= 500) return true;
  const reasons = cancellationReasons(err);
  if (reasons !== undefined && isTransientCancellation(reasons)) return true;
  // Socket-level failures sometimes arrive wrapped, without a code of their own.
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && isTransient(cause);
}

/**
 * The storage error for an SDK failure of `operation` (e.g. "UpdateItem commitPartitions")
 * on `table`. Storage errors and caller bugs (RangeError) pass through unchanged.
 */
export function translate(err: unknown, operation: string, table: string): Error {
  if (err instanceof StorageError || err instanceof RangeError) return err;
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  if (isTransient(err)) {
    return new StorageUnavailableError(`dynamodb ${operation} on ${table} failed: ${message}`, {
      cause: err,
    });
  }
  if (errorName(err) === "ResourceNotFoundException") {
    return new StorageRejectedError(
      `dynamodb ${operation}: table ${table} does not exist (create it with ensureTable() ` +
        `from lib/storage/dynamodb/table.ts, or deploy the data stack): ${message}`,
      { cause: err },
    );
  }
  return new StorageRejectedError(`dynamodb ${operation} on ${table} failed: ${message}`, {
    cause: err,
  });
}
