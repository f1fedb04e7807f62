/**
 * The consumer's lease taker (lib/sdk/lease-balancer.ts): expiry judged only from counters
 * this process watched stand still on its own clock, the ceil(partitions / workers) target,
 * expired leases before steals, one steal from the most loaded worker, and no flapping once
 * every worker sits at the target.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LeaseObserver, type LeaseState, planTakes } from "../../../lib/sdk/lease-balancer.ts";

const lease = (partition: number, owner: string | null, counter = 1): LeaseState => ({
  partition,
  owner,
  counter,
});

describe("LeaseObserver", () => {
  it("expires an owned lease only after its counter stood still for the duration", () => {
    const o = new LeaseObserver();
    o.observe([lease(0, "a", 5)], 1_000);
    expect(o.expired(lease(0, "a", 5), 2_999, 2_000)).toBe(false);
    expect(o.expired(lease(0, "a", 5), 3_000, 2_000)).toBe(true);
    o.observe([lease(0, "a", 6)], 3_100); // renewed: the clock restarts
    expect(o.expired(lease(0, "a", 6), 5_000, 2_000)).toBe(false);
    expect(o.expired(lease(0, "a", 6), 5_100, 2_000)).toBe(true);
  });

  it("never expires a lease it has not watched, and always an unowned one", () => {
    const o = new LeaseObserver();
    expect(o.expired(lease(0, "a", 5), 1e12, 2_000)).toBe(false);
    expect(o.expired(lease(1, null, 5), 0, 2_000)).toBe(true);
  });
});

describe("planTakes", () => {
  const never = () => false;

  it("a lone worker takes every unowned lease", () => {
    const leases = [0, 1, 2, 3].map((p) => lease(p, null));
    const plan = planTakes(leases, "a", (l) => l.owner === null);
    expect(plan.target).toBe(4);
    expect(plan.take.map((l) => l.partition).sort()).toEqual([0, 1, 2, 3]);
  });

  it("a newcomer steals one lease per round from the most loaded worker", () => {
    const leases = [0, 1, 2, 3, 4, 5].map((p) => lease(p, p < 4 ? "a" : "b"));
    const plan = planTakes(leases, "c", never, () => 0);
    expect(plan.target).toBe(2);
    expect(plan.take).toEqual([]);
    expect(plan.steal?.owner).toBe("a");
  });

  it("takes expired leases before stealing, up to the target", () => {
    const leases = [0, 1, 2, 3, 4, 5].map((p) => lease(p, p < 3 ? "dead" : "a"));
    const plan = planTakes(leases, "b", (l) => l.owner === "dead");
    // The dead worker does not count: target ceil(6 / 2) = 3.
    expect(plan.target).toBe(3);
    expect(plan.take.map((l) => l.partition).sort()).toEqual([0, 1, 2]);
    expect(plan.steal).toBeUndefined();
  });

  it("is stable at the target: nobody takes or steals", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }), (n, w) => {
        const workers = Array.from({ length: Math.min(w, n) }, (_, i) => `w${i}`);
        const leases = Array.from({ length: n }, (_, p) => lease(p, workers[p % workers.length]));
        for (const me of workers) {
          const plan = planTakes(leases, me, never);
          expect(plan.take).toEqual([]);
          expect(plan.steal).toBeUndefined();
        }
      }),
    );
  });

  it("converges from any split to ceil/floor shares by repeated rounds", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.array(fc.nat(3), { minLength: 24, maxLength: 24 }),
        (n, owners) => {
          const workers = ["w0", "w1", "w2", "w3"];
          const leases = Array.from({ length: n }, (_, p) => lease(p, workers[owners[p]]));
          for (let round = 0; round < 4 * n + 8; round++) {
            for (const me of workers) {
              const plan = planTakes(leases, me, never);
              for (const l of plan.steal ? [plan.steal] : plan.take) l.owner = me;
            }
          }
          const counts = workers.map((me) => leases.filter((l) => l.owner === me).length);
          const live = counts.filter((c) => c > 0).length;
          expect(Math.max(...counts)).toBeLessThanOrEqual(Math.ceil(n / live));
          expect(counts.reduce((x, y) => x + y)).toBe(n);
        },
      ),
    );
  });
});
