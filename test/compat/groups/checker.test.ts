// The assignment checker (checker.ts) on hand-written member logs: each rule accepts a correct
// run and names the violation in a broken one, so the group compat suite cannot pass vacuously.
import { describe, expect, it } from "vitest";
import type { ProducedRow } from "../record-spec.ts";
import { checkGroupRun } from "./checker.ts";
import type { GroupEvent, MemberAction, MemberLog } from "./events.ts";

const assigned = (
  t: number,
  partitions: number[],
  generation: number | null = null,
): GroupEvent => ({
  ev: "assigned",
  partitions,
  generation,
  memberId: null,
  t,
});
const revoked = (
  t: number,
  partitions: number[],
  generation: number | null = null,
): GroupEvent => ({
  ev: "revoked",
  partitions,
  generation,
  memberId: null,
  t,
});
const lost = (t: number, partitions: number[]): GroupEvent => ({
  ev: "lost",
  partitions,
  generation: null,
  memberId: null,
  t,
});
const record = (t: number, partition: number, offset: number, i: number): GroupEvent => ({
  ev: "record",
  partition,
  offset,
  i,
  t,
});
const commit = (t: number, offsets: Record<string, number>, ok = true): GroupEvent =>
  ok
    ? { ev: "commit", offsets, ok, t }
    : { ev: "commit", offsets, ok, error: "UNKNOWN_MEMBER_ID", t };
const closed = (t: number): GroupEvent => ({ ev: "closed", t });

function member(
  name: string,
  events: GroupEvent[],
  actions: MemberAction[] = [],
  instanceId?: string,
): MemberLog {
  const log: MemberLog = { name, client: "test", events, actions };
  return instanceId ? { ...log, instanceId } : log;
}

// Records 0..3 on partition 0 at offsets 0..3.
const produced: ProducedRow[] = [0, 1, 2, 3].map((i) => ({ i, partition: 0, offset: i }));
const readAll = (t: number) => [0, 1, 2, 3].map((i) => record(t, 0, i, i));

function problems(members: MemberLog[], extra: { committed?: Map<number, bigint> } = {}) {
  return checkGroupRun({ partitions: 1, members, produced, ...extra }).problems;
}

