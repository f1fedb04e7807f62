/**
 * Kafka error codes the log engine answers with, and the typed error for appends that failed
 * before any of their batches became visible. Handlers put the code on the wire per partition.
 */
export const ErrorCode = {
  /** Not retriable: what is wrong is the deployment, not the moment (./prefix-owner.ts). */
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  /**
   * Retriable in every client (Java: KafkaStorageException, an InvalidMetadataException). Floe
   * answers it when the segment PUT or the metadata commit failed, and a retry — on this front or
   * another — can succeed. A failed PUT, or a commit that lost or was refused, made nothing
   * visible. A commit whose outcome is unknown (a timeout or reset after DynamoDB may have applied
   * it) may have made the batches visible: an idempotent producer's retry is then answered as a
   * duplicate with the original offsets; a non-idempotent producer's retry writes them again,
   * as with Kafka's at-least-once retries.
   */
  KAFKA_STORAGE_ERROR: 56,
} as const;

/**
 * An append that was not acknowledged. Its batches are not visible, except after a commit whose
 * outcome is unknown (see KAFKA_STORAGE_ERROR): then they may be, and a retry finds out.
 */
export class LogAppendError extends Error {
  override readonly name = "LogAppendError";
  /** Kafka error code for the partition response. */
  readonly code: number;
  readonly retriable: boolean;
  constructor(code: number, retriable: boolean, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retriable = retriable;
  }
}
