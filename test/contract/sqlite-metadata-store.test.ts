import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Worker } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteMetadataStore } from "../../lib/storage/sqlite/metadata-store.ts";
import { MIGRATIONS, migrate } from "../../lib/storage/sqlite/schema.ts";
import {
  appendCommit,
  emptyHead,
  metadataStoreContract,
  topic,
} from "./metadata-store.contract.ts";
import { committed, group } from "./metadata-store-coordination.contract.ts";

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "floe-sqlite-"));
}

metadataStoreContract("sqlite in memory", async () => {
  const store = await SqliteMetadataStore.open({ path: ":memory:" });
  return { store, cleanup: () => store.close() };
});

metadataStoreContract("sqlite on a file", async () => {
  const dir = await tempDir();
  const store = await SqliteMetadataStore.open({ path: join(dir, "meta.db") });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe("SqliteMetadataStore on a file", () => {
  let dir: string;
  let path: string;
  const opened: SqliteMetadataStore[] = [];
  const open = async () => {
    const store = await SqliteMetadataStore.open({ path });
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir, "meta.db");
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps everything across close and reopen", async () => {
    const first = await open();
    const t = topic("orders", { configs: { "retention.ms": "1000" } });
    await first.ensureClusterId("cluster-1");
    await first.createTopic(t);
    const key = { topicId: t.topicId, partition: 0 };
    const commit = appendCommit(emptyHead(key), 2n ** 60n);
    await first.commitPartitions([commit]);
    const producerId = await first.allocateProducerId();
    await first.close();

    const second = await open();
    expect(await second.ensureClusterId("cluster-2")).toBe("cluster-1");
    expect(await second.getTopic("orders")).toEqual(t);
    expect(await second.getHeads([key])).toEqual([commit.head]);
    expect(await second.findChunks(key, 0n, 10)).toEqual(commit.chunks);
    expect(await second.allocateProducerId()).toBe(producerId + 1n);
  });

  it("keeps groups, offsets, fronts and the node-id counter across close and reopen", async () => {
    const first = await open();
    const g = group("app", { state: "Stable" });
    await first.putGroup(g, 0);
    const offsets = [committed("orders", 0, 2n ** 60n, { metadata: "m" })];
    await first.commitOffsets("app", 1, offsets);
    const front = await first.registerFront({ host: "10.0.0.1", port: 9092, rack: null });
    const removed = await first.registerFront({ host: "10.0.0.2", port: 9092, rack: "a" });
    await first.removeFront(removed.nodeId, 0);
    await first.close();

    const second = await open();
    expect(await second.getGroup("app")).toEqual(g);
    expect(await second.fetchOffsets("app")).toEqual(offsets);
    expect(await second.listFronts()).toEqual([front]);
    const next = await second.registerFront({ host: "10.0.0.3", port: 9092, rack: null });
    expect(next.nodeId).toBe(removed.nodeId + 1);
  });

  it("upgrades a database of schema version 1 in place, keeping its data", async () => {
    const raw = new DatabaseSync(path);
    migrate(raw, MIGRATIONS.slice(0, 1));
    const t = topic("orders", { configs: { "retention.ms": "1000" } });
    raw
      .prepare(
        "INSERT INTO topics (name, topic_id, partition_count, configs, created_at_ms, version) " +
          "VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(t.name, t.topicId, t.partitionCount, JSON.stringify(t.configs), t.createdAtMs, 1);
    raw.close();

    const store = await open();
    expect(await store.getTopic("orders")).toEqual(t);
    await store.putGroup(group("g"), 0);
    expect(await store.listGroups()).toEqual([group("g")]);
    expect((await store.registerFront({ host: "h", port: 9092, rack: null })).nodeId).toBe(1);
  });

  it("indexes chunks of a schema-2 database by segment key on upgrade, and uses the index", async () => {
    const key = { topicId: "00000000-0000-4000-8000-00000000000b", partition: 0 };
    const commit = appendCommit(emptyHead(key), 3n, { segmentKey: "segments/ab/old.seg" });
    const raw = new DatabaseSync(path);
    migrate(raw, MIGRATIONS.slice(0, 2));
    const c = commit.chunks[0];
    raw
      .prepare(
        "INSERT INTO chunks (topic_id, partition, base_offset, last_offset, segment_key, " +
          "byte_start, byte_length, batch_count, max_timestamp_ms, running_max_timestamp_ms) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(c.topicId, 0, 0, 2, c.segmentKey, c.byteStart, c.byteLength, 2, 1, 1);
    raw.close();

    const store = await open();
    expect(await store.segmentReferenced("segments/ab/old.seg", [key])).toBe(true);
    const check = new DatabaseSync(path, { readOnly: true });
    try {
      const plan = check
        .prepare("EXPLAIN QUERY PLAN SELECT topic_id, partition FROM chunks WHERE segment_key = ?")
        .all("x")
        .map((row) => String(row.detail));
      expect(plan.join("\n")).toMatch(/USING COVERING INDEX chunks_by_segment_key/);
    } finally {
      check.close();
    }
  });

  it("uses a write-ahead log and records its schema version", async () => {
    await open();
    const raw = new DatabaseSync(path, { readOnly: true });
    try {
      expect(raw.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
      const row = raw.prepare("SELECT version FROM schema_version").get();
      expect(row).toEqual({ version: MIGRATIONS.length });
    } finally {
      raw.close();
    }
  });

  it("refuses a database written by a newer schema, naming both versions", async () => {
    (await open()).close();
    const raw = new DatabaseSync(path);
    raw.exec(`UPDATE schema_version SET version = ${MIGRATIONS.length + 1}`);
    raw.close();
    await expect(SqliteMetadataStore.open({ path })).rejects.toThrow(
      `schema version ${MIGRATIONS.length + 1} is newer than this Floe supports (${MIGRATIONS.length})`,
    );
  });

  it("lets two instances on one file see each other's commits at once", async () => {
    const [a, b] = [await open(), await open()];
    const key = { topicId: "00000000-0000-4000-8000-00000000000a", partition: 0 };
    const commit = appendCommit(emptyHead(key), 3n);
    await a.commitPartitions([commit]);
    expect(await b.getHeads([key])).toEqual([commit.head]);
    await b.createTopic(topic("seen"));
    expect((await a.getTopic("seen"))?.name).toBe("seen");
  });

  it("lets exactly one of two instances win a race on one head version", async () => {
    const [a, b] = [await open(), await open()];
    const key = { topicId: "00000000-0000-4000-8000-00000000000b", partition: 0 };
    const fromA = appendCommit(emptyHead(key), 1n, { segmentKey: "seg/a" });
    const fromB = appendCommit(emptyHead(key), 2n, { segmentKey: "seg/b" });
    const [[ra], [rb]] = await Promise.all([
      a.commitPartitions([fromA]),
      b.commitPartitions([fromB]),
    ]);
    expect([ra.ok, rb.ok].filter(Boolean)).toHaveLength(1);
    const winner = ra.ok ? fromA : fromB;
    expect(ra.ok ? rb : ra).toEqual({ ok: false, current: winner.head });
    expect(await a.findChunks(key, 0n, 10)).toEqual(winner.chunks);
  });

  it("lets exactly one of two instances win a race on one group version", async () => {
    const [a, b] = [await open(), await open()];
    await a.putGroup(group("g"), 0);
    const fromA = group("g", { version: 2, body: "a" });
    const fromB = group("g", { version: 2, body: "b" });
    const results = await Promise.allSettled([a.putGroup(fromA, 1), b.putGroup(fromB, 1)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const winner = results[0].status === "fulfilled" ? fromA : fromB;
    expect(await b.getGroup("g")).toEqual(winner);
    // The other instance is fenced by the winner's version too.
    await expect(a.commitOffsets("g", 1, [committed("t", 0, 1n)])).rejects.toMatchObject({
      current: winner,
    });
  });

  it("keeps offsets dense and producer ids unique across threads writing one file at once", async () => {
    await open(); // create the schema before the workers start
    const workers = 4;
    const appendsEach = 40;
    const key = { topicId: "00000000-0000-4000-8000-00000000000c", partition: 0 };
    const startLine = new SharedArrayBuffer(4);
    const results = await Promise.all(
      Array.from({ length: workers }, (_, id) =>
        runWorker({ path, key, id, appendsEach, workers, moduleUrl: STORE_MODULE_URL, startLine }),
      ),
    );

    const store = await open();
    const [head] = await store.getHeads([key]);
    expect(head.nextOffset).toBe(BigInt(workers * appendsEach));
    expect(head.version).toBe(workers * appendsEach);
    const chunks = await store.findChunks(key, 0n, 10_000);
    expect(chunks.map((c) => c.baseOffset)).toEqual(
      Array.from({ length: workers * appendsEach }, (_, i) => BigInt(i)),
    );
    // Every writer's appends landed, each exactly once.
    const segmentKeys = new Set(chunks.map((c) => c.segmentKey));
    expect(segmentKeys.size).toBe(workers * appendsEach);
    const producerIds = results.flatMap((r) => r.producerIds);
    expect(new Set(producerIds).size).toBe(workers * appendsEach);
    // The writers really overlapped: some commits lost a race and were retried.
    const conflicts = results.reduce((sum, r) => sum + r.conflicts, 0);
    expect(conflicts).toBeGreaterThan(0);
  }, 60_000);
});

const STORE_MODULE_URL = new URL("../../lib/storage/sqlite/metadata-store.ts", import.meta.url)
  .href;

interface WorkerInput {
  path: string;
  key: { topicId: string; partition: number };
  id: number;
  appendsEach: number;
  workers: number;
  moduleUrl: string;
  /** Workers count themselves in here and start together, so their commits overlap. */
  startLine: SharedArrayBuffer;
}

/**
 * A separate thread is a separate SQLite connection with real parallelism, as a second local
 * process would be; the store module runs there under Node's own type stripping.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
(async () => {
  const { SqliteMetadataStore } = await import(workerData.moduleUrl);
  const { path, key, id, appendsEach, startLine, workers } = workerData;
  const store = await SqliteMetadataStore.open({ path });
  const ready = new Int32Array(startLine);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  Atomics.add(ready, 0, 1);
  Atomics.notify(ready, 0);
  for (let seen; (seen = Atomics.load(ready, 0)) < workers; ) Atomics.wait(ready, 0, seen);
  const producerIds = [];
  let conflicts = 0;
  for (let n = 0; n < appendsEach; n++) {
    let [head] = await store.getHeads([key]);
    for (;;) {
      // Widen the read-to-commit window, as building a real segment would.
      Atomics.wait(pause, 0, 0, 1);
      const chunk = {
        ...key, baseOffset: head.nextOffset, lastOffset: head.nextOffset,
        segmentKey: "seg/" + id + "/" + n, byteStart: 0, byteLength: 10, batchCount: 1,
        maxTimestampMs: n, runningMaxTimestampMs: Math.max(head.maxTimestampMs, n),
      };
      const next = { ...head, nextOffset: head.nextOffset + 1n, version: head.version + 1,
        maxTimestampMs: chunk.runningMaxTimestampMs };
      const [outcome] = await store.commitPartitions([
        { expectedVersion: head.version, head: next, chunks: [chunk] },
      ]);
      if (outcome.ok) break;
      conflicts++;
      head = outcome.current;
    }
    producerIds.push(await store.allocateProducerId());
  }
  await store.close();
  parentPort.postMessage({ producerIds, conflicts });
})();
`;

function runWorker(input: WorkerInput): Promise<{ producerIds: bigint[]; conflicts: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: input });
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`worker ${input.id} exited with code ${code}`));
    });
  });
}
