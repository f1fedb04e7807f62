// The assignment checker: from every member's events (events.ts) and the harness's actions it
// decides whether a consumer-group run was correct. Exactly what is checked:
//
// 1. Local ownership: a member prints a record only for a partition it owns at that point of
//    its own event stream (owned = assigned − revoked − lost, applied in stream order).
// 2. One owner per generation (where the client reports generations): for each generation G,
//    a member's holding in G is the union of every set it owned while its latest reported
//    generation was G (the set carried into G included). Holdings of different members in one
//    generation must be disjoint. Restarts of one static member (same group.instance.id) count
//    as one member: the broker hands the restarted process the same slot and generation.
// 3. One owner at a time on the wall clock (every client, so also those that report no
//    generation): each member's ownership of a partition is an interval from the event that
//    added it to the event that removed it; still open at the end, it closes at the member's
//    SIGKILL, its exit or its "closed" line. Members run on one host, so their clocks agree, and
//    a correct broker orders the intervals causally (the old owner's revoke callback returns
//    before it rejoins; the new owner's assign callback runs after SyncGroup). Intervals of
//    different members for one partition must not overlap (touching at one millisecond is
//    allowed). Two exemptions, each still checked:
//    - a paused member (SIGSTOP): its intervals are cut at the SIGSTOP; from SIGCONT until its
//      first rebalance event it is a zombie that may still print buffered records, but every
//      commit it issues in that window must be rejected by the broker;
//    - an interval that ends with "lost" (the broker expired the member before it noticed):
//      the overlap is reported as fenced, and every commit the member issued for that partition
//      inside the overlap must have been rejected.
//    "Issued" is the commit's t0 (its t when the driver does not report t0): a commit already in
//    flight when the SIGSTOP hit may legitimately have been accepted before the session expired.
// 4. At least once: every produced record index appears in some member's records, at the
//    partition and offset its producer was acknowledged with; no unknown records.
// 5. Commits: each member's accepted commits never move backwards per partition, and all
//    members' accepted commits in the order they were issued never move a partition backwards.
// 6. Broker view (when given): the group's committed offset per partition, read with
//    OffsetFetch, equals the end of the partition (last acked offset + 1) and the highest offset
//    a member was told it committed.
// 7. Lifecycle: no unparsable output; a member that was sent SIGTERM printed "closed" and
//    exited 0; a member that was neither terminated nor killed did not exit on its own.
import type { ProducedRow } from "../record-spec.ts";
import { type CommitEvent, isRebalance, type MemberLog } from "./events.ts";

export interface CheckInput {
  partitions: number;
  members: readonly MemberLog[];
  /** Every record the producers acknowledged. */
  produced: readonly ProducedRow[];
  /** The group's committed offsets read from the broker after the run (optional). */
  committed?: ReadonlyMap<number, bigint>;
  /** Unparsable stdout lines per member name. */
  garbage?: ReadonlyMap<string, readonly string[]>;
}

export interface ZombieReport {
  member: string;
  /** Commits attempted between SIGCONT and the member's first rebalance event after it. */
  attempted: number;
  rejected: number;
  errors: string[];
}

export interface CheckResult {
  problems: string[];
  stats: {
    records: number;
    distinct: number;
    generations: number[];
    commitsOk: number;
    commitsFailed: number;
    /** Overlaps excused because the earlier owner was fenced ("lost") or paused. */
    fencedOverlaps: string[];
    zombies: ZombieReport[];
  };
}

interface Interval {
  partition: number;
  member: string;
  identity: string;
  start: number;
  end: number;
  endKind: string;
}

const MAX_LISTED = 8;

