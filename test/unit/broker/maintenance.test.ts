/**
 * Maintenance runs (lib/broker/maintenance.ts) on the embedded backend, end to end: a real
 * `floe dev` front (filesystem segments, SQLite index) in a temp directory, records produced
 * and read back over the Kafka protocol with explicit CreateTime timestamps, and the runner
 * working as a separate host would (its own LogService over the same stores), as the Lambda
 * does. The runner's clock is moved to pass the orphan grace; the files' times are real.
 *
 * Specs: retention.ms and retention.bytes move ListOffsets-earliest exactly to the first
 * retained chunk, fetches below it answer OFFSET_OUT_OF_RANGE, and once older than the grace
 * the segment objects holding only deleted records are deleted while those with retained
 * records stay; a produce or a DeleteRecords racing with the log start move is neither lost
 * nor undone; index entries DeleteRecords left are dropped; one failing partition does not
 * stop the others; a run cut by its deadline resumes where it stopped.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../../lib/broker/log/errors.ts";
import { LogService } from "../../../lib/broker/log/log-service.ts";
import { MIN_ORPHAN_GRACE_MS } from "../../../lib/broker/log/orphan-gc.ts";
import { MaintenanceRunner } from "../../../lib/broker/maintenance.ts";
import { createTopic, KafkaError } from "../../../lib/client/admin.ts";
import { fetchOnce, listOffset, produceBatch } from "../../../lib/client/records-io.ts";
import { WireClient } from "../../../lib/client/wire-client.ts";
import { type RunningFront, startEmbeddedFront } from "../../../lib/front/node.ts";
import { buildRecordBatch } from "../../../lib/protocol/records/build.ts";
import { FsObjectStore } from "../../../lib/storage/fs/object-store.ts";
import type { ChunkEntry, MetadataStore, PartitionKey } from "../../../lib/storage/ports.ts";
import { FaultyObjectStore, faultyMetadataStore, listKeys } from "./log/helpers.ts";

const DAY_MS = 86_400_000;
const PAST_GRACE_MS = MIN_ORPHAN_GRACE_MS + 60_000;

interface Env {
  dir: string;
  front: RunningFront;
  client: WireClient;
  objectStore: FsObjectStore;
  /** A maintenance runner as another host: its own LogService over `metadataStore`. */
  runner(options?: { metadataStore?: MetadataStore; aheadMs?: number; concurrency?: number }): {
    runner: MaintenanceRunner;
    log: LogService;
  };
  key(topic: string, partition?: number): Promise<PartitionKey>;
  chunks(topic: string, partition?: number): Promise<ChunkEntry[]>;
  segments(): Promise<string[]>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), "floe-maint-"));
  const front = await startEmbeddedFront({ dataDir: dir, broker: { port: 0 } });
  const client = await WireClient.connect("127.0.0.1", front.endpoint.port);
  const objectStore = new FsObjectStore({ rootDir: join(dir, "objects") });
  const logs: LogService[] = [];
  cleanups.push(async () => {
    client.close();
    for (const l of logs) await l.close();
    await front.close();
    await rm(dir, { recursive: true, force: true });
  });
  const key = async (topic: string, partition = 0): Promise<PartitionKey> => {
    const t = await front.metadata.getTopic(topic);
    if (!t) throw new Error(`no topic ${topic}`);
    return { topicId: t.topicId, partition };
  };
  return {
    dir,
    front,
    client,
    objectStore,
    runner(options = {}) {
      const metadataStore = options.metadataStore ?? front.metadata;
      const log = new LogService({ objectStore, metadataStore });
      logs.push(log);
      const runner = new MaintenanceRunner(
        {
          objectStore,
          metadataStore,
          log,
          nowMs: () => Date.now() + (options.aheadMs ?? 0),
        },
        { orphanGraceMs: MIN_ORPHAN_GRACE_MS, concurrency: options.concurrency ?? 4 },
      );
      return { runner, log };
    },
    key,
    async chunks(topic, partition = 0) {
      return front.metadata.findChunks(await key(topic, partition), 0n, 1_000);
    },
    segments: () => listKeys(objectStore, "segments/"),
  };
}

