/**
 * What the DynamoDB adapter promises beyond the MetadataStore contract: cost counted per call,
 * a flush commit costing about one write unit per partition, index pages taking over from the
 * head's inline entries without any lookup noticing, several hosts sharing a partition, a
 * half-finished group deletion completed by the next creator, and SDK failures translated into
 * the typed storage errors. Run by dynamodb-metadata-store.test.ts on its endpoint.
 */
import { randomUUID } from "node:crypto";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { CHUNKS_PER_PAGE } from "../../lib/storage/dynamodb/commit.ts";
import { DynamoMetadataStore } from "../../lib/storage/dynamodb/metadata-store.ts";
import { deleteTable, ensureTable } from "../../lib/storage/dynamodb/table.ts";
import { StorageRejectedError, StorageUnavailableError } from "../../lib/storage/errors.ts";
import type {
  ChunkEntry,
  PartitionCommit,
  PartitionHead,
  PartitionKey,
  ProducerPartitionState,
} from "../../lib/storage/ports.ts";
import { appendChunks, type Connection, dynamoFixtures, type Fresh } from "./dynamodb-fixtures.ts";
import { appendCommit, emptyHead, topic } from "./metadata-store.contract.ts";
import { committed, group } from "./metadata-store-coordination.contract.ts";

/** A producer with its five retained batches, as an idempotent producer leaves on a head. */
export function producerOn(head: PartitionHead, count: bigint): ProducerPartitionState {
  const batches = Array.from({ length: 5 }, (_, i) => ({
    firstSequence: 1_000 + i * 10,
    lastSequence: 1_009 + i * 10,
    baseOffset: head.nextOffset + BigInt(i),
    lastOffset: head.nextOffset + count - 1n,
  }));
  return { producerId: 123_456_789n, producerEpoch: 3, batches, lastAppendMs: 1_700_000_000_000 };
}

/** The commit a segment flush makes: one chunk with a realistic segment key and producer. */
export function flushCommit(
  head: PartitionHead,
  count: bigint,
  segmentKey: string,
): PartitionCommit {
  const commit = appendCommit(head, count, { segmentKey });
  commit.head.producers = [producerOn(head, count)];
  return commit;
}

