import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { resolveLogConfig } from "../../../../lib/broker/log/log-config.ts";
import {
  decodeSegmentFooter,
  describeChunk,
  encodeSegmentFooter,
  newSegmentKey,
  readSegmentFooter,
  SEGMENT_TRAILER_BYTES,
  type SegmentChunk,
  SegmentFormatError,
  segmentTailLength,
} from "../../../../lib/broker/log/segment-format.ts";
import { SegmentWriter } from "../../../../lib/broker/log/segment-writer.ts";
import { batchesIn } from "../../../../lib/protocol/records/batch-header.ts";
import { batch, listKeys, newKey, openStores, request, type Stores, values } from "./helpers.ts";

function chunk(byteStart: number, byteLength: number, partition = 0): SegmentChunk {
  return {
    topicId: randomUUID(),
    partition,
    byteStart,
    byteLength,
    batchCount: 3,
    recordCount: 17,
    minTimestampMs: 1_700_000_000_000,
    maxTimestampMs: 1_700_000_000_999,
    producerIds: [1n, 99n, 2n ** 62n],
  };
}

describe("segment footer", () => {
  it("round-trips every field", () => {
    const chunks = [chunk(0, 100, 3), { ...chunk(100, 50, 0), producerIds: [] }, chunk(150, 1, 7)];
    const tail = encodeSegmentFooter(1234, chunks);
    const footer = decodeSegmentFooter(tail, 151 + tail.length);
    expect(footer).toEqual({ formatVersion: 1, createdAtMs: 1234, chunks, tailBytes: tail.length });
  });

  it("decodes from the whole object, not only the tail", () => {
    const chunks = [chunk(0, 10)];
    const object = Buffer.concat([Buffer.alloc(10, 7), encodeSegmentFooter(5, chunks)]);
    expect(decodeSegmentFooter(object, object.length).chunks).toEqual(chunks);
    expect(segmentTailLength(object)).toBe(object.length - 10);
  });

  it("handles a segment with no chunks", () => {
    const tail = encodeSegmentFooter(0, []);
    expect(decodeSegmentFooter(tail, tail.length).chunks).toEqual([]);
  });

  it("refuses chunks that are not laid out back to back from byte 0", () => {
    expect(() => encodeSegmentFooter(0, [chunk(5, 10)])).toThrow(SegmentFormatError);
    expect(() => encodeSegmentFooter(0, [chunk(0, 10), chunk(11, 1)])).toThrow(SegmentFormatError);
  });

  it("detects a flipped bit anywhere in the footer or trailer", () => {
    const tail = encodeSegmentFooter(99, [chunk(0, 100), chunk(100, 20)]);
    for (let i = 0; i < tail.length; i++) {
      if (
        i >= tail.length - SEGMENT_TRAILER_BYTES + 6 &&
        i < tail.length - SEGMENT_TRAILER_BYTES + 8
      ) {
        continue; // the flags field is reserved and not covered
      }
      const bad = Buffer.from(tail);
      bad[i] ^= 0x10;
      expect(() => decodeSegmentFooter(bad, 120 + tail.length), `byte ${i}`).toThrow(
        SegmentFormatError,
      );
    }
  });

  it("names what is wrong", () => {
    const tail = encodeSegmentFooter(1, [chunk(0, 10)]);
    const badMagic = Buffer.from(tail);
    badMagic[badMagic.length - 1] = 0;
    expect(() => decodeSegmentFooter(badMagic)).toThrow(/bad magic/);
    const badVersion = Buffer.from(tail);
    badVersion.writeUInt16BE(9, tail.length - SEGMENT_TRAILER_BYTES + 4);
    expect(() => decodeSegmentFooter(badVersion)).toThrow(/version 9/);
    expect(() => decodeSegmentFooter(tail.subarray(5))).toThrow(/needs/);
    expect(() => decodeSegmentFooter(tail.subarray(0, 4))).toThrow(/trailer/);
    const badCrc = Buffer.from(tail);
    badCrc[0] ^= 1;
    expect(() => decodeSegmentFooter(badCrc)).toThrow(/CRC/);
    expect(() => decodeSegmentFooter(tail, 9 + tail.length)).toThrow(/chunks end at 10/);
  });

  it("never throws anything but SegmentFormatError on hostile bytes (fuzz)", () => {
    const valid = encodeSegmentFooter(7, [chunk(0, 10), chunk(10, 30)]);
    const check = (bytes: Buffer) => {
      try {
        decodeSegmentFooter(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(SegmentFormatError);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (a) => check(Buffer.from(a))));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const bytes = Buffer.from(valid);
          for (const [at, v] of edits) bytes[at] = v;
          check(bytes);
        },
      ),
    );
  });

  it("describes a chunk from its batches", async () => {
    const records = request(
      await batch({ values: values("a", 3), timestampsMs: [500n, 900n, 700n] }),
      await batch({ values: values("b", 2), producerId: 8n, timestampsMs: [400n, 450n] }),
      await batch({ values: ["c"], producerId: 8n, baseSequence: 2, timestampsMs: [600n] }),
    );
    const c = describeChunk("00000000-0000-4000-8000-000000000001", 4, 64, records.batches);
    expect(c).toEqual({
      topicId: "00000000-0000-4000-8000-000000000001",
      partition: 4,
      byteStart: 64,
      byteLength: records.records.length,
      batchCount: 3,
      recordCount: 6,
      minTimestampMs: 400,
      maxTimestampMs: 900,
      producerIds: [8n],
    });
  });

  it("makes unique keys spread over two-hex-digit prefixes", () => {
    const keys = Array.from({ length: 500 }, () => newSegmentKey());
    expect(new Set(keys).size).toBe(500);
    for (const k of keys) expect(k).toMatch(/^segments\/[0-9a-f]{2}\/[0-9a-f-]{36}\.seg$/);
    expect(new Set(keys.map((k) => k.slice(9, 11))).size).toBeGreaterThan(100);
    expect(newSegmentKey("x/")).toMatch(/^x\/[0-9a-f]{2}\//);
  });
});

