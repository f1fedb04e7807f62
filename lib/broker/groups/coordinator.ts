/**
 * The group coordinator of one front. Any front serves any group: the group lives in the
 * metadata store and every change is a conditional write on its version (lib/storage/ports.ts),
 * so fronts never coordinate with each other directly. A front keeps a cache of the groups its
 * clients use, parks JoinGroup/SyncGroup requests until the rebalance they wait for moves on,
 * and polls the store for what other fronts did (fast while something is parked, slowly
 * otherwise). Timers run on this front's clock (observer.ts).
 *
 * Rule: an error that rests on the cached state (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION…) is only
 * answered after re-reading the store, so a stale cache never sends a healthy member into a
 * needless rejoin.
 */
import { randomUUID } from "node:crypto";
import { type Logger, silentLogger } from "../../logger.ts";
import { VersionConflictError } from "../../storage/errors.ts";
import type { MetadataStore } from "../../storage/ports.ts";
import { ErrorCode } from "../error-codes.ts";
import {
  ActiveGroup,
  type JoinResult,
  type ParkedJoin,
  type ParkedSync,
  type SyncResult,
} from "./active-group.ts";
import {
  emptyGroup,
  findMember,
  fromRecord,
  type Group,
  type MemberProtocol,
  protocolMetadata,
  rebalanceTimeoutMs,
  toRecord,
} from "./group-state.ts";
import {
  applyAssignments,
  bumpHeartbeat,
  checkMember,
  type GroupLimits,
  join,
  type MemberIdentity,
  removeMembers,
  resolveLeaving,
  type Transition,
} from "./transitions.ts";

export type { JoinResult, SyncResult } from "./active-group.ts";

export interface GroupCoordinatorOptions {
  store: MetadataStore;
  limits: GroupLimits;
  /** Kafka's group.initial.rebalance.delay.ms. */
  initialRebalanceDelayMs: number;
  now?: () => number;
  logger?: Logger;
  /** How often a group with parked requests is re-read. Default 100 ms. */
  activePollMs?: number;
  /** Longest pause between looks at a group with nothing parked. Default 1 000 ms. */
  idlePollMs?: number;
}

export interface JoinInput {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
  apiVersion: number;
}

export interface SyncInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface MemberRef {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

const MAX_WRITE_ATTEMPTS = 20;
const PARK_SLACK_MS = 10_000;
/** KIP-394: JoinGroup v4+ hands a new dynamic member its id before it may join. */
const MEMBER_ID_REQUIRED_MIN_VERSION = 4;

/** Too many lost write races in a row: answered as COORDINATOR_NOT_AVAILABLE (retriable). */
export class GroupContentionError extends Error {
  override readonly name = "GroupContentionError";
}

export class GroupCoordinator {
  private readonly store: MetadataStore;
  private readonly limits: GroupLimits;
  private readonly initialDelayMs: number;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly activePollMs: number;
  private readonly idlePollMs: number;
  private readonly active = new Map<string, ActiveGroup>();
  private closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.store = options.store;
    this.limits = options.limits;
    this.initialDelayMs = options.initialRebalanceDelayMs;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.activePollMs = options.activePollMs ?? 100;
    this.idlePollMs = options.idlePollMs ?? 1_000;
  }

  // ---- JoinGroup / SyncGroup / Heartbeat / LeaveGroup ----

