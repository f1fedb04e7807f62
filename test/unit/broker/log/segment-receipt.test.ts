/**
 * Segment receipts (lib/broker/log/segment-receipt.ts) as the real segment writer writes them,
 * on the embedded backend, and how the orphan collector uses them.
 *
 * Specs: a flush's receipt names each partition it committed with its chunk's last offset, and
 * no partition it did not commit (refused or duplicate appends); a flush whose commit call
 * failed without an outcome writes none; a failed receipt write costs the producer nothing; the
 * collector judges a receipted object without reading it, deletes its receipt with it, and
 * falls back to searching for an object without one.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../lib/broker/log/errors.ts";
import { resolveLogConfig } from "../../../../lib/broker/log/log-config.ts";
import { OrphanSegmentCollector } from "../../../../lib/broker/log/orphan-gc.ts";
import { SegmentWriter } from "../../../../lib/broker/log/segment-writer.ts";
import type { MetadataStore, PartitionKey } from "../../../../lib/storage/ports.ts";
import {
  batch,
  faultyMetadataStore,
  listKeys,
  newKey,
  openStores,
  request,
  type Stores,
} from "./helpers.ts";

const HOUR_MS = 60 * 60_000;

let stores: Stores | undefined;
const writers: SegmentWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) await w.close();
  await stores?.cleanup();
  stores = undefined;
});

async function setup(wrap: (m: MetadataStore) => MetadataStore = (m) => m) {
  stores = await openStores();
  const metadataStore = wrap(stores.metadataStore);
  const writer = new SegmentWriter({
    objectStore: stores.objectStore,
    metadataStore,
    config: resolveLogConfig({ lingerMs: 0 }),
  });
  writers.push(writer);
  const s = stores;
  return {
    stores: s,
    writer,
    metadataStore,
    segments: () => listKeys(s.objectStore, "segments/"),
    receiptOf: async (key: string) => {
      await writer.receiptsWritten(); // appends do not wait for them
      return (await s.metadataStore.getSegmentReceipts([key])).get(key);
    },
    collector: () =>
      new OrphanSegmentCollector({
        objectStore: s.objectStore,
        metadataStore: s.metadataStore,
        nowMs: () => Date.now() + 2 * HOUR_MS,
      }),
  };
}

/** One flush holding `records` one-record batches for each key (lingerMs 0: all at once). */
async function appendAll(writer: SegmentWriter, appends: [PartitionKey, Buffer][]) {
  return Promise.all(
    appends.map(([key, b]) => {
      const r = request(b);
      return writer.append(key, r.records, r.batches);
    }),
  );
}

describe("segment receipts", () => {
  it("name every partition a flush committed, with its chunk's last offset, and no other", async () => {
    const t = await setup();
    const [a, b, c] = [newKey(0), newKey(1), newKey(2)];
    // c's batch is committed by a first flush; the second flush holds it again, a duplicate.
    const cBatch = await batch({ values: ["c0"], producerId: 7n, baseSequence: 0 });
    await appendAll(t.writer, [[c, cBatch]]);
    const [first] = await t.segments();
    const [, , dup] = await appendAll(t.writer, [
      [a, await batch({ values: ["a0", "a1", "a2"] })],
      [b, await batch({ values: ["b0"] })],
      [c, cBatch],
    ]);
    expect(dup.batches[0]).toMatchObject({ duplicate: true, baseOffset: 0n });
    const seg = (await t.segments()).find((k) => k !== first) ?? "";
    const receipt = await t.receiptOf(seg);
    const sorted = [...(receipt ?? [])].sort((x, y) => x.partition - y.partition);
    expect(sorted).toEqual([
      { ...a, lastOffset: 2n },
      { ...b, lastOffset: 0n },
    ]);
    expect(await t.receiptOf(first)).toEqual([{ ...c, lastOffset: 0n }]);
    expect((await t.stores.metadataStore.findChunks(a, 2n, 1))[0].segmentKey).toBe(seg);
  });

  it("are not written for a flush whose commit call failed without an outcome", async () => {
    const t = await setup((m) => faultyMetadataStore(m));
    (t.metadataStore as ReturnType<typeof faultyMetadataStore>).failCommits = 1;
    await expect(
      appendAll(t.writer, [[newKey(), await batch({ values: ["x"] })]]),
    ).rejects.toMatchObject({ code: ErrorCode.KAFKA_STORAGE_ERROR });
    const [seg] = await t.segments();
    expect(await t.receiptOf(seg)).toBeUndefined();
    expect(t.writer.metrics).toMatchObject({ segmentReceiptsInDoubt: 1, segmentReceipts: 0 });
  });

  it("cost the producer nothing when their write fails", async () => {
    const t = await setup((m) => {
      return new Proxy(m, {
        get(target, prop, receiver) {
          if (prop === "putSegmentReceipt")
            return () => Promise.reject(new Error("no receipts today"));
          const v = Reflect.get(target, prop, receiver);
          return typeof v === "function" ? v.bind(target) : v;
        },
      });
    });
    const [outcome] = await appendAll(t.writer, [[newKey(), await batch({ values: ["x"] })]]);
    expect(outcome.errorCode).toBe(ErrorCode.NONE);
    const [seg] = await t.segments();
    expect(await t.receiptOf(seg)).toBeUndefined();
    expect(t.writer.metrics).toMatchObject({ segmentReceiptFailures: 1, segmentReceipts: 0 });
  });

  it("let the collector judge an object without reading it, and go with it", async () => {
    const t = await setup();
    const [a, b] = [newKey(0), newKey(1)];
    await appendAll(t.writer, [
      [a, await batch({ values: ["a"] })],
      [b, await batch({ values: ["b"] })],
    ]);
    const [seg] = await t.segments();
    await t.writer.receiptsWritten();
    const collector = t.collector();
    expect(await collector.run()).toMatchObject({ referenced: 1, deleted: 0 });
    expect(collector.metrics).toMatchObject({ receiptChecks: 1, footerReads: 0 });

    await t.stores.metadataStore.deleteChunksBelow(a, 1n);
    expect(await collector.run()).toMatchObject({ referenced: 1, deleted: 0 }); // b still has it
    await t.stores.metadataStore.deleteChunksBelow(b, 1n);
    expect(await collector.run()).toMatchObject({ orphans: 1, deleted: 1 });
    expect(collector.metrics).toMatchObject({ receiptChecks: 3, footerReads: 0 });
    expect(await t.segments()).toEqual([]);
    expect(await t.receiptOf(seg)).toBeUndefined();
  });

  it("leave an object without one to the search, which keeps it while it is referenced", async () => {
    const t = await setup();
    const key = newKey();
    await appendAll(t.writer, [[key, await batch({ values: ["x"] })]]);
    const [seg] = await t.segments();
    await t.writer.receiptsWritten();
    await t.stores.metadataStore.deleteSegmentReceipts([seg]); // as if the flusher died first
    const collector = t.collector();
    expect(await collector.run()).toMatchObject({ referenced: 1, deleted: 0 });
    expect(collector.metrics).toMatchObject({
      receiptChecks: 0,
      footerReads: 1,
      referenceChecks: 1,
    });
  });
});
