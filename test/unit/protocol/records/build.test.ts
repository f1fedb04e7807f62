import { describe, expect, it } from "vitest";
import {
  buildRecordBatch,
  Codec,
  type CodecName,
  crc32c,
  decodeRecords,
  isControlBatch,
  isTransactionalBatch,
  readBatchHeader,
  validateProduceRecords,
} from "../../../../lib/protocol/records/index.ts";
import { bulk, small } from "../../../fixtures/batches/datasets.ts";
import { toBuildRecords } from "./helpers.ts";

const opts = { maxMessageBytes: 1 << 22, zstdAllowed: true };

describe("buildRecordBatch", () => {
  for (const name of Object.keys(Codec) as CodecName[]) {
    it(`${name}: builds a batch that validates and decodes back to its records`, async () => {
      for (const data of [small(), bulk()]) {
        const records = toBuildRecords(data);
        const batch = await buildRecordBatch({ records, codec: Codec[name] });
        const [view] = validateProduceRecords(batch, opts);
        expect(view.header.attributes & 7).toBe(Codec[name]);
        const decoded = await decodeRecords(batch);
        expect(decoded.map((r) => r.timestampMs)).toEqual(data.map((r) => r.timestampMs));
        const hex = (b: Buffer | null) => (b === null ? null : b.toString("hex"));
        expect(decoded.map((r) => [hex(r.key), hex(r.value)])).toEqual(
          records.map((r) => [hex(r.key), hex(r.value)]),
        );
        expect(decoded.map((r) => r.headers.map((h) => [h.key, hex(h.value)]))).toEqual(
          records.map((r) => (r.headers ?? []).map((h) => [h.key, hex(h.value)])),
        );
      }
    });
  }

  it("fills the header as Java's producer does", async () => {
    const batch = await buildRecordBatch({ records: toBuildRecords(small()) });
    const h = readBatchHeader(batch, 0);
    expect(h).toMatchObject({
      baseOffset: 0n,
      batchLength: batch.length - 12,
      partitionLeaderEpoch: -1,
      magic: 2,
      crc: crc32c(batch, 21),
      attributes: 0,
      lastOffsetDelta: 3,
      baseTimestamp: 1700000000000n, // the first record's, even though a later one is earlier
      maxTimestamp: 1700000000005n,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: 4,
    });
  });

  it("sets producer fields and the transactional and control bits", async () => {
    const batch = await buildRecordBatch({
      records: [{ key: null, value: null }],
      producerId: 42n,
      producerEpoch: 7,
      baseSequence: 100,
      transactional: true,
      control: true,
      baseOffset: 5n,
      partitionLeaderEpoch: 3,
    });
    const h = readBatchHeader(batch, 0);
    expect([
      h.producerId,
      h.producerEpoch,
      h.baseSequence,
      h.baseOffset,
      h.partitionLeaderEpoch,
    ]).toEqual([42n, 7, 100, 5n, 3]);
    expect(isTransactionalBatch(h) && isControlBatch(h)).toBe(true);
  });

  it("stamps records without a timestamp with baseTimestampMs, else the current time", async () => {
    const fixed = await buildRecordBatch({
      records: [{ key: null, value: null }],
      baseTimestampMs: 123n,
    });
    expect((await decodeRecords(fixed))[0].timestampMs).toBe(123n);
    const before = BigInt(Date.now());
    const now = await buildRecordBatch({ records: [{ key: null, value: null }] });
    const ts = (await decodeRecords(now))[0].timestampMs;
    expect(ts >= before && ts <= BigInt(Date.now())).toBe(true);
  });

  it("refuses what no valid batch can hold", async () => {
    await expect(buildRecordBatch({ records: [] })).rejects.toThrow(RangeError);
    const one = [{ key: null, value: null }];
    await expect(buildRecordBatch({ records: one, producerEpoch: 40000 })).rejects.toThrow(
      RangeError,
    );
    await expect(buildRecordBatch({ records: one, baseSequence: 2 ** 31 })).rejects.toThrow(
      RangeError,
    );
    await expect(buildRecordBatch({ records: one, producerId: 2n ** 63n })).rejects.toThrow(
      RangeError,
    );
    await expect(buildRecordBatch({ records: one, producerId: 1n })).rejects.toThrow(
      /producerEpoch/,
    );
  });
});
