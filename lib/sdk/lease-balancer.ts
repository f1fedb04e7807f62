/**
 * Which leases a consumer takes, decided from one listing (the KCL's lease taker), and how it
 * judges expiry without trusting anyone's clock but its own:
 *
 *  - LeaseObserver remembers, per partition, the counter it last saw and WHEN it first saw that
 *    value, on this process's monotonic clock. A lease is expired when it is unowned, or its
 *    counter has stood still for leaseDurationMs of that clock (DESIGN.md §3: no timestamp
 *    written by another host is ever compared with ours). A worker that just started therefore
 *    waits a full lease duration before taking over anything owned.
 *  - planTakes aims at ceil(partitions / workers) leases each, workers being the distinct
 *    owners of live leases plus this one. Under target, it takes expired leases first; when
 *    there are none, it steals ONE lease from the most loaded worker if that worker holds more
 *    than the target — one per round, so ownership moves gradually and never flaps between
 *    two workers that both sit at the target.
 */

export interface LeaseState {
  partition: number;
  owner: string | null;
  counter: number;
}

export class LeaseObserver {
  private readonly seen = new Map<number, { counter: number; sinceMs: number }>();

  observe(leases: readonly LeaseState[], nowMs: number): void {
    for (const l of leases) {
      const s = this.seen.get(l.partition);
      if (!s || s.counter !== l.counter) {
        this.seen.set(l.partition, { counter: l.counter, sinceMs: nowMs });
      }
    }
  }

  expired(lease: LeaseState, nowMs: number, leaseDurationMs: number): boolean {
    if (lease.owner === null) return true;
    const s = this.seen.get(lease.partition);
    return s !== undefined && s.counter === lease.counter && nowMs - s.sinceMs >= leaseDurationMs;
  }
}

export interface TakePlan<L extends LeaseState> {
  /** Expired leases to take, in order. */
  take: L[];
  /** A live lease to steal from the most loaded worker (only when nothing is expired). */
  steal: L | undefined;
  /** The number of leases this worker aims at. */
  target: number;
}

/** `random` picks among equals, so workers racing for the same expired leases spread out. */
export function planTakes<L extends LeaseState>(
  leases: readonly L[],
  me: string,
  isExpired: (lease: L) => boolean,
  random: () => number = Math.random,
): TakePlan<L> {
  const load = new Map<string, L[]>();
  for (const l of leases) {
    if (l.owner === null || l.owner === me || isExpired(l)) continue;
    const owned = load.get(l.owner);
    if (owned) owned.push(l);
    else load.set(l.owner, [l]);
  }
  const target = Math.ceil(leases.length / (load.size + 1));
  const mine = leases.filter((l) => l.owner === me).length;
  const need = target - mine;
  if (need <= 0) return { take: [], steal: undefined, target };
  const expired = shuffle(
    leases.filter((l) => l.owner !== me && isExpired(l)),
    random,
  );
  if (expired.length > 0) return { take: expired.slice(0, need), steal: undefined, target };
  let victim: L[] | undefined;
  for (const owned of load.values()) {
    if (owned.length > target && (!victim || owned.length > victim.length)) victim = owned;
  }
  const steal = victim ? victim[Math.floor(random() * victim.length)] : undefined;
  return { take: [], steal, target };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
