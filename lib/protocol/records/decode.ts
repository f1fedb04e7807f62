/**
 * Decoding the records of one RecordBatch v2, for the readers that need them (CLI, SDK, tests,
 * later compaction). The write and fetch paths never call this: they move batches as bytes.
 *
 * Input is treated as hostile. Every length is checked against the bytes that are really there
 * before anything is allocated, decompression is capped (`maxUncompressedBytes`), and every
 * failure is a RecordBatchError (with the ProtocolDecodeError or CompressionError as `cause`).
 *
 * Record offsets are BaseOffset + OffsetDelta and timestamps BaseTimestamp + TimestampDelta, or
 * MaxTimestamp for every record when the batch is LogAppendTime (attributes bit 3), as Java's
 * consumer reads them. Header keys are decoded as UTF-8 leniently (invalid bytes become U+FFFD),
 * as Java does: a client that wrote odd bytes into a header key must not make the batch unreadable.
 * Keys, values and header values are views into the batch (or the decompressed buffer), not copies.
 */
import {
  CompressionError,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  decompress,
} from "../compression/index.ts";
import { ProtocolDecodeError } from "../errors.ts";
import { Reader } from "../primitives/reader.ts";
import {
  Codec,
  CRC_START,
  codecOf,
  LOG_OVERHEAD,
  MAGIC_V2,
  RECORD_BATCH_OVERHEAD,
  readBatchHeader,
  TIMESTAMP_TYPE_MASK,
} from "./batch-header.ts";
import { crc32c } from "./crc32c.ts";
import { RecordBatchError, RecordErrorCode } from "./errors.ts";

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface DecodedRecord {
  offset: bigint;
  timestampMs: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface DecodeRecordsOptions {
  /** Refuse batches whose records decompress to more than this. */
  maxUncompressedBytes?: number;
  /** Check the CRC-32C first. Default true; turn off only for bytes validated moments ago. */
  verifyCrc?: boolean;
}

/** The smallest record: Length, Attributes, TimestampDelta, OffsetDelta, Key, Value, Headers. */
const MIN_RECORD_BYTES = 7;

/** Decodes the records of the one whole batch that `batch` holds. */
export async function decodeRecords(
  batch: Buffer,
  opts: DecodeRecordsOptions = {},
): Promise<DecodedRecord[]> {
  const corrupt = (message: string, cause?: unknown): never => {
    throw new RecordBatchError(RecordErrorCode.CORRUPT_MESSAGE, message, { cause });
  };
  if (batch.length < RECORD_BATCH_OVERHEAD) {
    corrupt(`truncated: ${batch.length} bytes cannot hold a batch header`);
  }
  const header = readBatchHeader(batch, 0);
  if (header.magic !== MAGIC_V2) corrupt(`magic ${header.magic}; only v2 batches can be decoded`);
  if (header.batchLength + LOG_OVERHEAD !== batch.length) {
    corrupt(`BatchLength ${header.batchLength} does not match the ${batch.length}-byte batch`);
  }
  if (opts.verifyCrc !== false) {
    const crc = crc32c(batch, CRC_START);
    if (crc !== header.crc) {
      corrupt(`CRC mismatch: stored 0x${header.crc.toString(16)}, computed 0x${crc.toString(16)}`);
    }
  }
  if (header.recordCount < 0) corrupt(`invalid RecordsCount ${header.recordCount}`);
  // Compaction may leave empty batches behind to keep producer state.
  if (header.recordCount === 0) return [];

  const codec = codecOf(header);
  let payload = batch.subarray(RECORD_BATCH_OVERHEAD);
  if (codec !== Codec.none) {
    try {
      payload = await decompress(codec, payload, {
        maxOutputBytes: opts.maxUncompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
      });
    } catch (err) {
      if (!(err instanceof CompressionError)) throw err;
      const code =
        err.reason === "unknown_codec"
          ? RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE
          : err.reason === "too_large"
            ? RecordErrorCode.MESSAGE_TOO_LARGE
            : RecordErrorCode.CORRUPT_MESSAGE;
      throw new RecordBatchError(code, err.message, { cause: err });
    }
  } else if (
    opts.maxUncompressedBytes !== undefined &&
    payload.length > opts.maxUncompressedBytes
  ) {
    throw new RecordBatchError(
      RecordErrorCode.MESSAGE_TOO_LARGE,
      `records of ${payload.length} bytes exceed the ${opts.maxUncompressedBytes}-byte limit`,
    );
  }
  if (header.recordCount > payload.length / MIN_RECORD_BYTES) {
    corrupt(`RecordsCount ${header.recordCount} cannot fit in ${payload.length} bytes of records`);
  }

  const logAppendTime = (header.attributes & TIMESTAMP_TYPE_MASK) !== 0;
  const r = new Reader(payload);
  const records: DecodedRecord[] = [];
  let i = 0;
  try {
    for (; i < header.recordCount; i++) {
      const length = r.varint();
      if (length < 0 || length > r.remaining) r.fail(`record Length ${length}`);
      const recordEnd = r.offset + length;
      r.int8(); // attributes: unused in v2
      const timestampDelta = r.varlong();
      const offsetDelta = r.varint();
      const key = nullableBytes(r, "key");
      const value = nullableBytes(r, "value");
      const headerCount = r.varint();
      if (headerCount < 0) r.fail(`invalid header count ${headerCount}`);
      if (headerCount > r.remaining / 2)
        r.fail(`header count ${headerCount} exceeds the bytes left`);
      const headers: RecordHeader[] = [];
      for (let h = 0; h < headerCount; h++) {
        const keyLength = r.varint();
        if (keyLength < 0) r.fail(`invalid header key length ${keyLength}`);
        const headerKey = r.raw(keyLength).toString("utf8");
        headers.push({ key: headerKey, value: nullableBytes(r, "header value") });
      }
      if (r.offset !== recordEnd) {
        r.fail(
          `record fields take ${r.offset - (recordEnd - length)} bytes, Length says ${length}`,
        );
      }
      records.push({
        offset: header.baseOffset + BigInt(offsetDelta),
        timestampMs: logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta,
        key,
        value,
        headers,
      });
    }
  } catch (err) {
    if (err instanceof ProtocolDecodeError) corrupt(`record ${i}: ${err.message}`, err);
    throw err;
  }
  // Java's consumer ignores bytes after the last record of a compressed batch; an uncompressed
  // batch must end exactly where its records do.
  if (codec === Codec.none && r.remaining !== 0) {
    corrupt(`${r.remaining} bytes left after the ${header.recordCount} declared records`);
  }
  return records;
}

function nullableBytes(r: Reader, what: string): Buffer | null {
  const len = r.varint();
  if (len === -1) return null;
  if (len < -1) r.fail(`invalid ${what} length ${len}`);
  return r.raw(len);
}
