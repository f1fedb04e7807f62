/**
 * Why a RecordBatch was refused, as the Kafka error code a Produce partition response carries.
 * A host puts `errorCode` and `message` on the wire for the one partition; the rest of the request
 * goes on.
 */

/** The Kafka error codes a record batch can earn. */
export const RecordErrorCode = {
  /** 2: the bytes are damaged (CRC, lengths, framing). Retriable: a resend may arrive intact. */
  CORRUPT_MESSAGE: 2,
  /** 10: the batch is larger than the topic's max.message.bytes. */
  MESSAGE_TOO_LARGE: 10,
  /** 76: the codec is unknown, or zstd where the request version does not allow it. */
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  /** 87: intact bytes the broker will not accept (counts, control batches, producer fields). */
  INVALID_RECORD: 87,
} as const;
export type RecordErrorCode = (typeof RecordErrorCode)[keyof typeof RecordErrorCode];

export interface RecordBatchErrorOptions {
  /** Index of the offending batch within the Records field, when known. */
  batchIndex?: number;
  /** Byte position of the offending batch (or field) within the buffer that was checked. */
  byteOffset?: number;
  cause?: unknown;
}

export class RecordBatchError extends Error {
  override readonly name = "RecordBatchError";
  readonly errorCode: RecordErrorCode;
  /** Kafka's CorruptRecordException is retriable; the other three are not. */
  readonly retriable: boolean;
  readonly batchIndex: number | undefined;
  readonly byteOffset: number | undefined;

  constructor(errorCode: RecordErrorCode, message: string, options: RecordBatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errorCode = errorCode;
    this.retriable = errorCode === RecordErrorCode.CORRUPT_MESSAGE;
    this.batchIndex = options.batchIndex;
    this.byteOffset = options.byteOffset;
  }
}
