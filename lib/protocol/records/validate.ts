/**
 * Validation of one Produce partition's `Records` field, before anything is stored. The write
 * path keeps the producer's bytes as they are, so everything checked here is checked on the
 * bytes themselves and nothing is decompressed.
 *
 * The rules and their error codes follow Apache Kafka's broker for client appends
 * (ByteBufferLogInputStream, UnifiedLog.analyzeAndValidateRecords, LogValidator.validateBatch),
 * in the same order, so a client sees the code it would see from Kafka:
 *
 *   CORRUPT_MESSAGE (2)      truncated batch, BatchLength too small, magic not 0–2, bad CRC,
 *   MESSAGE_TOO_LARGE (10)   whole batch (log overhead included) > max.message.bytes,
 *   UNSUPPORTED_COMPRESSION_TYPE (76)  codec 5–7, or zstd below Produce v7,
 *   INVALID_RECORD (87)      no batch at all, magic 0/1, BaseOffset ≠ 0, RecordsCount < 1 or
 *                            ≠ LastOffsetDelta + 1 (compressed batches too, as in Kafka), control
 *                            batch, producer id without epoch/sequence, transactional without a
 *                            producer id, and — uncompressed only — records whose framing does not
 *                            add up (Kafka finds that while iterating the records).
 *
 * Where Floe differs: Kafka decompresses compressed batches on produce and would reject a payload
 * that does not decompress; Floe does not (DESIGN §2), so such a batch is stored and fails when a
 * consumer reads it. Kafka also refuses more than one batch per partition from Produce v3 on; Floe
 * accepts several unless `singleBatch` is set. Timestamp rules (message.timestamp.*,
 * LogAppendTime topics) depend on topic config and belong to the broker.
 */
import {
  type BatchView,
  Codec,
  CRC_START,
  codecOf,
  isControlBatch,
  isTransactionalBatch,
  LOG_OVERHEAD,
  MAGIC_V2,
  RECORD_BATCH_OVERHEAD,
  readBatchHeader,
} from "./batch-header.ts";
import { crc32c } from "./crc32c.ts";
import { RecordBatchError, RecordErrorCode } from "./errors.ts";

export interface ValidateProduceOptions {
  /** The topic's max.message.bytes: the largest whole batch, log overhead included. */
  maxMessageBytes: number;
  /** Whether zstd may be used (Kafka: Produce v7 and later). */
  zstdAllowed: boolean;
  /** Refuse more than one batch, as Kafka does for Produce v3+. Default false. */
  singleBatch?: boolean;
}

/** Bytes up to and including the magic byte: enough to tell what kind of batch this is. */
const HEADER_UP_TO_MAGIC = LOG_OVERHEAD + 5;

/**
 * Checks every batch in `records` and returns where each one is. Throws RecordBatchError on the
 * first problem; the caller answers the whole partition with its errorCode.
 */
export function validateProduceRecords(records: Buffer, opts: ValidateProduceOptions): BatchView[] {
  if (records.length === 0) {
    throw new RecordBatchError(RecordErrorCode.INVALID_RECORD, "Records holds no record batch");
  }
  const views: BatchView[] = [];
  let at = 0;
  while (at < records.length) {
    const index = views.length;
    if (index === 1 && opts.singleBatch) {
      throw new RecordBatchError(
        RecordErrorCode.INVALID_RECORD,
        "Records holds more than one record batch; only one per partition is allowed",
        { batchIndex: index, byteOffset: at },
      );
    }
    const view = validateBatch(records, at, index, opts);
    views.push(view);
    at += view.byteLength;
  }
  return views;
}

