/**
 * The coordination half of the MetadataStore contract (lib/storage/ports.ts): consumer-group
 * records, committed offsets fenced by the group version, and front leases. metadataStoreContract
 * runs it after the rest, so every backend passes it with the same factory:
 *
 *   coordinationContract("sqlite", async () => ({ store, cleanup }));
 *
 * `make` must return an empty store for every test (node ids start at 1 in a fresh store).
 *
 * Beyond the port's doc comments, the suite pins three choices every backend must share:
 * commitOffsets and deleteOffsets leave the group record (and its version) as it was, so the
 * members of one generation commit side by side; two offsets for one partition in one
 * commitOffsets call are a caller bug, as two commits for one partition are in commitPartitions;
 * and removeFront with a stale seq throws VersionConflictError carrying the live record.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageError, VersionConflictError } from "../../lib/storage/errors.ts";
import type {
  CommittedOffset,
  GroupPartition,
  GroupRecord,
  MetadataStore,
} from "../../lib/storage/ports.ts";
import type { MetadataStoreFixture } from "./metadata-store.contract.ts";
import { frontsContract } from "./metadata-store-fronts.contract.ts";
import { leasesContract } from "./metadata-store-leases.contract.ts";

const TWO_POW_53 = 2n ** 53n;
const INT64_MAX = 2n ** 63n - 1n;

export function group(groupId: string, overrides: Partial<GroupRecord> = {}): GroupRecord {
  return {
    groupId,
    version: 1,
    state: "Empty",
    protocolType: "consumer",
    body: JSON.stringify({ generationId: 0, members: [] }),
    ...overrides,
  };
}

export function committed(
  topic: string,
  partition: number,
  offset: bigint,
  overrides: Partial<CommittedOffset> = {},
): CommittedOffset {
  return {
    topic,
    partition,
    offset,
    leaderEpoch: 0,
    metadata: null,
    commitTimestampMs: 1_700_000_000_000,
    ...overrides,
  };
}

/** Offsets in a canonical order: the port promises none. */
export function sorted<T extends GroupPartition>(offsets: readonly T[]): T[] {
  return [...offsets].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
}

/** Awaits a promise that must reject with VersionConflictError carrying `current`. */
export async function expectConflict(promise: Promise<unknown>, current: unknown): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VersionConflictError);
  expect((err as VersionConflictError<unknown>).retriable).toBe(true);
  if (current === undefined) expect((err as VersionConflictError<unknown>).current).toBeUndefined();
  else expect((err as VersionConflictError<unknown>).current).toEqual(current);
}

/** Awaits a promise that must reject as a caller bug: RangeError, never a StorageError. */
export async function expectCallerBug(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RangeError);
  expect(err).not.toBeInstanceOf(StorageError);
}

