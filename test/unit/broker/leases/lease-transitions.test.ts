/**
 * The partition-lease transitions (lib/broker/leases/lease-transitions.ts) as specs, then as
 * properties over random histories of workers who each remember the (owner, epoch) they last
 * took: only the current holder's writes pass, counters move by one per write, epochs move with
 * every take and release, and checkpoints never go backwards.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CheckpointRegressedError,
  LeaseConflictError,
  LeaseLostError,
} from "../../../../lib/broker/leases/lease-errors.ts";
import {
  checkpoint,
  type LeaseHolder,
  newLease,
  release,
  renew,
  take,
} from "../../../../lib/broker/leases/lease-transitions.ts";
import type { LeaseRecord } from "../../../../lib/storage/ports.ts";

const fresh = (): LeaseRecord => newLease("g", "t", 0);

describe("lease transitions", () => {
  it("a new lease is unowned at counter 1, epoch 0, without checkpoint", () => {
    expect(fresh()).toEqual({
      group: "g",
      topic: "t",
      partition: 0,
      owner: null,
      counter: 1,
      epoch: 0,
      checkpoint: null,
      checkpointMetadata: null,
    });
  });

  it("take needs the observed counter and starts a new epoch", () => {
    const taken = take(fresh(), "a", 1);
    expect(taken).toMatchObject({ owner: "a", counter: 2, epoch: 1 });
    expect(() => take(taken, "b", 1)).toThrow(LeaseConflictError);
    expect(take(taken, "b", 2)).toMatchObject({ owner: "b", counter: 3, epoch: 2 });
  });

  it("renew, checkpoint and release need the owner in its epoch", () => {
    const a = take(fresh(), "a", 1);
    const holder = { owner: "a", epoch: 1 };
    expect(renew(a, holder)).toMatchObject({ owner: "a", counter: 3, epoch: 1 });
    expect(() => renew(a, { owner: "b", epoch: 1 })).toThrow(LeaseLostError);
    // The same worker id in an older epoch (it lost the lease and took it back) is fenced.
    const retaken = take(a, "a", 2);
    expect(() => renew(retaken, holder)).toThrow(LeaseLostError);
    expect(() => checkpoint(retaken, holder, 5n, null)).toThrow(LeaseLostError);
    expect(() => release(retaken, holder)).toThrow(LeaseLostError);
  });

  it("checkpoints move forward or stay, never back", () => {
    const holder = { owner: "a", epoch: 1 };
    const c = checkpoint(take(fresh(), "a", 1), holder, 10n, "m");
    expect(c).toMatchObject({ checkpoint: 10n, checkpointMetadata: "m", counter: 3 });
    expect(checkpoint(c, holder, 10n, null).checkpoint).toBe(10n);
    expect(() => checkpoint(c, holder, 9n, null)).toThrow(CheckpointRegressedError);
  });

  it("release leaves the checkpoint and starts a new epoch with no owner", () => {
    const holder = { owner: "a", epoch: 1 };
    const c = checkpoint(take(fresh(), "a", 1), holder, 3n, null);
    expect(release(c, holder)).toMatchObject({ owner: null, epoch: 2, counter: 4, checkpoint: 3n });
  });

  type Op =
    | { kind: "take"; worker: number; stale: boolean }
    | { kind: "renew"; worker: number }
    | { kind: "release"; worker: number }
    | { kind: "checkpoint"; worker: number; offset: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("take" as const), worker: fc.nat(2), stale: fc.boolean() }),
    fc.record({ kind: fc.constantFrom("renew" as const, "release" as const), worker: fc.nat(2) }),
    fc.record({ kind: fc.constant("checkpoint" as const), worker: fc.nat(2), offset: fc.nat(50) }),
  );

  it("over random histories, only the current holder writes and the invariants hold", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let lease = fresh();
        // What each worker believes it holds, and the counter it last observed.
        const held = new Map<number, LeaseHolder>();
        const observed = new Map<number, number>();
        for (const o of ops) {
          const before = lease;
          const holder = held.get(o.worker) ?? { owner: `w${o.worker}`, epoch: -1 };
          const isHolder = before.owner === holder.owner && before.epoch === holder.epoch;
          try {
            if (o.kind === "take") {
              const seen = o.stale ? (observed.get(o.worker) ?? 0) : before.counter;
              lease = take(before, `w${o.worker}`, seen);
              expect(seen).toBe(before.counter);
              expect(lease.epoch).toBe(before.epoch + 1);
              held.set(o.worker, { owner: `w${o.worker}`, epoch: lease.epoch });
            } else if (o.kind === "renew") {
              lease = renew(before, holder);
            } else if (o.kind === "release") {
              lease = release(before, holder);
              expect(lease.owner).toBeNull();
            } else if (o.kind === "checkpoint") {
              lease = checkpoint(before, holder, BigInt(o.offset), null);
              expect(lease.checkpoint).toBe(BigInt(o.offset));
            }
            if (o.kind !== "take") {
              expect(isHolder).toBe(true);
              expect(lease.epoch).toBe(before.epoch + (o.kind === "release" ? 1 : 0));
            }
            expect(lease.counter).toBe(before.counter + 1);
          } catch (err) {
            expect(lease).toBe(before);
            if (err instanceof LeaseLostError) expect(isHolder).toBe(false);
            else if (err instanceof LeaseConflictError) expect(o.kind).toBe("take");
            else if (err instanceof CheckpointRegressedError) {
              expect(BigInt((o as { offset: number }).offset) < before.checkpoint!).toBe(true);
            } else throw err;
          }
          if (before.checkpoint !== null) expect(lease.checkpoint! >= before.checkpoint).toBe(true);
          observed.set(o.worker, lease.counter);
        }
      }),
    );
  });
});
