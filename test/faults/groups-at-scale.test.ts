// 100 consumer groups rebalancing at once over 3 fronts that share one metadata store, with
// every group's members spread over all three fronts (as behind a load balancer, the worst
// case for a coordinator: no front sees a whole group). Every group must converge — Stable,
// all members on one generation, the partitions dealt out exactly once — without the
// UNKNOWN_MEMBER_ID storms peers are known for. Then a front dies and its members' groups
// converge again through the surviving fronts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../lib/broker/error-codes.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import { type RunningFront, startEmbeddedFront } from "../../lib/front/node.ts";
import { tempDataDir } from "../helpers/floe-process.ts";
import { ProtocolMember } from "../helpers/group-member.ts";

const GROUPS = 100;
const MEMBERS = 3;
const PARTITIONS = 6;
const FRONTS = 3;

interface Placed {
  member: ProtocolMember;
  front: number;
  groupId: string;
}

async function converged(fronts: RunningFront[], placed: Placed[]): Promise<string[]> {
  const problems: string[] = [];
  const byGroup = new Map<string, Placed[]>();
  for (const p of placed) byGroup.set(p.groupId, [...(byGroup.get(p.groupId) ?? []), p]);
  for (const [groupId, members] of byGroup) {
    const record = await fronts[0].metadata.getGroup(groupId);
    if (record?.state !== "Stable") {
      problems.push(`${groupId}: ${record?.state ?? "missing"}`);
      continue;
    }
    const generation = JSON.parse(record.body).generationId as number;
    const owned: number[] = [];
    for (const { member } of members) {
      if (member.syncedGeneration !== generation) {
        problems.push(
          `${groupId}: a member is on generation ${member.syncedGeneration}, group on ${generation}`,
        );
      }
      owned.push(...member.assignment);
    }
    const sorted = [...owned].sort((a, b) => a - b);
    if (sorted.join() !== Array.from({ length: PARTITIONS }, (_, i) => i).join()) {
      problems.push(`${groupId}: partitions owned ${sorted.join(",")}`);
    }
  }
  return problems;
}

async function waitConverged(fronts: RunningFront[], placed: Placed[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let problems: string[] = ["not checked"];
  while (Date.now() < deadline) {
    problems = await converged(fronts, placed);
    if (problems.length === 0) return [];
    await new Promise((r) => setTimeout(r, 500));
  }
  return problems;
}

describe(`${GROUPS} groups of ${MEMBERS} over ${FRONTS} fronts sharing one store`, () => {
  const dataDir = tempDataDir("floe-groups-scale-");
  let fronts: RunningFront[] = [];
  const placed: Placed[] = [];

  beforeAll(async () => {
    for (let i = 0; i < FRONTS; i++) {
      fronts.push(
        await startEmbeddedFront({
          dataDir,
          cluster: "registry",
          broker: { port: 0, groupInitialRebalanceDelayMs: 500 },
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(placed.map((p) => p.member.stop(false)));
    for (const f of fronts) await f.close();
  });

  it("converges when every group forms at once", async () => {
    for (let g = 0; g < GROUPS; g++) {
      for (let m = 0; m < MEMBERS; m++) {
        const front = (g + m) % FRONTS;
        const client = await WireClient.connect("127.0.0.1", fronts[front].endpoint.port, `m${m}`);
        const member = new ProtocolMember(client, {
          groupId: `scale-${g}`,
          partitions: PARTITIONS,
        });
        placed.push({ member, front, groupId: `scale-${g}` });
      }
    }
    for (const p of placed) p.member.start();
    expect(await waitConverged(fronts, placed, 60_000)).toEqual([]);
    const unknown = placed.reduce(
      (n, p) => n + (p.member.errors.get(ErrorCode.UNKNOWN_MEMBER_ID) ?? 0),
      0,
    );
    expect(unknown).toBe(0);
  }, 120_000);

  it("converges again through the other fronts when one front dies", async () => {
    const dead = 1;
    const survivors = placed.filter((p) => p.front !== dead);
    const orphaned = placed.filter((p) => p.front === dead);
    await Promise.all(orphaned.map((p) => p.member.stop(false)));
    await fronts[dead].close();
    fronts = fronts.filter((_, i) => i !== dead);
    // The dead front's members are gone with it (their connections closed without a
    // LeaveGroup): the survivors rebalance once their sessions expire.
    expect(await waitConverged(fronts, survivors, 40_000)).toEqual([]);
    placed.splice(0, placed.length, ...survivors);
  }, 120_000);
});
