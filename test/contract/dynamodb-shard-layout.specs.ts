/**
 * What the DynamoDB shard layout (lib/storage/dynamodb/shard-log.ts) promises beyond the
 * MetadataStore contract, which it also passes: a flush's commits to a shard are one record, so
 * a dense flush costs far less than a write unit per partition; lookups stay exact across
 * snapshot windows, index pages and cold loads; writers of one shard on different hosts lose
 * only when their own partition moved; a writer recognises its own record after an unknown
 * outcome; a lost snapshot is written by the next committer; covered records are deleted; a
 * loader that meets deleted records loads again; a table in the other layout is refused.
 * Run by dynamodb-metadata-store.test.ts on its endpoint.
 */
import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { StorageCounters } from "../../lib/storage/counters.ts";
import { DynamoTable } from "../../lib/storage/dynamodb/client.ts";
import { SHARD_PARTITIONS } from "../../lib/storage/dynamodb/keys.ts";
import { DynamoMetadataStore } from "../../lib/storage/dynamodb/metadata-store.ts";
import { ShardLogs } from "../../lib/storage/dynamodb/shard-log.ts";
import { PAGE_MIN_ENTRIES, SNAPSHOT_EVERY } from "../../lib/storage/dynamodb/shard-state.ts";
import { StorageRejectedError } from "../../lib/storage/errors.ts";
import type { ChunkEntry, PartitionHead } from "../../lib/storage/ports.ts";
import {
  appendChunks,
  type Connection,
  dynamoFixtures,
  type Fresh,
  failPutsOf,
} from "./dynamodb-fixtures.ts";
import { flushCommit, producerOn } from "./dynamodb-metadata-store.specs.ts";
import { appendCommit, emptyHead, topic } from "./metadata-store.contract.ts";