/** Produces one batch of `count` records stamped `timestampMs`; resolves with its base offset. */
function produceAt(env: Env, topic: string, timestampMs: number, count = 3, partition = 0) {
  const records = Array.from({ length: count }, (_, i) => ({
    key: null,
    value: Buffer.from(`${topic}-${timestampMs}-${i}`),
    timestampMs: BigInt(timestampMs),
  }));
  return produceBatch(env.client, topic, partition, records);
}

async function earliest(env: Env, topic: string, partition = 0): Promise<bigint> {
  return listOffset(env.client, topic, partition, -2n);
}

async function fetchError(env: Env, topic: string, offset: bigint): Promise<number> {
  try {
    await fetchOnce(env.client, topic, 0, offset, 0);
    return ErrorCode.NONE;
  } catch (err) {
    if (err instanceof KafkaError) return err.errorCode;
    throw err;
  }
}

/** Every record from `from` to the high watermark, as (offset, value). */
async function readAll(env: Env, topic: string, from: bigint, partition = 0) {
  const out: [bigint, string][] = [];
  let next = from;
  for (;;) {
    const r = await fetchOnce(env.client, topic, partition, next, 0);
    for (const rec of r.records) out.push([rec.offset, rec.value?.toString() ?? ""]);
    if (r.records.length === 0 || r.nextOffset >= r.highWatermark) return out;
    next = r.nextOffset;
  }
}

describe("retention.ms", () => {
  it("moves the log start to the first chunk with a recent record, and frees the objects it released at once", async () => {
    const env = await start();
    await createTopic(env.client, "by-time", 1, { "retention.ms": String(DAY_MS) });
    const now = Date.now();
    for (const ageDays of [5, 3, 2]) await produceAt(env, "by-time", now - ageDays * DAY_MS);
    const firstKept = await produceAt(env, "by-time", now - DAY_MS + 3_600_000);
    await produceAt(env, "by-time", now);
    // A recent timestamp behind an old one still keeps its chunk (the rule looks at the largest).
    const before = await env.chunks("by-time");
    expect(before.map((c) => c.baseOffset)).toEqual([0n, 3n, 6n, 9n, 12n]);

    const { runner } = env.runner();
    const report = await runner.run({ deadlineMs: 60_000 });
    expect(report.errors).toEqual([]);
    expect(report.advanced).toEqual([
      { topic: "by-time", partition: 0, fromOffset: 0n, toOffset: firstKept, chunksExpired: 3 },
    ]);
    expect(await earliest(env, "by-time")).toBe(9n);
    expect(await fetchError(env, "by-time", 8n)).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(await fetchError(env, "by-time", 0n)).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await readAll(env, "by-time", 9n)).map(([o]) => o)).toEqual([
      9n,
      10n,
      11n,
      12n,
      13n,
      14n,
    ]);
    // The released objects go in the same run, judged by their receipts; the pass sees the
    // rest as young.
    expect(report.releasedGc).toMatchObject({ candidates: 3, judged: 3, deleted: 3 });
    expect(report.orphanGc).toMatchObject({ deleted: 0, young: 2 });
    expect(report.segmentsDeleted).toBe(3);

    // Past the grace, the pass keeps the live ones: only objects that held nothing but deleted
    // records went.
    const later = env.runner({ aheadMs: PAST_GRACE_MS }).runner;
    const second = await later.run({ deadlineMs: 60_000 });
    expect(second.advanced).toEqual([]);
    expect(second.segmentsDeleted).toBe(0);
    expect((await env.segments()).sort()).toEqual(
      before
        .slice(3)
        .map((c) => c.segmentKey)
        .sort(),
    );
    expect((await readAll(env, "by-time", 9n)).length).toBe(6);
  });

  it("deletes everything, up to the high watermark, once every chunk expired; -1 keeps all", async () => {
    const env = await start();
    await createTopic(env.client, "all-old", 1, { "retention.ms": String(DAY_MS) });
    await createTopic(env.client, "forever", 1, { "retention.ms": "-1" });
    const old = Date.now() - 10 * DAY_MS;
    for (let i = 0; i < 3; i++) {
      await produceAt(env, "all-old", old);
      await produceAt(env, "forever", old);
    }
    const report = await env.runner().runner.run({ deadlineMs: 60_000 });
    expect(report.partitionsExamined).toBe(2);
    expect(await earliest(env, "all-old")).toBe(9n);
    expect(await listOffset(env.client, "all-old", 0, -1n)).toBe(9n);
    expect(await earliest(env, "forever")).toBe(0n);
    // The log goes on from the high watermark.
    expect(await produceAt(env, "all-old", Date.now())).toBe(9n);
  });
});