export function checkGroupRun(input: CheckInput): CheckResult {
  const problems = new Map<string, string[]>();
  const note = (kind: string, detail: string) => {
    const list = problems.get(kind) ?? [];
    list.push(detail);
    problems.set(kind, list);
  };
  const intervals: Interval[] = [];
  const byGeneration = new Map<number, Map<string, Set<number>>>();
  const zombies: ZombieReport[] = [];
  const fencedOverlaps: string[] = [];
  let commitsOk = 0;
  let commitsFailed = 0;

  for (const m of input.members) {
    const identity = m.instanceId ? `instance ${m.instanceId}` : m.name;
    const garbage = input.garbage?.get(m.name) ?? [];
    if (garbage.length > 0) note("unparsable output", `${m.name}: ${garbage[0]}`);
    lifecycle(m, note);

    // 1 + 2 + 3: walk the stream keeping the owned set, per-generation holdings, intervals.
    const owned = new Set<number>();
    const openSince = new Map<number, number>();
    let generation: number | null = null;
    const hold = (g: number, parts: Iterable<number>) => {
      const members = byGeneration.get(g) ?? new Map<string, Set<number>>();
      byGeneration.set(g, members);
      const set = members.get(identity) ?? new Set<number>();
      members.set(identity, set);
      for (const p of parts) set.add(p);
    };
    for (const e of m.events) {
      if (e.ev === "record") {
        if (!owned.has(e.partition)) {
          note(
            "record for a partition the member does not own",
            `${m.name}: p${e.partition}@${e.offset}`,
          );
        }
        continue;
      }
      if (!isRebalance(e)) continue;
      if (e.generation !== null && e.generation !== generation) {
        generation = e.generation;
        hold(generation, owned); // carried into the new generation
      }
      for (const p of e.partitions) {
        if (e.ev === "assigned") {
          if (!owned.has(p)) openSince.set(p, e.t);
          owned.add(p);
        } else if (owned.delete(p)) {
          intervals.push({
            partition: p,
            member: m.name,
            identity,
            start: openSince.get(p)!,
            end: e.t,
            endKind: e.ev,
          });
          openSince.delete(p);
        }
      }
      if (e.generation !== null) hold(e.generation, owned);
    }
    const endT = Math.min(
      ...m.actions.filter((a) => a.kind === "kill" || a.kind === "exit").map((a) => a.t),
      ...m.events.filter((e) => e.ev === "closed").map((e) => e.t),
      Number.POSITIVE_INFINITY,
    );
    for (const [p, start] of openSince) {
      intervals.push({ partition: p, member: m.name, identity, start, end: endT, endKind: "end" });
    }
    zombies.push(...cutPauses(m, identity, intervals, note));

    // 5: commits per member.
    const last = new Map<string, number>();
    for (const e of m.events) {
      if (e.ev !== "commit") continue;
      if (!e.ok) {
        commitsFailed++;
        continue;
      }
      commitsOk++;
      for (const [p, o] of Object.entries(e.offsets)) {
        const prev = last.get(p);
        if (prev !== undefined && o < prev)
          note("member's commits moved backwards", `${m.name}: p${p} ${prev} then ${o}`);
        last.set(p, o);
      }
    }
  }

  // 2: one owner per generation.
  for (const [g, members] of [...byGeneration].sort((a, b) => a[0] - b[0])) {
    const seen = new Map<number, string>();
    for (const [identity, parts] of members) {
      for (const p of parts) {
        const other = seen.get(p);
        if (other !== undefined)
          note(
            "two owners in one generation",
            `generation ${g}: p${p} held by ${other} and ${identity}`,
          );
        else seen.set(p, identity);
      }
    }
  }

  // 3: one owner at a time.
  for (let p = 0; p < input.partitions; p++) {
    const list = intervals.filter((iv) => iv.partition === p).sort((a, b) => a.start - b.start);
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const a = list[x]!;
        const b = list[y]!;
        if (a.identity === b.identity || !(a.start < b.end && b.start < a.end)) continue;
        const earlier = a.end <= b.end ? a : b;
        const later = earlier === a ? b : a;
        const what = `p${p}: ${earlier.member} [${earlier.start}..${earlier.end} ${earlier.endKind}] vs ${later.member} [${later.start}..${later.end}]`;
        if (earlier.endKind === "lost") {
          fencedOverlaps.push(what);
          const member = input.members.find((m) => m.name === earlier.member)!;
          for (const c of commitsIn(member, p, later.start, earlier.end)) {
            if (c.ok) note("commit accepted from a fenced member", `${what}: ${JSON.stringify(c)}`);
          }
        } else {
          note("two owners at the same time", what);
        }
      }
    }
  }

  // 4: every produced record consumed at least once, where it was acked.
  const acked = new Map<number, ProducedRow>();
  for (const row of input.produced) acked.set(row.i, row);
  const seen = new Set<number>();
  let records = 0;
  for (const m of input.members) {
    for (const e of m.events) {
      if (e.ev !== "record") continue;
      records++;
      const ack = e.i === null ? undefined : acked.get(e.i);
      if (!ack) {
        note("unexpected record", `${m.name}: p${e.partition}@${e.offset} i=${e.i}`);
        continue;
      }
      seen.add(ack.i);
      if (ack.offset !== null && (ack.partition !== e.partition || ack.offset !== e.offset)) {
        note(
          "record read at another position than acked",
          `${m.name}: i=${ack.i} acked p${ack.partition}@${ack.offset}, read p${e.partition}@${e.offset}`,
        );
      }
    }
  }
  const missing = [...acked.keys()].filter((i) => !seen.has(i)).sort((a, b) => a - b);
  if (missing.length > 0) {
    note(
      "never consumed",
      `${missing.length} of ${acked.size}: i=${missing.slice(0, 20).join(",")}${missing.length > 20 ? ",…" : ""}`,
    );
  }

  // 5: all accepted commits in time order.
  const allOk = input.members
    .flatMap((m) =>
      m.events
        .filter((e): e is CommitEvent => e.ev === "commit" && e.ok)
        .map((e) => ({ m: m.name, e })),
    )
    .sort((a, b) => issued(a.e) - issued(b.e));
  const groupLast = new Map<string, { o: number; m: string }>();
  for (const { m, e } of allOk) {
    for (const [p, o] of Object.entries(e.offsets)) {
      const prev = groupLast.get(p);
      if (prev && o < prev.o)
        note(
          "group's commits moved backwards",
          `p${p}: ${prev.o} by ${prev.m}, then ${o} by ${m} at ${e.t}`,
        );
      if (!prev || o >= prev.o) groupLast.set(p, { o, m });
    }
  }

  // 6: the broker's committed offsets.
  if (input.committed) {
    const end = new Map<number, number>();
    for (const row of input.produced) {
      if (row.offset !== null)
        end.set(row.partition, Math.max(end.get(row.partition) ?? 0, row.offset + 1));
    }
    for (const [p, e] of end) {
      const c = input.committed.get(p);
      if (c === undefined || c !== BigInt(e))
        note("committed offset is not the end", `p${p}: committed ${c ?? "none"}, end ${e}`);
      const told = groupLast.get(String(p));
      if (c !== undefined && told && c !== BigInt(told.o))
        note(
          "broker's committed offset differs from the last accepted commit",
          `p${p}: broker ${c}, clients ${told.o}`,
        );
    }
  }

  const out: string[] = [];
  for (const [kind, details] of problems) {
    const more = details.length > MAX_LISTED ? ` (+${details.length - MAX_LISTED} more)` : "";
    out.push(`${kind}: ${details.slice(0, MAX_LISTED).join("; ")}${more}`);
  }
  return {
    problems: out,
    stats: {
      records,
      distinct: seen.size,
      generations: [...byGeneration.keys()].sort((a, b) => a - b),
      commitsOk,
      commitsFailed,
      fencedOverlaps,
      zombies,
    },
  };
}

