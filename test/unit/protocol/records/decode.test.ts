import { describe, expect, it } from "vitest";
import {
  buildRecordBatch,
  Codec,
  type DecodedRecord,
  decodeRecords,
  RecordErrorCode,
  TIMESTAMP_TYPE_MASK,
} from "../../../../lib/protocol/records/index.ts";
import { type DatasetRecord, dataset } from "../../../fixtures/batches/datasets.ts";
import { asyncRefusal, capturedBatches, resign } from "./helpers.ts";

const { CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, UNSUPPORTED_COMPRESSION_TYPE } = RecordErrorCode;

function plain(records: DecodedRecord[]): DatasetRecord[] {
  const text = (b: Buffer | null) => (b === null ? null : b.toString("utf8"));
  return records.map((r) => ({
    timestampMs: r.timestampMs,
    key: text(r.key),
    value: text(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
  }));
}

describe("decodeRecords on batches captured from real clients", () => {
  for (const b of capturedBatches()) {
    it(`${b.file}: ${b.name}`, async () => {
      const bytes = Buffer.from(b.hex, "hex");
      expect(bytes.readInt16BE(21) & 7).toBe(Codec[b.codec]);
      const records = await decodeRecords(bytes);
      expect(plain(records)).toEqual(dataset(b.dataset));
      expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => BigInt(i)));
      if (b.idempotent) {
        expect([bytes.readBigInt64BE(43), bytes.readInt16BE(51), bytes.readInt32BE(53)]).toEqual([
          4242n,
          3,
          17,
        ]);
      }
    });
  }
});

describe("decodeRecords", () => {
  it("adds BaseOffset to each OffsetDelta", async () => {
    const b = await buildRecordBatch({
      records: [
        { key: null, value: Buffer.from("a") },
        { key: null, value: Buffer.from("b") },
      ],
      baseOffset: 1_000_000_000_000n,
    });
    expect((await decodeRecords(b)).map((r) => r.offset)).toEqual([
      1_000_000_000_000n,
      1_000_000_000_001n,
    ]);
  });

  it("gives every record MaxTimestamp when the batch is LogAppendTime", async () => {
    const b = await buildRecordBatch({
      records: [
        { key: null, value: null, timestampMs: 10n },
        { key: null, value: null, timestampMs: 20n },
      ],
    });
    expect((await decodeRecords(b)).map((r) => r.timestampMs)).toEqual([10n, 20n]);
    b.writeInt16BE(b.readInt16BE(21) | TIMESTAMP_TYPE_MASK, 21);
    b.writeBigInt64BE(99n, 35);
    expect((await decodeRecords(resign(b))).map((r) => r.timestampMs)).toEqual([99n, 99n]);
  });

  it("returns no records for an empty batch, as compaction leaves them", async () => {
    const b = await buildRecordBatch({ records: [{ key: null, value: null }] });
    const empty = Buffer.from(b.subarray(0, 61));
    empty.writeInt32BE(49, 8);
    empty.writeInt32BE(0, 57);
    expect(await decodeRecords(resign(empty))).toEqual([]);
  });

  it("decodes header keys that are not valid UTF-8 leniently, as Java does", async () => {
    const b = await buildRecordBatch({
      records: [{ key: null, value: null, headers: [{ key: "ab", value: null }] }],
    });
    const at = b.indexOf(Buffer.from("ab"));
    b[at] = 0xff;
    const [rec] = await decodeRecords(resign(b));
    expect(rec.headers[0].key).toBe("\ufffdb");
  });

  it("can skip the CRC check for bytes it has just validated", async () => {
    const b = await buildRecordBatch({ records: [{ key: null, value: Buffer.from("v") }] });
    b.writeUInt32BE(0, 17);
    await asyncRefusal(decodeRecords(b), CORRUPT_MESSAGE, /CRC mismatch/);
    expect(await decodeRecords(b, { verifyCrc: false })).toHaveLength(1);
  });
});

describe("decodeRecords refuses", () => {
  it("fewer bytes than a header (CORRUPT_MESSAGE)", async () => {
    await asyncRefusal(decodeRecords(Buffer.alloc(60)), CORRUPT_MESSAGE, /truncated/);
  });

  it("a buffer that is not exactly one batch (CORRUPT_MESSAGE)", async () => {
    const b = await buildRecordBatch({ records: [{ key: null, value: null }] });
    await asyncRefusal(
      decodeRecords(Buffer.concat([b, Buffer.alloc(1)])),
      CORRUPT_MESSAGE,
      /does not match/,
    );
  });

  it("a magic other than 2 (CORRUPT_MESSAGE)", async () => {
    const b = await buildRecordBatch({ records: [{ key: null, value: null }] });
    b[16] = 1;
    await asyncRefusal(decodeRecords(b), CORRUPT_MESSAGE, /magic 1/);
  });

  it("a RecordsCount bigger than the bytes could hold, before allocating anything (CORRUPT_MESSAGE)", async () => {
    const b = await buildRecordBatch({ records: [{ key: null, value: null }] });
    b.writeInt32BE(0x7fffffff, 57);
    await asyncRefusal(
      decodeRecords(resign(b)),
      CORRUPT_MESSAGE,
      /RecordsCount 2147483647 cannot fit/,
    );
  });

  it("a key length past the end of the records (CORRUPT_MESSAGE)", async () => {
    const b = await buildRecordBatch({ records: [{ key: Buffer.from("k"), value: null }] });
    b[65] = 0x7e; // key length varint: 63
    await asyncRefusal(decodeRecords(resign(b)), CORRUPT_MESSAGE, /record 0:/);
  });

  it("an unknown codec (UNSUPPORTED_COMPRESSION_TYPE)", async () => {
    const b = await buildRecordBatch({ records: [{ key: null, value: null }], codec: Codec.gzip });
    b.writeInt16BE(6, 21);
    await asyncRefusal(decodeRecords(resign(b)), UNSUPPORTED_COMPRESSION_TYPE, /codec id 6/);
  });

  it("a compressed payload that does not decompress (CORRUPT_MESSAGE, with the cause)", async () => {
    for (const codec of [Codec.gzip, Codec.snappy, Codec.lz4, Codec.zstd]) {
      const b = await buildRecordBatch({
        records: [{ key: null, value: Buffer.alloc(100, 1) }],
        codec,
      });
      b.fill(0x42, 61 + 4);
      const err = await asyncRefusal(decodeRecords(resign(b)), CORRUPT_MESSAGE, /./);
      expect(err.cause).toBeDefined();
    }
  });

  it("records that decompress past maxUncompressedBytes (MESSAGE_TOO_LARGE)", async () => {
    const b = await buildRecordBatch({
      records: [{ key: null, value: Buffer.alloc(1 << 20) }],
      codec: Codec.zstd,
    });
    await asyncRefusal(
      decodeRecords(b, { maxUncompressedBytes: 1 << 16 }),
      MESSAGE_TOO_LARGE,
      /limit/,
    );
  });
});
