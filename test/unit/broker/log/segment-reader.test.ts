import { afterEach, describe, expect, it } from "vitest";
import { resolveLogConfig } from "../../../../lib/broker/log/log-config.ts";
import {
  assignOffsets,
  ChunkCorruptError,
  COALESCE_MAX_GAP_BYTES,
  COALESCE_MAX_SPAN_BYTES,
  coalescedRuns,
  SegmentReader,
} from "../../../../lib/broker/log/segment-reader.ts";
import { SegmentWriter } from "../../../../lib/broker/log/segment-writer.ts";
import { batchesIn } from "../../../../lib/protocol/records/batch-header.ts";
import { decodeRecords } from "../../../../lib/protocol/records/decode.ts";
import type { ChunkEntry } from "../../../../lib/storage/ports.ts";
import {
  baseOffsetsOf,
  batch,
  FaultyObjectStore,
  newKey,
  openStores,
  request,
  type Stores,
  sleep,
  values,
} from "./helpers.ts";

let stores: Stores | undefined;
afterEach(async () => {
  await stores?.cleanup();
  stores = undefined;
});

/** Fresh stores, and a writer to them whose GETs and PUTs are counted. */
async function openWriter(lingerMs: number) {
  stores = await openStores();
  const objects = new FaultyObjectStore(stores.objectStore);
  const writer = new SegmentWriter({
    objectStore: objects,
    metadataStore: stores.metadataStore,
    config: resolveLogConfig({ lingerMs }),
  });
  return { objects, writer, metadataStore: stores.metadataStore };
}

/** Writes three appends (3, 2 and 4 records) to one partition in one segment; returns its entry. */
async function oneChunk(): Promise<{
  entry: ChunkEntry;
  older: ChunkEntry;
  objects: FaultyObjectStore;
  sent: Buffer[];
}> {
  const { objects, writer, metadataStore } = await openWriter(0);
  const key = newKey();
  const sent = [
    await batch({ values: values("a", 3) }),
    await batch({ values: values("b", 2) }),
    await batch({ values: values("c", 4) }),
  ];
  // Something at offsets 0..9 first, so assigned offsets differ from what producers sent.
  const first = request(await batch({ values: values("z", 10) }));
  await writer.append(key, first.records, first.batches);
  await Promise.all(
    sent.map((b) => request(b)).map((r) => writer.append(key, r.records, r.batches)),
  );
  await writer.close();
  const entries = await metadataStore.findChunks(key, 0n, 10);
  expect(entries).toHaveLength(2);
  return { entry: entries[1], older: entries[0], objects, sent };
}

/** One flush of `partitions` partitions of one topic (two appends each): their chunk entries. */
async function oneSegment(partitions: number): Promise<{
  entries: ChunkEntry[];
  objects: FaultyObjectStore;
}> {
  const { objects, writer, metadataStore } = await openWriter(50);
  const topic = newKey();
  const keys = Array.from({ length: partitions }, (_, partition) => ({ ...topic, partition }));
  const appends = [];
  for (const key of keys) {
    for (const label of ["x", "y"]) {
      const r = request(await batch({ values: values(`${label}${key.partition}`, 3) }));
      appends.push(writer.append(key, r.records, r.batches));
    }
  }
  await Promise.all(appends);
  await writer.close();
  const entries = (await Promise.all(keys.map((k) => metadataStore.findChunks(k, 0n, 10)))).flat();
  expect(new Set(entries.map((e) => e.segmentKey)).size).toBe(1);
  return { entries, objects };
}

const at = (byteStart: number, byteLength: number): { entry: ChunkEntry } => ({
  entry: {
    ...newKey(),
    segmentKey: "segments/00/s.seg",
    byteStart,
    byteLength,
    baseOffset: 0n,
    lastOffset: 0n,
    batchCount: 1,
    maxTimestampMs: 0,
    runningMaxTimestampMs: 0,
  },
});

describe("coalescedRuns", () => {
  it("puts chunks of one segment in one run while gaps and length stay within the limits", () => {
    const runs = coalescedRuns([
      at(5_000, 1_000),
      at(0, 1_000),
      at(1_000 + COALESCE_MAX_GAP_BYTES, 1_000), // gap from 1,000: exactly the limit
      at(3_000 + 2 * COALESCE_MAX_GAP_BYTES, 1_000), // gap over the limit: a new run
    ]);
    expect(runs.map((r) => r.map((w) => w.entry.byteStart))).toEqual([
      [0, 5_000, 1_000 + COALESCE_MAX_GAP_BYTES],
      [3_000 + 2 * COALESCE_MAX_GAP_BYTES],
    ]);
  });

  it("starts a new run where one GET would read more than COALESCE_MAX_SPAN_BYTES", () => {
    const chunk = 512 * 1024;
    const count = COALESCE_MAX_SPAN_BYTES / chunk + 1;
    const runs = coalescedRuns(Array.from({ length: count }, (_, i) => at(i * chunk, chunk)));
    expect(runs.map((r) => r.length)).toEqual([count - 1, 1]);
  });
});

