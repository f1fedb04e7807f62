import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, LogAppendError } from "../../../../lib/broker/log/errors.ts";
import { type LogConfig, resolveLogConfig } from "../../../../lib/broker/log/log-config.ts";
import { SegmentReader } from "../../../../lib/broker/log/segment-reader.ts";
import { SegmentWriter } from "../../../../lib/broker/log/segment-writer.ts";
import { createLogger, type Logger } from "../../../../lib/logger.ts";
import { decodeRecords } from "../../../../lib/protocol/records/decode.ts";
import type { MetadataStore, ObjectStore, PartitionKey } from "../../../../lib/storage/ports.ts";
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
  values,
} from "./helpers.ts";

let stores: Stores | undefined;
const writers: SegmentWriter[] = [];

afterEach(async () => {
  for (const w of writers.splice(0)) await w.close();
  await stores?.cleanup();
  stores = undefined;
});

async function setup(
  config: Partial<LogConfig> = {},
  wrap: {
    objects?: (s: ObjectStore) => ObjectStore;
    meta?: (m: MetadataStore) => MetadataStore;
  } = {},
  nowMs?: () => number,
  logger?: Logger,
) {
  stores = await openStores();
  const objectStore = wrap.objects ? wrap.objects(stores.objectStore) : stores.objectStore;
  const metadataStore = wrap.meta ? wrap.meta(stores.metadataStore) : stores.metadataStore;
  const writer = new SegmentWriter({
    objectStore,
    metadataStore,
    config: resolveLogConfig(config),
    nowMs,
    logger,
  });
  writers.push(writer);
  return { writer, objectStore, metadataStore, stores };
}

/** Every record value in the partition's log, by offset, read back through the index. */
async function logContents(
  metadataStore: MetadataStore,
  objectStore: ObjectStore,
  key: PartitionKey,
): Promise<Map<bigint, string>> {
  const reader = new SegmentReader({ objectStore, cacheBytes: 0 });
  const out = new Map<bigint, string>();
  const entries = await metadataStore.findChunks(key, 0n, 100_000);
  for (const e of entries) {
    const buf = await reader.read(e);
    let at = 0;
    while (at < buf.length) {
      const len = buf.readInt32BE(at + 8) + 12;
      for (const r of await decodeRecords(buf.subarray(at, at + len))) {
        expect(out.has(r.offset)).toBe(false);
        out.set(r.offset, r.value!.toString());
      }
      at += len;
    }
  }
  return out;
}