export function dynamoAdapterSpecs(fresh: Fresh, connection: Connection): void {
  describe("DynamoMetadataStore", () => {
    const { cleanups, open, itemsUnder, rawClient: raw } = dynamoFixtures(fresh, connection);
    const itemsOf = (table: string, key: PartitionKey) =>
      itemsUnder(table, `P#${key.topicId}#${key.partition}`);

    describe("cost counters", () => {
      it("counts calls and consumed read and write units per operation", async () => {
        const { store } = await open();
        expect(store.counters.snapshot()).toEqual({});
        await store.createTopic(topic("orders"));
        const key = { topicId: randomUUID(), partition: 0 };
        const [head] = await store.getHeads([key]);
        await store.commitPartitions([appendCommit(head, 10n)]);
        await store.findChunks(key, 0n, 10);
        const counted = store.counters.snapshot();
        expect(counted["dynamodb.calls.TransactWriteItems"]).toBe(1);
        expect(counted["dynamodb.calls.BatchGetItem"]).toBe(1);
        // Once per store, a GetItem checks the table's log layout before the first read and an
        // UpdateItem claims it before the first commit; one UpdateItem commits the head.
        expect(counted["dynamodb.calls.UpdateItem"]).toBe(2);
        expect(counted["dynamodb.calls.GetItem"]).toBe(2);
        expect(counted["dynamodb.wcu"]).toBeGreaterThanOrEqual(3); // 2 topic items + 1 head
        expect(counted["dynamodb.rcu"]).toBeGreaterThan(0);
      });

      it("reads no head again for findChunks given the head the caller just read", async () => {
        const { store, table } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        await store.commitPartitions([appendCommit(emptyHead(key), 10n)]);
        const [head] = await store.getHeads([key]);
        const before = store.counters.get("dynamodb.calls.GetItem");
        expect(await store.findChunks(key, 0n, 10, head)).toHaveLength(1);
        expect(store.counters.get("dynamodb.calls.GetItem")).toBe(before);

        // Another front committed after this store's last read: the hint is newer than the
        // cached head, which must not answer (it lacks the new chunk).
        const other = await DynamoMetadataStore.open({
          config: { ...connection(), table },
          layout: "partition",
        });
        cleanups.push(() => other.close());
        const [seen] = await other.getHeads([key]);
        await other.commitPartitions([appendCommit(seen, 5n)]);
        const [newer] = await other.getHeads([key]);
        expect(await store.findChunks(key, 10n, 10, newer)).toHaveLength(1);
        expect(store.counters.get("dynamodb.calls.GetItem")).toBe(before + 1);
      });

      it("counts a lost condition, which DynamoDB charges but does not report", async () => {
        const { store, table } = await open();
        const other = await DynamoMetadataStore.open({
          config: { ...connection(), table },
          layout: "partition",
        });
        cleanups.push(() => other.close());
        const key = { topicId: randomUUID(), partition: 0 };
        const [seenByOther] = await other.getHeads([key]);
        await store.commitPartitions([appendCommit(emptyHead(key), 1n)]);
        // `other` still believes in version 0: its conditional write goes out and loses.
        const [outcome] = await other.commitPartitions([appendCommit(seenByOther, 1n)]);
        expect(outcome.ok).toBe(false);
        expect(other.counters.get("dynamodb.conditionFailures")).toBe(1);
        expect(other.counters.get("dynamodb.calls.UpdateItem")).toBe(2); // the layout claim, the head
      });

      it("refuses a commit it already knows to be stale without writing", async () => {
        const { store } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        await store.commitPartitions([appendCommit(emptyHead(key), 1n)]);
        const [outcome] = await store.commitPartitions([appendCommit(emptyHead(key), 1n)]);
        expect(outcome.ok).toBe(false);
        expect(store.counters.get("dynamodb.calls.UpdateItem")).toBe(2); // the layout claim, the head
        expect(store.counters.get("dynamodb.conditionFailures")).toBe(0);
      });

      it("shares the counters it is given", async () => {
        const { store } = await open();
        const other = await DynamoMetadataStore.open({
          config: { ...connection(), table: store.tableName },
          layout: "partition",
          counters: store.counters,
        });
        await other.allocateProducerId();
        await other.close();
        expect(store.counters.get("dynamodb.calls.UpdateItem")).toBe(1);
      });
    });

    describe("flush commit cost", () => {
      /** Commits `rounds` flushes over `partitions` partitions; returns WCU per partition per flush. */
      async function wcuPerPartitionCommit(partitions: number, rounds: number) {
        const { store } = await open();
        const topicId = randomUUID();
        const keys = Array.from({ length: partitions }, (_, partition) => ({ topicId, partition }));
        await store.ensureClusterId(randomUUID()); // as a front does first: claims the layout
        let heads = await store.getHeads(keys);
        const getsBefore = store.counters.get("dynamodb.calls.GetItem");
        const perRound: number[] = [];
        for (let round = 0; round < rounds; round++) {
          const segmentKey = `segments/2026/05/28/${randomUUID()}.seg`;
          const commits = heads.map((h) => flushCommit(h, 100n, segmentKey));
          const before = store.counters.get("dynamodb.wcu");
          const outcomes = await store.commitPartitions(commits);
          expect(outcomes.every((o) => o.ok)).toBe(true);
          perRound.push((store.counters.get("dynamodb.wcu") - before) / partitions);
          heads = commits.map((c) => c.head);
        }
        expect(store.counters.get("dynamodb.calls.GetItem")).toBe(getsBefore); // no reads to commit
        // The first getHeads: 100 keys per BatchGetItem.
        expect(store.counters.get("dynamodb.calls.BatchGetItem")).toBe(Math.ceil(partitions / 100));
        return perRound;
      }

      // Rounds 1-4 only append inline (1 WCU per head); round 5 also writes one index page per
      // partition (1 more WCU), so 2 * CHUNKS_PER_PAGE rounds average 1 + 1/CHUNKS_PER_PAGE.
      const rounds = 2 * CHUNKS_PER_PAGE;
      const expected = [1, 1, 1, 1, 2, 1, 1, 1];

      it("costs one write unit per partition per flush, plus a page every 4 flushes (1 partition)", async () => {
        expect(await wcuPerPartitionCommit(1, rounds)).toEqual(expected);
      });

      it("costs the same per partition for 100 partitions in one flush", async () => {
        expect(await wcuPerPartitionCommit(100, rounds)).toEqual(expected);
      });

      it("costs the same per partition for 1,000 partitions in one flush", async () => {
        expect(await wcuPerPartitionCommit(1_000, CHUNKS_PER_PAGE + 1)).toEqual(
          expected.slice(0, CHUNKS_PER_PAGE + 1),
        );
      }, 120_000);
    });

    describe("index pages", () => {
      it("moves entries from the head into pages once the inline bound is passed", async () => {
        const { store, table } = await open();
        const key = { topicId: randomUUID(), partition: 3 };
        await appendChunks(store, key, 3 * CHUNKS_PER_PAGE + 2);
        const items = await itemsOf(table, key);
        const pages = items.filter((i) => i.sk.S?.startsWith("C#"));
        const head = items.find((i) => i.sk.S === "H")!;
        expect(pages).toHaveLength(3);
        for (const page of pages) expect(page.e.L).toHaveLength(CHUNKS_PER_PAGE);
        expect(head.c.L!.length).toBeLessThan(2 * CHUNKS_PER_PAGE);
        expect(head.c.L).toHaveLength(2);
      });

      it("answers findChunks from every offset and limit exactly, across page boundaries", async () => {
        const { store } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        const chunks = await appendChunks(store, key, 5 * CHUNKS_PER_PAGE + 3);
        const end = chunks.at(-1)!.lastOffset + 1n;
        for (let from = 0n; from <= end; from++) {
          for (const limit of [1, 3, CHUNKS_PER_PAGE + 1, 1_000]) {
            const expected = chunks.filter((c) => c.lastOffset >= from).slice(0, limit);
            expect(await store.findChunks(key, from, limit)).toEqual(expected);
          }
        }
      }, 120_000);

      it("answers findChunkByTimestamp for every timestamp exactly, across page boundaries", async () => {
        const { store } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        const chunks = await appendChunks(store, key, 5 * CHUNKS_PER_PAGE + 3);
        const maxTs = chunks.at(-1)!.runningMaxTimestampMs;
        for (let ts = 900; ts <= maxTs + 10; ts += 5) {
          const expected = chunks.find((c) => c.runningMaxTimestampMs >= ts);
          expect(await store.findChunkByTimestamp(key, ts)).toEqual(expected);
        }
      }, 120_000);

      it("deletes below an offset inside a page, hides the rest of that page, and counts exactly", async () => {
        const { store, table } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        const chunks = await appendChunks(store, key, 5 * CHUNKS_PER_PAGE + 3);
        let floor = 0n;
        const cuts = [chunks[2].lastOffset, chunks[9].baseOffset + 1n, chunks[9].lastOffset + 1n];
        for (const cut of [...cuts, chunks[21].baseOffset, chunks.at(-1)!.lastOffset + 1n]) {
          const expectedCount = chunks.filter((c) => c.lastOffset >= floor && c.lastOffset < cut);
          expect(await store.deleteChunksBelow(key, cut)).toBe(expectedCount.length);
          floor = cut;
          const left = chunks.filter((c) => c.lastOffset >= cut);
          expect(await store.findChunks(key, 0n, 1_000)).toEqual(left);
          expect(await store.findChunkByTimestamp(key, 0)).toEqual(left[0]);
        }
        // Only the head is left once everything is deleted and the straddling pages are gone.
        const pages = (await itemsOf(table, key)).filter((i) => i.sk.S?.startsWith("C#"));
        expect(pages).toHaveLength(0);
        // Appending goes on from the head as before.
        const [head] = await store.getHeads([key]);
        const next = appendCommit(head, 2n);
        await store.commitPartitions([next]);
        expect(await store.findChunks(key, 0n, 10)).toEqual(next.chunks);
      }, 120_000);

      it("answers segmentReferenced exactly across pages and cuts, at the cost of what it reads", async () => {
        const { store } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        const chunks = await appendChunks(store, key, 10 * CHUNKS_PER_PAGE + 3);
        const calls = () => ({
          get: store.counters.get("dynamodb.calls.GetItem"),
          query: store.counters.get("dynamodb.calls.Query"),
        });
        // The newest entries are inline: the head alone answers.
        let before = calls();
        expect(await store.segmentReferenced(chunks.at(-1)!.segmentKey, [key])).toBe(true);
        expect(calls()).toEqual({ get: before.get + 1, query: before.query });
        // An unreferenced key reads the head and every page; 10 pages fit one Query.
        before = calls();
        expect(await store.segmentReferenced("seg none", [key])).toBe(false);
        expect(calls()).toEqual({ get: before.get + 1, query: before.query + 1 });

        for (const cut of [0n, chunks[5].baseOffset + 1n, chunks[17].lastOffset + 1n]) {
          await store.deleteChunksBelow(key, cut);
          const answers = await Promise.all(
            chunks.map((c) => store.segmentReferenced(c.segmentKey, [key])),
          );
          expect(answers).toEqual(chunks.map((c) => c.lastOffset >= cut));
        }
      }, 120_000);

      it("reads pages newest first, a bounded number per Query", async () => {
        const { store } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        const chunks = await appendChunks(store, key, 40 * CHUNKS_PER_PAGE + 1);
        const queries = () => store.counters.get("dynamodb.calls.Query");
        let before = queries();
        expect(await store.segmentReferenced(chunks[38 * CHUNKS_PER_PAGE].segmentKey, [key])).toBe(
          true,
        );
        expect(queries() - before).toBe(1);
        before = queries();
        expect(await store.segmentReferenced(chunks[0].segmentKey, [key])).toBe(true);
        expect(queries() - before).toBe(2); // 40 pages: 32, then 8
      }, 120_000);

      it("answers from pages alone when a commit without chunks empties the head's inline list", async () => {
        const { store, table } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        const chunks = await appendChunks(store, key, CHUNKS_PER_PAGE);
        const [head] = await store.getHeads([key]);
        const moved = { ...head, logStartOffset: 1n, version: head.version + 1 };
        await store.commitPartitions([{ expectedVersion: head.version, head: moved, chunks: [] }]);
        const headItem = (await itemsOf(table, key)).find((i) => i.sk.S === "H")!;
        expect(headItem.c.L).toEqual([]);

        expect(await store.findChunks(key, 0n, 100)).toEqual(chunks);
        expect(await store.findChunks(key, chunks[2].baseOffset, 1)).toEqual([chunks[2]]);
        const queriesBefore = store.counters.get("dynamodb.calls.Query");
        expect(await store.findChunkByTimestamp(key, 0)).toEqual(chunks[0]);
        expect(store.counters.get("dynamodb.calls.Query") - queriesBefore).toBe(1);
        const last = chunks.at(-1)!;
        expect(await store.findChunkByTimestamp(key, last.runningMaxTimestampMs)).toEqual(
          chunks.find((c) => c.runningMaxTimestampMs >= last.runningMaxTimestampMs),
        );
        expect(
          await store.findChunkByTimestamp(key, last.runningMaxTimestampMs + 1),
        ).toBeUndefined();
      });

      it("stays exact when two hosts take turns committing to one partition", async () => {
        const { store: a, table } = await open();
        const b = await DynamoMetadataStore.open({
          config: { ...connection(), table },
          layout: "partition",
        });
        cleanups.push(() => b.close());
        const key = { topicId: randomUUID(), partition: 0 };
        const all: ChunkEntry[] = [];
        // Each host commits on the head it last saw; a stale one loses, learns, and retries.
        const seen = new Map([
          [a, emptyHead(key)],
          [b, emptyHead(key)],
        ]);
        for (let i = 0; i < 4 * CHUNKS_PER_PAGE + 1; i++) {
          const host = i % 3 === 0 ? a : b;
          let head = seen.get(host)!;
          for (;;) {
            const commit = appendCommit(head, 3n);
            const [outcome] = await host.commitPartitions([commit]);
            if (outcome.ok) {
              all.push(...commit.chunks);
              seen.set(host, commit.head);
              break;
            }
            head = outcome.current;
          }
        }
        expect(await a.findChunks(key, 0n, 1_000)).toEqual(all);
        expect(await b.findChunks(key, 0n, 1_000)).toEqual(all);
      });
    });

    describe("groups", () => {
      it("finishes a group deletion a crashed host left half done before creating it again", async () => {
        const { store, table } = await open();
        await store.putGroup(group("g"), 0);
        await store.commitOffsets("g", 1, [committed("t", 0, 5n), committed("t", 1, 6n)]);
        // The state deleteGroup leaves if its host dies right after marking the record.
        await raw().send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: { S: "GROUP" }, sk: { S: "G#g" } },
            UpdateExpression: "SET del = :t",
            ExpressionAttributeValues: { ":t": { BOOL: true } },
          }),
        );
        expect(await store.getGroup("g")).toBeUndefined();
        expect(await store.listGroups()).toEqual([]);
        expect(await store.fetchOffsets("g")).toEqual([]);
        const reborn = group("g", { body: "reborn" });
        await store.putGroup(reborn, 0);
        expect(await store.getGroup("g")).toEqual(reborn);
        expect(await store.fetchOffsets("g")).toEqual([]);
      });
    });

    describe("partition leases", () => {
      it("costs one write unit per lease write and about one read unit per 40 leases listed", async () => {
        const { store } = await open();
        const wcu = () => store.counters.get("dynamodb.wcu");
        const rcu = () => store.counters.get("dynamodb.rcu");
        const base = { group: "billing-consumers", topic: "orders.v1", owner: null, epoch: 0 };
        const fresh = { ...base, counter: 1, checkpoint: null, checkpointMetadata: null };
        for (let partition = 0; partition < 40; partition++) {
          await store.putLease({ ...fresh, partition }, 0);
        }
        const writesBefore = wcu();
        const worker = { owner: "worker-7f3c2a9e-5b1d-4e8a-9c6f-0d2b4a6e8c1f", epoch: 1 };
        await store.putLease(
          { ...fresh, ...worker, partition: 0, counter: 2, checkpoint: 123_456_789n },
          1,
        );
        expect(wcu() - writesBefore).toBe(1);
        const readsBefore = rcu();
        expect(await store.listLeases(base.group, base.topic)).toHaveLength(40);
        expect(rcu() - readsBefore).toBeLessThanOrEqual(1);
        const deletesBefore = wcu();
        expect(await store.deleteLeases(base.group)).toBe(40);
        expect(wcu() - deletesBefore).toBe(40);
      });
    });

    describe("errors", () => {
      it("turns an unreachable endpoint into a retriable StorageUnavailableError after retrying", async () => {
        const store = await DynamoMetadataStore.open({
          config: { ...connection(), endpoint: "http://127.0.0.1:9", table: "floe-nowhere" },
          tuning: { maxAttempts: 2, connectTimeoutMs: 500 },
        });
        cleanups.push(() => store.close());
        const err = await store.getTopic("orders").catch((e) => e);
        expect(err).toBeInstanceOf(StorageUnavailableError);
        expect(err.retriable).toBe(true);
        expect(store.counters.get("dynamodb.retries")).toBe(1);
      });

      it("names the missing table and how to create it, as a non-retriable error", async () => {
        const store = await DynamoMetadataStore.open({
          config: { ...connection(), table: `floe-missing-${randomUUID()}` },
        });
        cleanups.push(() => store.close());
        const err = await store.getTopic("orders").catch((e) => e);
        expect(err).toBeInstanceOf(StorageRejectedError);
        expect(err.retriable).toBe(false);
        expect(err.message).toMatch(/does not exist.*ensureTable/);
      });
    });

    describe("ensureTable", () => {
      it("creates a missing table once and accepts it afterwards", async () => {
        const { table } = await open(); // exists: created by the fixture
        const client = raw();
        expect(await ensureTable(client, table)).toBe(false);
        const name = `floe-ensure-${randomUUID()}`;
        cleanups.push(() => deleteTable(client, name));
        expect(await ensureTable(client, name)).toBe(true);
        expect(await ensureTable(client, name)).toBe(false);
        const store = await DynamoMetadataStore.open({ config: { ...connection(), table: name } });
        expect(await store.ensureClusterId("c")).toBe("c");
        await store.close();
      });
    });
  });
}