describe("SegmentReader", () => {
  it("returns the chunk with every batch's BaseOffset rewritten, CRCs still valid", async () => {
    const { entry, objects, sent } = await oneChunk();
    const reader = new SegmentReader({ objectStore: objects, cacheBytes: 1 << 20 });
    const buf = await reader.read(entry);
    expect(baseOffsetsOf([buf])).toEqual([10n, 13n, 15n]);
    const offsets: bigint[] = [];
    for (const v of batchesIn(buf)) {
      for (const r of await decodeRecords(
        buf.subarray(v.byteOffset, v.byteOffset + v.byteLength),
      )) {
        offsets.push(r.offset); // decodeRecords verifies the CRC
      }
    }
    expect(offsets).toEqual([10n, 11n, 12n, 13n, 14n, 15n, 16n, 17n, 18n]);
    // The producer's own buffers were not touched.
    for (const b of sent) expect(b.readBigInt64BE(0)).toBe(0n);
  });

  it("serves repeated reads from the cache and shares one GET between concurrent misses", async () => {
    const { entry, objects } = await oneChunk();
    const reader = new SegmentReader({ objectStore: objects, cacheBytes: 1 << 20 });
    const gets = objects.rangeGets;
    const [a, b, c] = await Promise.all([
      reader.read(entry),
      reader.read(entry),
      reader.read(entry),
    ]);
    expect(objects.rangeGets - gets).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(await reader.read(entry)).toBe(a);
    expect(objects.rangeGets - gets).toBe(1);
    expect(reader.metrics).toMatchObject({ cacheMisses: 1, cacheHits: 3, rangeGets: 1 });
    expect(reader.sizeBytes).toBe(entry.byteLength);
  });

  it("reads the chunks of one segment missed in the same turn with one GET, each as a lone read would", async () => {
    const { entries, objects } = await oneSegment(6);
    const together = new SegmentReader({ objectStore: objects, cacheBytes: 1 << 20 });
    const gets = objects.rangeGets;
    const shared = await Promise.all(entries.map((e) => together.read(e)));
    expect(objects.rangeGets - gets).toBe(1);
    expect(together.metrics).toMatchObject({ cacheMisses: 6, rangeGets: 1 });
    const alone = new SegmentReader({ objectStore: objects, cacheBytes: 1 << 20 });
    for (const [i, e] of entries.entries()) {
      const buf = await alone.read(e);
      expect(shared[i].equals(buf)).toBe(true);
      expect(baseOffsetsOf([buf])).toEqual([0n, 3n]);
    }
    expect(alone.metrics.rangeGets).toBe(6);
  });

  it("fails only the read whose chunk does not match its entry in a shared GET", async () => {
    const { entries, objects } = await oneSegment(3);
    const reader = new SegmentReader({ objectStore: objects, cacheBytes: 1 << 20 });
    const wrong = { ...entries[1], lastOffset: entries[1].lastOffset + 1n };
    const [a, b, c] = await Promise.allSettled([
      reader.read(entries[0]),
      reader.read(wrong),
      reader.read(entries[2]),
    ]);
    expect(reader.metrics.rangeGets).toBe(1);
    expect(a.status).toBe("fulfilled");
    expect(b).toMatchObject({ status: "rejected", reason: expect.any(ChunkCorruptError) });
    expect(c.status).toBe("fulfilled");
  });

  it("evicts least recently used chunks beyond cacheBytes", async () => {
    const { entry, older, objects } = await oneChunk();
    const reader = new SegmentReader({
      objectStore: objects,
      cacheBytes: entry.byteLength + older.byteLength - 1,
    });
    await reader.read(older);
    await reader.read(entry); // older is evicted: both do not fit
    expect(reader.sizeBytes).toBe(entry.byteLength);
    await reader.read(entry);
    expect(reader.metrics).toMatchObject({ rangeGets: 2, cacheHits: 1 });
    await reader.read(older);
    expect(reader.metrics.rangeGets).toBe(3);
    expect(reader.sizeBytes).toBe(older.byteLength);
  });

  it("does not cache a chunk larger than cacheBytes", async () => {
    const { entry, objects } = await oneChunk();
    const tiny = new SegmentReader({ objectStore: objects, cacheBytes: entry.byteLength - 1 });
    await tiny.read(entry);
    await tiny.read(entry);
    expect(tiny.metrics.rangeGets).toBe(2);
    expect(tiny.sizeBytes).toBe(0);
  });

  it("primes the cache from bytes it may not modify by copying them", async () => {
    const { entry, objects, sent } = await oneChunk();
    const reader = new SegmentReader({ objectStore: objects, cacheBytes: 1 << 20 });
    const asSent = Buffer.concat(sent);
    const copy = Buffer.from(asSent);
    reader.prime(entry, asSent, false);
    expect(asSent.equals(copy)).toBe(true);
    const gets = objects.rangeGets;
    expect(baseOffsetsOf([await reader.read(entry)])).toEqual([10n, 13n, 15n]);
    expect(objects.rangeGets).toBe(gets);
  });

  it("refuses a chunk that does not match its index entry", async () => {
    const { entry, objects } = await oneChunk();
    const reader = new SegmentReader({ objectStore: objects, cacheBytes: 1 << 20 });
    await expect(
      reader.read({ ...entry, batchCount: 2, byteStart: entry.byteStart + 1 }),
    ).rejects.toThrow();
    const buf = Buffer.from(
      await objects.getRange(entry.segmentKey, entry.byteStart, entry.byteLength),
    );
    expect(() => assignOffsets(buf, { ...entry, lastOffset: entry.lastOffset + 1n })).toThrow(
      ChunkCorruptError,
    );
    expect(() => assignOffsets(buf, { ...entry, batchCount: 4 })).toThrow(ChunkCorruptError);
  });

  it("does not keep a failed GET around", async () => {
    const { entry, objects } = await oneChunk();
    const reader = new SegmentReader({ objectStore: objects, cacheBytes: 1 << 20 });
    const missing = { ...entry, segmentKey: "segments/00/missing.seg" };
    await expect(reader.read(missing)).rejects.toThrow(/not found/);
    await sleep(1);
    await expect(reader.read(missing)).rejects.toThrow(/not found/);
    expect(reader.metrics.cacheMisses).toBe(2);
  });
});
