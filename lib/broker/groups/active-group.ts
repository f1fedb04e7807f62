/**
 * One group as loaded on one front: the cached stored state, a local queue that runs this
 * front's operations on the group one at a time (an efficiency measure only: correctness comes
 * from the conditional writes), the requests parked until a rebalance moves on, and the
 * observer that keeps the group's timers.
 */
import type { Group } from "./group-state.ts";
import { GroupObserver } from "./observer.ts";

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string;
  memberId: string;
  skipAssignment: boolean;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface ParkedJoin {
  memberId: string;
  generationId: number;
  deadlineMs: number;
  resolve(result: JoinResult): void;
}

export interface ParkedSync {
  memberId: string;
  generationId: number;
  deadlineMs: number;
  resolve(result: SyncResult): void;
}

export class ActiveGroup {
  group: Group;
  readonly observer: GroupObserver;
  readonly parkedJoins: ParkedJoin[] = [];
  readonly parkedSyncs: ParkedSync[] = [];
  /** When this front last wrote each member's heartbeat (its own clock). */
  readonly heartbeatPersistedMs = new Map<string, number>();
  lastUsedMs: number;
  timer: NodeJS.Timeout | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(group: Group, initialDelayMs: number, nowMs: number) {
    this.group = group;
    this.observer = new GroupObserver(initialDelayMs);
    this.lastUsedMs = nowMs;
  }

  /** Runs `fn` after every operation queued before it on this group. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  get hasParked(): boolean {
    return this.parkedJoins.length > 0 || this.parkedSyncs.length > 0;
  }
}