describe("SegmentWriter flushing", () => {
  it("flushes as soon as buffered bytes reach maxSegmentBytes", async () => {
    const { writer } = await setup({ maxSegmentBytes: 1000, lingerMs: 60_000 });
    const key = newKey();
    const small = request(await batch({ values: values("x", 5) }));
    const pending = writer.append(key, small.records, small.batches);
    const raced = await Promise.race([
      pending.then(() => "flushed"),
      sleep(100).then(() => "waiting"),
    ]);
    expect(raced).toBe("waiting");
    const big = request(await batch({ values: [Buffer.alloc(1200, 97).toString()] }));
    const t0 = performance.now();
    const [r1, r2] = await Promise.all([pending, writer.append(key, big.records, big.batches)]);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(r1.batches[0]).toEqual({ baseOffset: 0n, lastOffset: 4n, duplicate: false });
    expect(r2.batches[0]).toEqual({ baseOffset: 5n, lastOffset: 5n, duplicate: false });
    expect(writer.metrics.segmentPuts).toBe(1);
  });

  it("splits a backlog into segments of maxSegmentBytes plus at most one append", async () => {
    const { writer } = await setup({ maxSegmentBytes: 300, lingerMs: 0, maxInFlightFlushes: 1 });
    const key = newKey();
    const reqs = await Promise.all(
      Array.from({ length: 6 }, async (_, i) =>
        request(await batch({ values: [`${i}`.repeat(150)] })),
      ),
    );
    const results = await Promise.all(reqs.map((r) => writer.append(key, r.records, r.batches)));
    expect(results.map((r) => r.batches[0].baseOffset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    // Each batch is > 150 bytes: two cross the 300-byte line, so three segments of two.
    expect(writer.metrics.segmentPuts).toBe(3);
  });

  it("flushes after lingerMs when the size is not reached", async () => {
    const { writer } = await setup({ maxSegmentBytes: 1 << 20, lingerMs: 80 });
    const key = newKey();
    const r = request(await batch({ values: ["a"] }));
    const t0 = performance.now();
    await writer.append(key, r.records, r.batches);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(70);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("with lingerMs 0 batches the appends of one tick into one segment", async () => {
    const { writer } = await setup({ lingerMs: 0 });
    const keys = [newKey(0), newKey(1), newKey(2)];
    const r = request(await batch({ values: ["a", "b"] }));
    const results = await Promise.all(
      keys.flatMap((k) => [
        writer.append(k, r.records, r.batches),
        writer.append(k, r.records, r.batches),
      ]),
    );
    expect(writer.metrics.segmentPuts).toBe(1);
    expect(results.map((x) => x.batches[0].baseOffset)).toEqual([0n, 2n, 0n, 2n, 0n, 2n]);
  });

  it("flushes what is pending on close, then refuses appends", async () => {
    const { writer, metadataStore } = await setup({ lingerMs: 60_000 });
    const key = newKey();
    const r = request(await batch({ values: ["a"] }));
    const pending = writer.append(key, r.records, r.batches);
    await writer.close();
    expect((await pending).errorCode).toBe(0);
    expect((await metadataStore.getHeads([key]))[0].nextOffset).toBe(1n);
    await expect(writer.append(key, r.records, r.batches)).rejects.toBeInstanceOf(LogAppendError);
  });
});

describe("SegmentWriter offsets", () => {
  it("assigns dense offsets across many concurrent appenders and partitions", async () => {
    const { writer, metadataStore, objectStore } = await setup({
      maxSegmentBytes: 4096,
      lingerMs: 1,
      maxInFlightFlushes: 3,
    });
    const keys = [newKey(0), newKey(1), newKey(2), newKey(3)];
    const expected = new Map<string, Set<string>>(keys.map((k) => [k.topicId, new Set<string>()]));
    const offsetsSeen = new Map<string, [bigint, bigint][]>(keys.map((k) => [k.topicId, []]));
    const appenders = Array.from({ length: 24 }, async (_, a) => {
      for (let n = 0; n < 6; n++) {
        const key = keys[(a + n) % keys.length];
        const vals = values(`a${a}n${n}`, 1 + ((a * 7 + n) % 5));
        for (const v of vals) expected.get(key.topicId)!.add(v);
        const r = request(await batch({ values: vals }));
        const res = await writer.append(key, r.records, r.batches);
        expect(res.errorCode).toBe(0);
        offsetsSeen.get(key.topicId)!.push([res.batches[0].baseOffset, res.batches[0].lastOffset]);
        if (n % 2 === 0) await sleep(a % 3);
      }
    });
    await Promise.all(appenders);

    for (const key of keys) {
      const ranges = offsetsSeen.get(key.topicId)!.sort((x, y) => (x[0] < y[0] ? -1 : 1));
      let next = 0n;
      for (const [base, last] of ranges) {
        expect(base).toBe(next);
        next = last + 1n;
      }
      const [head] = await metadataStore.getHeads([key]);
      expect(head.nextOffset).toBe(next);
      const log = await logContents(metadataStore, objectStore, key);
      expect(log.size).toBe(Number(next));
      expect(new Set(log.values())).toEqual(expected.get(key.topicId));
      for (let o = 0n; o < next; o++) expect(log.has(o)).toBe(true);
    }
    expect(writer.metrics.segmentPuts).toBeGreaterThan(1);
  });

  it("keeps one partition's appends in arrival order across concurrent flushes", async () => {
    const { writer } = await setup(
      { maxSegmentBytes: 1, lingerMs: 0, maxInFlightFlushes: 4 },
      {
        objects: (s) => {
          const f = new FaultyObjectStore(s);
          f.beforePut = () => sleep(Math.random() * 15); // later PUTs may finish first
          return f;
        },
      },
    );
    const key = newKey();
    // One idempotent producer pipelining 5 requests, as max.in.flight.requests=5 does.
    const reqs = await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) =>
        request(await batch({ values: values(`p${i}`, 2), producerId: 5n, baseSequence: i * 2 })),
      ),
    );
    const results = await Promise.all(reqs.map((r) => writer.append(key, r.records, r.batches)));
    expect(results.map((r) => r.errorCode)).toEqual([0, 0, 0, 0, 0]);
    expect(results.map((r) => r.batches[0].baseOffset)).toEqual([0n, 2n, 4n, 6n, 8n]);
    expect(writer.metrics.segmentPuts).toBe(5);
  });
});

describe("SegmentWriter idempotence", () => {
  it("answers a retried batch with its original offsets and stores it once", async () => {
    const { writer, metadataStore, objectStore } = await setup({ lingerMs: 0 });
    const key = newKey();
    const b0 = request(await batch({ values: values("b0", 3), producerId: 9n }));
    const b1 = request(await batch({ values: values("b1", 2), producerId: 9n, baseSequence: 3 }));
    expect((await writer.append(key, b0.records, b0.batches)).batches).toEqual([
      { baseOffset: 0n, lastOffset: 2n, duplicate: false },
    ]);
    expect((await writer.append(key, b1.records, b1.batches)).batches[0].baseOffset).toBe(3n);
    const retry = await writer.append(key, b0.records, b0.batches);
    expect(retry).toMatchObject({
      errorCode: 0,
      batches: [{ baseOffset: 0n, lastOffset: 2n, duplicate: true }],
      highWatermark: 5n,
    });
    const [head] = await metadataStore.getHeads([key]);
    expect(head.nextOffset).toBe(5n);
    expect(head.version).toBe(2); // the duplicate committed nothing
    expect(head.producers).toEqual([
      {
        producerId: 9n,
        producerEpoch: 0,
        lastAppendMs: expect.any(Number),
        batches: [
          { firstSequence: 0, lastSequence: 2, baseOffset: 0n, lastOffset: 2n },
          { firstSequence: 3, lastSequence: 4, baseOffset: 3n, lastOffset: 4n },
        ],
      },
    ]);
    expect([...(await logContents(metadataStore, objectStore, key)).values()]).toEqual([
      ...values("b0", 3),
      ...values("b1", 2),
    ]);
    expect(writer.metrics.batchesDuplicate).toBe(1);
  });

  it("splits a chunk around a duplicate or refused batch so entries cover only appended bytes", async () => {
    const { writer, metadataStore, objectStore } = await setup({ lingerMs: 0 });
    const key = newKey();
    const first = request(await batch({ values: values("first", 2), producerId: 1n }));
    await writer.append(key, first.records, first.batches);

    const plain1 = request(await batch({ values: ["plain-1"] }));
    const dup = first; // a retry, inside the next flush
    const plain2 = request(await batch({ values: ["plain-2"] }));
    const gap = request(await batch({ values: ["gap"], producerId: 1n, baseSequence: 7 }));
    const plain3 = request(await batch({ values: ["plain-3"] }));
    const results = await Promise.all(
      [plain1, dup, plain2, gap, plain3].map((r) => writer.append(key, r.records, r.batches)),
    );
    expect(results.map((r) => [r.errorCode, r.batches[0]?.baseOffset])).toEqual([
      [0, 2n],
      [0, 0n],
      [0, 3n],
      [ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, undefined],
      [0, 4n],
    ]);
    const entries = await metadataStore.findChunks(key, 0n, 100);
    expect(entries.map((e) => [e.baseOffset, e.lastOffset, e.batchCount])).toEqual([
      [0n, 1n, 1],
      [2n, 2n, 1],
      [3n, 3n, 1],
      [4n, 4n, 1],
    ]);
    // The last three share one segment but are separate ranges of it.
    const [, e2, e3, e4] = entries;
    expect(new Set([e2.segmentKey, e3.segmentKey, e4.segmentKey]).size).toBe(1);
    expect(e3.byteStart).toBeGreaterThan(e2.byteStart + e2.byteLength);
    expect(e4.byteStart).toBeGreaterThan(e3.byteStart + e3.byteLength);
    const log = await logContents(metadataStore, objectStore, key);
    expect([...log.values()]).toEqual(["first-0", "first-1", "plain-1", "plain-2", "plain-3"]);
  });

  it("refuses a whole multi-batch request when one of its batches is refused", async () => {
    const { writer, metadataStore } = await setup({ lingerMs: 0 });
    const key = newKey();
    const r = request(
      await batch({ values: ["a"], producerId: 4n, baseSequence: 0 }),
      await batch({ values: ["b"], producerId: 4n, baseSequence: 5 }),
    );
    const res = await writer.append(key, r.records, r.batches);
    expect(res).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, batches: [] });
    const [head] = await metadataStore.getHeads([key]);
    expect(head).toMatchObject({ nextOffset: 0n, version: 0, producers: [] });
    expect(await metadataStore.findChunks(key, 0n, 10)).toEqual([]);
  });

  it("fences an older epoch with INVALID_PRODUCER_EPOCH", async () => {
    const { writer } = await setup({ lingerMs: 0 });
    const key = newKey();
    const e1 = request(await batch({ values: ["a"], producerId: 4n, producerEpoch: 1 }));
    const e0 = request(
      await batch({ values: ["b"], producerId: 4n, producerEpoch: 0, baseSequence: 1 }),
    );
    expect((await writer.append(key, e1.records, e1.batches)).errorCode).toBe(0);
    const res = await writer.append(key, e0.records, e0.batches);
    expect(res.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(res.errorMessage).toMatch(/epoch 0/);
  });

  it("expires idle producers from the head on the next commit", async () => {
    let now = 1_000_000;
    const { writer, metadataStore } = await setup(
      { lingerMs: 0, producerIdExpirationMs: 60_000 },
      {},
      () => now,
    );
    const key = newKey();
    const a = request(await batch({ values: ["a"], producerId: 1n }));
    const b = request(await batch({ values: ["b"], producerId: 2n }));
    await writer.append(key, a.records, a.batches);
    now += 60_000;
    await writer.append(key, b.records, b.batches);
    const [head] = await metadataStore.getHeads([key]);
    expect(head.producers.map((p) => p.producerId)).toEqual([2n]);
    // Producer 1 is unknown again: its retry is appended, not recognised (as in Kafka).
    expect((await writer.append(key, a.records, a.batches)).batches[0]).toMatchObject({
      baseOffset: 2n,
      duplicate: false,
    });
  });
});