describe("retention.bytes", () => {
  it("keeps the newest chunks holding at least retention.bytes, exactly at the boundary", async () => {
    const env = await start();
    const records = Array.from({ length: 3 }, (_, i) => ({
      key: null,
      value: Buffer.from(`same-size-${i}`),
      timestampMs: BigInt(Date.now()),
    }));
    const batchBytes = (await buildRecordBatch({ records })).length;
    // Exactly two chunks' worth: the third-newest goes (size - it = 2 chunks ≥ limit), the
    // second-newest stays (size - it = 1 chunk < limit).
    await createTopic(env.client, "by-size", 1, { "retention.bytes": String(2 * batchBytes) });
    await createTopic(env.client, "one-byte-short", 1, {
      "retention.bytes": String(2 * batchBytes + 1),
    });
    for (let i = 0; i < 5; i++) {
      await produceBatch(env.client, "by-size", 0, records);
      await produceBatch(env.client, "one-byte-short", 0, records);
    }
    expect((await env.chunks("by-size")).map((c) => c.byteLength)).toEqual(
      Array(5).fill(batchBytes),
    );
    const before = await env.chunks("by-size");

    const report = await env.runner().runner.run({ deadlineMs: 60_000 });
    expect(report.errors).toEqual([]);
    expect(await earliest(env, "by-size")).toBe(9n);
    expect(await earliest(env, "one-byte-short")).toBe(6n);
    expect(await fetchError(env, "by-size", 8n)).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(report.chunksExpired).toBe(3 + 2);
    expect(report.segmentsDeleted).toBe(3 + 2); // released, judged by receipt, gone

    const later = await env.runner({ aheadMs: PAST_GRACE_MS }).runner.run({ deadlineMs: 60_000 });
    expect(later.segmentsDeleted).toBe(0);
    const left = await env.segments();
    for (const c of before.slice(3)) expect(left).toContain(c.segmentKey);
    for (const c of before.slice(0, 3)) expect(left).not.toContain(c.segmentKey);
  });
});