describe("group run checker", () => {
  it("accepts an eager handover in which everything is read and committed", () => {
    const a = member("A", [
      assigned(100, [0], 1),
      ...readAll(110),
      commit(120, { "0": 4 }),
      revoked(200, [0], 1),
    ]);
    const b = member("B", [assigned(250, [0], 2), commit(260, { "0": 4 })]);
    expect(problems([a, b], { committed: new Map([[0, 4n]]) })).toEqual([]);
  });

  it("finds two owners in one generation", () => {
    const a = member("A", [assigned(100, [0], 3), ...readAll(110), revoked(400, [0], 3)]);
    const b = member("B", [assigned(500, [0], 3)]);
    expect(problems([a, b])).toEqual([
      expect.stringMatching(/^two owners in one generation: generation 3: p0/),
    ]);
  });

  it("treats restarts of one static member as the same member", () => {
    const s3 = member(
      "S3",
      [assigned(100, [0], 3), ...readAll(110)],
      [{ kind: "kill", t: 200 }],
      "s3",
    );
    const s3b = member("S3b", [assigned(300, [0], 3)], [], "s3");
    expect(problems([s3, s3b])).toEqual([]);
    const dynamic = member("S3b", [assigned(300, [0], 3)]);
    expect(problems([s3, dynamic])).toEqual([
      expect.stringMatching(/^two owners in one generation/),
    ]);
  });

  it("follows cooperative deltas: a partition moves only after its revoke", () => {
    const a = member("A", [
      assigned(100, [0], 1),
      ...readAll(110),
      revoked(300, [0], 2),
      assigned(301, [], 2),
      assigned(500, [], 3),
    ]);
    const b = member("B", [assigned(301, [], 2), assigned(500, [0], 3)]);
    expect(problems([a, b])).toEqual([]);
    // Handed to B in the generation that revokes it from A: the revoke came first on the wall
    // clock, but A still held it in generation 2.
    const early = member("B", [assigned(301, [0], 2)]);
    expect(problems([a, early])).toEqual([
      "two owners in one generation: generation 2: p0 held by A and B",
    ]);
  });

  it("finds overlapping ownership on the wall clock when generations are unknown", () => {
    const a = member("A", [assigned(100, [0]), ...readAll(110), revoked(300, [0])]);
    const b = member("B", [assigned(200, [0])]);
    expect(problems([a, b])).toEqual([
      expect.stringMatching(/^two owners at the same time: p0: A \[100\.\.300 revoked\]/),
    ]);
  });

  it("ends a killed member's ownership at the SIGKILL", () => {
    const a = member("A", [assigned(100, [0]), ...readAll(110)], [{ kind: "kill", t: 200 }]);
    expect(problems([a, member("B", [assigned(250, [0])])])).toEqual([]);
    expect(problems([a, member("B", [assigned(150, [0])])])).toEqual([
      expect.stringMatching(/^two owners at the same time/),
    ]);
  });

  it("lets a paused member be a zombie whose commits after SIGCONT are all refused", () => {
    const pause: MemberAction[] = [
      { kind: "stop", t: 200 },
      { kind: "cont", t: 900 },
    ];
    const other = member("A", [assigned(500, [0]), ...readAll(510), commit(520, { "0": 4 })]);
    const refused = member(
      "Z",
      [assigned(100, [0]), record(150, 0, 0, 0), commit(950, { "0": 1 }, false), lost(1000, [0])],
      pause,
    );
    const result = checkGroupRun({ partitions: 1, members: [other, refused], produced });
    expect(result.problems).toEqual([]);
    expect(result.stats.zombies).toEqual([
      { member: "Z", attempted: 1, rejected: 1, errors: ["UNKNOWN_MEMBER_ID"] },
    ]);
    const accepted = member(
      "Z",
      [assigned(100, [0]), record(150, 0, 0, 0), commit(950, { "0": 1 }), lost(1000, [0])],
      pause,
    );
    expect(problems([other, accepted])).toEqual([
      expect.stringMatching(/^commit accepted from a paused member/),
      expect.stringMatching(/^group's commits moved backwards: p0: 4 by A, then 1 by Z/),
    ]);
  });

  it("does not blame a paused member for a commit that was in flight when it froze", () => {
    const pause: MemberAction[] = [
      { kind: "stop", t: 200 },
      { kind: "cont", t: 900 },
    ];
    const other = member("A", [assigned(500, [0]), ...readAll(510), commit(520, { "0": 4 })]);
    const inFlight: GroupEvent = { ev: "commit", offsets: { "0": 1 }, ok: true, t0: 190, t: 905 };
    const z = member(
      "Z",
      [assigned(100, [0]), record(150, 0, 0, 0), inFlight, lost(1000, [0])],
      pause,
    );
    const result = checkGroupRun({ partitions: 1, members: [other, z], produced });
    expect(result.problems).toEqual([]);
    expect(result.stats.zombies).toEqual([{ member: "Z", attempted: 0, rejected: 0, errors: [] }]);
  });

  it("excuses an overlap with a member the broker fenced, unless its commits got through", () => {
    const b = member("B", [assigned(400, [0]), ...readAll(410), commit(420, { "0": 4 })]);
    const refused = member("A", [
      assigned(100, [0]),
      commit(500, { "0": 1 }, false),
      lost(600, [0]),
    ]);
    const result = checkGroupRun({ partitions: 1, members: [refused, b], produced });
    expect(result.problems).toEqual([]);
    expect(result.stats.fencedOverlaps).toHaveLength(1);
    const accepted = member("A", [assigned(100, [0]), commit(500, { "0": 4 }), lost(600, [0])]);
    expect(problems([accepted, b])).toEqual([
      expect.stringMatching(/^commit accepted from a fenced member/),
    ]);
  });

  it("finds records read without owning the partition", () => {
    const a = member("A", [assigned(100, [1]), ...readAll(110)]);
    expect(checkGroupRun({ partitions: 2, members: [a], produced }).problems).toEqual([
      expect.stringMatching(/^record for a partition the member does not own: A: p0@0; A: p0@1/),
    ]);
  });

  it("finds records never consumed, unknown records and records at the wrong offset", () => {
    const a = member("A", [
      assigned(100, [0]),
      record(110, 0, 0, 0),
      record(111, 0, 5, 1),
      record(112, 0, 6, 99),
    ]);
    expect(problems([a])).toEqual([
      expect.stringMatching(
        /^record read at another position than acked: A: i=1 acked p0@1, read p0@5/,
      ),
      "unexpected record: A: p0@6 i=99",
      "never consumed: 2 of 4: i=2,3",
    ]);
  });

  it("finds commits moving backwards, per member and across the group", () => {
    const a = member("A", [
      assigned(100, [0], 1),
      ...readAll(110),
      commit(120, { "0": 4 }),
      commit(130, { "0": 2 }),
      revoked(200, [0], 1),
    ]);
    expect(problems([a])).toEqual([
      "member's commits moved backwards: A: p0 4 then 2",
      expect.stringMatching(/^group's commits moved backwards/),
    ]);
    const a2 = member("A", [
      assigned(100, [0], 1),
      ...readAll(110),
      commit(120, { "0": 4 }),
      revoked(200, [0], 1),
    ]);
    const b = member("B", [assigned(250, [0], 2), commit(260, { "0": 3 })]);
    expect(problems([a2, b])).toEqual([
      "group's commits moved backwards: p0: 4 by A, then 3 by B at 260",
    ]);
  });

  it("compares the broker's committed offsets with the end and with what members were told", () => {
    const a = member("A", [assigned(100, [0]), ...readAll(110), commit(120, { "0": 4 })]);
    expect(problems([a], { committed: new Map([[0, 3n]]) })).toEqual([
      "committed offset is not the end: p0: committed 3, end 4",
      "broker's committed offset differs from the last accepted commit: p0: broker 3, clients 4",
    ]);
    expect(problems([a], { committed: new Map() })).toEqual([
      "committed offset is not the end: p0: committed none, end 4",
    ]);
  });

  it("checks the lifecycle: SIGTERM ends with closed and exit 0, nobody exits on its own", () => {
    const termed = (events: GroupEvent[], exit: string) =>
      member(
        "A",
        [assigned(100, [0]), ...readAll(110), ...events],
        [
          { kind: "term", t: 200 },
          { kind: "exit", t: 300, detail: exit },
        ],
      );
    expect(problems([termed([revoked(210, [0]), closed(220)], "exit 0")])).toEqual([]);
    expect(problems([termed([], "exit 1")])).toEqual([
      'no "closed" after SIGTERM: A',
      "bad exit after SIGTERM: A: exit 1",
    ]);
    const crashed = member(
      "A",
      [assigned(100, [0]), ...readAll(110)],
      [{ kind: "exit", t: 300, detail: "exit 1" }],
    );
    expect(problems([crashed])).toEqual(["exited on its own: A: exit 1"]);
  });
});