function lifecycle(m: MemberLog, note: (kind: string, detail: string) => void): void {
  const termed = m.actions.some((a) => a.kind === "term");
  const killed = m.actions.some((a) => a.kind === "kill");
  const exit = m.actions.find((a) => a.kind === "exit");
  if (termed && !killed) {
    if (!m.events.some((e) => e.ev === "closed")) note('no "closed" after SIGTERM', m.name);
    if (exit && exit.detail !== "exit 0")
      note("bad exit after SIGTERM", `${m.name}: ${exit.detail}`);
  }
  if (exit && !termed && !killed) note("exited on its own", `${m.name}: ${exit.detail}`);
}

/** Cuts the member's intervals at each SIGSTOP and checks its commits in the zombie window. */
function cutPauses(
  m: MemberLog,
  identity: string,
  intervals: Interval[],
  note: (kind: string, detail: string) => void,
): ZombieReport[] {
  const reports: ZombieReport[] = [];
  const stops = m.actions.filter((a) => a.kind === "stop");
  for (const stop of stops) {
    const cont = m.actions.find((a) => a.kind === "cont" && a.t >= stop.t);
    const resumedAt = cont?.t ?? Number.POSITIVE_INFINITY;
    for (const iv of intervals) {
      if (
        iv.member === m.name &&
        iv.identity === identity &&
        iv.start < stop.t &&
        stop.t < iv.end
      ) {
        iv.end = stop.t;
        iv.endKind = "paused";
      }
    }
    const firstRebalance = m.events.find((e) => isRebalance(e) && e.t >= resumedAt);
    const windowEnd = firstRebalance?.t ?? Number.POSITIVE_INFINITY;
    const commits = m.events.filter(
      (e): e is CommitEvent =>
        e.ev === "commit" && issued(e) >= resumedAt && issued(e) <= windowEnd,
    );
    for (const c of commits) {
      if (c.ok)
        note(
          "commit accepted from a paused member after its session expired",
          `${m.name}: ${JSON.stringify(c)}`,
        );
    }
    reports.push({
      member: m.name,
      attempted: commits.length,
      rejected: commits.filter((c) => !c.ok).length,
      errors: [...new Set(commits.filter((c) => !c.ok).map((c) => c.error ?? "?"))],
    });
  }
  return reports;
}

function commitsIn(m: MemberLog, partition: number, from: number, to: number): CommitEvent[] {
  return m.events.filter(
    (e): e is CommitEvent =>
      e.ev === "commit" && issued(e) >= from && issued(e) <= to && String(partition) in e.offsets,
  );
}

/** When a commit was issued: t0 when the driver reports it, else when it was answered. */
function issued(e: CommitEvent): number {
  return e.t0 ?? e.t;
}