export function shardLayoutSpecs(fresh: Fresh, connection: Connection): void {
  describe("DynamoMetadataStore, shard layout", () => {
    const { cleanups, open, rawClient, itemsUnder } = dynamoFixtures(fresh, connection);
    /** Another host's store on the same table. */
    const another = async (table: string, client?: DynamoDBClient) => {
      const store = await DynamoMetadataStore.open({
        config: { ...connection(), table },
        layout: "shard",
        ...(client ? { client } : {}),
      });
      cleanups.push(() => store.close());
      return store;
    };
    /** A host on a fresh table whose snapshot puts fail while `failing()` says so. */
    const failingSnapshots = async (failing: () => boolean) => {
      const { table } = await open();
      const client = rawClient();
      failPutsOf(client, "N#", failing);
      return { table, store: await another(table, client) };
    };
    const sortKeysUnder = async (table: string, pk: string) =>
      (await itemsUnder(table, pk)).map((i) => i.sk.S ?? "");

    describe("flush commit cost", () => {
      /** Flushes `rounds` times over `partitions` partitions; WCU per flush, snapshots included. */
      async function wcuPerFlush(partitions: number, rounds: number) {
        const { store } = await open();
        const topicId = randomUUID();
        const keys = Array.from({ length: partitions }, (_, partition) => ({ topicId, partition }));
        let heads = await store.getHeads(keys);
        const putsBefore = store.counters.get("dynamodb.calls.PutItem");
        const before = store.counters.get("dynamodb.wcu");
        for (let round = 0; round < rounds; round++) {
          const segmentKey = `segments/2026/05/28/${randomUUID()}.seg`;
          const commits = heads.map((h) => flushCommit(h, 100n, segmentKey));
          const outcomes = await store.commitPartitions(commits);
          expect(outcomes.every((o) => o.ok)).toBe(true);
          heads = commits.map((c) => c.head);
        }
        await store.settled();
        const shards = Math.ceil(partitions / SHARD_PARTITIONS);
        // One record per shard per flush, plus one snapshot per shard per window.
        const snapshots = shards * Math.floor(rounds / SNAPSHOT_EVERY);
        expect(store.counters.get("dynamodb.calls.PutItem") - putsBefore).toBe(
          shards * rounds + snapshots,
        );
        expect(store.counters.get("dynamodb.shardSnapshots")).toBe(snapshots);
        return (store.counters.get("dynamodb.wcu") - before) / rounds;
      }

      it("costs a few write units for a flush of one partition", async () => {
        const perFlush = await wcuPerFlush(1, 2 * SNAPSHOT_EVERY);
        expect(perFlush).toBeLessThan(3);
      });

      it("costs far less than a write unit per partition for a dense flush of 32 or 100", async () => {
        expect(
          (await wcuPerFlush(SHARD_PARTITIONS, 2 * SNAPSHOT_EVERY)) / SHARD_PARTITIONS,
        ).toBeLessThan(0.2);
        expect((await wcuPerFlush(100, SNAPSHOT_EVERY)) / 100).toBeLessThan(0.2);
      }, 120_000);

      it("books a reader's look at shards that did not move at AWS's minimum: 1 RCU per shard", async () => {
        const { store: writer, table } = await open();
        const topicId = randomUUID();
        const keys = Array.from({ length: 2 * SHARD_PARTITIONS }, (_, partition) => ({
          topicId,
          partition,
        }));
        const heads = await writer.getHeads(keys);
        await writer.commitPartitions(heads.map((h) => appendCommit(h, 1n)));
        const reader = await another(table);
        await reader.getHeads(keys);
        const queries = () => reader.counters.get("dynamodb.calls.Query");
        const [queriesBefore, rcuBefore] = [queries(), reader.counters.get("dynamodb.rcu")];
        await reader.getHeads(keys);
        // One Query per shard finds nothing new; DynamoDB Local reports it as 0, AWS charges 1.
        expect(queries() - queriesBefore).toBe(2);
        expect(reader.counters.get("dynamodb.rcu") - rcuBefore).toBe(2);
      });
    });

    describe("lookups across snapshot windows", () => {
      const COMMITS = 3 * SNAPSHOT_EVERY + 5;

      it("answers findChunks and findChunkByTimestamp exactly, warm and from a cold host", async () => {
        const { store, table } = await open();
        const key = { topicId: randomUUID(), partition: 5 };
        const chunks = await appendChunks(store, key, COMMITS);
        for (const settled of [false, true]) {
          if (settled) await store.settled();
          const cold = await another(table);
          const end = chunks.at(-1)!.lastOffset + 1n;
          for (const reader of [store, cold]) {
            for (let from = 0n; from <= end; from += 7n) {
              for (const limit of [1, 9, 1_000]) {
                const expected = chunks.filter((c) => c.lastOffset >= from).slice(0, limit);
                expect(await reader.findChunks(key, from, limit)).toEqual(expected);
              }
            }
            for (let ts = 900; ts <= 1_500; ts += 35) {
              expect(await reader.findChunkByTimestamp(key, ts)).toEqual(
                chunks.find((c) => c.runningMaxTimestampMs >= ts),
              );
            }
          }
        }
      }, 120_000);

      it("deletes below offsets across pages and windows, and counts exactly", async () => {
        const { store } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        const chunks = await appendChunks(store, key, COMMITS);
        await store.settled();
        let floor = 0n;
        for (const i of [3, 20, 40, 41, 90, COMMITS - 1]) {
          const cut = chunks[i].baseOffset + 1n;
          const expectedCount = chunks.filter((c) => c.lastOffset >= floor && c.lastOffset < cut);
          expect(await store.deleteChunksBelow(key, cut)).toBe(expectedCount.length);
          floor = cut;
          const left = chunks.filter((c) => c.lastOffset >= cut);
          expect(await store.findChunks(key, 0n, 1_000)).toEqual(left);
          expect(await store.findChunkByTimestamp(key, 0)).toEqual(left[0]);
          const answers = await Promise.all(
            chunks.map((c) => store.segmentReferenced(c.segmentKey, [key])),
          );
          expect(answers).toEqual(chunks.map((c) => c.lastOffset >= cut));
        }
        expect(await store.deleteChunksBelow(key, floor)).toBe(0);
      }, 120_000);

      it("pages a busy partition at each snapshot and carries a quiet one until it has enough", async () => {
        const { store, table } = await open();
        const topicId = randomUUID();
        const busy = { topicId, partition: 0 };
        const quiet = { topicId, partition: 1 };
        const quietChunks: ChunkEntry[] = [];
        let [busyHead, quietHead] = await store.getHeads([busy, quiet]);
        for (let i = 0; i < 2 * SNAPSHOT_EVERY; i++) {
          const commits = [appendCommit(busyHead, 2n)];
          // The quiet partition is written once every 10 records: 3 or 4 times per window.
          if (i % 10 === 0) commits.push(appendCommit(quietHead, 1n));
          expect((await store.commitPartitions(commits)).every((o) => o.ok)).toBe(true);
          busyHead = commits[0].head;
          if (commits[1]) {
            quietHead = commits[1].head;
            quietChunks.push(...commits[1].chunks);
          }
        }
        await store.settled();
        const busyPages = (await sortKeysUnder(table, `P#${topicId}#0`)).filter((k) =>
          k.startsWith("C#"),
        );
        expect(busyPages).toHaveLength(2);
        // 7 quiet entries in two windows: fewer than PAGE_MIN_ENTRIES, carried, no page.
        expect(quietChunks.length).toBeLessThan(PAGE_MIN_ENTRIES);
        expect(await sortKeysUnder(table, `P#${topicId}#1`)).toEqual([]);
        const cold = await another(table);
        expect(await cold.findChunks(quiet, 0n, 100)).toEqual(quietChunks);
      }, 120_000);
    });

    describe("records and snapshots", () => {
      it("keeps the newest snapshot and the records of at most two windows", async () => {
        const { store, table } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        await appendChunks(store, key, 4 * SNAPSHOT_EVERY + 3);
        await store.settled();
        const keys = await sortKeysUnder(table, `S#${key.topicId}#0`);
        const snapshots = keys.filter((k) => k.startsWith("N#"));
        const records = keys.filter((k) => k.startsWith("R#")).map((k) => Number(k.slice(2)));
        expect(snapshots).toEqual([`N#${String(4 * SNAPSHOT_EVERY).padStart(20, "0")}#000`]);
        expect(records[0]).toBe(3 * SNAPSHOT_EVERY + 1);
        expect(records.at(-1)).toBe(4 * SNAPSHOT_EVERY + 3);
      }, 120_000);

      it("loads again when the records after the snapshot it read were deleted", async () => {
        const { store, table } = await open();
        const key = { topicId: randomUUID(), partition: 2 };
        await appendChunks(store, key, 3);
        const behind = await another(table);
        expect((await behind.getHeads([key]))[0].version).toBe(3);
        // The other host writes three windows: the records `behind` would read next are gone.
        const chunks = await appendChunks(store, key, 3 * SNAPSHOT_EVERY);
        await store.settled();
        const [head] = await behind.getHeads([key]);
        expect(head.version).toBe(3 + 3 * SNAPSHOT_EVERY);
        expect(await behind.findChunks(key, chunks[0].baseOffset, 1_000)).toEqual(chunks);
      }, 120_000);

      it("writes only the producer that appended into a record, however many the partition has", async () => {
        const { store, table } = await open();
        const key = { topicId: randomUUID(), partition: 0 };
        const [empty] = await store.getHeads([key]);
        const first = appendCommit(empty, 1n);
        first.head.producers = Array.from({ length: 60 }, (_, i) => ({
          ...producerOn(empty, 1n),
          producerId: BigInt(1_000 + i),
        }));
        await store.commitPartitions([first]);
        let head = first.head;
        const before = store.counters.get("dynamodb.wcu");
        for (let i = 0; i < 5; i++) {
          const next = appendCommit(head, 1n);
          // One producer appends: its state changes, the other 59 stay as they were.
          next.head.producers = head.producers.map((p, j) =>
            j === i ? { ...p, lastAppendMs: p.lastAppendMs + 1 } : p,
          );
          expect(await store.commitPartitions([next])).toEqual([{ ok: true }]);
          head = next.head;
        }
        expect((store.counters.get("dynamodb.wcu") - before) / 5).toBe(1);
        const cold = await another(table);
        expect(await cold.getHeads([key])).toEqual([head]);
      });

      it("splits a snapshot of many producers into parts, and skips one a writer left unfinished", async () => {
        let failLastPart = false;
        const { table, store } = await failingSnapshots(() => failLastPart);
        const topicId = randomUUID();
        const keys = Array.from({ length: SHARD_PARTITIONS }, (_, partition) => ({
          topicId,
          partition,
        }));
        let heads = await store.getHeads(keys);
        const flush = async () => {
          const commits = heads.map((h) => {
            const commit = appendCommit(h, 1n);
            commit.head.producers = Array.from({ length: 100 }, (_, i) => ({
              ...producerOn(h, 1n),
              producerId: BigInt(1_000 + i),
              lastAppendMs: Number(h.nextOffset),
            }));
            return commit;
          });
          expect((await store.commitPartitions(commits)).every((o) => o.ok)).toBe(true);
          heads = commits.map((c) => c.head);
        };
        for (let i = 0; i < SNAPSHOT_EVERY; i++) await flush();
        await store.settled();
        const parts = (await sortKeysUnder(table, `S#${topicId}#0`)).filter((k) =>
          k.startsWith("N#"),
        );
        expect(parts.length).toBeGreaterThan(1);
        // The next snapshot's earlier parts are written, its last part is not.
        failLastPart = true;
        for (let i = 0; i < SNAPSHOT_EVERY; i++) await flush();
        await store.settled();
        expect(store.counters.get("dynamodb.shardSnapshotFailures")).toBe(1);
        const cold = await another(table);
        expect(await cold.getHeads(keys)).toEqual(heads);
        expect(await cold.findChunks(keys[7], 0n, 1_000)).toHaveLength(2 * SNAPSHOT_EVERY);
      }, 120_000);

      it("moves a reader's base to the writers' newest snapshot, so its records do not pile up", async () => {
        const { store, table } = await open();
        const reader = new ShardLogs(
          new DynamoTable(rawClient(), table, new StorageCounters(), false),
        );
        const key = { topicId: randomUUID(), partition: 0 };
        let [head] = await store.getHeads([key]);
        for (let i = 0; i < 3 * SNAPSHOT_EVERY; i++) {
          const commit = appendCommit(head, 1n);
          await store.commitPartitions([commit]);
          head = commit.head;
          await store.settled();
          const state = await reader.current(key.topicId, 0, "test");
          expect(state.stored(0).head).toEqual(head);
          expect(state.seq - state.snapshotSeq).toBeLessThanOrEqual(2 * SNAPSHOT_EVERY);
        }
        expect(reader.held(key.topicId, 0)!.snapshotSeq).toBeGreaterThan(0);
      }, 120_000);

      it("writes a snapshot that failed from the next commit", async () => {
        let failSnapshots = true;
        const { table, store } = await failingSnapshots(() => failSnapshots);
        const key = { topicId: randomUUID(), partition: 0 };
        await appendChunks(store, key, SNAPSHOT_EVERY);
        await store.settled();
        expect(store.counters.get("dynamodb.shardSnapshotFailures")).toBe(1);
        expect(
          (await sortKeysUnder(table, `S#${key.topicId}#0`)).some((k) => k.startsWith("N#")),
        ).toBe(false);
        failSnapshots = false;
        const more = await appendChunks(store, key, 1);
        await store.settled();
        expect(store.counters.get("dynamodb.shardSnapshots")).toBe(1);
        const cold = await another(table);
        expect((await cold.findChunks(key, 0n, 1_000)).length).toBe(SNAPSHOT_EVERY + 1);
        expect(await cold.findChunks(key, more[0].baseOffset, 1)).toEqual(more);
      }, 120_000);
    });

    describe("writers of one shard", () => {
      it("lets a host that lost the race commit its other partition without a conflict", async () => {
        const { store: a, table } = await open();
        const b = await another(table);
        const topicId = randomUUID();
        const p0 = { topicId, partition: 0 };
        const p1 = { topicId, partition: 1 };
        await b.getHeads([p0, p1]); // b now holds the shard at seq 0
        await a.commitPartitions([appendCommit(emptyHead(p0), 4n)]);
        const putsBefore = b.counters.get("dynamodb.calls.PutItem");
        expect(await b.commitPartitions([appendCommit(emptyHead(p1), 2n)])).toEqual([{ ok: true }]);
        expect(b.counters.get("dynamodb.calls.PutItem") - putsBefore).toBe(2);
        expect(b.counters.get("dynamodb.conditionFailures")).toBe(1);
        // A stale commit on the partition that moved fails, carrying the current head.
        const [stale] = await b.commitPartitions([appendCommit(emptyHead(p0), 1n)]);
        expect(stale).toEqual({
          ok: false,
          current: expect.objectContaining({ version: 1, nextOffset: 4n }),
        });
        const heads = await a.getHeads([p0, p1]);
        expect(heads.map((h) => h.nextOffset)).toEqual([4n, 2n]);
      });

      it("keeps every commit exactly once when hosts race on one shard", async () => {
        const { store: a, table } = await open();
        const b = await another(table);
        const topicId = randomUUID();
        const keys = Array.from({ length: 6 }, (_, partition) => ({ topicId, partition }));
        const committed = new Map<number, ChunkEntry[]>(keys.map((k) => [k.partition, []]));
        const writer = async (host: DynamoMetadataStore, partitions: number[], rounds: number) => {
          for (let i = 0; i < rounds; i++) {
            const partition = partitions[i % partitions.length];
            let [head] = await host.getHeads([{ topicId, partition }]);
            for (;;) {
              const commit = appendCommit(head, 3n);
              const [outcome] = await host.commitPartitions([commit]);
              if (outcome.ok) {
                committed.get(partition)!.push(...commit.chunks);
                break;
              }
              head = outcome.current;
            }
          }
        };
        // a and b share partitions 2 and 3; each also has its own.
        await Promise.all([writer(a, [0, 2, 3], 50), writer(b, [1, 2, 3, 4, 5], 50)]);
        await Promise.all([a.settled(), b.settled()]);
        const cold = await another(table);
        for (const key of keys) {
          const expected = committed
            .get(key.partition)!
            .sort((x, y) => Number(x.baseOffset - y.baseOffset));
          expect(await cold.findChunks(key, 0n, 1_000)).toEqual(expected);
          const [head] = await cold.getHeads([key]);
          expect(head.nextOffset).toBe(BigInt(expected.length * 3));
        }
      }, 120_000);

      it("puts concurrent calls of one host into shared records", async () => {
        const { store } = await open();
        const topicId = randomUUID();
        const keys = Array.from({ length: 16 }, (_, partition) => ({ topicId, partition }));
        const heads = await store.getHeads(keys);
        const putsBefore = store.counters.get("dynamodb.calls.PutItem");
        const outcomes = await Promise.all(
          heads.map((h) => store.commitPartitions([appendCommit(h, 1n)])),
        );
        expect(outcomes.flat().every((o) => o.ok)).toBe(true);
        expect(store.counters.get("dynamodb.calls.PutItem") - putsBefore).toBeLessThan(keys.length);
        const after = await store.getHeads(keys);
        expect(after.every((h: PartitionHead) => h.nextOffset === 1n)).toBe(true);
      });

      it("recognises its own record when a put that landed is retried into a failed condition", async () => {
        const { table } = await open();
        const client = rawClient();
        let dropNextAnswer = true;
        client.middlewareStack.add(
          (next) => async (args) => {
            const out = await next(args);
            const input = (args.input ?? {}) as { Item?: { sk?: { S?: string } } };
            if (dropNextAnswer && input.Item?.sk?.S?.startsWith("R#")) {
              dropNextAnswer = false;
              throw Object.assign(new Error("connection reset after the write"), {
                name: "TimeoutError",
                $metadata: {},
              });
            }
            return out;
          },
          { step: "deserialize", name: "dropAnswer" },
        );
        const store = await another(table, client);
        const key = { topicId: randomUUID(), partition: 0 };
        expect(await store.commitPartitions([appendCommit(emptyHead(key), 5n)])).toEqual([
          { ok: true },
        ]);
        expect(store.counters.get("dynamodb.conditionFailures")).toBe(1);
        const [head] = await store.getHeads([key]);
        expect(head).toMatchObject({ version: 1, nextOffset: 5n });
      });
    });

    describe("tables and topics", () => {
      it("refuses a store of the other layout on its table", async () => {
        const { store, table } = await open();
        await store.ensureClusterId("cluster-a");
        const other = await DynamoMetadataStore.open({
          config: { ...connection(), table },
          layout: "partition",
        });
        cleanups.push(() => other.close());
        await expect(other.getHeads([{ topicId: randomUUID(), partition: 0 }])).rejects.toThrow(
          StorageRejectedError,
        );
        await expect(other.ensureClusterId("cluster-b")).rejects.toThrow(/"shard" layout/);
      });

      it("lets a store that may only read (the fetch function's role) read without writing", async () => {
        const { store, table } = await open();
        const key = { topicId: randomUUID(), partition: 9 };
        const chunks = await appendChunks(store, key, SNAPSHOT_EVERY + 3);
        await store.settled();
        const client = rawClient();
        const writes: string[] = [];
        client.middlewareStack.add(
          (next, context) => async (args) => {
            const command = String(context.commandName ?? "");
            if (!/^(Get|BatchGet|Query)/.test(command)) {
              writes.push(command);
              throw Object.assign(new Error(`denied: ${command}`), {
                name: "AccessDeniedException",
              });
            }
            return next(args);
          },
          { step: "initialize", name: "readOnlyRole" },
        );
        const reader = await another(table, client);
        expect((await reader.getHeads([key]))[0].nextOffset).toBe(chunks.at(-1)!.lastOffset + 1n);
        expect(await reader.findChunks(key, 0n, 1_000)).toEqual(chunks);
        expect(await reader.findChunkByTimestamp(key, 0)).toEqual(chunks[0]);
        expect(await reader.segmentReferenced(chunks[0].segmentKey, [key])).toBe(true);
        expect(writes).toEqual([]);
        // The check it makes instead still refuses a table of the other layout.
        const partitionReader = await DynamoMetadataStore.open({
          config: { ...connection(), table },
          layout: "partition",
          client,
        });
        cleanups.push(() => partitionReader.close());
        await expect(partitionReader.getHeads([key])).rejects.toThrow(StorageRejectedError);
      }, 120_000);

      it("deletes every record, snapshot and page of a deleted topic", async () => {
        const { store, table } = await open();
        const t = topic("doomed", { partitionCount: 40 });
        await store.createTopic(t);
        const keys = [0, 33].map((partition) => ({ topicId: t.topicId, partition }));
        for (const key of keys) await appendChunks(store, key, SNAPSHOT_EVERY + 1);
        await store.settled();
        expect((await sortKeysUnder(table, `P#${t.topicId}#0`)).length).toBeGreaterThan(0);
        await store.deleteTopic("doomed");
        for (const pk of [
          `S#${t.topicId}#0`,
          `S#${t.topicId}#1`,
          `P#${t.topicId}#0`,
          `P#${t.topicId}#33`,
        ]) {
          expect(await sortKeysUnder(table, pk)).toEqual([]);
        }
      }, 120_000);
    });
  });
}
