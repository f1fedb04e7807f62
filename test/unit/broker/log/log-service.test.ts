import { afterEach, describe, expect, it } from "vitest";
import { clusterIdOf } from "../../../../lib/broker/cluster-id.ts";
import { ErrorCode } from "../../../../lib/broker/log/errors.ts";
import { type LogConfig, resolveLogConfig } from "../../../../lib/broker/log/log-config.ts";
import { LogService } from "../../../../lib/broker/log/log-service.ts";
import { claimSegmentPrefix } from "../../../../lib/broker/log/prefix-owner.ts";
import { batchesIn } from "../../../../lib/protocol/records/batch-header.ts";
import { decodeRecords } from "../../../../lib/protocol/records/decode.ts";
import type { PartitionKey } from "../../../../lib/storage/ports.ts";
import {
  baseOffsetsOf,
  batch,
  FaultyObjectStore,
  faultyMetadataStore,
  listKeys,
  newKey,
  openStores,
  request,
  type Stores,
  sleep,
  values,
} from "./helpers.ts";

let stores: Stores | undefined;
const services: LogService[] = [];

afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  await stores?.cleanup();
  stores = undefined;
});

async function service(config: Partial<LogConfig> = {}): Promise<LogService> {
  stores ??= await openStores();
  const log = new LogService({
    objectStore: stores.objectStore,
    metadataStore: stores.metadataStore,
    config: { lingerMs: 0, ...config },
  });
  services.push(log);
  return log;
}

/** Appends batches of the given record counts, one request each, in order. */
async function fill(log: LogService, key: PartitionKey, counts: number[], tsBase = 1000n) {
  const sizes: number[] = [];
  let n = 0;
  for (const c of counts) {
    const b = await batch({
      values: values(`r${n}`, c),
      timestampsMs: Array.from({ length: c }, (_, i) => tsBase + BigInt(n + i)),
    });
    sizes.push(b.length);
    const r = request(b);
    const out = await log.append(key, r.records, r.batches);
    expect(out.errorCode).toBe(0);
    n += c;
  }
  return sizes;
}

async function recordsOf(buffers: Buffer[]) {
  const out: { offset: bigint; value: string }[] = [];
  for (const b of buffers) {
    for (const v of batchesIn(b)) {
      for (const r of await decodeRecords(b.subarray(v.byteOffset, v.byteOffset + v.byteLength))) {
        out.push({ offset: r.offset, value: r.value!.toString() });
      }
    }
  }
  return out;
}

describe("LogService.append", () => {
  it("answers the first batch's offset and the log start", async () => {
    const log = await service();
    const key = newKey();
    const r = request(await batch({ values: values("a", 3) }), await batch({ values: ["b"] }));
    expect(await log.append(key, r.records, r.batches)).toEqual({
      errorCode: 0,
      baseOffset: 0n,
      logStartOffset: 0n,
    });
    expect((await log.append(key, r.records, r.batches)).baseOffset).toBe(4n);
  });

  it("answers a duplicate with errorCode 0 and its original offset", async () => {
    const log = await service();
    const key = newKey();
    const r0 = request(await batch({ values: ["a", "b"], producerId: 1n }));
    const r1 = request(await batch({ values: ["c"], producerId: 1n, baseSequence: 2 }));
    await log.append(key, r0.records, r0.batches);
    await log.append(key, r1.records, r1.batches);
    expect(await log.append(key, r0.records, r0.batches)).toEqual({
      errorCode: 0,
      baseOffset: 0n,
      logStartOffset: 0n,
    });
    expect((await log.heads([key]))[0].nextOffset).toBe(3n);
  });

  it("turns producer and storage failures into per-partition error codes", async () => {
    stores = await openStores();
    const faulty = new FaultyObjectStore(stores.objectStore);
    const log = new LogService({
      objectStore: faulty,
      metadataStore: stores.metadataStore,
      config: { lingerMs: 0 },
    });
    services.push(log);
    const key = newKey();
    const gap = request(await batch({ values: ["a"], producerId: 2n, baseSequence: 3 }));
    await log.append(key, gap.records, gap.batches); // unknown producer: any start is fine
    const bad = request(await batch({ values: ["b"], producerId: 2n, baseSequence: 9 }));
    expect(await log.append(key, bad.records, bad.batches)).toMatchObject({
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      baseOffset: -1n,
      logStartOffset: -1n,
    });
    faulty.failPuts = 1;
    const plain = request(await batch({ values: ["c"] }));
    const failed = await log.append(key, plain.records, plain.batches);
    expect(failed).toMatchObject({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, baseOffset: -1n });
    expect(failed.errorMessage).toMatch(/injected/);
  });
});