export function coordinationContract(
  name: string,
  make: () => Promise<MetadataStoreFixture>,
): void {
  describe(`MetadataStore coordination contract: ${name}`, () => {
    let fixture: MetadataStoreFixture;
    let store: MetadataStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    /** Creates `groupId` at version 1 and returns the record. */
    async function created(groupId: string, overrides: Partial<GroupRecord> = {}) {
      const record = group(groupId, overrides);
      await store.putGroup(record, 0);
      return record;
    }

    async function allOffsets(groupId: string): Promise<CommittedOffset[]> {
      return sorted(await store.fetchOffsets(groupId));
    }

    describe("putGroup and getGroup", () => {
      it("returns undefined for a group never created", async () => {
        expect(await store.getGroup("nobody")).toBeUndefined();
      });

      it("creates a group from expectedVersion 0 and returns it exactly", async () => {
        const body = JSON.stringify({ generationId: 3, leader: "m-1", note: "ünïcødé 🚀\n" });
        const g = group("orders-app", { state: "Stable", body });
        await store.putGroup(g, 0);
        expect(await store.getGroup("orders-app")).toEqual(g);
      });

      it("keeps an empty protocol type and an empty body", async () => {
        const g = group("standalone", { protocolType: "", body: "" });
        await store.putGroup(g, 0);
        expect(await store.getGroup("standalone")).toEqual(g);
      });

      it("refuses a second create, carrying the stored record, which stays", async () => {
        const first = await created("g");
        await expectConflict(store.putGroup(group("g", { body: "other" }), 0), first);
        expect(await store.getGroup("g")).toEqual(first);
      });

      it("replaces the record when the stored version is the expected one", async () => {
        await created("g");
        const v2 = group("g", { version: 2, state: "PreparingRebalance", body: "{}" });
        await store.putGroup(v2, 1);
        const v3 = { ...v2, version: 3, state: "Stable" };
        await store.putGroup(v3, 2);
        expect(await store.getGroup("g")).toEqual(v3);
      });

      it("refuses a stale version, carrying the current record, and writes nothing", async () => {
        await created("g");
        const v2 = group("g", { version: 2, state: "Stable" });
        await store.putGroup(v2, 1);
        await expectConflict(store.putGroup(group("g", { version: 2, state: "Dead" }), 1), v2);
        expect(await store.getGroup("g")).toEqual(v2);
      });

      it("refuses a replace of a group that does not exist, with no current record", async () => {
        await expectConflict(store.putGroup(group("ghost", { version: 3 }), 2), undefined);
        expect(await store.getGroup("ghost")).toBeUndefined();
      });

      it("rejects a next version other than expectedVersion + 1 as a caller bug", async () => {
        await expectCallerBug(store.putGroup(group("new", { version: 2 }), 0));
        await expectCallerBug(store.putGroup(group("new", { version: 0 }), 0));
        expect(await store.getGroup("new")).toBeUndefined();
        const g = await created("g");
        await expectCallerBug(store.putGroup({ ...g, version: 3, state: "Stable" }, 1));
        await expectCallerBug(store.putGroup({ ...g, version: 1, state: "Stable" }, 1));
        await expectCallerBug(store.putGroup({ ...g, version: 0 }, -1));
        expect(await store.getGroup("g")).toEqual(g);
      });

      it("lets exactly one of two concurrent creators win; the loser sees the winner", async () => {
        const a = group("race", { body: "a" });
        const b = group("race", { body: "b" });
        const results = await Promise.allSettled([store.putGroup(a, 0), store.putGroup(b, 0)]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const stored = await store.getGroup("race");
        expect([a, b]).toContainEqual(stored);
        const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        await expectConflict(Promise.reject(loser.reason), stored);
      });

      it("lets exactly one of two concurrent replacements from one version win", async () => {
        await created("race");
        const a = group("race", { version: 2, state: "PreparingRebalance", body: "a" });
        const b = group("race", { version: 2, state: "Dead", body: "b" });
        const results = await Promise.allSettled([store.putGroup(a, 1), store.putGroup(b, 1)]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const stored = await store.getGroup("race");
        expect([a, b]).toContainEqual(stored);
        const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        await expectConflict(Promise.reject(loser.reason), stored);
      });

      it("keeps group ids with unicode and special characters apart", async () => {
        const ids = [
          "orders",
          "Orders",
          "orders ",
          "orders-2",
          "orders#2",
          "orders|2",
          "orders/2",
          "grüppe",
          "消费者组",
          "🚀 launch",
          "quote'\"and\\back",
          "x'; DROP TABLE groups; --",
          "%_*?",
          "tab\there",
          "g".repeat(255),
        ];
        for (const [i, id] of ids.entries()) await created(id, { body: `body-${i}` });
        for (const [i, id] of ids.entries()) {
          expect(await store.getGroup(id)).toEqual(group(id, { body: `body-${i}` }));
        }
        const listed = (await store.listGroups()).map((g) => g.groupId);
        expect(listed.sort()).toEqual([...ids].sort());
      });
    });

    describe("listGroups", () => {
      it("lists every group record, and no deleted one", async () => {
        expect(await store.listGroups()).toEqual([]);
        const a = await created("a", { state: "Stable" });
        const b = await created("b", { protocolType: "" });
        const c = await created("c");
        const b2 = { ...b, version: 2, state: "Dead" };
        await store.putGroup(b2, 1);
        await store.deleteGroup("c", c.version);
        const listed = await store.listGroups();
        expect(listed.sort((x, y) => (x.groupId < y.groupId ? -1 : 1))).toEqual([a, b2]);
      });
    });

    describe("deleteGroup", () => {
      it("removes the record and every one of its offsets", async () => {
        const g = await created("g");
        await store.commitOffsets("g", 1, [committed("t", 0, 5n), committed("u", 3, 9n)]);
        await store.deleteGroup("g", g.version);
        expect(await store.getGroup("g")).toBeUndefined();
        expect(await store.fetchOffsets("g")).toEqual([]);
        expect(await store.fetchOffsets("g", [{ topic: "t", partition: 0 }])).toEqual([]);
        expect(await store.listGroups()).toEqual([]);
      });

      it("refuses a stale version, carrying the current record; record and offsets stay", async () => {
        await created("g");
        const v2 = group("g", { version: 2, state: "Stable" });
        await store.putGroup(v2, 1);
        const offsets = [committed("t", 0, 5n)];
        await store.commitOffsets("g", 2, offsets);
        await expectConflict(store.deleteGroup("g", 1), v2);
        expect(await store.getGroup("g")).toEqual(v2);
        expect(await allOffsets("g")).toEqual(offsets);
      });

      it("refuses a group that does not exist, with no current record", async () => {
        await expectConflict(store.deleteGroup("ghost", 1), undefined);
        await expectConflict(store.deleteGroup("ghost", 0), undefined);
      });

      it("leaves other groups and their offsets alone", async () => {
        await created("g");
        const kept = await created("g2");
        await store.commitOffsets("g", 1, [committed("t", 0, 1n)]);
        const keptOffsets = [committed("t", 0, 2n)];
        await store.commitOffsets("g2", 1, keptOffsets);
        await store.deleteGroup("g", 1);
        expect(await store.getGroup("g2")).toEqual(kept);
        expect(await allOffsets("g2")).toEqual(keptOffsets);
      });

      it("lets the id be created again from version 0, with no offsets", async () => {
        await created("g");
        await store.commitOffsets("g", 1, [committed("t", 0, 1n)]);
        await store.deleteGroup("g", 1);
        const reborn = await created("g", { body: "reborn" });
        expect(await store.getGroup("g")).toEqual(reborn);
        expect(await store.fetchOffsets("g")).toEqual([]);
      });
    });

    describe("commitOffsets and fetchOffsets", () => {
      it("writes offsets when the group version matches and returns them exactly", async () => {
        await created("g");
        const offsets = [
          committed("orders", 0, 42n, { leaderEpoch: 3, metadata: "m" }),
          committed("orders", 1, 0n),
          committed("audit", 7, 1_000n, { commitTimestampMs: 1_700_000_000_999 }),
        ];
        await store.commitOffsets("g", 1, offsets);
        expect(await allOffsets("g")).toEqual(sorted(offsets));
      });

      it("leaves the group record as it was, so one generation's members commit side by side", async () => {
        const g = await created("g", { state: "Stable" });
        await store.commitOffsets("g", 1, [committed("t", 0, 10n)]);
        await store.commitOffsets("g", 1, [committed("t", 1, 20n)]);
        expect(await store.getGroup("g")).toEqual(g);
        expect((await allOffsets("g")).map((o) => o.offset)).toEqual([10n, 20n]);
      });

      it("replaces the offset of a partition committed before and keeps the others", async () => {
        await created("g");
        await store.commitOffsets("g", 1, [committed("t", 0, 10n), committed("t", 1, 20n)]);
        const replaced = committed("t", 0, 15n, { leaderEpoch: 4, metadata: "again" });
        await store.commitOffsets("g", 1, [replaced]);
        expect(await allOffsets("g")).toEqual([replaced, committed("t", 1, 20n)]);
      });

      it("keeps offsets at and above 2^53, leader epoch -1 and null, empty and unicode metadata exact", async () => {
        await created("g");
        const offsets = [
          committed("t", 0, TWO_POW_53, { leaderEpoch: -1, metadata: null }),
          committed("t", 1, TWO_POW_53 + 1n, { leaderEpoch: 2 ** 31 - 1, metadata: "" }),
          committed("t", 2, INT64_MAX, { metadata: "ünïcødé 🚀 消费 \n\t\"'" }),
          committed("t", 3, 0n, { metadata: "x".repeat(4096), commitTimestampMs: 0 }),
          committed("t", 4, -1n, { leaderEpoch: -1, metadata: "-1 means none to Kafka" }),
        ];
        await store.commitOffsets("g", 1, offsets);
        const fetched = await allOffsets("g");
        expect(fetched).toEqual(offsets);
        for (const o of fetched) expect(typeof o.offset).toBe("bigint");
        // 2^53 + 1 is not a double: a lossy backend would return 2^53.
        const [one] = await store.fetchOffsets("g", [{ topic: "t", partition: 1 }]);
        expect(one.offset).toBe(TWO_POW_53 + 1n);
        expect(one.metadata).toBe("");
      });

      it("refuses a stale group version: writes nothing, not even partially, and carries the group", async () => {
        await created("g");
        const before = [committed("t", 0, 10n), committed("t", 1, 20n)];
        await store.commitOffsets("g", 1, before);
        const v2 = group("g", { version: 2, state: "PreparingRebalance" });
        await store.putGroup(v2, 1);
        const stale = [committed("t", 0, 99n), committed("t", 5, 99n), committed("u", 0, 99n)];
        await expectConflict(store.commitOffsets("g", 1, stale), v2);
        expect(await allOffsets("g")).toEqual(before);
        expect(await store.getGroup("g")).toEqual(v2);
      });

      it("keeps committed offsets when the group record changes, fenced by the new version", async () => {
        await created("g");
        const offsets = [committed("t", 0, 10n)];
        await store.commitOffsets("g", 1, offsets);
        await store.putGroup(group("g", { version: 2, state: "Stable" }), 1);
        expect(await allOffsets("g")).toEqual(offsets);
        await store.commitOffsets("g", 2, [committed("t", 0, 11n)]);
        expect(await allOffsets("g")).toEqual([committed("t", 0, 11n)]);
      });

      it("refuses a commit to a group that does not exist, with no current record", async () => {
        await expectConflict(store.commitOffsets("ghost", 0, [committed("t", 0, 1n)]), undefined);
        await expectConflict(store.commitOffsets("ghost", 1, [committed("t", 0, 1n)]), undefined);
        expect(await store.fetchOffsets("ghost")).toEqual([]);
        expect(await store.getGroup("ghost")).toBeUndefined();
      });

      it("accepts 1,000 offsets in one call", async () => {
        await created("g");
        const offsets = Array.from({ length: 1_000 }, (_, i) =>
          committed(`topic-${i % 7}`, i, BigInt(i) * 1_000n),
        );
        await store.commitOffsets("g", 1, offsets);
        expect(await allOffsets("g")).toEqual(sorted(offsets));
      });

      it("rejects more than 1,000 offsets in one call as a caller bug and writes none", async () => {
        await created("g");
        const offsets = Array.from({ length: 1_001 }, (_, i) => committed("t", i, 1n));
        await expectCallerBug(store.commitOffsets("g", 1, offsets));
        expect(await store.fetchOffsets("g")).toEqual([]);
      });

      it("rejects two offsets for one partition in one call as a caller bug and writes none", async () => {
        await created("g");
        const offsets = [committed("t", 0, 1n), committed("t", 1, 1n), committed("t", 0, 2n)];
        await expectCallerBug(store.commitOffsets("g", 1, offsets));
        expect(await store.fetchOffsets("g")).toEqual([]);
      });

      it("orders a commit and a concurrent group change: the commit lands before or is refused", async () => {
        await created("g");
        const v2 = group("g", { version: 2, state: "PreparingRebalance" });
        const [commit, put] = await Promise.allSettled([
          store.commitOffsets("g", 1, [committed("t", 0, 7n)]),
          store.putGroup(v2, 1),
        ]);
        expect(put.status).toBe("fulfilled");
        if (commit.status === "fulfilled") {
          expect(await allOffsets("g")).toEqual([committed("t", 0, 7n)]);
        } else {
          await expectConflict(Promise.reject(commit.reason), v2);
          expect(await store.fetchOffsets("g")).toEqual([]);
        }
      });

      it("fetches all offsets, or those of the partitions asked for that exist", async () => {
        await created("g");
        const offsets = [committed("a", 0, 1n), committed("a", 1, 2n), committed("b", 0, 3n)];
        await store.commitOffsets("g", 1, offsets);
        const asked = [
          { topic: "b", partition: 0 },
          { topic: "a", partition: 5 },
          { topic: "zz", partition: 0 },
          { topic: "a", partition: 0 },
        ];
        expect(sorted(await store.fetchOffsets("g", asked))).toEqual([offsets[0], offsets[2]]);
        expect(await store.fetchOffsets("g", [])).toEqual([]);
        expect(await store.fetchOffsets("g", [{ topic: "a", partition: 9 }])).toEqual([]);
      });

      it("returns no offsets for a group without commits or without a record", async () => {
        await created("quiet");
        expect(await store.fetchOffsets("quiet")).toEqual([]);
        expect(await store.fetchOffsets("ghost")).toEqual([]);
        expect(await store.fetchOffsets("ghost", [{ topic: "t", partition: 0 }])).toEqual([]);
      });

      it("never shows one group's offsets to another, even when one id prefixes the other", async () => {
        const ids = ["g", "g1", "g#", "g/", "gg", "G", "g 1"];
        // Each group commits partition 0 (shared) and one partition of its own.
        const offsetsOf = (i: number) => [committed("t", 0, BigInt(i)), committed("t", i + 1, 50n)];
        for (const [i, id] of ids.entries()) {
          await created(id);
          await store.commitOffsets(id, 1, offsetsOf(i));
        }
        for (const [i, id] of ids.entries()) {
          expect(await allOffsets(id)).toEqual(offsetsOf(i));
          expect(await store.fetchOffsets(id, [{ topic: "t", partition: 0 }])).toEqual([
            offsetsOf(i)[0],
          ]);
        }
      });
    });

    describe("deleteOffsets", () => {
      it("removes the offsets of the partitions given and only those; missing ones are no error", async () => {
        const g = await created("g");
        const offsets = [committed("a", 0, 1n), committed("a", 1, 2n), committed("b", 0, 3n)];
        await store.commitOffsets("g", 1, offsets);
        await store.deleteOffsets("g", 1, [
          { topic: "a", partition: 1 },
          { topic: "b", partition: 9 },
          { topic: "zz", partition: 0 },
        ]);
        expect(await allOffsets("g")).toEqual([offsets[0], offsets[2]]);
        expect(await store.getGroup("g")).toEqual(g);
      });

      it("is fenced like commitOffsets: a stale version removes nothing and carries the group", async () => {
        await created("g");
        const offsets = [committed("a", 0, 1n)];
        await store.commitOffsets("g", 1, offsets);
        const v2 = group("g", { version: 2, state: "Empty" });
        await store.putGroup(v2, 1);
        await expectConflict(store.deleteOffsets("g", 1, [{ topic: "a", partition: 0 }]), v2);
        expect(await allOffsets("g")).toEqual(offsets);
        await store.deleteOffsets("g", 2, [{ topic: "a", partition: 0 }]);
        expect(await store.fetchOffsets("g")).toEqual([]);
      });

      it("refuses a group that does not exist, with no current record", async () => {
        await expectConflict(
          store.deleteOffsets("ghost", 1, [{ topic: "a", partition: 0 }]),
          undefined,
        );
      });

      it("removes nothing from other groups", async () => {
        await created("g");
        await created("h");
        await store.commitOffsets("g", 1, [committed("a", 0, 1n)]);
        await store.commitOffsets("h", 1, [committed("a", 0, 2n)]);
        await store.deleteOffsets("g", 1, [{ topic: "a", partition: 0 }]);
        expect(await allOffsets("h")).toEqual([committed("a", 0, 2n)]);
      });
    });

    frontsContract(() => store);
    leasesContract(() => store);

    describe("close", () => {
      it("makes every coordination method reject", async () => {
        await created("g");
        const front = await store.registerFront({ host: "h", port: 9092, rack: null });
        await store.close();
        const p: GroupPartition = { topic: "t", partition: 0 };
        await expect(store.getGroup("g")).rejects.toThrow();
        await expect(store.listGroups()).rejects.toThrow();
        await expect(store.putGroup(group("g", { version: 2 }), 1)).rejects.toThrow();
        await expect(store.deleteGroup("g", 1)).rejects.toThrow();
        await expect(store.commitOffsets("g", 1, [committed("t", 0, 1n)])).rejects.toThrow();
        await expect(store.fetchOffsets("g")).rejects.toThrow();
        await expect(store.fetchOffsets("g", [p])).rejects.toThrow();
        await expect(store.deleteOffsets("g", 1, [p])).rejects.toThrow();
        await expect(store.registerFront({ host: "h", port: 1, rack: null })).rejects.toThrow();
        await expect(store.renewFront(front.nodeId, 0)).rejects.toThrow();
        await expect(store.listFronts()).rejects.toThrow();
        await expect(store.removeFront(front.nodeId, 0)).rejects.toThrow();
      });
    });
  });
}