describe("SegmentWriter failures", () => {
  it("leaves nothing visible and answers every caller retriably when the PUT fails", async () => {
    let faulty: FaultyObjectStore | undefined;
    const { writer, metadataStore, stores } = await setup(
      { lingerMs: 5 },
      {
        objects: (s) => {
          faulty = new FaultyObjectStore(s);
          return faulty;
        },
      },
    );
    faulty!.failPuts = 1;
    const keys = [newKey(0), newKey(1)];
    const r = request(await batch({ values: ["a", "b"] }));
    const outcomes = await Promise.allSettled([
      writer.append(keys[0], r.records, r.batches),
      writer.append(keys[1], r.records, r.batches),
      writer.append(keys[0], r.records, r.batches),
    ]);
    for (const o of outcomes) {
      expect(o.status).toBe("rejected");
      const err = (o as PromiseRejectedResult).reason;
      expect(err).toBeInstanceOf(LogAppendError);
      expect(err).toMatchObject({ code: ErrorCode.KAFKA_STORAGE_ERROR, retriable: true });
    }
    for (const h of await metadataStore.getHeads(keys))
      expect(h).toMatchObject({ nextOffset: 0n, version: 0 });
    expect(await listKeys(stores.objectStore, "segments/")).toEqual([]);
    expect(writer.metrics.segmentPutFailures).toBe(1);
    // The retry succeeds from offset 0.
    expect((await writer.append(keys[0], r.records, r.batches)).batches[0].baseOffset).toBe(0n);
  });

  it("tells the operator at warn, once per interval however many flushes fail", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger("warn", (l) => lines.push(JSON.parse(l)));
    let faulty: FaultyObjectStore | undefined;
    const { writer } = await setup(
      { lingerMs: 0 },
      {
        objects: (s) => {
          faulty = new FaultyObjectStore(s);
          return faulty;
        },
      },
      undefined,
      logger,
    );
    faulty!.failPuts = 3;
    const key = newKey();
    const r = request(await batch({ values: ["a"] }));
    for (let i = 0; i < 3; i++) {
      await expect(writer.append(key, r.records, r.batches)).rejects.toBeInstanceOf(LogAppendError);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "warn", partitions: 1, appends: 1 });
    expect(String(lines[0].reason)).toContain("segment write failed");
    expect(writer.metrics.segmentPutFailures).toBe(3);
  });

  it("leaves only an orphan object when the commit fails", async () => {
    let meta: ReturnType<typeof faultyMetadataStore> | undefined;
    const { writer, stores } = await setup(
      { lingerMs: 0 },
      {
        meta: (m) => {
          meta = faultyMetadataStore(m);
          return meta;
        },
      },
    );
    meta!.failCommits = 1;
    const key = newKey();
    const r = request(await batch({ values: ["a"] }));
    await expect(writer.append(key, r.records, r.batches)).rejects.toMatchObject({
      code: ErrorCode.KAFKA_STORAGE_ERROR,
      retriable: true,
    });
    expect(await listKeys(stores.objectStore, "segments/")).toHaveLength(1);
    expect(await stores.metadataStore.findChunks(key, 0n, 10)).toEqual([]);
    expect((await stores.metadataStore.getHeads([key]))[0].version).toBe(0);
  });

  it("fails later in-flight appends to a partition whose earlier flush failed, so retries stay in order", async () => {
    let faulty: FaultyObjectStore | undefined;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { writer } = await setup(
      { maxSegmentBytes: 1, lingerMs: 0, maxInFlightFlushes: 2 },
      {
        objects: (s) => {
          faulty = new FaultyObjectStore(s);
          return faulty;
        },
      },
    );
    let calls = 0;
    faulty!.beforePut = async () => {
      if (calls++ === 0) {
        await gate; // the first PUT is slow, then fails
        faulty!.failPuts = 1;
      }
    };
    const key = newKey();
    const other = newKey(1);
    const r0 = request(await batch({ values: ["0"], producerId: 3n, baseSequence: 0 }));
    const r1 = request(await batch({ values: ["1"], producerId: 3n, baseSequence: 1 }));
    const p0 = writer.append(key, r0.records, r0.batches);
    const p1 = writer.append(key, r1.records, r1.batches);
    await sleep(20);
    release();
    await expect(p0).rejects.toBeInstanceOf(LogAppendError);
    await expect(p1).rejects.toMatchObject({ message: /earlier append/ });
    // Other partitions are unaffected, and the producer's in-order retry works.
    expect((await writer.append(other, r0.records, r0.batches)).errorCode).toBe(0);
    expect((await writer.append(key, r0.records, r0.batches)).batches[0].baseOffset).toBe(0n);
    expect((await writer.append(key, r1.records, r1.batches)).batches[0].baseOffset).toBe(1n);
  });
});