describe("LogService.read", () => {
  it("returns the batch containing a mid-batch fetch offset, not the next one", async () => {
    const log = await service();
    const key = newKey();
    await fill(log, key, [5, 5, 5]);
    const res = await log.read(key, 7n, 1 << 20);
    expect(res).toMatchObject({ errorCode: 0, highWatermark: 15n, logStartOffset: 0n });
    expect(baseOffsetsOf(res.records)).toEqual([5n, 10n]);
    const recs = await recordsOf(res.records);
    expect(recs[0]).toEqual({ offset: 5n, value: "r5-0" });
    expect(recs.at(-1)).toEqual({ offset: 14n, value: "r10-4" });
  });

  it("continues across chunks and segments up to maxBytes, in whole batches", async () => {
    const log = await service();
    const key = newKey();
    const sizes = await fill(log, key, [2, 3, 1, 4, 2]); // five segments
    const all = await log.read(key, 0n, 1 << 20);
    expect(baseOffsetsOf(all.records)).toEqual([0n, 2n, 5n, 6n, 10n]);
    const limit = sizes[0] + sizes[1] + sizes[2] + 5; // not enough for the fourth batch
    const some = await log.read(key, 1n, limit);
    expect(baseOffsetsOf(some.records)).toEqual([0n, 2n, 5n]);
    expect(some.records.reduce((n, b) => n + b.length, 0)).toBeLessThanOrEqual(limit);
  });

  it("returns one whole batch even when it is larger than maxBytes (KIP-74)", async () => {
    const log = await service();
    const key = newKey();
    await fill(log, key, [50, 1]);
    const res = await log.read(key, 10n, 100);
    expect(baseOffsetsOf(res.records)).toEqual([0n]);
    expect(res.records[0].length).toBeGreaterThan(100);
    const none = await log.read(key, 10n, 100, { minOneBatch: false });
    expect(none.records).toEqual([]);
  });

  it("serves consecutive batches of one chunk as one buffer", async () => {
    const log = await service({ lingerMs: 20 });
    const key = newKey();
    const reqs = await Promise.all(
      [1, 2, 3].map(async (i) => request(await batch({ values: values(`${i}`, i) }))),
    );
    await Promise.all(reqs.map((r) => log.append(key, r.records, r.batches)));
    const res = await log.read(key, 0n, 1 << 20);
    expect(res.records).toHaveLength(1);
    expect(baseOffsetsOf(res.records)).toEqual([0n, 1n, 3n]);
  });

  it("answers OFFSET_OUT_OF_RANGE outside [logStartOffset, highWatermark] and nothing at the HWM", async () => {
    const log = await service();
    const key = newKey();
    await fill(log, key, [3]);
    expect((await log.read(key, 4n, 1000)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await log.read(key, -1n, 1000)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(await log.read(key, 3n, 1000)).toEqual({
      errorCode: 0,
      highWatermark: 3n,
      logStartOffset: 0n,
      records: [],
    });
    const empty = newKey();
    expect(await log.read(empty, 0n, 1000)).toMatchObject({
      errorCode: 0,
      highWatermark: 0n,
      records: [],
    });
  });

  it("reads its own appends from the cache, and others' through one GET per chunk", async () => {
    const log = await service();
    const key = newKey();
    await fill(log, key, [2, 2]);
    await log.read(key, 0n, 1 << 20);
    expect(log.metrics.rangeGets).toBe(0);

    const cold = await service({ cacheOnAppend: false });
    await fill(cold, key, [1]);
    await cold.read(key, 0n, 1 << 20);
    expect(cold.metrics.rangeGets).toBe(3);
    await cold.read(key, 0n, 1 << 20);
    expect(cold.metrics.rangeGets).toBe(3);
    expect(cold.metrics.cacheHits).toBe(3);
  });

  it("fetches the chunks a cold read needs in parallel, and no more than maxBytes needs", async () => {
    const writer = await service();
    const key = newKey();
    const sizes = await fill(writer, key, [1, 1, 1, 1, 1, 1]); // six segments
    const faulty = new FaultyObjectStore(stores!.objectStore);
    faulty.beforeGet = () => sleep(5);
    const cold = new LogService({ objectStore: faulty, metadataStore: stores!.metadataStore });
    services.push(cold);
    const res = await cold.read(key, 0n, sizes[0] + sizes[1] + sizes[2]);
    expect(baseOffsetsOf(res.records)).toEqual([0n, 1n, 2n]);
    expect(faulty.rangeGets).toBe(3);
    expect(faulty.maxGetsInFlight).toBe(3);
    const rest = await cold.read(key, 2n, 1 << 20);
    expect(baseOffsetsOf(rest.records)).toEqual([2n, 3n, 4n, 5n]);
    expect(faulty.rangeGets).toBe(6);
  });

  it("reads the heads of concurrent reads with one metadata request", async () => {
    const log = await service();
    const keys = [newKey(0), newKey(1), newKey(2)];
    for (const k of keys) await fill(log, k, [1]);
    const before = log.metrics.headReads;
    await Promise.all(keys.map((k) => log.read(k, 0n, 1000)));
    expect(log.metrics.headReads - before).toBe(1);
  });
});

describe("LogService timestamps", () => {
  /** Three batches; record timestamps are not monotonic across or within them. */
  async function timeline(log: LogService, key: PartitionKey) {
    for (const ts of [
      [100n, 300n, 200n], // offsets 0-2
      [150n, 250n], // 3-4
      [400n, 50n, 400n], // 5-7
    ]) {
      const r = request(await batch({ values: values("t", ts.length), timestampsMs: ts }));
      await log.append(key, r.records, r.batches);
    }
  }

  it("finds the first record (not batch) whose timestamp is ≥ the target", async () => {
    const log = await service();
    const key = newKey();
    await timeline(log, key);
    expect(await log.offsetForTimestamp(key, 0n)).toEqual({ offset: 0n, timestampMs: 100n });
    expect(await log.offsetForTimestamp(key, 101n)).toEqual({ offset: 1n, timestampMs: 300n });
    expect(await log.offsetForTimestamp(key, 300n)).toEqual({ offset: 1n, timestampMs: 300n });
    expect(await log.offsetForTimestamp(key, 301n)).toEqual({ offset: 5n, timestampMs: 400n });
    expect(await log.offsetForTimestamp(key, 400)).toEqual({ offset: 5n, timestampMs: 400n });
    expect(await log.offsetForTimestamp(key, 401n)).toBeUndefined();
    expect(await log.offsetForTimestamp(newKey(), 0n)).toBeUndefined();
  });

  it("skips chunks whose own maximum is below the target", async () => {
    const log = await service();
    const key = newKey();
    for (const ts of [[500n], [100n], [200n], [600n]]) {
      const r = request(await batch({ values: ["x"], timestampsMs: ts }));
      await log.append(key, r.records, r.batches);
    }
    // The running maximum reaches 500 at offset 0; the first record ≥ 550 is at offset 3.
    expect(await log.offsetForTimestamp(key, 550n)).toEqual({ offset: 3n, timestampMs: 600n });
  });

  it("finds the largest timestamp's earliest offset (ListOffsets −3)", async () => {
    const log = await service();
    const key = newKey();
    expect(await log.maxTimestampOffset(key)).toBeUndefined();
    await timeline(log, key);
    expect(await log.maxTimestampOffset(key)).toEqual({ offset: 5n, timestampMs: 400n });
  });

  it("only considers records from the log start on", async () => {
    const log = await service();
    const key = newKey();
    await timeline(log, key);
    expect((await log.deleteRecords(key, 6n)).lowWatermark).toBe(6n);
    expect(await log.offsetForTimestamp(key, 0n)).toEqual({ offset: 6n, timestampMs: 50n });
    expect(await log.offsetForTimestamp(key, 300n)).toEqual({ offset: 7n, timestampMs: 400n });
    expect(await log.maxTimestampOffset(key)).toEqual({ offset: 7n, timestampMs: 400n });
    await log.deleteRecords(key, 8n);
    expect(await log.maxTimestampOffset(key)).toBeUndefined();
  });

  it("finds the maximum again after the record holding it was deleted", async () => {
    const log = await service();
    const key = newKey();
    for (const ts of [[900n], [100n, 700n], [300n], [700n]]) {
      const r = request(await batch({ values: values("m", ts.length), timestampsMs: ts }));
      await log.append(key, r.records, r.batches);
    }
    expect(await log.maxTimestampOffset(key)).toEqual({ offset: 0n, timestampMs: 900n });
    await log.deleteRecords(key, 1n);
    expect(await log.maxTimestampOffset(key)).toEqual({ offset: 2n, timestampMs: 700n });
  });
});

describe("LogService.deleteRecords", () => {
  it("moves the log start, drops wholly deleted chunks, and keeps the containing batch readable", async () => {
    const log = await service();
    const key = newKey();
    await fill(log, key, [3, 3, 3]);
    expect(await log.deleteRecords(key, 4n)).toEqual({ errorCode: 0, lowWatermark: 4n });
    const [head] = await log.heads([key]);
    expect(head).toMatchObject({ logStartOffset: 4n, nextOffset: 9n });
    const entries = await stores!.metadataStore.findChunks(key, 0n, 10);
    expect(entries.map((e) => e.baseOffset)).toEqual([3n, 6n]);
    expect((await log.read(key, 3n, 1000)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const res = await log.read(key, 4n, 1 << 20);
    expect(res).toMatchObject({ errorCode: 0, logStartOffset: 4n });
    expect(baseOffsetsOf(res.records)).toEqual([3n, 6n]);
  });

  it("treats −1 as the high watermark and never goes beyond it", async () => {
    const log = await service();
    const key = newKey();
    await fill(log, key, [2, 2]);
    expect((await log.deleteRecords(key, 5n)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await log.deleteRecords(key, -7n)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(await log.deleteRecords(key, -1n)).toEqual({ errorCode: 0, lowWatermark: 4n });
    expect(await log.read(key, 4n, 1000)).toMatchObject({ errorCode: 0, records: [] });
    // Appends continue after the log start; a lower target changes nothing.
    expect((await fill(log, key, [1])).length).toBe(1);
    expect(await log.deleteRecords(key, 2n)).toEqual({ errorCode: 0, lowWatermark: 4n });
    expect((await log.heads([key]))[0]).toMatchObject({ logStartOffset: 4n, nextOffset: 5n });
  });

  it("survives racing appends from another host through conditional writes", async () => {
    const log = await service();
    const key = newKey();
    await fill(log, key, [2]);
    const second = await stores!.openSecond();
    const other = new LogService({ ...second, config: { lingerMs: 0 } });
    services.push(other);
    const [del] = await Promise.all([log.deleteRecords(key, 2n), fill(other, key, [1, 1, 1])]);
    expect(del).toEqual({ errorCode: 0, lowWatermark: 2n });
    expect((await log.heads([key]))[0]).toMatchObject({ logStartOffset: 2n, nextOffset: 5n });
  });
});

describe("LogService.waitForData", () => {
  it("wakes at once on this process's own commit", async () => {
    const log = await service();
    const key = newKey();
    await log.read(key, 0n, 1000);
    const t0 = performance.now();
    const waiting = log.waitForData([newKey(1), key], 5_000);
    await sleep(10);
    await fill(log, key, [1]);
    await waiting;
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it("does not miss a commit that landed between the read and the wait", async () => {
    const log = await service();
    const key = newKey();
    const res = await log.read(key, 0n, 1000);
    await fill(log, key, [1]);
    const t0 = performance.now();
    await log.waitForData([key], 5_000);
    await log.waitForData([key], 5_000, undefined, [res.highWatermark]);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it("learns of another host's commits by polling", async () => {
    const log = await service({ pollIntervalMs: 20 });
    const key = newKey();
    await log.read(key, 0n, 1000);
    const second = await stores!.openSecond();
    const other = new LogService({ ...second, config: { lingerMs: 0 } });
    services.push(other);
    const t0 = performance.now();
    const waiting = log.waitForData([key], 5_000);
    await sleep(50);
    await fill(other, key, [1]);
    await waiting;
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(log.metrics.headReads).toBeGreaterThan(1);
  });

  it("resolves at the timeout, or on abort, when nothing arrives", async () => {
    const log = await service({ pollIntervalMs: 10 });
    const key = newKey();
    await log.read(key, 0n, 1000);
    let t0 = performance.now();
    await log.waitForData([key], 60);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    const ac = new AbortController();
    t0 = performance.now();
    setTimeout(() => ac.abort(), 20);
    await log.waitForData([key], 5_000, ac.signal);
    expect(performance.now() - t0).toBeLessThan(1_000);
    // Polling stops when nobody waits.
    const reads = log.metrics.headReads;
    await sleep(50);
    expect(log.metrics.headReads).toBe(reads);
  });
});

describe("two hosts over the same stores", () => {
  it("never refuses a batch on a remembered head that another host has moved on", async () => {
    stores = await openStores();
    const second = await stores.openSecond();
    const a = new LogService({
      objectStore: stores.objectStore,
      metadataStore: stores.metadataStore,
      config: { lingerMs: 0 },
    });
    const b = new LogService({ ...second, config: { lingerMs: 0 } });
    services.push(a, b);
    const key = newKey(0);
    const pid = 4242n;
    const send = async (host: LogService, seq: number) => {
      const r = request(await batch({ values: [`s${seq}`], producerId: pid, baseSequence: seq }));
      return host.append(key, r.records, r.batches);
    };
    // Host a remembers the head after seq 0; host b then appends seq 1. Planned on a's
    // remembered head, seq 2 would look out of order: a must check the store before refusing.
    expect((await send(a, 0)).errorCode).toBe(0);
    expect((await send(b, 1)).errorCode).toBe(0);
    const third = await send(a, 2);
    expect(third.errorCode).toBe(0);
    expect(third.baseOffset).toBe(2n);
    // And a duplicate of seq 1 sent to a is answered with b's offset, not appended again.
    const dup = await send(a, 1);
    expect(dup).toMatchObject({ errorCode: 0, baseOffset: 1n });
    expect((await a.read(key, 0n, 1 << 20)).highWatermark).toBe(3n);
  });

  it("produce one dense log without duplicates when appending concurrently to the same partitions", async () => {
    stores = await openStores();
    const second = await stores.openSecond();
    // A random pause between reading the heads and committing makes the hosts race for them.
    const jitter = () => sleep(Math.random() * 4);
    const hosts = [
      new LogService({
        objectStore: stores.objectStore,
        metadataStore: faultyMetadataStore(stores.metadataStore, jitter),
        config: { lingerMs: 1 },
      }),
      new LogService({
        objectStore: second.objectStore,
        metadataStore: faultyMetadataStore(second.metadataStore, jitter),
        config: { lingerMs: 2, maxSegmentBytes: 2048 },
      }),
    ];
    services.push(...hosts);
    const keys = [newKey(0), newKey(1), newKey(2)];
    const sent = new Map<string, string[]>(keys.map((k) => [k.topicId, []]));

    // Idempotent producers, each pinned to a host, plus a producer that retries every batch
    // on the other host (as after a reconnect).
    const producers = Array.from({ length: 8 }, async (_, p) => {
      const host = hosts[p % 2];
      const pid = BigInt(100 + p);
      const seqs = new Map<string, number>();
      for (let n = 0; n < 8; n++) {
        const key = keys[(p + n) % keys.length];
        const seq = seqs.get(key.topicId) ?? 0;
        const vals = values(`p${p}n${n}`, 1 + ((p + n) % 3));
        const r = request(await batch({ values: vals, producerId: pid, baseSequence: seq }));
        const first = await host.append(key, r.records, r.batches);
        expect(first.errorCode).toBe(0);
        if (p === 0) {
          const retry = await hosts[1].append(key, r.records, r.batches);
          expect(retry).toEqual(first);
        }
        seqs.set(key.topicId, seq + vals.length);
        sent.get(key.topicId)!.push(...vals);
      }
    });
    const plain = Array.from({ length: 6 }, async (_, p) => {
      for (let n = 0; n < 6; n++) {
        const key = keys[(p * 2 + n) % keys.length];
        const vals = values(`q${p}n${n}`, 2);
        const r = request(await batch({ values: vals }));
        expect((await hosts[n % 2].append(key, r.records, r.batches)).errorCode).toBe(0);
        sent.get(key.topicId)!.push(...vals);
      }
    });
    await Promise.all([...producers, ...plain]);

    for (const key of keys) {
      const expected = sent.get(key.topicId)!;
      for (const host of hosts) {
        const res = await host.read(key, 0n, 1 << 24);
        expect(res.highWatermark).toBe(BigInt(expected.length));
        const recs = await recordsOf(res.records);
        expect(recs.map((r) => r.offset)).toEqual(expected.map((_, i) => BigInt(i)));
        expect(recs.map((r) => r.value).sort()).toEqual([...expected].sort());
      }
    }
    // The race was real: some commits lost to the other host and were re-planned.
    expect(hosts[0].metrics.commitConflicts + hosts[1].metrics.commitConflicts).toBeGreaterThan(0);
  });
});

describe("LogConfig", () => {
  it("claims the segment prefix before its first segment, and writes none under another cluster's", async () => {
    stores = await openStores();
    await claimSegmentPrefix(stores.objectStore, "segments/", "another-cluster");
    const log = await service();
    const r = request(await batch({ values: ["v"] }));
    for (let i = 0; i < 2; i++) {
      const out = await log.append(newKey(), r.records, r.batches);
      expect(out.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR); // not retriable
      expect(out.errorMessage).toMatch(/belongs to cluster another-cluster/);
    }
    expect(await listKeys(stores.objectStore, "segments/")).toEqual([]);
  });

  it("tries a claim that failed on storage again with the next append", async () => {
    stores = await openStores();
    const objects = new FaultyObjectStore(stores.objectStore);
    const log = new LogService({
      objectStore: objects,
      metadataStore: stores.metadataStore,
      config: { lingerMs: 0 },
    });
    services.push(log);
    objects.failPuts = 1; // the owner object's PUT
    const key = newKey();
    const r = request(await batch({ values: ["v"] }));
    expect(await log.append(key, r.records, r.batches)).toMatchObject({
      errorCode: ErrorCode.KAFKA_STORAGE_ERROR,
      errorMessage: expect.stringMatching(/claiming the segment prefix failed/),
    });
    expect(await log.append(key, r.records, r.batches)).toMatchObject({
      errorCode: 0,
      baseOffset: 0n,
    });
    const owner = JSON.parse((await stores.objectStore.get("segments.owner")).toString());
    expect(owner.clusterId).toBe(await clusterIdOf(stores.metadataStore));
  });

  it("fills defaults and validates once, naming the bad key", () => {
    expect(resolveLogConfig()).toMatchObject({ maxSegmentBytes: 8 << 20, lingerMs: 5 });
    expect(() => resolveLogConfig({ lingerMs: -1 })).toThrow(/LogConfig\.lingerMs/);
    expect(() => resolveLogConfig({ maxSegmentBytes: 1.5 })).toThrow(/maxSegmentBytes/);
    expect(() => resolveLogConfig({ cacheOnAppend: "yes" as unknown as boolean })).toThrow(
      /cacheOnAppend/,
    );
    expect(() => resolveLogConfig({ segmentKeyPrefix: "/abs/" })).toThrow(/segmentKeyPrefix/);
    expect(() => resolveLogConfig({ maxBufferedBytes: 10, maxSegmentBytes: 20 })).toThrow(
      /maxBufferedBytes/,
    );
    expect(() => resolveLogConfig({ bogus: 1 } as unknown as Partial<LogConfig>)).toThrow(
      /"bogus"/,
    );
    expect(
      () =>
        new LogService({
          objectStore: {} as never,
          metadataStore: {} as never,
          config: { pollIntervalMs: 0 },
        }),
    ).toThrow(/pollIntervalMs/);
  });
});