describe("a written segment describes itself", () => {
  let stores: Stores | undefined;
  afterEach(async () => {
    await stores?.cleanup();
    stores = undefined;
  });

  it("lets its chunks be found and walked from the object alone", async () => {
    stores = await openStores();
    const writer = new SegmentWriter({
      objectStore: stores.objectStore,
      metadataStore: stores.metadataStore,
      config: resolveLogConfig({ lingerMs: 0 }),
    });
    const k1 = newKey(0);
    const k2 = newKey(3);
    const a = request(await batch({ values: values("a", 4) }));
    const b = request(await batch({ values: values("b", 2) }), await batch({ values: ["b2"] }));
    const c = request(await batch({ values: values("c", 5), producerId: 77n }));
    await Promise.all([
      writer.append(k1, a.records, a.batches),
      writer.append(k2, b.records, b.batches),
      writer.append(k1, c.records, c.batches),
    ]);
    await writer.close();

    const [key] = await listKeys(stores.objectStore, "segments/");
    let size = 0;
    for await (const o of stores.objectStore.list(key)) size = o.sizeBytes;
    const footer = await readSegmentFooter(stores.objectStore, key, size, 64);
    expect(
      footer.chunks.map((ch) => [ch.topicId, ch.partition, ch.batchCount, ch.recordCount]),
    ).toEqual([
      [k1.topicId, 0, 2, 9],
      [k2.topicId, 3, 2, 3],
    ]);
    expect(footer.chunks[0].producerIds).toEqual([77n]);
    const object = await stores.objectStore.get(key);
    const firstChunk = footer.chunks[0];
    const walked = [
      ...batchesIn(object, firstChunk.byteStart, firstChunk.byteStart + firstChunk.byteLength),
    ];
    expect(walked.map((v) => v.header.recordCount)).toEqual([4, 5]);
    // Bytes exactly as the producers sent them.
    expect(object.subarray(0, a.records.length).equals(a.records)).toBe(true);
  });
});
