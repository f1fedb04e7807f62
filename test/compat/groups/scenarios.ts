// The consumer-group scenarios of suite.ts, each a full story on a fresh topic and group. They
// return the checker's verdict plus what the scenario itself asserts; suite.ts turns both into
// expectations. Timeouts are generous multiples of the session timeout: a rebalance after a
// crash takes one session timeout plus a heartbeat or two.
import type { CheckResult } from "./checker.ts";
import type { GroupClient } from "./clients.ts";
import { isRebalance, type RebalanceEvent } from "./events.ts";
import { waitUntil } from "./member.ts";
import { type GroupScenario, sleep } from "./scenario.ts";

export interface ScenarioOutcome {
  check: CheckResult;
  /** Scenario-specific failures (empty when fine). */
  problems: string[];
  /** One line for the log: what happened and how long it took. */
  summary: string;
}

const settleMs = (s: number) => 3 * s + 20_000;

/**
 * Three members of one client on a 6-partition topic while `records` records are produced (3/4
 * as a steady stream from the start, the rest at the end): A and B start; C joins late; A
 * leaves gracefully (SIGTERM: revoke + LeaveGroup); B is SIGKILLed and D replaces it at once
 * (the group must wait for B's session to expire); then everything produced is consumed and
 * committed, C and D leave, and the group is empty.
 */
export async function churnScenario(
  s: GroupScenario,
  client: GroupClient,
  records: number,
  sessionTimeoutMs: number,
): Promise<ScenarioOutcome> {
  const started = Date.now();
  const q = Math.floor(records / 4);
  await s.setup();
  const a = s.start("A", client);
  const b = s.start("B", client);
  s.produceSteadily(0, 3 * q);
  await s.settled([a, b], settleMs(sessionTimeoutMs));
  const c = s.start("C", client);
  await s.settled([a, b, c], settleMs(sessionTimeoutMs));
  await a.term();
  await s.settled([b, c], settleMs(sessionTimeoutMs));
  await b.kill();
  const d = s.start("D", client);
  await s.settled([c, d], settleMs(sessionTimeoutMs));
  s.produce(3 * q, records - 3 * q);
  await s.drained(60_000);
  const check = await s.finish();
  const problems: string[] = [];
  const g = await s.describe();
  if (g.groupState !== "Empty" || g.members.length !== 0) {
    problems.push(
      `after every member left, the group is ${g.groupState} with ${g.members.length} members`,
    );
  }
  return { check, problems, summary: summary(client, check, started) };
}

/**
 * A zombie: Z is SIGSTOPped past its session timeout while records keep coming; A takes over
 * all partitions and commits past Z's positions; then Z is SIGCONTed. Every commit Z attempts
 * before its first rebalance event after resuming must be rejected (the checker asserts that),
 * and the group must recover with Z back in it.
 */
export async function zombieScenario(
  s: GroupScenario,
  client: GroupClient,
  records: number,
  sessionTimeoutMs: number,
): Promise<ScenarioOutcome> {
  const started = Date.now();
  const q = Math.floor(records / 5);
  await s.setup();
  const a = s.start("A", client);
  const z = s.start("Z", client);
  s.produce(0, q);
  await s.settled([a, z], settleMs(sessionTimeoutMs));
  s.produce(q, q);
  await waitUntil("Z to consume", () => z.count("record") > 0, 30_000, s.members);
  s.produce(2 * q, q);
  await sleep(300); // Z fetches some of these before it freezes
  const zOwned = [...z.ownedPartitions];
  z.pause();
  s.produce(3 * q, q); // A has Z's partitions to consume and commit once it takes them over
  await s.settled([a], settleMs(sessionTimeoutMs));
  const tookOver = a.events.findLastIndex((e) => e.ev === "assigned");
  await waitUntil(
    "A to commit on Z's former partitions",
    () => {
      const committed = new Set<string>();
      for (const e of a.events.slice(tookOver))
        if (e.ev === "commit" && e.ok) for (const p of Object.keys(e.offsets)) committed.add(p);
      return zOwned.every((p) => committed.has(String(p)));
    },
    30_000,
    s.members,
  );
  const resumedAt = Date.now();
  z.resume();
  await waitUntil(
    "Z to notice",
    () => z.events.some((e) => isRebalance(e) && e.t >= resumedAt),
    settleMs(sessionTimeoutMs),
    s.members,
  );
  await s.settled([a, z], settleMs(sessionTimeoutMs));
  s.produce(4 * q, records - 4 * q);
  await s.drained(60_000);
  const check = await s.finish();
  const problems: string[] = [];
  const report = check.stats.zombies.find((r) => r.member === "Z");
  if (!report) problems.push("no zombie report for Z");
  // Java's poll() hands out what was fetched before the freeze and the commit is refused
  // (CommitFailedException); the other clients may notice the expiry before committing.
  else if (client.driver === "java" && report.attempted === 0) {
    problems.push("the Java zombie attempted no commit after SIGCONT, so fencing went unobserved");
  }
  const note = report
    ? ` zombie commits after SIGCONT: ${report.rejected}/${report.attempted} rejected [${report.errors.join(" | ")}]`
    : "";
  return { check, problems, summary: summary(client, check, started) + note };
}