function validateBatch(
  buf: Buffer,
  at: number,
  index: number,
  opts: ValidateProduceOptions,
): BatchView {
  const fail = (code: RecordErrorCode, message: string): never => {
    throw new RecordBatchError(code, `batch ${index} at byte ${at}: ${message}`, {
      batchIndex: index,
      byteOffset: at,
    });
  };
  const left = buf.length - at;
  if (left < HEADER_UP_TO_MAGIC) {
    fail(RecordErrorCode.CORRUPT_MESSAGE, `truncated: ${left} bytes cannot hold a batch header`);
  }
  const magic = buf.readInt8(at + 16);
  if (magic === 0 || magic === 1) {
    fail(
      RecordErrorCode.INVALID_RECORD,
      `magic ${magic} (message format v${magic}); only v2 is accepted`,
    );
  }
  if (magic !== MAGIC_V2) fail(RecordErrorCode.CORRUPT_MESSAGE, `invalid magic ${magic}`);
  const batchLength = buf.readInt32BE(at + 8);
  if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
    fail(
      RecordErrorCode.CORRUPT_MESSAGE,
      `BatchLength ${batchLength} is smaller than the ${RECORD_BATCH_OVERHEAD - LOG_OVERHEAD}-byte minimum`,
    );
  }
  const byteLength = batchLength + LOG_OVERHEAD;
  if (byteLength > left) {
    fail(
      RecordErrorCode.CORRUPT_MESSAGE,
      `truncated: BatchLength ${batchLength} needs ${byteLength} bytes, ${left} left`,
    );
  }
  if (byteLength > opts.maxMessageBytes) {
    fail(
      RecordErrorCode.MESSAGE_TOO_LARGE,
      `batch of ${byteLength} bytes exceeds max.message.bytes ${opts.maxMessageBytes}`,
    );
  }
  const header = readBatchHeader(buf, at);
  const crc = crc32c(buf, at + CRC_START, at + byteLength);
  if (crc !== header.crc) {
    fail(
      RecordErrorCode.CORRUPT_MESSAGE,
      `CRC mismatch: stored 0x${hex32(header.crc)}, computed 0x${hex32(crc)}`,
    );
  }
  const codec = codecOf(header);
  if (codec > Codec.zstd) {
    fail(RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression codec id ${codec}`);
  }
  if (codec === Codec.zstd && !opts.zstdAllowed) {
    fail(
      RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      "zstd compression needs Produce v7 or later",
    );
  }
  if (header.baseOffset !== 0n) {
    fail(
      RecordErrorCode.INVALID_RECORD,
      `BaseOffset is ${header.baseOffset}; producers must send 0`,
    );
  }
  const offsetCount = header.lastOffsetDelta + 1;
  if (offsetCount <= 0) {
    fail(RecordErrorCode.INVALID_RECORD, `invalid LastOffsetDelta ${header.lastOffsetDelta}`);
  }
  if (header.recordCount <= 0) {
    fail(RecordErrorCode.INVALID_RECORD, `invalid RecordsCount ${header.recordCount}`);
  }
  if (header.recordCount !== offsetCount) {
    fail(
      RecordErrorCode.INVALID_RECORD,
      `RecordsCount ${header.recordCount} does not match LastOffsetDelta ${header.lastOffsetDelta} + 1`,
    );
  }
  if (isControlBatch(header)) {
    fail(RecordErrorCode.INVALID_RECORD, "clients may not write control batches");
  }
  if (header.producerId >= 0n) {
    if (header.producerEpoch < 0) {
      fail(
        RecordErrorCode.INVALID_RECORD,
        `ProducerId ${header.producerId} with invalid ProducerEpoch ${header.producerEpoch}`,
      );
    }
    if (header.baseSequence < 0) {
      fail(
        RecordErrorCode.INVALID_RECORD,
        `ProducerId ${header.producerId} with invalid BaseSequence ${header.baseSequence}`,
      );
    }
  } else if (isTransactionalBatch(header)) {
    fail(RecordErrorCode.INVALID_RECORD, "transactional batch without a ProducerId");
  }
  if (codec === Codec.none) {
    const problem = checkRecordFraming(
      buf,
      at + RECORD_BATCH_OVERHEAD,
      at + byteLength,
      header.recordCount,
    );
    if (problem !== null) fail(RecordErrorCode.INVALID_RECORD, problem);
  }
  return { header, byteOffset: at, byteLength };
}

function hex32(v: number): string {
  return v.toString(16).padStart(8, "0");
}

/** A framing problem inside the uncompressed records; becomes INVALID_RECORD. */
class FramingError extends Error {}

/**
 * Read position of the framing walk below. Module state rather than a Reader because this loop
 * runs over every uncompressed byte a producer sends; it is synchronous, so never shared.
 */
let pos = 0;

function uvarint(buf: Buffer, end: number): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw new FramingError("truncated varint");
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (result > 0xffffffff) throw new FramingError("varint overflows 32 bits");
      return result;
    }
  }
  throw new FramingError("varint longer than 5 bytes");
}

function varint(buf: Buffer, end: number): number {
  const u = uvarint(buf, end);
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

function skipVarlong(buf: Buffer, end: number): void {
  for (let k = 0; k < 10; k++) {
    if (pos >= end) throw new FramingError("truncated varlong");
    const b = buf[pos++];
    if (b < 0x80) {
      // The tenth byte carries bit 63 only.
      if (k === 9 && b > 1) throw new FramingError("varlong overflows 64 bits");
      return;
    }
  }
  throw new FramingError("varlong longer than 10 bytes");
}

function skipBytes(buf: Buffer, end: number, what: string, nullable: boolean): void {
  const len = varint(buf, end);
  if (len < (nullable ? -1 : 0)) throw new FramingError(`invalid ${what} length ${len}`);
  if (len > end - pos)
    throw new FramingError(`${what} length ${len} exceeds the ${end - pos} bytes left`);
  if (len > 0) pos += len;
}

/**
 * Walks `count` uncompressed records in buf[start, end) without copying anything and checks that
 * each record's fields fill exactly its Length and that the records fill exactly the batch: the
 * same grammar decode.ts reads, so a batch accepted here always decodes.
 * Returns a description of the first problem, or null.
 */
function checkRecordFraming(buf: Buffer, start: number, end: number, count: number): string | null {
  pos = start;
  let i = 0;
  try {
    for (; i < count; i++) {
      const length = varint(buf, end);
      if (length < 0 || length > end - pos) {
        return `record ${i}: Length ${length} with ${end - pos} bytes left in the batch`;
      }
      const bodyStart = pos;
      if (pos >= end) throw new FramingError("truncated attributes");
      pos++; // attributes (unused)
      skipVarlong(buf, end); // timestampDelta
      varint(buf, end); // offsetDelta
      skipBytes(buf, end, "key", true);
      skipBytes(buf, end, "value", true);
      const headers = varint(buf, end);
      if (headers < 0) return `record ${i}: invalid header count ${headers}`;
      for (let h = 0; h < headers; h++) {
        skipBytes(buf, end, "header key", false);
        skipBytes(buf, end, "header value", true);
      }
      if (pos !== bodyStart + length) {
        return `record ${i}: fields take ${pos - bodyStart} bytes, Length says ${length}`;
      }
    }
  } catch (err) {
    if (err instanceof FramingError) return `record ${i}: ${err.message}`;
    throw err;
  }
  if (pos !== end)
    return `${end - pos} bytes left after the ${count} records RecordsCount declares`;
  return null;
}
