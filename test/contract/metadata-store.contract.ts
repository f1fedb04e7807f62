/**
 * The MetadataStore contract (lib/storage/ports.ts). Every backend runs this very suite:
 *
 *   metadataStoreContract("sqlite", async () => ({ store, cleanup }));
 *
 * `make` must return an empty store (fresh file, table or key prefix) for every test. `cleanup`
 * must tolerate a store the test already closed. The consumer-group and front methods are
 * covered by coordinationContract (./metadata-store-coordination.contract.ts) and segmentReferenced
 * by segmentsContract (./metadata-store-segments.contract.ts), both run from here.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  TopicExistsError,
  UnknownTopicError,
  VersionConflictError,
} from "../../lib/storage/errors.ts";
import type {
  ChunkEntry,
  MetadataStore,
  PartitionCommit,
  PartitionHead,
  PartitionKey,
  TopicRecord,
} from "../../lib/storage/ports.ts";
import { coordinationContract } from "./metadata-store-coordination.contract.ts";
import { segmentsContract } from "./metadata-store-segments.contract.ts";

export interface MetadataStoreFixture {
  store: MetadataStore;
  cleanup(): Promise<void>;
}

const TWO_POW_53 = 2n ** 53n;

export function topic(name: string, overrides: Partial<TopicRecord> = {}): TopicRecord {
  return {
    name,
    topicId: randomUUID(),
    partitionCount: 3,
    configs: {},
    createdAtMs: 1_700_000_000_000,
    version: 1,
    ...overrides,
  };
}

export function emptyHead(key: PartitionKey): PartitionHead {
  const { topicId, partition } = key;
  return {
    topicId,
    partition,
    nextOffset: 0n,
    logStartOffset: 0n,
    maxTimestampMs: -1,
    version: 0,
    producers: [],
  };
}

/** The commit a broker would make to append `recordCount` offsets in one chunk on `head`. */
export function appendCommit(
  head: PartitionHead,
  recordCount: bigint,
  options: { timestampMs?: number; segmentKey?: string } = {},
): PartitionCommit {
  const timestampMs = options.timestampMs ?? 1_700_000_000_000;
  const runningMax = Math.max(head.maxTimestampMs, timestampMs);
  const chunk: ChunkEntry = {
    topicId: head.topicId,
    partition: head.partition,
    baseOffset: head.nextOffset,
    lastOffset: head.nextOffset + recordCount - 1n,
    segmentKey: options.segmentKey ?? `seg/${randomUUID()}`,
    byteStart: 64,
    byteLength: 1024,
    batchCount: 2,
    maxTimestampMs: timestampMs,
    runningMaxTimestampMs: runningMax,
  };
  return {
    expectedVersion: head.version,
    head: {
      ...head,
      nextOffset: head.nextOffset + recordCount,
      maxTimestampMs: runningMax,
      version: head.version + 1,
    },
    chunks: [chunk],
  };
}

