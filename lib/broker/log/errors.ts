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
   * answers it when the segment PUT or the metadata commit failed: nothing was made visible, and
   * a retry — on this front or another — can succeed.
   */
  KAFKA_STORAGE_ERROR: 56,
} as const;

/** An append that was not committed; none of its batches are visible. */
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
