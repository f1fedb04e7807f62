import { describe, expect, it } from "vitest";
import {
  type BuildRecordBatchOptions,
  buildRecordBatch,
  Codec,
  RecordErrorCode,
  validateProduceRecords,
} from "../../../../lib/protocol/records/index.ts";
import { capturedBatches, refusal, resign } from "./helpers.ts";

const { CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, UNSUPPORTED_COMPRESSION_TYPE, INVALID_RECORD } =
  RecordErrorCode;
const opts = { maxMessageBytes: 1 << 20, zstdAllowed: true };

function batch(extra: Partial<BuildRecordBatchOptions> = {}): Promise<Buffer> {
  return buildRecordBatch({
    records: [
      { key: Buffer.from("a"), value: Buffer.from("1"), timestampMs: 1000n },
      { key: null, value: Buffer.from("2"), timestampMs: 1001n },
      {
        key: Buffer.from("c"),
        value: null,
        headers: [{ key: "h", value: Buffer.from("x") }],
        timestampMs: 1002n,
      },
    ],
    ...extra,
  });
}

describe("validateProduceRecords accepts", () => {
  it("every batch captured from Java, kafkajs and @platformatic/kafka", () => {
    for (const b of capturedBatches()) {
      const bytes = Buffer.from(b.hex, "hex");
      const views = validateProduceRecords(bytes, opts);
      expect(views).toHaveLength(1);
      expect(views[0].byteLength).toBe(bytes.length);
      expect(views[0].header.recordCount).toBeGreaterThan(0);
    }
  });

  it("several batches in one Records field, reporting where each one is", async () => {
    const a = await batch();
    const b = await batch({ codec: Codec.gzip });
    const views = validateProduceRecords(Buffer.concat([a, b]), opts);
    expect(views.map((v) => [v.byteOffset, v.byteLength])).toEqual([
      [0, a.length],
      [a.length, b.length],
    ]);
  });

  it("producerId -1 with epoch 0 and sequence 0, as kafkajs and @platformatic/kafka send", async () => {
    const b = await batch();
    b.writeInt16BE(0, 51);
    b.writeInt32BE(0, 53);
    expect(validateProduceRecords(resign(b), opts)).toHaveLength(1);
  });

  it("an idempotent, transactional batch", async () => {
    const b = await batch({
      producerId: 7n,
      producerEpoch: 0,
      baseSequence: 0,
      transactional: true,
    });
    expect(validateProduceRecords(b, opts)[0].header.producerId).toBe(7n);
  });

  it("a batch of exactly max.message.bytes", async () => {
    const b = await batch();
    expect(validateProduceRecords(b, { ...opts, maxMessageBytes: b.length })).toHaveLength(1);
  });

  it("a compressed payload without looking inside it (the write path never decompresses)", async () => {
    const b = await batch({ codec: Codec.gzip });
    b.fill(0x55, 61);
    expect(validateProduceRecords(resign(b), opts)).toHaveLength(1);
  });
});