  async join(input: JoinInput): Promise<JoinResult> {
    const ag = await this.activate(input.groupId);
    const waiting = await ag.run(async () => {
      const joinInput = {
        ...input,
        requireKnownMemberId: input.apiVersion >= MEMBER_ID_REQUIRED_MIN_VERSION,
        newMemberId: `${input.clientId}-${randomUUID()}`,
      };
      let outcome = await this.mutate(ag, (g) => join(g, joinInput, this.limits));
      if (outcome.kind === "error") {
        await this.refresh(ag);
        outcome = await this.mutate(ag, (g) => join(g, joinInput, this.limits));
      }
      const now = this.now();
      switch (outcome.kind) {
        case "error":
          return { result: joinError(outcome.errorCode, outcome.memberId) };
        case "memberIdRequired":
          ag.observer.observe(ag.group, now);
          return { result: joinError(ErrorCode.MEMBER_ID_REQUIRED, outcome.memberId) };
        case "respond":
          ag.observer.observe(ag.group, now);
          ag.observer.touch(outcome.memberId, now);
          return { result: joinResult(ag.group, outcome.memberId, outcome.skipAssignment) };
        case "park": {
          const { memberId, generationId } = outcome;
          const parked = new Promise<JoinResult>((resolve) => {
            ag.parkedJoins.push({
              memberId,
              generationId,
              deadlineMs: now + rebalanceTimeoutMs(ag.group) + PARK_SLACK_MS,
              resolve,
            });
          });
          ag.observer.observe(ag.group, now);
          ag.observer.touch(memberId, now);
          await this.advance(ag);
          // Handed back wrapped: the group's queue must not wait for the rebalance itself.
          return { result: parked };
        }
      }
    });
    this.schedule(ag);
    return waiting.result;
  }

  async sync(input: SyncInput): Promise<SyncResult> {
    const ag = await this.activate(input.groupId);
    const waiting = await ag.run(async () => {
      const check = (g: Group): number => {
        const code = checkMember(
          g.version === 0 ? undefined : g,
          input.memberId,
          input.groupInstanceId,
          input.generationId,
        );
        if (code !== ErrorCode.NONE) return code;
        if (
          (input.protocolType !== null && input.protocolType !== g.protocolType) ||
          (input.protocolName !== null && input.protocolName !== g.protocolName)
        ) {
          return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
        }
        return g.state === "PreparingRebalance" ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
      };
      if (check(ag.group) !== ErrorCode.NONE) await this.refresh(ag);
      const code = check(ag.group);
      if (code !== ErrorCode.NONE) return { result: syncResult(ag.group, code, Buffer.alloc(0)) };
      const now = this.now();
      ag.observer.touch(input.memberId, now);

      if (ag.group.state === "CompletingRebalance" && ag.group.leaderId === input.memberId) {
        const assignments = new Map(input.assignments.map((a) => [a.memberId, a.assignment]));
        await this.mutate(ag, (g): Transition<void> => {
          const stillValid =
            check(g) === ErrorCode.NONE &&
            g.state === "CompletingRebalance" &&
            g.leaderId === input.memberId;
          return { next: stillValid ? applyAssignments(g, assignments) : null, outcome: undefined };
        });
      }
      const parked = new Promise<SyncResult>((resolve) => {
        ag.parkedSyncs.push({
          memberId: input.memberId,
          generationId: input.generationId,
          deadlineMs: now + rebalanceTimeoutMs(ag.group) + PARK_SLACK_MS,
          resolve,
        });
      });
      this.resolveParked(ag);
      return { result: parked };
    });
    this.schedule(ag);
    return waiting.result;
  }

  async heartbeat(ref: MemberRef): Promise<number> {
    const ag = await this.activate(ref.groupId);
    return ag.run(async () => {
      const check = (g: Group) =>
        checkMember(
          g.version === 0 ? undefined : g,
          ref.memberId,
          ref.groupInstanceId,
          ref.generationId,
        );
      if (check(ag.group) !== ErrorCode.NONE) await this.refresh(ag);
      const code = check(ag.group);
      if (code !== ErrorCode.NONE) return code;
      const now = this.now();
      ag.observer.touch(ref.memberId, now);
      const member = findMember(ag.group, ref.memberId);
      const lastMs = ag.heartbeatPersistedMs.get(ref.memberId) ?? Number.NEGATIVE_INFINITY;
      if (member && now - lastMs >= member.sessionTimeoutMs / 4) {
        // Other fronts judge this member alive only from its stored heartbeatSeq.
        await this.mutate(ag, (g) => ({
          next: bumpHeartbeat(g, ref.memberId),
          outcome: undefined,
        }));
        ag.heartbeatPersistedMs.set(ref.memberId, now);
      }
      this.schedule(ag);
      return ag.group.state === "PreparingRebalance"
        ? ErrorCode.REBALANCE_IN_PROGRESS
        : ErrorCode.NONE;
    });
  }