describe("races", () => {
  it("a produce committed between the runner's head read and its write is kept", async () => {
    const env = await start();
    await createTopic(env.client, "race", 1, { "retention.ms": String(DAY_MS) });
    const old = Date.now() - 3 * DAY_MS;
    for (let i = 0; i < 3; i++) await produceAt(env, "race", old);
    let acked: bigint | undefined;
    const meta = faultyMetadataStore(env.front.metadata, async () => {
      // Once: another host's produce lands first, so the runner's condition fails.
      if (acked === undefined) acked = await produceAt(env, "race", Date.now(), 2);
    });
    const report = await env.runner({ metadataStore: meta }).runner.run({ deadlineMs: 60_000 });
    expect(report.errors).toEqual([]);
    expect(acked).toBe(9n);
    expect(await earliest(env, "race")).toBe(9n);
    expect(await readAll(env, "race", 9n)).toEqual([
      [9n, expect.stringMatching(/^race-\d+-0$/)],
      [10n, expect.stringMatching(/^race-\d+-1$/)],
    ]);
  });

  it("a DeleteRecords that went further first is not undone", async () => {
    const env = await start();
    await createTopic(env.client, "race-dr", 1, { "retention.ms": String(DAY_MS) });
    const old = Date.now() - 3 * DAY_MS;
    await produceAt(env, "race-dr", old);
    for (let i = 0; i < 3; i++) await produceAt(env, "race-dr", Date.now());
    const key = await env.key("race-dr");
    let deleted = false;
    const meta = faultyMetadataStore(env.front.metadata, async () => {
      if (!deleted) {
        deleted = true;
        expect((await env.front.log.deleteRecords(key, 7n)).errorCode).toBe(ErrorCode.NONE);
      }
    });
    const report = await env.runner({ metadataStore: meta }).runner.run({ deadlineMs: 60_000 });
    expect(report.errors).toEqual([]);
    expect(report.advanced).toEqual([
      { topic: "race-dr", partition: 0, fromOffset: 0n, toOffset: 7n, chunksExpired: 0 },
    ]);
    expect(await earliest(env, "race-dr")).toBe(7n);
  });

  it("a fetch whose objects went while it read answers OFFSET_OUT_OF_RANGE with the new start", async () => {
    const env = await start();
    await createTopic(env.client, "race-fetch", 1, { "retention.ms": String(DAY_MS) });
    const old = Date.now() - 3 * DAY_MS;
    for (let i = 0; i < 2; i++) await produceAt(env, "race-fetch", old);
    await produceAt(env, "race-fetch", Date.now());
    // A reader on another host: it has read the index and waits on its first GET while a
    // maintenance run (past the grace) moves the log start and deletes the objects.
    const objects = new FaultyObjectStore(env.objectStore);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let getting!: () => void;
    const waiting = new Promise<void>((r) => {
      getting = r;
    });
    objects.beforeGet = () => {
      getting();
      return gate;
    };
    const reader = new LogService({ objectStore: objects, metadataStore: env.front.metadata });
    cleanups.push(() => reader.close());
    const key = await env.key("race-fetch");
    const read = reader.read(key, 0n, 1 << 20);
    await waiting;
    const report = await env.runner({ aheadMs: PAST_GRACE_MS }).runner.run({ deadlineMs: 60_000 });
    expect(report.segmentsDeleted).toBe(2);
    release();
    expect(await read).toMatchObject({
      errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
      logStartOffset: 6n,
      records: [],
    });
  });

  it("producers running through several runs lose nothing and the log stays dense", async () => {
    const env = await start();
    await createTopic(env.client, "busy", 2, { "retention.ms": String(DAY_MS) });
    const old = Date.now() - 3 * DAY_MS;
    for (let i = 0; i < 4; i++) {
      await produceAt(env, "busy", old, 2, 0);
      await produceAt(env, "busy", old, 2, 1);
    }
    const acked: [number, bigint, string][] = [];
    let stop = false;
    const producer = async (partition: number): Promise<void> => {
      const client = await WireClient.connect("127.0.0.1", env.front.endpoint.port);
      try {
        for (let i = 0; !stop; i++) {
          const value = `p${partition}-${i}`;
          const offset = await produceBatch(client, "busy", partition, [
            { key: null, value: Buffer.from(value), timestampMs: BigInt(Date.now()) },
          ]);
          acked.push([partition, offset, value]);
        }
      } finally {
        client.close();
      }
    };
    const producers = [producer(0), producer(1)];
    const { runner } = env.runner({ concurrency: 2 });
    for (let i = 0; i < 5; i++) {
      const r = await runner.run({ deadlineMs: 60_000 });
      expect(r.errors).toEqual([]);
    }
    stop = true;
    await Promise.all(producers);
    expect(acked.length).toBeGreaterThan(0);
    for (const partition of [0, 1]) {
      expect(await earliest(env, "busy", partition)).toBe(8n);
      const read = await readAll(env, "busy", 8n, partition);
      // Dense from the log start to the high watermark, every acknowledged record in place.
      expect(read.map(([o]) => o)).toEqual(read.map((_, i) => 8n + BigInt(i)));
      const mine = acked.filter(([p]) => p === partition);
      expect(read.length).toBe(mine.length);
      for (const [, offset, value] of mine)
        expect(read[Number(offset - 8n)]).toEqual([offset, value]);
    }
  });
});

