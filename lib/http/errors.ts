/**
 * From the engine's failures to HTTP: Kafka error codes (per partition, from the log) and thrown
 * storage errors become HttpErrors. Retriable failures — S3 or DynamoDB throttled, timing out,
 * a commit race lost too often — are 503 with Retry-After: a retry can succeed, and nothing was
 * made visible (invariant 1). Anything unexpected is a 500, never blamed on the client.
 */
import { ErrorCode } from "../broker/error-codes.ts";
import { LogAppendError } from "../broker/log/errors.ts";
import { StorageError } from "../storage/errors.ts";
import { HttpError, RETRY_AFTER_SECONDS } from "./types.ts";

const RETRY = { "retry-after": String(RETRY_AFTER_SECONDS) };

function unavailable(code: string, message: string, cause?: unknown): HttpError {
  return new HttpError(503, code, message, { cause, headers: RETRY });
}

/** The HTTP error for a Kafka error code the log answered a partition with. */
export function kafkaCodeError(code: number, message: string | undefined): HttpError {
  switch (code) {
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return unavailable("storage_unavailable", message ?? "storage is unavailable; retry");
    case ErrorCode.REQUEST_TIMED_OUT:
      return unavailable("request_timed_out", message ?? "the append timed out; retry");
    case ErrorCode.MESSAGE_TOO_LARGE:
      return new HttpError(413, "batch_too_large", message ?? "record batch too large");
    case ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER:
      return new HttpError(409, "out_of_order_sequence", message ?? "out-of-order sequence number");
    case ErrorCode.INVALID_PRODUCER_EPOCH:
      return new HttpError(409, "invalid_producer_epoch", message ?? "stale producer epoch");
    case ErrorCode.UNKNOWN_PRODUCER_ID:
      return new HttpError(409, "unknown_producer_id", message ?? "unknown producer id");
    case ErrorCode.OFFSET_OUT_OF_RANGE:
      return new HttpError(416, "offset_out_of_range", message ?? "offset out of range");
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      return new HttpError(404, "unknown_topic", message ?? "unknown topic or partition");
    default:
      return new HttpError(500, "internal_error", message ?? `Kafka error code ${code}`);
  }
}

/** The HTTP error for anything a route threw. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof LogAppendError) return kafkaCodeError(err.code, err.message);
  const retriable =
    (err instanceof StorageError && err.retriable) ||
    (typeof err === "object" &&
      err !== null &&
      (err as { retriable?: unknown }).retriable === true);
  if (retriable) {
    return unavailable(
      "storage_unavailable",
      `storage is unavailable; retry: ${messageOf(err)}`,
      err,
    );
  }
  return new HttpError(500, "internal_error", "internal error", { cause: err });
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