  async leave(
    groupId: string,
    members: readonly MemberIdentity[],
  ): Promise<{ memberId: string; groupInstanceId: string | null; errorCode: number }[]> {
    const ag = await this.activate(groupId);
    const results = await ag.run(async () => {
      await this.refresh(ag);
      const codes = await this.mutate(ag, (g) => {
        const leaving = new Set<string>();
        const out = members.map((who) => {
          const resolved = resolveLeaving(g, who);
          if (typeof resolved === "number") return { ...who, errorCode: resolved };
          leaving.add(resolved);
          return { ...who, errorCode: ErrorCode.NONE };
        });
        return { next: removeMembers(g, leaving), outcome: out };
      });
      await this.advance(ag);
      return codes;
    });
    this.schedule(ag);
    return results;
  }

  // ---- reads for DescribeGroups and friends ----

  /** The stored group, read now (undefined: no such group). */
  async describe(groupId: string): Promise<Group | undefined> {
    const record = await this.store.getGroup(groupId);
    return record ? fromRecord(record) : undefined;
  }

  // ---- machinery ----

  /** Loads (or reuses) the group on this front and starts watching it. */
  async activate(groupId: string): Promise<ActiveGroup> {
    if (this.closed) throw new Error("group coordinator is closed");
    let ag = this.active.get(groupId);
    if (!ag) {
      const record = await this.store.getGroup(groupId);
      ag = this.active.get(groupId);
      if (!ag) {
        const group = record ? fromRecord(record) : emptyGroup(groupId);
        ag = new ActiveGroup(group, this.initialDelayMs, this.now());
        ag.observer.observe(group, this.now());
        this.active.set(groupId, ag);
      }
    }
    ag.lastUsedMs = this.now();
    return ag;
  }