describe("SegmentWriter backpressure", () => {
  it("runs at most maxInFlightFlushes flushes at once", async () => {
    let faulty: FaultyObjectStore | undefined;
    const { writer } = await setup(
      { maxSegmentBytes: 1, lingerMs: 0, maxInFlightFlushes: 2 },
      {
        objects: (s) => {
          faulty = new FaultyObjectStore(s);
          faulty.beforePut = () => sleep(10);
          return faulty;
        },
      },
    );
    const r = request(await batch({ values: ["x"] }));
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => writer.append(newKey(i), r.records, r.batches)),
    );
    expect(faulty!.puts).toBe(8);
    expect(faulty!.maxPutsInFlight).toBe(2);
  });

  it("makes appends wait for buffer space, and fail with REQUEST_TIMED_OUT when it does not come", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const r = request(await batch({ values: ["x".repeat(100)] }));
    const size = r.records.length;
    const { writer } = await setup(
      { maxSegmentBytes: size, maxBufferedBytes: size * 2, lingerMs: 0, bufferWaitTimeoutMs: 50 },
      {
        objects: (s) => {
          const f = new FaultyObjectStore(s);
          f.beforePut = () => gate;
          return f;
        },
      },
    );
    const key = newKey();
    const held = [
      writer.append(key, r.records, r.batches),
      writer.append(key, r.records, r.batches),
    ];
    await sleep(5);
    expect(writer.heldBytes).toBe(size * 2);
    await expect(writer.append(key, r.records, r.batches)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_TIMED_OUT,
      retriable: true,
    });
    const waiting = writer.append(key, r.records, r.batches);
    await sleep(5);
    release();
    const all = await Promise.all([...held, waiting]);
    expect(all.map((x) => x.batches[0].baseOffset)).toEqual([0n, 1n, 2n]);
  });

  it("refuses an append larger than the whole buffer", async () => {
    const r = request(await batch({ values: ["x".repeat(200)] }));
    const { writer } = await setup({ maxSegmentBytes: 100, maxBufferedBytes: 100 });
    await expect(writer.append(newKey(), r.records, r.batches)).rejects.toMatchObject({
      code: ErrorCode.MESSAGE_TOO_LARGE,
      retriable: false,
    });
  });
});
