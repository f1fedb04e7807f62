/**
 * segmentReferenced, the MetadataStore's answer to "may this segment object be deleted?"
 * (lib/storage/ports.ts; used by lib/broker/log/orphan-gc.ts). metadataStoreContract runs it
 * with the same factory, so every backend passes it:
 *
 *   segmentsContract("sqlite", async () => ({ store, cleanup }));
 *
 * A wrong "false" deletes committed records, so the suite covers every place an entry can be:
 * just committed, moved out of a partition's newest entries by later commits (DynamoDB keeps
 * those in index pages), in a second partition of the same segment, after deleteChunksBelow
 * deleted a neighbour, and gone with its topic.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore, PartitionHead, PartitionKey } from "../../lib/storage/ports.ts";
import { appendCommit, type MetadataStoreFixture, topic } from "./metadata-store.contract.ts";

function segmentKey(): string {
  const id = randomUUID();
  return `segments/${id.slice(0, 2)}/${id}.seg`;
}

export function segmentsContract(name: string, make: () => Promise<MetadataStoreFixture>): void {
  describe(`MetadataStore contract: ${name}: segmentReferenced and receipts`, () => {
    let fixture: MetadataStoreFixture;
    let store: MetadataStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    /** Commits one chunk of `recordCount` offsets per segment key, in order; the last head. */
    async function commitSegments(
      key: PartitionKey,
      segmentKeys: readonly string[],
      recordCount = 10n,
    ): Promise<PartitionHead> {
      let [head] = await store.getHeads([key]);
      for (const k of segmentKeys) {
        const commit = appendCommit(head, recordCount, { segmentKey: k });
        expect(await store.commitPartitions([commit])).toEqual([{ ok: true }]);
        head = commit.head;
      }
      return head;
    }

    const referenced = (k: string, partitions: readonly PartitionKey[]) =>
      store.segmentReferenced(k, partitions);

    it("is true for the segment of a committed chunk", async () => {
      const key = { topicId: randomUUID(), partition: 0 };
      const seg = segmentKey();
      await commitSegments(key, [seg]);
      expect(await referenced(seg, [key])).toBe(true);
    });

    it("is false for a key no chunk names, and for partitions never written", async () => {
      const key = { topicId: randomUUID(), partition: 0 };
      await commitSegments(key, [segmentKey()]);
      expect(await referenced(segmentKey(), [key])).toBe(false);
      expect(await referenced(segmentKey(), [{ topicId: randomUUID(), partition: 3 }])).toBe(false);
    });

    it("is false with no partitions to look in", async () => {
      const key = { topicId: randomUUID(), partition: 0 };
      const seg = segmentKey();
      await commitSegments(key, [seg]);
      expect(await referenced(seg, [])).toBe(false);
    });

    it("looks only in the partitions it is given", async () => {
      const topicId = randomUUID();
      const seg = segmentKey();
      await commitSegments({ topicId, partition: 1 }, [seg]);
      expect(await referenced(seg, [{ topicId, partition: 0 }])).toBe(false);
      expect(await referenced(seg, [{ topicId: randomUUID(), partition: 1 }])).toBe(false);
      expect(
        await referenced(seg, [
          { topicId, partition: 0 },
          { topicId, partition: 1 },
        ]),
      ).toBe(true);
    });

    it("does not count the chunks of a commit that lost its race", async () => {
      const key = { topicId: randomUUID(), partition: 0 };
      const [empty] = await store.getHeads([key]);
      const winner = segmentKey();
      const loser = segmentKey();
      await commitSegments(key, [winner]);
      const [outcome] = await store.commitPartitions([
        appendCommit(empty, 5n, { segmentKey: loser }),
      ]);
      expect(outcome.ok).toBe(false);
      expect(await referenced(loser, [key])).toBe(false);
      expect(await referenced(winner, [key])).toBe(true);
    });

    it("finds old entries after many later commits, and every one in between", async () => {
      const key = { topicId: randomUUID(), partition: 2 };
      const segs = Array.from({ length: 23 }, segmentKey);
      await commitSegments(key, segs, 3n);
      for (const seg of segs) expect(await referenced(seg, [key])).toBe(true);
      expect(await referenced(segmentKey(), [key])).toBe(false);
    });

    it("finds a segment through any partition it holds chunks of", async () => {
      const topicId = randomUUID();
      const [p0, p1] = [0, 1].map((partition) => ({ topicId, partition }));
      const shared = segmentKey();
      await commitSegments(p0, [shared]);
      await commitSegments(p1, [segmentKey(), shared]);
      expect(await referenced(shared, [p0, p1])).toBe(true);
      expect(await referenced(shared, [p1])).toBe(true);
      // Its p0 chunk is deleted; the p1 one still holds the object.
      await store.deleteChunksBelow(p0, 10n);
      expect(await referenced(shared, [p0])).toBe(false);
      expect(await referenced(shared, [p0, p1])).toBe(true);
    });

    describe("after deleteChunksBelow", () => {
      // Ten chunks of ten offsets: segs[i] holds [10i, 10i + 9].
      const key: PartitionKey = { topicId: "00000000-0000-4000-8000-0000000000c1", partition: 0 };
      let segs: string[];
      beforeEach(async () => {
        segs = Array.from({ length: 10 }, segmentKey);
        await commitSegments(key, segs);
      });
      const answers = async () => Promise.all(segs.map((s) => referenced(s, [key])));

      it("is true while the chunk survives, false once it is deleted", async () => {
        await store.deleteChunksBelow(key, 40n);
        expect(await answers()).toEqual([false, false, false, false, ...Array(6).fill(true)]);
      });

      it("keeps a chunk the offset falls inside (it survives)", async () => {
        await store.deleteChunksBelow(key, 55n);
        expect(await answers()).toEqual([
          false,
          false,
          false,
          false,
          false,
          ...Array(5).fill(true),
        ]);
      });

      it("is false for every chunk once all are deleted, and stays so", async () => {
        await store.deleteChunksBelow(key, 100n);
        expect(await answers()).toEqual(Array(10).fill(false));
        await commitSegments(key, [segmentKey()]);
        expect(await answers()).toEqual(Array(10).fill(false));
      });
    });

    it("is false after the topic is deleted, and stays false under a reused name", async () => {
      const t = topic("doomed");
      await store.createTopic(t);
      const keys = [0, 1].map((partition) => ({ topicId: t.topicId, partition }));
      const segs = [segmentKey(), segmentKey(), segmentKey(), segmentKey(), segmentKey()];
      await commitSegments(keys[0], segs);
      await commitSegments(keys[1], [segs[0]]);
      const other = { topicId: randomUUID(), partition: 0 };
      await commitSegments(other, [segs[4]]);

      await store.deleteTopic("doomed");
      for (const seg of segs.slice(0, 4)) expect(await referenced(seg, keys)).toBe(false);
      expect(await referenced(segs[4], [...keys, other])).toBe(true);

      const reborn = topic("doomed");
      await store.createTopic(reborn);
      await commitSegments({ topicId: reborn.topicId, partition: 0 }, [segmentKey()]);
      expect(await referenced(segs[0], keys)).toBe(false);
    });

    it("rejects once the store is closed", async () => {
      await store.close();
      await expect(
        referenced(segmentKey(), [{ topicId: randomUUID(), partition: 0 }]),
      ).rejects.toThrow();
    });

    // The receipts' own contract shares this block's fresh store per test.
    describe("segment receipts", () => {
      const chunk = (topicId: string, partition: number, lastOffset: bigint) => ({
        topicId,
        partition,
        lastOffset,
      });

      it("keeps every chunk of a receipt, across topics, up to the largest offset", async () => {
        const [a, b] = [randomUUID(), randomUUID()];
        const chunks = [
          chunk(a, 0, 0n),
          chunk(b, 7, 9_223_372_036_854_775_806n),
          chunk(a, 1_000, 41n),
          ...Array.from({ length: 200 }, (_, p) => chunk(b, 1_001 + p, BigInt(p))),
        ];
        const seg = segmentKey();
        await store.putSegmentReceipt(seg, chunks);
        const got = (await store.getSegmentReceipts([seg])).get(seg);
        const order = (c: { topicId: string; partition: number }) => `${c.topicId}#${c.partition}`;
        expect([...(got ?? [])].sort((x, y) => order(x).localeCompare(order(y)))).toEqual(
          [...chunks].sort((x, y) => order(x).localeCompare(order(y))),
        );
      });

      it("answers only the keys that have one, in batches larger than one request", async () => {
        const segs = Array.from({ length: 150 }, () => segmentKey());
        const topicId = randomUUID();
        for (const [i, seg] of segs.entries()) {
          if (i % 3 === 0) await store.putSegmentReceipt(seg, [chunk(topicId, i, BigInt(i))]);
        }
        const got = await store.getSegmentReceipts([...segs, segs[0], segmentKey()]);
        expect([...got.keys()].sort()).toEqual(segs.filter((_, i) => i % 3 === 0).sort());
        expect(got.get(segs[3])).toEqual([chunk(topicId, 3, 3n)]);
        expect((await store.getSegmentReceipts([])).size).toBe(0);
      });

      it("takes the same receipt twice, and deletes receipts whether or not they exist", async () => {
        const seg = segmentKey();
        const chunks = [chunk(randomUUID(), 2, 5n)];
        await store.putSegmentReceipt(seg, chunks);
        await store.putSegmentReceipt(seg, chunks);
        expect((await store.getSegmentReceipts([seg])).get(seg)).toEqual(chunks);
        const other = segmentKey();
        await store.putSegmentReceipt(other, chunks);
        await store.deleteSegmentReceipts([seg, segmentKey()]);
        await store.deleteSegmentReceipts([]);
        expect([...(await store.getSegmentReceipts([seg, other])).keys()]).toEqual([other]);
      });
    });
  });
}