  /**
   * Applies `fn` to the cached group and writes the result conditionally; on a lost race,
   * re-applies it to the group that won. Returns fn's outcome for the state actually written.
   */
  async mutate<T>(ag: ActiveGroup, fn: (g: Group) => Transition<T>): Promise<T> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const base = ag.group;
      const { next, outcome } = fn(base);
      if (!next) return outcome;
      const version = base.version + 1;
      try {
        await this.store.putGroup(toRecord(next, version), base.version);
        ag.group = { ...next, version };
        return outcome;
      } catch (err) {
        if (!(err instanceof VersionConflictError)) throw err;
        const current = err.current as Parameters<typeof fromRecord>[0] | undefined;
        ag.group = current ? fromRecord(current) : emptyGroup(base.groupId);
      }
    }
    throw new GroupContentionError(
      `group ${ag.group.groupId}: lost ${MAX_WRITE_ATTEMPTS} write races in a row`,
    );
  }

  async refresh(ag: ActiveGroup): Promise<void> {
    const record = await this.store.getGroup(ag.group.groupId);
    ag.group = record ? fromRecord(record) : emptyGroup(ag.group.groupId);
  }

  /** Observes the cached group, applies the change its timers call for, answers parked requests. */
  private async advance(ag: ActiveGroup): Promise<void> {
    const now = this.now();
    ag.observer.observe(ag.group, now);
    const completed = await this.mutate(ag, (g) => {
      ag.observer.observe(g, now);
      const next = ag.observer.dueChange(g, now);
      return { next, outcome: next !== null && next.generationId > g.generationId };
    });
    if (completed) {
      this.logger.info("rebalance completed", {
        groupId: ag.group.groupId,
        generationId: ag.group.generationId,
        state: ag.group.state,
        members: ag.group.members.length,
      });
    }
    ag.observer.observe(ag.group, now);
    this.resolveParked(ag);
  }

  private resolveParked(ag: ActiveGroup): void {
    const g = ag.group;
    const now = this.now();
    const keepJoins: ParkedJoin[] = [];
    for (const pj of ag.parkedJoins) {
      const done = g.generationId > pj.generationId || g.version === 0;
      if (done) {
        const member = findMember(g, pj.memberId);
        pj.resolve(
          member && g.state !== "Empty"
            ? joinResult(g, pj.memberId, false)
            : joinError(ErrorCode.UNKNOWN_MEMBER_ID, pj.memberId),
        );
      } else if (now >= pj.deadlineMs) {
        pj.resolve(joinError(ErrorCode.REBALANCE_IN_PROGRESS, pj.memberId));
      } else {
        keepJoins.push(pj);
      }
    }
    ag.parkedJoins.splice(0, ag.parkedJoins.length, ...keepJoins);

    const keepSyncs: ParkedSync[] = [];
    for (const ps of ag.parkedSyncs) {
      const member = findMember(g, ps.memberId);
      if (!member) {
        ps.resolve(syncResult(g, ErrorCode.UNKNOWN_MEMBER_ID, Buffer.alloc(0)));
      } else if (g.generationId !== ps.generationId || g.state === "PreparingRebalance") {
        ps.resolve(syncResult(g, ErrorCode.REBALANCE_IN_PROGRESS, Buffer.alloc(0)));
      } else if (g.state === "Stable") {
        ps.resolve(syncResult(g, ErrorCode.NONE, member.assignment));
      } else if (now >= ps.deadlineMs) {
        ps.resolve(syncResult(g, ErrorCode.REBALANCE_IN_PROGRESS, Buffer.alloc(0)));
      } else {
        keepSyncs.push(ps);
      }
    }
    ag.parkedSyncs.splice(0, ag.parkedSyncs.length, ...keepSyncs);
  }

  /** Schedules the next look at the group: soon while requests wait, else at its next timer. */
  schedule(ag: ActiveGroup): void {
    if (this.closed) return;
    if (ag.timer) clearTimeout(ag.timer);
    const now = this.now();
    const delayMs = ag.hasParked
      ? this.activePollMs
      : Math.max(20, Math.min(this.idlePollMs, ag.observer.nextDeadlineMs(ag.group, now)));
    ag.timer = setTimeout(() => void this.tick(ag), delayMs);
    ag.timer.unref();
  }

  private async tick(ag: ActiveGroup): Promise<void> {
    ag.timer = undefined;
    if (this.closed) return;
    try {
      await ag.run(async () => {
        await this.refresh(ag);
        await this.advance(ag);
      });
    } catch (err) {
      this.logger.warn("group tick failed", { groupId: ag.group.groupId, err });
    }
    if (!ag.hasParked && this.now() - ag.lastUsedMs > this.idleUnloadMs(ag.group)) {
      this.active.delete(ag.group.groupId);
      return;
    }
    this.schedule(ag);
  }

  /** Keeps watching a quiet group long enough to expire members that went silent. */
  private idleUnloadMs(g: Group): number {
    let maxSessionMs = 0;
    for (const m of g.members) maxSessionMs = Math.max(maxSessionMs, m.sessionTimeoutMs);
    return 2 * maxSessionMs + 10_000;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const ag of this.active.values()) {
      if (ag.timer) clearTimeout(ag.timer);
      for (const pj of ag.parkedJoins)
        pj.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, pj.memberId));
      for (const ps of ag.parkedSyncs) {
        ps.resolve(syncResult(ag.group, ErrorCode.COORDINATOR_NOT_AVAILABLE, Buffer.alloc(0)));
      }
    }
    this.active.clear();
  }
}

export function joinError(errorCode: number, memberId: string): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leaderId: "",
    memberId,
    skipAssignment: false,
    members: [],
  };
}

function joinResult(g: Group, memberId: string, skipAssignment: boolean): JoinResult {
  const isLeader = g.leaderId === memberId;
  return {
    errorCode: ErrorCode.NONE,
    generationId: g.generationId,
    protocolType: g.protocolType,
    protocolName: g.protocolName,
    leaderId: g.leaderId ?? "",
    memberId,
    skipAssignment,
    members: isLeader
      ? g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          metadata: protocolMetadata(m, g.protocolName),
        }))
      : [],
  };
}

function syncResult(g: Group, errorCode: number, assignment: Buffer): SyncResult {
  return {
    errorCode,
    protocolType: g.protocolType || null,
    protocolName: g.protocolName,
    assignment,
  };
}
