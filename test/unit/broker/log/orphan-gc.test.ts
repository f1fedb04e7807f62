/**
 * The orphan segment collector (lib/broker/log/orphan-gc.ts) on the embedded backend: real
 * segment objects written by the real segment writer into a directory, real commits in SQLite.
 * Orphans are made the ways production makes them — a commit that fails after the PUT, a flush
 * past its commit deadline, DeleteTopic — and the collector's clock is moved, not the files'.
 *
 * Specs: an unreferenced object is deleted once older than the grace and not before; committed
 * segments survive, and so does a segment any one of its partitions still references; a dry
 * run deletes nothing; an object without a valid footer is left; ages are judged on our own
 * clock too when the store's clock runs ahead; a storage failure leaves objects in place; a run
 * stopped by its deadline is resumed by the next after the last key it listed; the
 * collector claims its prefix for its cluster and will not run on a prefix another cluster
 * claimed.
 */
import { utimes } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { clusterIdOf } from "../../../../lib/broker/cluster-id.ts";
import { ErrorCode } from "../../../../lib/broker/log/errors.ts";
import { resolveLogConfig } from "../../../../lib/broker/log/log-config.ts";
import {
  DEFAULT_ORPHAN_GRACE_MS,
  MIN_ORPHAN_GRACE_MS,
  OrphanGcMetrics,
  type OrphanGcReport,
  OrphanSegmentCollector,
} from "../../../../lib/broker/log/orphan-gc.ts";
import { SegmentPrefixOwnedError } from "../../../../lib/broker/log/prefix-owner.ts";
import { SegmentWriter } from "../../../../lib/broker/log/segment-writer.ts";
import { ConfigError } from "../../../../lib/config/validate.ts";
import { createLogger } from "../../../../lib/logger.ts";
import { StorageUnavailableError } from "../../../../lib/storage/errors.ts";
import type {
  MetadataStore,
  ObjectInfo,
  ObjectStore,
  PartitionKey,
} from "../../../../lib/storage/ports.ts";
import { SqliteMetadataStore } from "../../../../lib/storage/sqlite/metadata-store.ts";
import {
  batch,
  FaultyObjectStore,
  faultyMetadataStore,
  listKeys,
  newKey,
  openStores,
  request,
  type Stores,
  sleep,
} from "./helpers.ts";

const HOUR_MS = 60 * 60_000;
const MINUTE_MS = 60_000;

let stores: Stores | undefined;
const writers: SegmentWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) await w.close();
  await stores?.cleanup();
  stores = undefined;
});

interface Setup {
  stores: Stores;
  meta: ReturnType<typeof faultyMetadataStore>;
  writer: SegmentWriter;
  /** Appends one batch per key in one flush; resolves once committed. */
  append(...keys: PartitionKey[]): Promise<void>;
  /** Appends whose commit fails: leaves one orphan object. */
  appendOrphan(key: PartitionKey): Promise<void>;
  /** A collector whose clock is ours shifted by `aheadMs()`. */
  collector(options?: { dryRun?: boolean; metadataStore?: MetadataStore }): OrphanSegmentCollector;
  setAhead(ms: number): void;
  segments(): Promise<string[]>;
}

async function setup(): Promise<Setup> {
  stores = await openStores();
  const s = stores;
  const meta = faultyMetadataStore(s.metadataStore);
  const writer = new SegmentWriter({
    objectStore: s.objectStore,
    metadataStore: meta,
    config: resolveLogConfig({ lingerMs: 0 }),
  });
  writers.push(writer);
  let aheadMs = 0;
  const append = async (...keys: PartitionKey[]) => {
    const r = request(await batch({ values: ["v"] }));
    await Promise.all(keys.map((k) => writer.append(k, r.records, r.batches)));
  };
  return {
    stores: s,
    meta,
    writer,
    append,
    async appendOrphan(key) {
      meta.failCommits = 1;
      await expect(append(key)).rejects.toMatchObject({ code: ErrorCode.KAFKA_STORAGE_ERROR });
    },
    collector: (options = {}) =>
      new OrphanSegmentCollector(
        {
          objectStore: s.objectStore,
          metadataStore: options.metadataStore ?? s.metadataStore,
          nowMs: () => Date.now() + aheadMs,
        },
        { dryRun: options.dryRun ?? false },
      ),
    setAhead: (ms) => {
      aheadMs = ms;
    },
    segments: () => listKeys(s.objectStore, "segments/"),
  };
}

/** Segment keys the index of `key` names. */
async function referencedKeys(meta: MetadataStore, key: PartitionKey): Promise<string[]> {
  return (await meta.findChunks(key, 0n, 1_000)).map((c) => c.segmentKey);
}