describe("housekeeping and failures", () => {
  it("drops index entries a DeleteRecords left behind", async () => {
    const env = await start();
    await createTopic(env.client, "leftover", 1, {});
    for (let i = 0; i < 4; i++) await produceAt(env, "leftover", Date.now());
    const key = await env.key("leftover");
    // A DeleteRecords whose best-effort index cleanup failed.
    const failing = new Proxy(env.front.metadata, {
      get(target, prop, receiver) {
        if (prop === "deleteChunksBelow") return () => Promise.reject(new Error("injected"));
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const dr = new LogService({ objectStore: env.objectStore, metadataStore: failing });
    expect((await dr.deleteRecords(key, 7n)).errorCode).toBe(ErrorCode.NONE);
    await dr.close();
    expect((await env.chunks("leftover")).length).toBe(4);

    const report = await env.runner().runner.run({ deadlineMs: 60_000 });
    expect(report.chunksDropped).toBe(2);
    expect(report.advanced).toEqual([]);
    expect((await env.chunks("leftover")).map((c) => c.baseOffset)).toEqual([6n, 9n]);
    expect(await earliest(env, "leftover")).toBe(7n);
  });

  it("one failing partition does not stop the others", async () => {
    const env = await start();
    await createTopic(env.client, "broken", 1, { "retention.ms": String(DAY_MS) });
    await createTopic(env.client, "healthy", 1, { "retention.ms": String(DAY_MS) });
    const old = Date.now() - 3 * DAY_MS;
    await produceAt(env, "broken", old);
    await produceAt(env, "healthy", old);
    const brokenId = (await env.key("broken")).topicId;
    const meta = new Proxy(env.front.metadata, {
      get(target, prop, receiver) {
        if (prop === "findChunks") {
          return (key: PartitionKey, from: bigint, limit: number) =>
            key.topicId === brokenId
              ? Promise.reject(new Error("injected index failure"))
              : target.findChunks(key, from, limit);
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const report = await env.runner({ metadataStore: meta }).runner.run({ deadlineMs: 60_000 });
    expect(report.errorCount).toBe(1);
    expect(report.errors[0]).toMatchObject({ stage: "retention", topic: "broken", partition: 0 });
    expect(report.errors[0].message).toMatch(/injected index failure/);
    expect(report.partitionsExamined).toBe(2);
    expect(await earliest(env, "healthy")).toBe(3n);
    expect(await earliest(env, "broken")).toBe(0n);
  });

  it("a run cut by its deadline stops cleanly and the next one resumes where it stopped", async () => {
    const env = await start();
    await createTopic(env.client, "many", 6, { "retention.ms": String(DAY_MS) });
    const old = Date.now() - 3 * DAY_MS;
    for (let p = 0; p < 6; p++) await produceAt(env, "many", old, 1, p);
    // A clock that moves one second per reading: the deadline falls after a few partitions.
    let fakeMs = Date.now();
    const log = new LogService({ objectStore: env.objectStore, metadataStore: env.front.metadata });
    cleanups.push(() => log.close());
    const runner = new MaintenanceRunner(
      {
        objectStore: env.objectStore,
        metadataStore: env.front.metadata,
        log,
        nowMs: () => (fakeMs += 1_000),
      },
      { orphanGraceMs: MIN_ORPHAN_GRACE_MS, concurrency: 1 },
    );
    const first = await runner.run({ deadlineMs: 5_000 });
    expect(first.complete).toBe(false);
    expect(first.orphanGcSkipped).toBe("deadline");
    const done = first.advanced.map((a) => a.partition);
    expect(done.length).toBeGreaterThan(0);
    expect(done.length).toBeLessThan(6);
    expect(done).toEqual(done.map((_, i) => i));

    const second = await runner.run({ deadlineMs: 10 * 60_000 });
    expect(second.complete).toBe(true);
    expect(second.partitionsExamined).toBe(6);
    // It starts where the first stopped, then wraps round to the partitions already done.
    expect(second.advanced.map((a) => a.partition)).toEqual(
      [0, 1, 2, 3, 4, 5].filter((p) => !done.includes(p)),
    );
    for (let p = 0; p < 6; p++) expect(await earliest(env, "many", p)).toBe(1n);
  });
});