describe("validateProduceRecords refuses", () => {
  it("an empty Records field (INVALID_RECORD)", () => {
    refusal(() => validateProduceRecords(Buffer.alloc(0), opts), INVALID_RECORD, /no record batch/);
  });

  it("a second batch when singleBatch is set, as Kafka does from Produce v3 (INVALID_RECORD)", async () => {
    const two = Buffer.concat([await batch(), await batch()]);
    const err = refusal(
      () => validateProduceRecords(two, { ...opts, singleBatch: true }),
      INVALID_RECORD,
      /more than one record batch/,
    );
    expect(err.batchIndex).toBe(1);
  });

  it("bytes too short to hold a batch header (CORRUPT_MESSAGE)", async () => {
    const b = await batch();
    refusal(() => validateProduceRecords(b.subarray(0, 16), opts), CORRUPT_MESSAGE, /truncated/);
  });

  it("magic 0 or 1 (INVALID_RECORD) and any other magic but 2 (CORRUPT_MESSAGE)", async () => {
    const b = await batch();
    for (const magic of [0, 1]) {
      b[16] = magic;
      refusal(() => validateProduceRecords(b, opts), INVALID_RECORD, new RegExp(`magic ${magic}`));
    }
    b[16] = 3;
    refusal(() => validateProduceRecords(b, opts), CORRUPT_MESSAGE, /invalid magic 3/);
  });

  it("a BatchLength below the 49-byte minimum (CORRUPT_MESSAGE)", async () => {
    const b = await batch();
    b.writeInt32BE(48, 8);
    refusal(() => validateProduceRecords(b, opts), CORRUPT_MESSAGE, /BatchLength 48 is smaller/);
  });

  it("a trailing partial batch (CORRUPT_MESSAGE)", async () => {
    const a = await batch();
    const two = Buffer.concat([a, a.subarray(0, a.length - 1)]);
    const err = refusal(() => validateProduceRecords(two, opts), CORRUPT_MESSAGE, /truncated/);
    expect([err.batchIndex, err.byteOffset]).toEqual([1, a.length]);
  });

  it("a batch larger than max.message.bytes (MESSAGE_TOO_LARGE), checked before the CRC as Kafka does", async () => {
    const b = await batch();
    b[b.length - 1] ^= 1; // CRC now wrong too
    refusal(
      () => validateProduceRecords(b, { ...opts, maxMessageBytes: b.length - 1 }),
      MESSAGE_TOO_LARGE,
      new RegExp(`batch of ${b.length} bytes exceeds max.message.bytes ${b.length - 1}`),
    );
  });

  it("a CRC that does not match (CORRUPT_MESSAGE, retriable)", async () => {
    const b = await batch();
    b[b.length - 1] ^= 1;
    const err = refusal(() => validateProduceRecords(b, opts), CORRUPT_MESSAGE, /CRC mismatch/);
    expect(err.retriable).toBe(true);
  });

  it("an unknown codec (UNSUPPORTED_COMPRESSION_TYPE)", async () => {
    const b = await batch();
    b.writeInt16BE(5, 21);
    refusal(
      () => validateProduceRecords(resign(b), opts),
      UNSUPPORTED_COMPRESSION_TYPE,
      /codec id 5/,
    );
  });

  it("zstd when the request version does not allow it (UNSUPPORTED_COMPRESSION_TYPE)", async () => {
    const b = await batch({ codec: Codec.zstd });
    const err = refusal(
      () => validateProduceRecords(b, { ...opts, zstdAllowed: false }),
      UNSUPPORTED_COMPRESSION_TYPE,
      /zstd/,
    );
    expect(err.retriable).toBe(false);
  });

  it("a BaseOffset other than 0 (INVALID_RECORD), which sits outside the CRC", async () => {
    const b = await batch();
    b.writeBigInt64BE(5n, 0);
    refusal(() => validateProduceRecords(b, opts), INVALID_RECORD, /BaseOffset is 5/);
  });

  it("a negative LastOffsetDelta (INVALID_RECORD)", async () => {
    const b = await batch();
    b.writeInt32BE(-1, 23);
    refusal(() => validateProduceRecords(resign(b), opts), INVALID_RECORD, /LastOffsetDelta -1/);
  });

  it("a RecordsCount of 0 (INVALID_RECORD)", async () => {
    const b = await batch();
    b.writeInt32BE(0, 57);
    refusal(() => validateProduceRecords(resign(b), opts), INVALID_RECORD, /RecordsCount 0/);
  });

  it("a RecordsCount that is not LastOffsetDelta + 1, uncompressed (INVALID_RECORD)", async () => {
    const b = await batch();
    b.writeInt32BE(2, 57);
    refusal(
      () => validateProduceRecords(resign(b), opts),
      INVALID_RECORD,
      /RecordsCount 2 does not match/,
    );
  });

  it("a RecordsCount that is not LastOffsetDelta + 1, compressed too, as Kafka does (INVALID_RECORD)", async () => {
    const b = await batch({ codec: Codec.lz4 });
    b.writeInt32BE(4, 23);
    refusal(
      () => validateProduceRecords(resign(b), opts),
      INVALID_RECORD,
      /does not match LastOffsetDelta 4/,
    );
  });

  it("a control batch (INVALID_RECORD)", async () => {
    const b = await batch({
      control: true,
      transactional: true,
      producerId: 1n,
      producerEpoch: 0,
      baseSequence: 0,
    });
    refusal(() => validateProduceRecords(b, opts), INVALID_RECORD, /control batches/);
  });

  it("a ProducerId with a negative epoch or sequence (INVALID_RECORD)", async () => {
    const b = await batch({ producerId: 9n, producerEpoch: 0, baseSequence: 0 });
    b.writeInt16BE(-1, 51);
    refusal(
      () => validateProduceRecords(resign(b), opts),
      INVALID_RECORD,
      /invalid ProducerEpoch -1/,
    );
    b.writeInt16BE(0, 51);
    b.writeInt32BE(-1, 53);
    refusal(
      () => validateProduceRecords(resign(b), opts),
      INVALID_RECORD,
      /invalid BaseSequence -1/,
    );
  });

  it("a transactional batch without a ProducerId (INVALID_RECORD)", async () => {
    const b = await batch({ transactional: true });
    refusal(
      () => validateProduceRecords(b, opts),
      INVALID_RECORD,
      /transactional batch without a ProducerId/,
    );
  });

  it("an uncompressed record whose Length disagrees with its fields (INVALID_RECORD)", async () => {
    const b = await batch();
    b[61] += 2; // first record's Length varint: one more than it is (zig-zag)
    refusal(() => validateProduceRecords(resign(b), opts), INVALID_RECORD, /record 0: fields take/);
  });

  it("bytes left over after the declared records (INVALID_RECORD)", async () => {
    const b = await batch();
    b.writeInt32BE(1, 23);
    b.writeInt32BE(2, 57);
    refusal(
      () => validateProduceRecords(resign(b), opts),
      INVALID_RECORD,
      /bytes left after the 2 records/,
    );
  });

  it("records that run past the end of the batch (INVALID_RECORD)", async () => {
    const b = await batch();
    b.writeInt32BE(3, 23);
    b.writeInt32BE(4, 57);
    refusal(() => validateProduceRecords(resign(b), opts), INVALID_RECORD, /record 3:/);
  });
});
