/**
 * Partition leases in the MetadataStore contract (lib/storage/ports.ts LeaseRecord): creation,
 * compare-and-set on the counter, listing by group and topic, deletion by group. Run by
 * coordinationContract inside its own describe, on the store its beforeEach made.
 *
 * What a lease means (who may renew, when it is expired) is lib/broker/leases'; the store
 * guarantees only that of two writers who read the same counter, exactly one wins, and the
 * loser learns the winner's lease.
 */
import { describe, expect, it } from "vitest";
import { newLease } from "../../lib/broker/leases/lease-transitions.ts";
import type { LeaseRecord, MetadataStore } from "../../lib/storage/ports.ts";
import { expectCallerBug, expectConflict } from "./metadata-store-coordination.contract.ts";

/** A lease as lib/broker/leases creates it (unowned, counter 1), with `overrides`. */
export function lease(
  topic: string,
  partition: number,
  overrides: Partial<LeaseRecord> = {},
): LeaseRecord {
  return { ...newLease("g", topic, partition), ...overrides };
}

export function leasesContract(getStore: () => MetadataStore): void {
  describe("partition leases", () => {
    it("creates leases at counter 1 and lists them by partition", async () => {
      const store = getStore();
      for (const p of [2, 0, 1]) await store.putLease(lease("t", p), 0);
      expect(await store.listLeases("g", "t")).toEqual([0, 1, 2].map((p) => lease("t", p)));
    });

    it("keeps owner, epoch, a 64-bit checkpoint and metadata exactly", async () => {
      const store = getStore();
      const full = lease("t", 7, {
        owner: "worker-ü",
        counter: 1,
        epoch: 12,
        checkpoint: 2n ** 63n - 1n,
        checkpointMetadata: "",
      });
      await store.putLease(full, 0);
      expect(await store.listLeases("g", "t")).toEqual([full]);
    });

    it("lists only the group's leases on that topic", async () => {
      const store = getStore();
      await store.putLease(lease("t", 0), 0);
      await store.putLease(lease("t2", 0), 0);
      await store.putLease(lease("t.x", 0), 0);
      await store.putLease(lease("t", 0, { group: "h" }), 0);
      expect(await store.listLeases("g", "t")).toEqual([lease("t", 0)]);
      expect(await store.listLeases("h", "t")).toEqual([lease("t", 0, { group: "h" })]);
      expect(await store.listLeases("g", "none")).toEqual([]);
    });

    it("refuses to create a lease that exists, carrying the stored one", async () => {
      const store = getStore();
      await store.putLease(lease("t", 0, { owner: "a" }), 0);
      await expectConflict(store.putLease(lease("t", 0, { owner: "b" }), 0), {
        ...lease("t", 0, { owner: "a" }),
      });
    });

    it("replaces a lease only at the expected counter", async () => {
      const store = getStore();
      await store.putLease(lease("t", 0), 0);
      await store.putLease(lease("t", 0, { owner: "a", counter: 2, epoch: 1 }), 1);
      await expectConflict(
        store.putLease(lease("t", 0, { owner: "b", counter: 2, epoch: 1 }), 1),
        lease("t", 0, { owner: "a", counter: 2, epoch: 1 }),
      );
      await expectConflict(
        store.putLease(lease("t", 0, { counter: 6 }), 5),
        lease("t", 0, { owner: "a", counter: 2, epoch: 1 }),
      );
      await store.putLease(lease("t", 0, { owner: "a", counter: 3, epoch: 1, checkpoint: 5n }), 2);
      expect(await store.listLeases("g", "t")).toEqual([
        lease("t", 0, { owner: "a", counter: 3, epoch: 1, checkpoint: 5n }),
      ]);
    });

    it("reports a missing lease as undefined current on replace", async () => {
      const store = getStore();
      await expectConflict(store.putLease(lease("t", 0, { counter: 2 }), 1), undefined);
      expect(await store.listLeases("g", "t")).toEqual([]);
    });

    it("lets exactly one of many concurrent takers win", async () => {
      const store = getStore();
      await store.putLease(lease("t", 0), 0);
      const owners = ["a", "b", "c", "d", "e"];
      const results = await Promise.allSettled(
        owners.map((owner) => store.putLease(lease("t", 0, { owner, counter: 2, epoch: 1 }), 1)),
      );
      const winners = owners.filter((_, i) => results[i].status === "fulfilled");
      expect(winners).toHaveLength(1);
      expect((await store.listLeases("g", "t"))[0].owner).toBe(winners[0]);
    });

    it("rejects a counter other than expected + 1 as a caller bug", async () => {
      const store = getStore();
      await expectCallerBug(store.putLease(lease("t", 0, { counter: 3 }), 0));
      await expectCallerBug(store.putLease(lease("t", 0, { counter: 0 }), -1));
      expect(await store.listLeases("g", "t")).toEqual([]);
    });

    it("deletes every lease of a group, on every topic, and no other group's", async () => {
      const store = getStore();
      for (const p of [0, 1, 2]) await store.putLease(lease("t", p), 0);
      await store.putLease(lease("u", 0), 0);
      await store.putLease(lease("t", 0, { group: "h" }), 0);
      expect(await store.deleteLeases("g")).toBe(4);
      expect(await store.listLeases("g", "t")).toEqual([]);
      expect(await store.listLeases("g", "u")).toEqual([]);
      expect(await store.listLeases("h", "t")).toHaveLength(1);
      expect(await store.deleteLeases("g")).toBe(0);
      await store.putLease(lease("t", 0), 0);
    });

    it("deletes a group's leases on one topic only, when named", async () => {
      const store = getStore();
      for (const p of [0, 1]) await store.putLease(lease("t", p), 0);
      await store.putLease(lease("t2", 0), 0); // a name that extends "t"
      await store.putLease(lease("t", 0, { group: "h" }), 0);
      expect(await store.deleteLeases("g", "t")).toBe(2);
      expect(await store.listLeases("g", "t")).toEqual([]);
      expect(await store.listLeases("g", "t2")).toHaveLength(1);
      expect(await store.listLeases("h", "t")).toHaveLength(1);
      expect(await store.deleteLeases("g", "t")).toBe(0);
    });

    it("rejects every lease method once closed", async () => {
      const store = getStore();
      await store.close();
      await expect(store.listLeases("g", "t")).rejects.toThrow();
      await expect(store.putLease(lease("t", 0), 0)).rejects.toThrow();
      await expect(store.deleteLeases("g")).rejects.toThrow();
    });
  });
}