/**
 * Static membership (KIP-345): three members with group.instance.id; S3 is SIGKILLed and
 * restarted with the same instance id within the session timeout. Nothing rebalances: S1 and S2
 * print no rebalance event, and S3's new process is handed S3's partitions in the same
 * generation, past the point where S3's old session would have expired.
 */
export async function staticScenario(
  s: GroupScenario,
  client: GroupClient,
  records: number,
  sessionTimeoutMs: number,
): Promise<ScenarioOutcome> {
  const started = Date.now();
  const q = Math.floor(records / 2);
  await s.setup();
  // Started one by one so S1 joins first and stays the leader; the restarted member is not.
  const s1 = s.start("S1", client, "s1");
  await s.settled([s1], settleMs(sessionTimeoutMs));
  const s2 = s.start("S2", client, "s2");
  await s.settled([s1, s2], settleMs(sessionTimeoutMs));
  const s3 = s.start("S3", client, "s3");
  await s.settled([s1, s2, s3], settleMs(sessionTimeoutMs));
  s.produce(0, q);
  await waitUntil("S3 to consume", () => s3.count("record") > 0, 30_000, s.members);
  const before = { s1: s.rebalances(s1), s2: s.rebalances(s2) };
  const last = s3.events.findLast((e): e is RebalanceEvent => e.ev === "assigned")!;
  const owned = [...s3.ownedPartitions].sort((x, y) => x - y);
  const killedAt = Date.now();
  await s3.kill();
  const s3b = s.start("S3b", client, "s3");
  await s.settled([s1, s2, s3b], sessionTimeoutMs);
  const restartMs = Date.now() - killedAt;
  s.produce(q, records - q);
  // Past the moment S3's old session would have expired: still no rebalance.
  await sleep(Math.max(0, killedAt + sessionTimeoutMs + 2_000 - Date.now()));
  await s.drained(60_000);
  const problems: string[] = [];
  const after = { s1: s.rebalances(s1), s2: s.rebalances(s2) };
  if (after.s1 !== before.s1 || after.s2 !== before.s2) {
    problems.push(
      `S1/S2 saw rebalance events after S3's restart: ${JSON.stringify({ before, after })}`,
    );
  }
  const rejoined = s3b.events.filter((e): e is RebalanceEvent => isRebalance(e));
  if (rejoined.length !== 1 || rejoined[0]!.ev !== "assigned") {
    problems.push(`S3b should see exactly one "assigned", saw ${JSON.stringify(rejoined)}`);
  } else {
    const r = rejoined[0]!;
    if (r.generation !== last.generation)
      problems.push(`S3b joined generation ${r.generation}, S3 had ${last.generation}`);
    if (JSON.stringify(r.partitions) !== JSON.stringify(owned)) {
      problems.push(`S3b was assigned [${r.partitions}], S3 owned [${owned}]`);
    }
  }
  const g = await s.describe();
  const ids = g.members.map((m) => m.groupInstanceId).sort();
  if (g.groupState !== "Stable" || JSON.stringify(ids) !== JSON.stringify(["s1", "s2", "s3"])) {
    problems.push(
      `the broker describes the group as ${g.groupState} with instances ${JSON.stringify(ids)}`,
    );
  }
  const check = await s.finish();
  return {
    check,
    problems,
    summary: `${summary(client, check, started)} restart-to-assigned ${restartMs} ms`,
  };
}

function summary(client: GroupClient, check: CheckResult, startedAt: number): string {
  const st = check.stats;
  return (
    `${client.label}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s, ${st.distinct} records ` +
    `(${st.records - st.distinct} re-read), generations ${st.generations.join(",") || "n/a"}, ` +
    `commits ${st.commitsOk} ok / ${st.commitsFailed} refused` +
    (st.fencedOverlaps.length ? `, fenced overlaps ${st.fencedOverlaps.length}` : "")
  );
}
