/**
 * Front leases in the MetadataStore contract (lib/storage/ports.ts): node-id allocation,
 * renewal by heartbeat seq, listing and fenced removal. Run by coordinationContract inside its
 * own describe, on the store its beforeEach made (empty, so node ids start at 1).
 *
 * Expiry itself is not the store's business: an observer removes a front whose seq it has seen
 * standing still for the lease duration by its own clock. What the store guarantees is that
 * removal and renewal are fenced on the seq, so exactly one of "the front renewed" and "an
 * observer removed it" wins.
 */
import { describe, expect, it } from "vitest";
import type { FrontRecord, MetadataStore } from "../../lib/storage/ports.ts";
import { expectConflict } from "./metadata-store-coordination.contract.ts";

const INT32_MAX = 2 ** 31 - 1;

type FrontAddress = Omit<FrontRecord, "nodeId" | "heartbeatSeq">;

export function address(n: number, overrides: Partial<FrontAddress> = {}): FrontAddress {
  return { host: `10.0.0.${n}`, port: 9092, rack: `rack-${n}`, ...overrides };
}

function byNodeId(fronts: readonly FrontRecord[]): FrontRecord[] {
  return [...fronts].sort((a, b) => a.nodeId - b.nodeId);
}

export function frontsContract(getStore: () => MetadataStore): void {
  describe("fronts", () => {
    it("registers the first front of a fresh store as node 1, at heartbeatSeq 0", async () => {
      const store = getStore();
      const front = await store.registerFront(address(1));
      expect(front).toEqual({ nodeId: 1, ...address(1), heartbeatSeq: 0 });
      expect(await store.listFronts()).toEqual([front]);
    });

    it("keeps host, port and rack exactly, a null rack included", async () => {
      const store = getStore();
      const addresses = [
        address(1, { host: "::1", port: 1, rack: null }),
        address(2, { host: "front-2.internal.example.com", port: 65535, rack: "eu-west-1a" }),
        address(3, { host: "127.0.0.1", port: 19092, rack: "" }),
      ];
      const fronts = [];
      for (const a of addresses) fronts.push(await store.registerFront(a));
      expect(fronts.map(({ nodeId: _, heartbeatSeq: __, ...a }) => a)).toEqual(addresses);
      expect(byNodeId(await store.listFronts())).toEqual(byNodeId(fronts));
    });

    it("allocates distinct positive int32 node ids and never reuses a removed front's", async () => {
      const store = getStore();
      const first = [];
      for (let i = 0; i < 3; i++) first.push(await store.registerFront(address(i)));
      await store.removeFront(first[2].nodeId, 0); // the highest id: a MAX()+1 would reuse it
      await store.removeFront(first[0].nodeId, 0);
      const later = [];
      for (let i = 0; i < 3; i++) later.push(await store.registerFront(address(i)));
      const ids = [...first, ...later].map((f) => f.nodeId);
      expect(new Set(ids).size).toBe(6);
      for (const id of ids) {
        expect(Number.isInteger(id)).toBe(true);
        expect(id).toBeGreaterThanOrEqual(1);
        expect(id).toBeLessThanOrEqual(INT32_MAX);
      }
      expect(byNodeId(await store.listFronts())).toEqual(byNodeId([first[1], ...later]));
    });

    it("allocates distinct node ids to concurrent registrations", async () => {
      const store = getStore();
      const fronts = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.registerFront(address(i))),
      );
      expect(new Set(fronts.map((f) => f.nodeId)).size).toBe(20);
      expect(await store.listFronts()).toHaveLength(20);
    });

    it("renews with the current seq, bumping it by one each time", async () => {
      const store = getStore();
      const front = await store.registerFront(address(1));
      await store.renewFront(front.nodeId, 0);
      await store.renewFront(front.nodeId, 1);
      expect(await store.listFronts()).toEqual([{ ...front, heartbeatSeq: 2 }]);
    });

    it("refuses a renewal with a stale seq, carrying the current record", async () => {
      const store = getStore();
      const front = await store.registerFront(address(1));
      await store.renewFront(front.nodeId, 0);
      const current = { ...front, heartbeatSeq: 1 };
      await expectConflict(store.renewFront(front.nodeId, 0), current);
      await expectConflict(store.renewFront(front.nodeId, 5), current);
      expect(await store.listFronts()).toEqual([current]);
    });

    it("refuses a renewal after removal, with no current record: the front must register again", async () => {
      const store = getStore();
      const front = await store.registerFront(address(1));
      await store.removeFront(front.nodeId, 0);
      await expectConflict(store.renewFront(front.nodeId, 0), undefined);
      expect(await store.listFronts()).toEqual([]);
      const again = await store.registerFront(address(1));
      expect(again.nodeId).not.toBe(front.nodeId);
    });

    it("refuses a renewal of a node id never registered", async () => {
      await expectConflict(getStore().renewFront(12345, 0), undefined);
    });

    it("lets exactly one of two concurrent renewals from one seq win", async () => {
      const store = getStore();
      const front = await store.registerFront(address(1));
      const results = await Promise.allSettled([
        store.renewFront(front.nodeId, 0),
        store.renewFront(front.nodeId, 0),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      await expectConflict(Promise.reject(loser.reason), { ...front, heartbeatSeq: 1 });
    });

    it("removes a front whose seq is the expected one, and only that front", async () => {
      const store = getStore();
      const a = await store.registerFront(address(1));
      const b = await store.registerFront(address(2));
      await store.renewFront(a.nodeId, 0);
      await store.removeFront(a.nodeId, 1);
      expect(await store.listFronts()).toEqual([b]);
    });

    it("refuses a removal with a stale seq and leaves the front, carrying it", async () => {
      const store = getStore();
      const front = await store.registerFront(address(1));
      await store.renewFront(front.nodeId, 0); // renewed after the observer last looked
      const current = { ...front, heartbeatSeq: 1 };
      await expectConflict(store.removeFront(front.nodeId, 0), current);
      expect(await store.listFronts()).toEqual([current]);
    });

    it("treats removing a missing front as done", async () => {
      const store = getStore();
      await store.removeFront(777, 0);
      const front = await store.registerFront(address(1));
      await store.removeFront(front.nodeId, 0);
      await store.removeFront(front.nodeId, 0);
      await store.removeFront(front.nodeId, 3);
      expect(await store.listFronts()).toEqual([]);
    });

    it("orders a renewal and a concurrent removal at one seq: exactly one wins", async () => {
      const store = getStore();
      const front = await store.registerFront(address(1));
      const [renew, remove] = await Promise.allSettled([
        store.renewFront(front.nodeId, 0),
        store.removeFront(front.nodeId, 0),
      ]);
      if (renew.status === "fulfilled") {
        const current = { ...front, heartbeatSeq: 1 };
        expect(remove.status).toBe("rejected");
        await expectConflict(Promise.reject((remove as PromiseRejectedResult).reason), current);
        expect(await store.listFronts()).toEqual([current]);
      } else {
        expect(remove.status).toBe("fulfilled");
        await expectConflict(Promise.reject(renew.reason), undefined);
        expect(await store.listFronts()).toEqual([]);
      }
    });
  });
}
