/** RecordBatch v2: header layout, validation on produce, decoding, building, CRC-32C. */
export {
  type BatchHeader,
  type BatchView,
  batchesIn,
  CODEC_MASK,
  CONTROL_MASK,
  Codec,
  type CodecId,
  type CodecName,
  CRC_START,
  codecOf,
  isControlBatch,
  isTransactionalBatch,
  LOG_OVERHEAD,
  MAGIC_V2,
  offsetCountOf,
  RECORD_BATCH_OVERHEAD,
  readBatchHeader,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_MASK,
  writeBaseOffset,
} from "./batch-header.ts";
export { type BuildRecord, type BuildRecordBatchOptions, buildRecordBatch } from "./build.ts";
export { crc32c } from "./crc32c.ts";
export {
  type DecodedRecord,
  type DecodeRecordsOptions,
  decodeRecords,
  type RecordHeader,
} from "./decode.ts";
export { RecordBatchError, type RecordBatchErrorOptions, RecordErrorCode } from "./errors.ts";
export { type ValidateProduceOptions, validateProduceRecords } from "./validate.ts";