export function metadataStoreContract(
  name: string,
  make: () => Promise<MetadataStoreFixture>,
): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let fixture: MetadataStoreFixture;
    let store: MetadataStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    /** Appends one chunk per count, committing each on the current head; returns the last head. */
    async function appendAll(
      key: PartitionKey,
      counts: readonly bigint[],
      timestampsMs?: readonly number[],
    ): Promise<PartitionHead> {
      let [head] = await store.getHeads([key]);
      for (const [i, count] of counts.entries()) {
        const commit = appendCommit(head, count, { timestampMs: timestampsMs?.[i] });
        const [outcome] = await store.commitPartitions([commit]);
        expect(outcome).toEqual({ ok: true });
        head = commit.head;
      }
      return head;
    }

    async function allChunks(key: PartitionKey): Promise<ChunkEntry[]> {
      return store.findChunks(key, 0n, 1_000_000);
    }

    describe("cluster id", () => {
      it("stores the first candidate and returns it", async () => {
        expect(await store.ensureClusterId("cluster-a")).toBe("cluster-a");
      });

      it("keeps the first id and returns it to later callers with other candidates", async () => {
        await store.ensureClusterId("cluster-a");
        expect(await store.ensureClusterId("cluster-b")).toBe("cluster-a");
      });

      it("agrees on one id among concurrent callers", async () => {
        const ids = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.ensureClusterId(`candidate-${i}`)),
        );
        expect(new Set(ids).size).toBe(1);
        expect(ids[0]).toMatch(/^candidate-\d$/);
      });
    });

    describe("topics", () => {
      it("returns a created topic by name and by id, configs included", async () => {
        const t = topic("orders", { configs: { "retention.ms": "3600000" }, partitionCount: 12 });
        await store.createTopic(t);
        expect(await store.getTopic("orders")).toEqual(t);
        expect(await store.getTopicById(t.topicId)).toEqual(t);
      });

      it("returns undefined for an unknown name or id", async () => {
        expect(await store.getTopic("nope")).toBeUndefined();
        expect(await store.getTopicById(randomUUID())).toBeUndefined();
      });

      it("throws TopicExistsError for a taken name and keeps the original", async () => {
        const first = topic("orders");
        await store.createTopic(first);
        const err = await store.createTopic(topic("orders")).catch((e) => e);
        expect(err).toBeInstanceOf(TopicExistsError);
        expect(err.topic).toBe("orders");
        expect(err.retriable).toBe(false);
        expect(await store.getTopic("orders")).toEqual(first);
      });

      it("lets exactly one of several concurrent creators of one name win", async () => {
        const candidates = Array.from({ length: 5 }, () => topic("race"));
        const results = await Promise.allSettled(candidates.map((t) => store.createTopic(t)));
        const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) {
          if (r.status === "rejected") expect(r.reason).toBeInstanceOf(TopicExistsError);
        }
        expect(await store.getTopic("race")).toEqual(candidates[winners[0]]);
      });

      it("lists every topic", async () => {
        expect(await store.listTopics()).toEqual([]);
        const created = [topic("b"), topic("a"), topic("c")];
        for (const t of created) await store.createTopic(t);
        const listed = await store.listTopics();
        expect(listed.sort((x, y) => x.name.localeCompare(y.name))).toEqual(
          created.sort((x, y) => x.name.localeCompare(y.name)),
        );
      });
    });

    describe("updateTopic", () => {
      it("replaces the record when the stored version is the expected one", async () => {
        const t = topic("orders");
        await store.createTopic(t);
        const next = {
          ...t,
          partitionCount: 6,
          configs: { "cleanup.policy": "delete" },
          version: 2,
        };
        await store.updateTopic(next, 1);
        expect(await store.getTopic("orders")).toEqual(next);
        expect(await store.getTopicById(t.topicId)).toEqual(next);
      });

      it("throws VersionConflictError carrying the current record on a stale version", async () => {
        const t = topic("orders");
        await store.createTopic(t);
        const v2 = { ...t, partitionCount: 4, version: 2 };
        await store.updateTopic(v2, 1);
        const err = await store
          .updateTopic({ ...t, partitionCount: 9, version: 2 }, 1)
          .catch((e) => e);
        expect(err).toBeInstanceOf(VersionConflictError);
        expect(err.retriable).toBe(true);
        expect(err.current).toEqual(v2);
        expect(await store.getTopic("orders")).toEqual(v2);
      });

      it("throws VersionConflictError with no current record for an unknown topic", async () => {
        const err = await store.updateTopic(topic("ghost", { version: 2 }), 1).catch((e) => e);
        expect(err).toBeInstanceOf(VersionConflictError);
        expect(err.current).toBeUndefined();
        expect(await store.getTopic("ghost")).toBeUndefined();
      });

      it("refuses an update meant for a deleted topic whose name was reused", async () => {
        const old = topic("orders");
        await store.createTopic(old);
        await store.deleteTopic("orders");
        const reborn = topic("orders");
        await store.createTopic(reborn);
        const err = await store
          .updateTopic({ ...old, partitionCount: 9, version: 2 }, 1)
          .catch((e) => e);
        expect(err).toBeInstanceOf(VersionConflictError);
        expect(err.current).toEqual(reborn);
        expect(await store.getTopic("orders")).toEqual(reborn);
      });

      it("lets exactly one of two concurrent updates from one version win", async () => {
        const t = topic("orders");
        await store.createTopic(t);
        const a = { ...t, partitionCount: 5, version: 2 };
        const b = { ...t, partitionCount: 7, version: 2 };
        const results = await Promise.allSettled([
          store.updateTopic(a, 1),
          store.updateTopic(b, 1),
        ]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        expect(loser.reason).toBeInstanceOf(VersionConflictError);
        const stored = await store.getTopic("orders");
        expect([a, b]).toContainEqual(stored);
        expect(loser.reason.current).toEqual(stored);
      });

      it("rejects a next version other than expectedVersion + 1 and changes nothing", async () => {
        const t = topic("orders");
        await store.createTopic(t);
        await expect(
          store.updateTopic({ ...t, partitionCount: 9, version: 3 }, 1),
        ).rejects.toThrow();
        await expect(
          store.updateTopic({ ...t, partitionCount: 9, version: 1 }, 1),
        ).rejects.toThrow();
        expect(await store.getTopic("orders")).toEqual(t);
      });
    });

    describe("deleteTopic", () => {
      it("returns the deleted record and forgets its name and id", async () => {
        const t = topic("orders");
        await store.createTopic(t);
        expect(await store.deleteTopic("orders")).toEqual(t);
        expect(await store.getTopic("orders")).toBeUndefined();
        expect(await store.getTopicById(t.topicId)).toBeUndefined();
        expect(await store.listTopics()).toEqual([]);
      });

      it("removes the heads and chunks of that topic's partitions and no others", async () => {
        const doomed = topic("doomed");
        const kept = topic("kept");
        await store.createTopic(doomed);
        await store.createTopic(kept);
        const doomedKeys = [0, 1, 2].map((partition) => ({ topicId: doomed.topicId, partition }));
        const keptKey = { topicId: kept.topicId, partition: 0 };
        for (const key of doomedKeys) await appendAll(key, [10n, 5n]);
        const keptHead = await appendAll(keptKey, [7n]);

        await store.deleteTopic("doomed");

        expect(await store.getHeads(doomedKeys)).toEqual(doomedKeys.map(emptyHead));
        for (const key of doomedKeys) expect(await allChunks(key)).toEqual([]);
        expect(await store.getHeads([keptKey])).toEqual([keptHead]);
        expect(await allChunks(keptKey)).toHaveLength(1);
      });

      it("throws UnknownTopicError for a name that does not exist", async () => {
        const err = await store.deleteTopic("nope").catch((e) => e);
        expect(err).toBeInstanceOf(UnknownTopicError);
        expect(err.topic).toBe("nope");
        expect(err.retriable).toBe(false);
      });

      it("lets the name be created again, with a new id and empty partitions", async () => {
        const old = topic("orders");
        await store.createTopic(old);
        await appendAll({ topicId: old.topicId, partition: 0 }, [3n]);
        await store.deleteTopic("orders");
        const reborn = topic("orders");
        await store.createTopic(reborn);
        expect(await store.getTopic("orders")).toEqual(reborn);
        const key = { topicId: reborn.topicId, partition: 0 };
        expect(await store.getHeads([key])).toEqual([emptyHead(key)]);
      });
    });

    describe("getHeads", () => {
      it("yields the implicit version-0 head for a partition never written", async () => {
        const key = { topicId: randomUUID(), partition: 4 };
        expect(await store.getHeads([key])).toEqual([
          {
            topicId: key.topicId,
            partition: 4,
            nextOffset: 0n,
            logStartOffset: 0n,
            maxTimestampMs: -1,
            version: 0,
            producers: [],
          },
        ]);
      });

      it("returns heads in the order of the keys asked for", async () => {
        const topicId = randomUUID();
        const keys = [2, 0, 1].map((partition) => ({ topicId, partition }));
        const h0 = await appendAll(keys[1], [1n]);
        const h2 = await appendAll(keys[0], [2n, 2n]);
        expect(await store.getHeads(keys)).toEqual([h2, h0, emptyHead(keys[2])]);
      });

      it("returns nothing for no keys", async () => {
        expect(await store.getHeads([])).toEqual([]);
      });
    });

    describe("commitPartitions", () => {
      const key = (): PartitionKey => ({ topicId: randomUUID(), partition: 0 });

      it("creates a head from version 0 and makes its chunks visible", async () => {
        const k = key();
        const commit = appendCommit(emptyHead(k), 10n);
        expect(await store.commitPartitions([commit])).toEqual([{ ok: true }]);
        expect(await store.getHeads([k])).toEqual([commit.head]);
        expect(await allChunks(k)).toEqual(commit.chunks);
      });

      it("advances the head one version per commit", async () => {
        const k = key();
        const head = await appendAll(k, [1n, 2n, 3n]);
        expect(head).toMatchObject({ version: 3, nextOffset: 6n });
        expect(await store.getHeads([k])).toEqual([head]);
        expect((await allChunks(k)).map((c) => [c.baseOffset, c.lastOffset])).toEqual([
          [0n, 0n],
          [1n, 2n],
          [3n, 5n],
        ]);
      });

      it("refuses a stale version, returns the current head, and exposes none of its chunks", async () => {
        const k = key();
        const stale = emptyHead(k);
        const current = await appendAll(k, [5n]);
        const [outcome] = await store.commitPartitions([appendCommit(stale, 3n)]);
        expect(outcome).toEqual({ ok: false, current });
        expect(await store.getHeads([k])).toEqual([current]);
        expect(await allChunks(k)).toHaveLength(1);
      });

      it("treats expectedVersion 0 as 'no head may exist yet'", async () => {
        const k = key();
        const current = await appendAll(k, [1n]);
        const [outcome] = await store.commitPartitions([appendCommit(emptyHead(k), 1n)]);
        expect(outcome).toEqual({ ok: false, current });
      });

      it("refuses a version above 0 for a partition never written, returning the implicit head", async () => {
        const k = key();
        const phantom = { ...emptyHead(k), version: 1, nextOffset: 10n };
        const [outcome] = await store.commitPartitions([appendCommit(phantom, 1n)]);
        expect(outcome).toEqual({ ok: false, current: emptyHead(k) });
        expect(await allChunks(k)).toEqual([]);
      });

      it("applies each commit independently, reporting outcomes in order", async () => {
        const [a, b, c] = [key(), key(), key()];
        const bCurrent = await appendAll(b, [4n]);
        const commits = [
          appendCommit(emptyHead(a), 2n),
          appendCommit(emptyHead(b), 2n),
          appendCommit(emptyHead(c), 3n),
        ];
        expect(await store.commitPartitions(commits)).toEqual([
          { ok: true },
          { ok: false, current: bCurrent },
          { ok: true },
        ]);
        expect(await store.getHeads([a, b, c])).toEqual([
          commits[0].head,
          bCurrent,
          commits[2].head,
        ]);
        expect(await allChunks(a)).toEqual(commits[0].chunks);
        expect(await allChunks(c)).toEqual(commits[2].chunks);
      });

      it("commits a head change without chunks (log start moved by DeleteRecords)", async () => {
        const k = key();
        const head = await appendAll(k, [10n]);
        const next = { ...head, logStartOffset: 4n, version: head.version + 1 };
        expect(
          await store.commitPartitions([{ expectedVersion: head.version, head: next, chunks: [] }]),
        ).toEqual([{ ok: true }]);
        expect(await store.getHeads([k])).toEqual([next]);
      });

      it("keeps producer state exactly, bigint ids and offsets included", async () => {
        const k = key();
        const commit = appendCommit(emptyHead(k), 3n);
        commit.head.producers = [
          {
            producerId: TWO_POW_53 + 7n,
            producerEpoch: 32767,
            batches: [
              { firstSequence: 0, lastSequence: 1, baseOffset: 0n, lastOffset: 1n },
              {
                firstSequence: 2,
                lastSequence: 2,
                baseOffset: TWO_POW_53 + 1n,
                lastOffset: TWO_POW_53 + 1n,
              },
            ],
            lastAppendMs: 1_700_000_123_456,
          },
          { producerId: 0n, producerEpoch: 0, batches: [], lastAppendMs: 0 },
        ];
        await store.commitPartitions([commit]);
        expect(await store.getHeads([k])).toEqual([commit.head]);
      });

      it("keeps offsets above 2^53 exact in heads and chunks", async () => {
        const k = key();
        const start = {
          ...emptyHead(k),
          nextOffset: TWO_POW_53 - 1n,
          logStartOffset: TWO_POW_53 - 1n,
        };
        // First commit from version 0 starts the log high up (as after a migration).
        const first = appendCommit(start, 2n);
        await store.commitPartitions([first]);
        const second = appendCommit(first.head, 3n);
        await store.commitPartitions([second]);
        const [head] = await store.getHeads([k]);
        expect(head.nextOffset).toBe(TWO_POW_53 + 4n);
        expect(head.logStartOffset).toBe(TWO_POW_53 - 1n);
        const chunks = await allChunks(k);
        expect(chunks.map((c) => [c.baseOffset, c.lastOffset])).toEqual([
          [TWO_POW_53 - 1n, TWO_POW_53],
          [TWO_POW_53 + 1n, TWO_POW_53 + 3n],
        ]);
        // 2^53 + 1 is not a double: a lossy backend would match the first chunk too.
        expect((await store.findChunks(k, TWO_POW_53 + 1n, 10)).map((c) => c.baseOffset)).toEqual([
          TWO_POW_53 + 1n,
        ]);
        expect(await store.deleteChunksBelow(k, TWO_POW_53 + 1n)).toBe(1);
        expect((await allChunks(k)).map((c) => c.baseOffset)).toEqual([TWO_POW_53 + 1n]);
      });

      it("returns no outcomes for no commits", async () => {
        expect(await store.commitPartitions([])).toEqual([]);
      });

      it("rejects two commits for one partition in one call and applies neither", async () => {
        const k = key();
        const first = appendCommit(emptyHead(k), 1n);
        const second = appendCommit(first.head, 1n);
        await expect(store.commitPartitions([first, second])).rejects.toThrow();
        expect(await store.getHeads([k])).toEqual([emptyHead(k)]);
        expect(await allChunks(k)).toEqual([]);
      });

      it("rejects a head whose version is not expectedVersion + 1 and applies nothing", async () => {
        const k = key();
        const other = appendCommit(emptyHead(key()), 1n);
        const bad = appendCommit(emptyHead(k), 1n);
        bad.head.version = 5;
        await expect(store.commitPartitions([other, bad])).rejects.toThrow();
        expect(await store.getHeads([k, other.head])).toEqual([
          emptyHead(k),
          emptyHead(other.head),
        ]);
      });

      it("lets exactly one of two concurrent commits on one head version win; the loser sees the winner's head", async () => {
        const k = key();
        const base = await appendAll(k, [5n]);
        const a = appendCommit(base, 1n, { segmentKey: "seg/a" });
        const b = appendCommit(base, 9n, { segmentKey: "seg/b" });
        const [[ra], [rb]] = await Promise.all([
          store.commitPartitions([a]),
          store.commitPartitions([b]),
        ]);
        expect([ra.ok, rb.ok].filter(Boolean)).toHaveLength(1);
        const winner = ra.ok ? a : b;
        const loser = ra.ok ? rb : ra;
        expect(loser).toEqual({ ok: false, current: winner.head });
        expect(await store.getHeads([k])).toEqual([winner.head]);
        const chunks = await allChunks(k);
        expect(chunks).toHaveLength(2);
        expect(chunks[1]).toEqual(winner.chunks[0]);
      });

      it("keeps offsets dense and unique when many writers race and retry (invariant 2)", async () => {
        const k = key();
        const writers = 6;
        const appendsEach = 8;
        const writer = async (id: number) => {
          for (let n = 0; n < appendsEach; ) {
            let [head] = await store.getHeads([k]);
            for (;;) {
              const commit = appendCommit(head, BigInt(id + 1), { segmentKey: `seg/${id}/${n}` });
              const [outcome] = await store.commitPartitions([commit]);
              if (outcome.ok) break;
              head = outcome.current;
            }
            n++;
          }
        };
        await Promise.all(Array.from({ length: writers }, (_, id) => writer(id)));
        const expectedEnd = BigInt(appendsEach * ((writers * (writers + 1)) / 2));
        const [head] = await store.getHeads([k]);
        expect(head).toMatchObject({ nextOffset: expectedEnd, version: writers * appendsEach });
        const chunks = await allChunks(k);
        expect(chunks).toHaveLength(writers * appendsEach);
        let expectedBase = 0n;
        for (const c of chunks) {
          expect(c.baseOffset).toBe(expectedBase);
          expectedBase = c.lastOffset + 1n;
        }
        expect(expectedBase).toBe(expectedEnd);
      });
    });

    describe("findChunks", () => {
      const k: PartitionKey = { topicId: "00000000-0000-4000-8000-000000000001", partition: 1 };
      // Offsets [0,9] [10,14] [15,34] [35,35] [36,45]
      beforeEach(async () => {
        await appendAll(k, [10n, 5n, 20n, 1n, 10n]);
        await appendAll({ ...k, partition: 2 }, [100n]);
      });
      const bases = (chunks: ChunkEntry[]) => chunks.map((c) => c.baseOffset);

      it("starts with the chunk containing fromOffset and goes up by offset", async () => {
        expect(bases(await store.findChunks(k, 12n, 100))).toEqual([10n, 15n, 35n, 36n]);
      });

      it("starts at a chunk that begins exactly at fromOffset", async () => {
        expect(bases(await store.findChunks(k, 15n, 100))).toEqual([15n, 35n, 36n]);
      });

      it("includes a chunk that ends exactly at fromOffset", async () => {
        expect(bases(await store.findChunks(k, 14n, 100))).toEqual([10n, 15n, 35n, 36n]);
      });

      it("returns at most `limit` chunks, the lowest first", async () => {
        expect(bases(await store.findChunks(k, 0n, 2))).toEqual([0n, 10n]);
        expect(bases(await store.findChunks(k, 0n, 1))).toEqual([0n]);
      });

      it("returns nothing for a limit of 0", async () => {
        expect(await store.findChunks(k, 0n, 0)).toEqual([]);
      });

      it("returns nothing from the high watermark on", async () => {
        expect(await store.findChunks(k, 46n, 10)).toEqual([]);
        expect(await store.findChunks(k, 1_000n, 10)).toEqual([]);
      });

      it("returns nothing for a partition never written", async () => {
        expect(await store.findChunks({ ...k, partition: 9 }, 0n, 10)).toEqual([]);
      });

      it("answers the same with the head the caller read as a hint", async () => {
        const [head] = await store.getHeads([k]);
        expect(await store.findChunks(k, 12n, 100, head)).toEqual(
          await store.findChunks(k, 12n, 100),
        );
        const [never] = await store.getHeads([{ ...k, partition: 9 }]);
        expect(await store.findChunks({ ...k, partition: 9 }, 0n, 10, never)).toEqual([]);
      });

      it("covers at least the hinted head's chunks when the log moved on since", async () => {
        const [hinted] = await store.getHeads([k]);
        await appendAll(k, [4n]);
        const found = bases(await store.findChunks(k, 36n, 100, hinted));
        expect(found.slice(0, 1)).toEqual([36n]);
        expect(found.length === 1 || found[1] === 46n).toBe(true);
      });

      it("returns the entries exactly as committed", async () => {
        const [head] = await store.getHeads([{ ...k, partition: 3 }]);
        const commit = appendCommit(head, 4n, { timestampMs: 42, segmentKey: "seg/exact" });
        commit.chunks[0] = {
          ...commit.chunks[0],
          byteStart: 123_456,
          byteLength: 7_890,
          batchCount: 3,
        };
        await store.commitPartitions([commit]);
        expect(await store.findChunks({ ...k, partition: 3 }, 0n, 10)).toEqual(commit.chunks);
      });
    });

    describe("findChunkByTimestamp", () => {
      const k: PartitionKey = { topicId: "00000000-0000-4000-8000-000000000002", partition: 0 };
      // chunk bases 0, 10, 20, 30 with max timestamps 100, 300, 200, 400 → running 100, 300, 300, 400
      beforeEach(async () => {
        await appendAll(k, [10n, 10n, 10n, 10n], [100, 300, 200, 400]);
        await appendAll({ ...k, partition: 1 }, [10n], [50]);
      });
      const baseAt = async (timestampMs: number) =>
        (await store.findChunkByTimestamp(k, timestampMs))?.baseOffset;

      it("finds the first chunk for a timestamp before every record", async () => {
        expect(await baseAt(0)).toBe(0n);
        expect(await baseAt(-1)).toBe(0n);
      });

      it("finds the chunk whose running maximum equals the timestamp", async () => {
        expect(await baseAt(100)).toBe(0n);
        expect(await baseAt(400)).toBe(30n);
      });

      it("finds the next chunk for a timestamp just past a chunk's running maximum", async () => {
        expect(await baseAt(101)).toBe(10n);
        expect(await baseAt(301)).toBe(30n);
      });

      it("finds the first chunk of a run with equal running maxima", async () => {
        expect(await baseAt(300)).toBe(10n);
        expect(await baseAt(250)).toBe(10n);
      });

      it("finds nothing past the largest timestamp in the log", async () => {
        expect(await store.findChunkByTimestamp(k, 401)).toBeUndefined();
      });

      it("finds nothing in a partition never written", async () => {
        expect(await store.findChunkByTimestamp({ ...k, partition: 7 }, 0)).toBeUndefined();
      });
    });

    describe("deleteChunksBelow", () => {
      const k: PartitionKey = { topicId: "00000000-0000-4000-8000-000000000003", partition: 0 };
      // Offsets [0,9] [10,19] [20,29]
      beforeEach(async () => {
        await appendAll(k, [10n, 10n, 10n]);
        await appendAll({ ...k, partition: 1 }, [10n, 10n, 10n]);
      });
      const bases = async (key: PartitionKey) => (await allChunks(key)).map((c) => c.baseOffset);

      it("deletes only chunks wholly below the offset and counts them", async () => {
        expect(await store.deleteChunksBelow(k, 15n)).toBe(1);
        expect(await bases(k)).toEqual([10n, 20n]);
      });

      it("deletes a chunk whose last offset is just below the offset", async () => {
        expect(await store.deleteChunksBelow(k, 20n)).toBe(2);
        expect(await bases(k)).toEqual([20n]);
      });

      it("deletes nothing again, returning 0", async () => {
        await store.deleteChunksBelow(k, 20n);
        expect(await store.deleteChunksBelow(k, 20n)).toBe(0);
        expect(await store.deleteChunksBelow(k, 0n)).toBe(0);
      });

      it("leaves other partitions and the head alone", async () => {
        const [headBefore] = await store.getHeads([k]);
        await store.deleteChunksBelow(k, 30n);
        expect(await bases(k)).toEqual([]);
        expect(await bases({ ...k, partition: 1 })).toEqual([0n, 10n, 20n]);
        expect(await store.getHeads([k])).toEqual([headBefore]);
      });

      it("leaves findChunks starting at the first remaining chunk", async () => {
        await store.deleteChunksBelow(k, 10n);
        expect((await store.findChunks(k, 0n, 10)).map((c) => c.baseOffset)).toEqual([10n, 20n]);
      });
    });

    describe("allocateProducerId", () => {
      it("hands out non-negative ids, never the same one twice", async () => {
        const ids: bigint[] = [];
        for (let i = 0; i < 20; i++) ids.push(await store.allocateProducerId());
        for (const id of ids) {
          expect(typeof id).toBe("bigint");
          expect(id).toBeGreaterThanOrEqual(0n);
        }
        expect(new Set(ids).size).toBe(ids.length);
      });

      it("hands out distinct ids to concurrent callers", async () => {
        const ids = await Promise.all(
          Array.from({ length: 100 }, () => store.allocateProducerId()),
        );
        expect(new Set(ids).size).toBe(100);
      });
    });

    describe("close", () => {
      it("resolves, and resolves again when called twice", async () => {
        await store.close();
        await store.close();
      });

      it("makes later operations fail", async () => {
        await store.close();
        await expect(store.getTopic("orders")).rejects.toThrow();
        await expect(store.allocateProducerId()).rejects.toThrow();
        await expect(store.getHeads([{ topicId: randomUUID(), partition: 0 }])).rejects.toThrow();
      });
    });
  });

  // Consumer groups and fronts: its own file, same factory, so no backend can skip it.
  coordinationContract(name, make);
  // segmentReferenced (orphan segment collection): likewise.
  segmentsContract(name, make);
}