describe("orphan segment collection", () => {
  it("deletes a segment whose commit failed once it is older than the grace, not before", async () => {
    const t = await setup();
    const key = newKey();
    await t.append(key);
    const [committed] = await t.segments();
    await t.appendOrphan(key);
    const orphan = (await t.segments()).find((k) => k !== committed)!;

    t.setAhead(DEFAULT_ORPHAN_GRACE_MS - MINUTE_MS);
    const early = await t.collector().run();
    expect(early).toMatchObject({ scanned: 2, young: 2, kept: 2, deleted: 0, orphans: 0 });
    expect(await t.segments()).toHaveLength(2);

    t.setAhead(DEFAULT_ORPHAN_GRACE_MS + MINUTE_MS);
    const late = await t.collector().run();
    expect(late).toMatchObject({
      scanned: 2,
      referenced: 1,
      orphans: 1,
      deleted: 1,
      kept: 1,
      failed: 0,
      orphanKeys: [orphan],
    });
    expect(await t.segments()).toEqual([committed]);
  });

  it("keeps every committed segment, and the log stays readable", async () => {
    const t = await setup();
    const keys = [newKey(0), newKey(1), newKey(2)];
    for (let i = 0; i < 5; i++) await t.append(...keys.slice(0, 1 + (i % 3)));
    const before = await t.segments();
    t.setAhead(3 * HOUR_MS);
    const report = await t.collector().run();
    expect(report).toMatchObject({ scanned: 5, referenced: 5, deleted: 0, orphans: 0 });
    expect((await t.segments()).sort()).toEqual(before.sort());
    for (const key of keys) {
      for (const seg of await referencedKeys(t.stores.metadataStore, key)) {
        expect((await t.stores.objectStore.get(seg)).length).toBeGreaterThan(0);
      }
    }
  });

  it("deletes a deleted topic's segments and no others", async () => {
    const t = await setup();
    const meta = t.stores.metadataStore;
    const doomed = { name: "doomed", topicId: newKey().topicId, partitionCount: 2 };
    await meta.createTopic({ ...doomed, configs: {}, createdAtMs: 0, version: 1 });
    const doomedKeys = [0, 1].map((partition) => ({ topicId: doomed.topicId, partition }));
    const kept = newKey();
    await t.append(doomedKeys[0]);
    await t.append(...doomedKeys);
    await t.append(doomedKeys[1], kept); // shared with a live partition: must stay
    const shared = await referencedKeys(meta, kept);
    await meta.deleteTopic("doomed");

    t.setAhead(2 * HOUR_MS);
    const report = await t.collector().run();
    expect(report).toMatchObject({ scanned: 3, orphans: 2, deleted: 2, referenced: 1 });
    expect(await t.segments()).toEqual(shared);
  });

  it("keeps a segment while any partition in it still references it", async () => {
    const t = await setup();
    const [a, b] = [newKey(0), newKey(1)];
    await t.append(a, b);
    const meta = t.stores.metadataStore;
    await meta.deleteChunksBelow(a, 100n);
    t.setAhead(2 * HOUR_MS);
    expect(await t.collector().run()).toMatchObject({ referenced: 1, deleted: 0 });
    await meta.deleteChunksBelow(b, 100n);
    expect(await t.collector().run()).toMatchObject({ orphans: 1, deleted: 1 });
    expect(await t.segments()).toEqual([]);
  });

  it("deletes nothing in a dry run, but names what it would delete", async () => {
    const t = await setup();
    const key = newKey();
    await t.appendOrphan(key);
    await t.appendOrphan(key);
    const orphans = (await t.segments()).sort();
    t.setAhead(2 * HOUR_MS);
    const report = await t.collector({ dryRun: true }).run();
    expect(report).toMatchObject({ dryRun: true, orphans: 2, deleted: 0, kept: 0 });
    expect(report.orphanKeys.sort()).toEqual(orphans);
    expect((await t.segments()).sort()).toEqual(orphans);
    // The same collector deletes them when told to.
    expect(await t.collector().run({ dryRun: false })).toMatchObject({ deleted: 2 });
  });

  it("leaves objects without a valid footer in place, and logs each", async () => {
    const t = await setup();
    const store = t.stores.objectStore;
    await t.appendOrphan(newKey());
    const [real] = await t.segments();
    const bytes = await store.get(real);
    const future = Buffer.from(bytes);
    future.writeUInt16BE(2, future.length - 12); // a newer format version
    await store.putNew("segments/aa/future.seg", future);
    await store.putNew("segments/aa/truncated.seg", bytes.subarray(0, bytes.length - 1));
    await store.putNew("segments/aa/tiny.seg", Buffer.from("hi"));
    await store.putNew("other/aa/not-a-segment", Buffer.from("x")); // outside the prefix
    const lines: string[] = [];
    const collector = new OrphanSegmentCollector({
      objectStore: store,
      metadataStore: t.stores.metadataStore,
      nowMs: () => Date.now() + 2 * HOUR_MS,
      logger: createLogger("warn", (l) => lines.push(l)),
    });
    const report = await collector.run();
    expect(report).toMatchObject({ scanned: 4, unreadable: 3, kept: 3, orphans: 1, deleted: 1 });
    expect((await t.segments()).sort()).toEqual([
      "segments/aa/future.seg",
      "segments/aa/tiny.seg",
      "segments/aa/truncated.seg",
    ]);
    const warned = lines.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
    expect(warned.map((l) => l.key).sort()).toEqual([
      "segments/aa/future.seg",
      "segments/aa/tiny.seg",
      "segments/aa/truncated.seg",
    ]);
    expect(warned.find((l) => l.key.includes("future")).reason).toMatch(/version 2/);
  });

  it("judges age on its own clock too, when the store's clock runs ahead of ours", async () => {
    const t = await setup();
    await t.appendOrphan(newKey());
    const [orphan] = await t.segments();
    // The object store stamps the object two hours into our future.
    const inTwoHoursS = (Date.now() + 2 * HOUR_MS) / 1000;
    await utimes(join(t.stores.dir, "objects", orphan), inTwoHoursS, inTwoHoursS);

    const longLived = t.collector();
    expect(await longLived.run()).toMatchObject({ young: 1 });
    t.setAhead(DEFAULT_ORPHAN_GRACE_MS - MINUTE_MS);
    expect(await longLived.run()).toMatchObject({ young: 1 });
    t.setAhead(DEFAULT_ORPHAN_GRACE_MS + MINUTE_MS);
    // A collector that never saw it before still trusts nothing but the store's stamp…
    expect(await t.collector().run()).toMatchObject({ young: 1, deleted: 0 });
    // …one that first listed it over an hour ago (on its own clock) deletes it.
    expect(await longLived.run()).toMatchObject({ orphans: 1, deleted: 1 });
    expect(await t.segments()).toEqual([]);
  });

  it("leaves objects it could not judge, and counts them as failed", async () => {
    const t = await setup();
    await t.appendOrphan(newKey());
    const broken = new Proxy(t.stores.metadataStore, {
      get(target, prop, receiver) {
        if (prop === "segmentReferenced") {
          return async () => {
            throw new StorageUnavailableError("injected");
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    t.setAhead(2 * HOUR_MS);
    expect(await t.collector({ metadataStore: broken }).run()).toMatchObject({
      failed: 1,
      deleted: 0,
    });
    expect(await t.segments()).toHaveLength(1);
  });

  it("counts a failed delete as failed, and succeeds on the next run", async () => {
    const t = await setup();
    await t.appendOrphan(newKey());
    const objects = new FaultyObjectStore(t.stores.objectStore);
    let failDeletes = 1;
    objects.deleteMany = async (keys) => {
      if (failDeletes-- > 0) throw new StorageUnavailableError("injected delete failure");
      return t.stores.objectStore.deleteMany(keys);
    };
    const metrics = new OrphanGcMetrics();
    const collector = new OrphanSegmentCollector({
      objectStore: objects,
      metadataStore: t.stores.metadataStore,
      nowMs: () => Date.now() + 2 * HOUR_MS,
      metrics,
    });
    expect(await collector.run()).toMatchObject({ orphans: 1, deleted: 0, failed: 1 });
    expect(await collector.run()).toMatchObject({ orphans: 1, deleted: 1, failed: 0 });
    expect(metrics).toMatchObject({ runs: 2, orphans: 2, deleted: 1, failed: 1, scanned: 2 });
    expect(metrics.footerReads).toBe(2);
  });

  it("judges at most `concurrency` objects at once", async () => {
    const t = await setup();
    for (let i = 0; i < 12; i++) await t.appendOrphan(newKey());
    const objects = new FaultyObjectStore(t.stores.objectStore);
    objects.beforeGet = () => sleep(5);
    const report = await new OrphanSegmentCollector(
      {
        objectStore: objects,
        metadataStore: t.stores.metadataStore,
        nowMs: () => Date.now() + 2 * HOUR_MS,
      },
      { concurrency: 3 },
    ).run();
    expect(report).toMatchObject({ scanned: 12, orphans: 12, deleted: 12 });
    expect(objects.maxGetsInFlight).toBe(3);
  });

  it("rejects when the listing fails, after finishing what it had judged", async () => {
    const t = await setup();
    await t.appendOrphan(newKey());
    await t.appendOrphan(newKey());
    const objects = new FaultyObjectStore(t.stores.objectStore);
    objects.list = async function* (prefix) {
      let n = 0;
      for await (const info of t.stores.objectStore.list(prefix)) {
        if (n++ === 1) throw new StorageUnavailableError("injected list failure");
        yield info;
      }
    };
    const collector = new OrphanSegmentCollector({
      objectStore: objects,
      metadataStore: t.stores.metadataStore,
      nowMs: () => Date.now() + 2 * HOUR_MS,
    });
    await expect(collector.run()).rejects.toThrow("injected list failure");
    expect(await t.segments()).toHaveLength(1); // the one judged before the failure is gone
  });

  it("refuses a grace shorter than the commit deadline allows, naming the option", () => {
    const deps = { objectStore: {} as never, metadataStore: {} as never };
    expect(() => new OrphanSegmentCollector(deps, { graceMs: MIN_ORPHAN_GRACE_MS - 1 })).toThrow(
      ConfigError,
    );
    expect(() => new OrphanSegmentCollector(deps, { graceMs: 1 })).toThrow(
      /OrphanGcOptions\.graceMs: must be ≥ 900000/,
    );
    expect(() => new OrphanSegmentCollector(deps, { segmentKeyPrefix: "/abs/" })).toThrow(
      /segmentKeyPrefix/,
    );
    expect(new OrphanSegmentCollector(deps).options.graceMs).toBe(HOUR_MS);
  });

  /** The stores' objects, listed through `order`; every key listed moves `clock` a second on. */
  function tickingObjects(
    t: Setup,
    clock: { ms: number },
    order: (keys: ObjectInfo[]) => ObjectInfo[] = (keys) => keys,
  ): ObjectStore {
    const inner = t.stores.objectStore;
    return {
      putNew: (k, b) => inner.putNew(k, b),
      getRange: (k, s, n) => inner.getRange(k, s, n),
      get: (k) => inner.get(k),
      deleteMany: (keys) => inner.deleteMany(keys),
      async *list(prefix, startAfter) {
        const all: ObjectInfo[] = [];
        for await (const info of inner.list(prefix, startAfter)) all.push(info);
        for (const info of order(all)) {
          clock.ms += 1_000;
          yield info;
        }
      },
    };
  }

  it("stops at its deadline and goes on after the last key it listed, judging each object once a pass", async () => {
    const t = await setup();
    const key = newKey();
    for (let i = 0; i < 6; i++) await t.appendOrphan(key);
    await t.append(key);
    const [committed] = await referencedKeys(t.stores.metadataStore, key);
    const all = (await t.segments()).sort();
    const clock = { ms: Date.now() + 2 * HOUR_MS };
    const collector = new OrphanSegmentCollector({
      objectStore: tickingObjects(t, clock),
      metadataStore: t.stores.metadataStore,
      nowMs: () => clock.ms,
    });
    const runs: OrphanGcReport[] = [];
    while (runs.at(-1)?.complete !== true && runs.length < 10) {
      runs.push(await collector.run({ deadlineAtMs: clock.ms + 2_500 })); // two keys a run
    }
    expect(runs.map((r) => [r.scanned, r.complete])).toEqual([
      [2, false],
      [2, false],
      [2, false],
      [1, true],
    ]);
    expect(runs.map((r) => r.resumedAfter)).toEqual([null, all[1], all[3], all[5]]);
    expect(runs.reduce((n, r) => n + r.orphans, 0)).toBe(6);
    expect(await t.segments()).toEqual([committed]);
    // The pass is over: the next run starts from the beginning again.
    expect(await collector.run()).toMatchObject({ resumedAfter: null, scanned: 1, complete: true });
  });

  it("starts over instead of resuming on a store that lists keys out of order", async () => {
    const t = await setup();
    const key = newKey();
    for (let i = 0; i < 4; i++) await t.appendOrphan(key);
    const clock = { ms: Date.now() + 2 * HOUR_MS };
    const lines: string[] = [];
    const collector = new OrphanSegmentCollector({
      objectStore: tickingObjects(t, clock, (keys) => keys.reverse()),
      metadataStore: t.stores.metadataStore,
      nowMs: () => clock.ms,
      logger: createLogger("warn", (l) => lines.push(l)),
    });
    const first = await collector.run({ deadlineAtMs: clock.ms + 2_500 });
    expect(first).toMatchObject({ scanned: 2, complete: false });
    expect(lines.some((l) => l.includes("out of order"))).toBe(true);
    const second = await collector.run();
    expect(second).toMatchObject({ resumedAfter: null, scanned: 2, orphans: 2, complete: true });
    expect(await t.segments()).toEqual([]);
  });

  it("claims the prefix for its cluster, and will not run where another cluster claimed it", async () => {
    const t = await setup();
    const key = newKey();
    await t.append(key);
    await t.appendOrphan(key);
    const [committed] = await referencedKeys(t.stores.metadataStore, key);
    t.setAhead(2 * HOUR_MS);
    expect(await t.collector().run()).toMatchObject({ referenced: 1, deleted: 1 });
    const owner = JSON.parse((await t.stores.objectStore.get("segments.owner")).toString());
    expect(owner.clusterId).toBe(await clusterIdOf(t.stores.metadataStore));

    // A second deployment pointed at the same objects: to its own store, every segment here
    // is unreferenced. Its collector refuses to run, in a dry run too, and deletes nothing.
    const other = await SqliteMetadataStore.open({ path: join(t.stores.dir, "other.sqlite") });
    try {
      for (const dryRun of [true, false]) {
        await expect(t.collector({ metadataStore: other, dryRun }).run()).rejects.toBeInstanceOf(
          SegmentPrefixOwnedError,
        );
      }
    } finally {
      await other.close();
    }
    expect(await t.segments()).toEqual([committed]);
  });

  it("writes no owner object in a dry run", async () => {
    const t = await setup();
    await t.appendOrphan(newKey());
    t.setAhead(2 * HOUR_MS);
    expect(await t.collector({ dryRun: true }).run()).toMatchObject({ orphans: 1, deleted: 0 });
    expect(await listKeys(t.stores.objectStore, "segments.")).toEqual([]);
  });
});

describe("the commit deadline the collector relies on", () => {
  async function deadlineSetup(nowMs: () => number, commitDeadlineMs: number) {
    stores = await openStores();
    const objects = new FaultyObjectStore(stores.objectStore);
    const writer = new SegmentWriter({
      objectStore: objects,
      metadataStore: stores.metadataStore,
      config: resolveLogConfig({ lingerMs: 0, commitDeadlineMs }),
      nowMs,
    });
    writers.push(writer);
    return { objects, writer, stores };
  }

  it("gives up on a flush whose wall clock passed the deadline, leaving only an orphan", async () => {
    let now = Date.now();
    const { objects, writer, stores: s } = await deadlineSetup(() => now, 120_000);
    objects.beforePut = async () => {
      now += 120_001; // the host was frozen mid-flush
    };
    const key = newKey();
    const r = request(await batch({ values: ["late"] }));
    await expect(writer.append(key, r.records, r.batches)).rejects.toMatchObject({
      code: ErrorCode.KAFKA_STORAGE_ERROR,
      retriable: true,
      message: expect.stringMatching(/not done within 120000 ms/),
    });
    expect(writer.metrics.commitDeadlineMisses).toBe(1);
    expect((await s.metadataStore.getHeads([key]))[0].version).toBe(0);
    const report = await new OrphanSegmentCollector({
      objectStore: s.objectStore,
      metadataStore: s.metadataStore,
      nowMs: () => Date.now() + 2 * HOUR_MS,
    }).run();
    expect(report).toMatchObject({ orphans: 1, deleted: 1 });
    // The retry lands in a new segment, from offset 0.
    objects.beforePut = undefined;
    expect((await writer.append(key, r.records, r.batches)).batches[0].baseOffset).toBe(0n);
  });

  it("gives up by the monotonic clock too, when the wall clock stands still", async () => {
    const frozen = Date.now();
    const { objects, writer } = await deadlineSetup(() => frozen, 20);
    objects.beforePut = () => sleep(40);
    const r = request(await batch({ values: ["late"] }));
    await expect(writer.append(newKey(), r.records, r.batches)).rejects.toMatchObject({
      code: ErrorCode.KAFKA_STORAGE_ERROR,
    });
    expect(writer.metrics.commitDeadlineMisses).toBe(1);
  });

  it("is a validated LogConfig key with a ceiling", () => {
    expect(resolveLogConfig().commitDeadlineMs).toBe(120_000);
    expect(() => resolveLogConfig({ commitDeadlineMs: 0 })).toThrow(/commitDeadlineMs/);
    expect(() => resolveLogConfig({ commitDeadlineMs: 300_001 })).toThrow(/≤ 300000/);
  });
});
