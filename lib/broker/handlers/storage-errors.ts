/**
 * Maps failures from the storage layer to Kafka error codes. A retriable storage failure (S3
 * 5xx, throttling, timeouts) becomes a retriable Kafka error, so clients retry and idempotent
 * producers deduplicate; anything unexpected becomes UNKNOWN_SERVER_ERROR for that partition
 * only, never a crash of the front.
 */
import { StorageError } from "../../storage/errors.ts";
import { ErrorCode } from "../error-codes.ts";

export function storageErrorCode(err: unknown): number {
  if (err instanceof StorageError && err.retriable) return ErrorCode.KAFKA_STORAGE_ERROR;
  if (typeof err === "object" && err !== null && "retriable" in err && err.retriable === true) {
    return ErrorCode.KAFKA_STORAGE_ERROR;
  }
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}
