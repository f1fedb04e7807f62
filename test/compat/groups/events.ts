// The JSON lines a compat driver prints in `--mode group` (Java GroupMode.java, franz-go
// group.go, confluent-kafka-python group.py, kafkajs-group.ts), one event per line, in the order
// the member lived them:
//
//   {"ev":"started","t"}                                   subscribed, before the first poll
//   {"ev":"assigned"|"revoked"|"lost","partitions":[..],"generation":G|null,"memberId":M|null,"t"}
//        from the rebalance callbacks. Eager protocols revoke everything and assign the full
//        new set; cooperative ones pass only the delta. Either way the member owns
//        owned − revoked − lost + assigned. generation is null where the client does not
//        expose it (then the checker relies on wall-clock intervals).
//   {"ev":"record","partition","offset","i","t"}           i = index from the key "k-<i>"
//   {"ev":"commit","offsets":{"p":o},"ok","error"?,"generation"?,"t0"?,"t"}   one per commit
//        attempt; t0 = when it was issued, t = when the answer came (t0 is absent for
//        auto-commits reported by a callback)
//   {"ev":"error","error","t"}                             a client error the driver survived
//   {"ev":"closed","t"}                                    after close() returned (graceful)
//
// t is the member's wall clock in ms (Date.now()/currentTimeMillis/time.Now); every member runs
// on this host, so times are comparable across members.

export interface RebalanceEvent {
  ev: "assigned" | "revoked" | "lost";
  partitions: number[];
  generation: number | null;
  memberId: string | null;
  t: number;
}

export interface RecordEvent {
  ev: "record";
  partition: number;
  offset: number;
  i: number | null;
  t: number;
}

export interface CommitEvent {
  ev: "commit";
  offsets: Record<string, number>;
  ok: boolean;
  error?: string;
  generation?: number | null;
  /** When the commit was issued; a commit in flight across a SIGSTOP has t0 before it. */
  t0?: number;
  t: number;
}

export interface OtherEvent {
  ev: "started" | "closed" | "error";
  error?: string;
  t: number;
}

export type GroupEvent = RebalanceEvent | RecordEvent | CommitEvent | OtherEvent;

export function isRebalance(e: GroupEvent): e is RebalanceEvent {
  return e.ev === "assigned" || e.ev === "revoked" || e.ev === "lost";
}

const KINDS = new Set([
  "started",
  "assigned",
  "revoked",
  "lost",
  "record",
  "commit",
  "error",
  "closed",
]);

/** Parses one stdout line; throws on anything that is not a known event. */
export function parseEvent(line: string): GroupEvent {
  const e = JSON.parse(line) as GroupEvent;
  if (typeof e !== "object" || e === null || !KINDS.has(e.ev) || typeof e.t !== "number") {
    throw new Error(`not a group event: ${line.slice(0, 200)}`);
  }
  return e;
}

/** What the harness did to a member, with the harness's clock. */
export interface MemberAction {
  kind: "spawn" | "term" | "kill" | "stop" | "cont" | "exit";
  t: number;
  /** For "exit": the exit code or signal. */
  detail?: string;
}

/** One member's whole life, as the checker sees it. */
export interface MemberLog {
  /** Unique within a run, e.g. "A" or "B2" (a replacement). */
  name: string;
  client: string;
  /** group.instance.id of a static member: its restarts are the same member to the broker. */
  instanceId?: string;
  events: readonly GroupEvent[];
  actions: readonly MemberAction[];
}
