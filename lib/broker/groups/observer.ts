/**
 * What one front has observed of one group, on its own clock. Timers of the group protocol
 * (session expiry, rebalance timeout, Kafka's initial join delay, the sync deadline) are judged
 * here from when this front first saw a value change, never from times other hosts wrote
 * (DESIGN.md §3). A front that picks up a group late simply starts its clocks late: it may wait
 * longer than Kafka would, never shorter, so it cannot expire a live member early.
 *
 * `dueChange` turns those observations into the next change the group needs, as a function of
 * the stored group, so the coordinator can re-apply it when a conditional write loses a race.
 */
import { type Group, hasJoined, rebalanceTimeoutMs } from "./group-state.ts";
import { completeJoin, removeMembers } from "./transitions.ts";

interface Liveness {
  seq: number;
  sinceMs: number;
}

export class GroupObserver {
  private readonly liveness = new Map<string, Liveness>();
  private rebalance = { seq: -1, sinceMs: 0, joined: -1, lastJoinMs: 0 };
  private completing = { generationId: -1, sinceMs: 0 };
  private readonly initialDelayMs: number;

  constructor(initialDelayMs: number) {
    this.initialDelayMs = initialDelayMs;
  }

  /** Records what changed since the last look at the stored group. */
  observe(g: Group, nowMs: number): void {
    const seen = new Set<string>();
    for (const m of g.members) {
      seen.add(m.memberId);
      const prev = this.liveness.get(m.memberId);
      if (!prev || prev.seq !== m.heartbeatSeq) {
        this.liveness.set(m.memberId, { seq: m.heartbeatSeq, sinceMs: nowMs });
      }
    }
    for (const p of g.pending) {
      seen.add(p.memberId);
      if (!this.liveness.has(p.memberId)) this.liveness.set(p.memberId, { seq: 0, sinceMs: nowMs });
    }
    for (const id of this.liveness.keys()) if (!seen.has(id)) this.liveness.delete(id);

    if (g.state === "PreparingRebalance") {
      const joined = g.members.filter((m) => hasJoined(g, m)).length;
      if (this.rebalance.seq !== g.rebalanceSeq) {
        this.rebalance = { seq: g.rebalanceSeq, sinceMs: nowMs, joined, lastJoinMs: nowMs };
      } else if (this.rebalance.joined !== joined) {
        this.rebalance.joined = joined;
        this.rebalance.lastJoinMs = nowMs;
      }
    }
    if (g.state === "CompletingRebalance" && this.completing.generationId !== g.generationId) {
      this.completing = { generationId: g.generationId, sinceMs: nowMs };
    }
  }

  /** This front heard from the member directly (a heartbeat, join, sync or commit). */
  touch(memberId: string, nowMs: number): void {
    const prev = this.liveness.get(memberId);
    if (prev) prev.sinceMs = nowMs;
  }

  /**
   * The change the group needs now, or null. Order: forget expired members first (a dead member
   * must not hold up a rebalance), then complete a join phase that is due, then give up on a
   * leader that never sent its assignment.
   */
  dueChange(g: Group, nowMs: number): Group | null {
    const expired = this.expired(g, nowMs);
    if (expired.size > 0) return removeMembers(g, expired);
    if (g.state === "PreparingRebalance" && this.joinDue(g, nowMs)) return completeJoin(g);
    if (
      g.state === "CompletingRebalance" &&
      this.completing.generationId === g.generationId &&
      nowMs - this.completing.sinceMs >= rebalanceTimeoutMs(g) &&
      g.leaderId !== null
    ) {
      return removeMembers(g, new Set([g.leaderId]));
    }
    return null;
  }

  private expired(g: Group, nowMs: number): Set<string> {
    const out = new Set<string>();
    const stale = (id: string, timeoutMs: number): boolean => {
      const l = this.liveness.get(id);
      return l !== undefined && nowMs - l.sinceMs >= timeoutMs;
    };
    for (const p of g.pending) if (stale(p.memberId, p.sessionTimeoutMs)) out.add(p.memberId);
    if (g.state === "Stable" || g.state === "PreparingRebalance") {
      for (const m of g.members) {
        // A member parked in JoinGroup is waiting on us, not silent: the rebalance timeout
        // bounds it instead (Kafka does not expire members awaiting a join either).
        if (g.state === "PreparingRebalance" && hasJoined(g, m)) continue;
        if (stale(m.memberId, m.sessionTimeoutMs)) out.add(m.memberId);
      }
    }
    return out;
  }

  private joinDue(g: Group, nowMs: number): boolean {
    if (g.members.length === 0) return true;
    if (this.rebalance.seq !== g.rebalanceSeq) return false;
    const elapsedMs = nowMs - this.rebalance.sinceMs;
    if (elapsedMs >= rebalanceTimeoutMs(g)) return true;
    const allJoined = g.members.every((m) => hasJoined(g, m));
    if (!allJoined) return false;
    if (!g.initialRebalance) return true;
    return nowMs - this.rebalance.lastJoinMs >= this.initialDelayMs;
  }

  /** When the next timer could fire, for scheduling the next look (ms from now, ≥ 0). */
  nextDeadlineMs(g: Group, nowMs: number): number {
    let next = Number.POSITIVE_INFINITY;
    const consider = (atMs: number) => {
      next = Math.min(next, Math.max(0, atMs - nowMs));
    };
    for (const m of g.members) {
      const l = this.liveness.get(m.memberId);
      if (l) consider(l.sinceMs + m.sessionTimeoutMs);
    }
    for (const p of g.pending) {
      const l = this.liveness.get(p.memberId);
      if (l) consider(l.sinceMs + p.sessionTimeoutMs);
    }
    if (g.state === "PreparingRebalance") {
      consider(this.rebalance.sinceMs + rebalanceTimeoutMs(g));
      if (g.initialRebalance) consider(this.rebalance.lastJoinMs + this.initialDelayMs);
    }
    if (g.state === "CompletingRebalance")
      consider(this.completing.sinceMs + rebalanceTimeoutMs(g));
    return next;
  }
}
