// A consumer group across three stateless fronts on the AWS backend (DynamoDB Local + moto),
// behind a round-robin load balancer, so one group's members — and their coordinator
// connections — sit on different fronts. A member joins (a rebalance), and the front that
// completed that rebalance is SIGKILLed at once, typically while members are still syncing.
// The group must converge on the survivors within the session timeout plus 10 s, and the
// group checker must find no partition with two owners, nothing unread, no commit going back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTopic } from "../../lib/client/admin.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import { JAVA_EAGER } from "../compat/groups/clients.ts";
import { isRebalance } from "../compat/groups/events.ts";
import { killAll, waitUntil } from "../compat/groups/member.ts";
import { GroupScenario } from "../compat/groups/scenario.ts";
import {
  type AwsCluster,
  type AwsEmulators,
  startAwsCluster,
  startAwsEmulators,
} from "../helpers/aws-cluster.ts";

const FRONTS = 3;
const SESSION_TIMEOUT_MS = 6_000;
const CONVERGE_MS = SESSION_TIMEOUT_MS + 10_000;

/** Which front logged completing the group's rebalance to `generation` (front stderr is JSON lines). */
function completedBy(diagnostics: string, groupId: string, generation: number): number | undefined {
  let front: number | undefined;
  let found: number | undefined;
  for (const line of diagnostics.split("\n")) {
    const header = /^--- front (\d+), life \d+ ---$/.exec(line);
    if (header) {
      front = Number(header[1]);
      continue;
    }
    if (!line.includes('"rebalance completed"') || !line.includes(groupId)) continue;
    let entry: { groupId?: string; generationId?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // the last line may still be arriving
    }
    if (entry.groupId === groupId && entry.generationId === generation) found = front;
  }
  return found;
}

describe("a consumer group whose rebalancing front dies (3 fronts, AWS backend)", () => {
  let emulators: AwsEmulators;
  let cluster: AwsCluster;

  beforeAll(async () => {
    emulators = await startAwsEmulators();
    cluster = await startAwsCluster(emulators, {
      fronts: FRONTS,
      env: () => ({ FLOE_LOG_LEVEL: "info" }),
    });
  });

  afterAll(async () => {
    await killAll();
    await cluster?.stop();
    await emulators?.stop();
  });

  it(`converges within the session timeout + 10 s`, async () => {
    const [host, port] = cluster.bootstrap.split(":");
    const s = new GroupScenario(
      {
        bootstrap: cluster.bootstrap,
        async createTopic(name, partitions) {
          const client = await WireClient.connect(host, Number(port));
          try {
            await createTopic(client, name, partitions);
          } finally {
            client.close();
          }
        },
        stop: async () => {},
      },
      { label: "front-kill", partitions: 6, sessionTimeoutMs: SESSION_TIMEOUT_MS },
    );
    try {
      await s.setup();
      const a = s.start("A", JAVA_EAGER);
      const b = s.start("B", JAVA_EAGER);
      s.produceSteadily(0, 3_000, 500, 500);
      await s.settled([a, b], 60_000);

      const before = (await s.describe()).members.length;
      expect(before).toBe(2);
      const c = s.start("C", JAVA_EAGER);
      // The rebalance C causes: wait for some front to complete it, then kill that front.
      let victim: number | undefined;
      let generation = 0;
      await waitUntil(
        "a front to complete the rebalance for C",
        () => {
          for (const m of [a, b, c]) {
            const ev = m.lastRebalance();
            const g = ev && isRebalance(ev) ? (ev.generation ?? 0) : 0;
            generation = Math.max(generation, g);
          }
          for (let g = generation + 2; g >= generation; g--) {
            victim = completedBy(cluster.diagnostics(), s.group, g);
            if (victim !== undefined) return true;
          }
          return false;
        },
        60_000,
        s.members,
      );
      await cluster.kill(victim as number);
      const killedAt = Date.now();
      await s.settled([a, b, c], CONVERGE_MS + 20_000);
      const convergedMs = Date.now() - killedAt;
      s.produce(3_000, 1_000);
      await s.drained(60_000);
      const check = await s.finish();
      process.stderr.write(
        `[groups] front ${victim} killed; group converged in ${convergedMs} ms (bound ${CONVERGE_MS} ms)\n`,
      );
      expect(check.problems).toEqual([]);
      expect(convergedMs).toBeLessThanOrEqual(CONVERGE_MS);
    } catch (err) {
      process.stderr.write(`${cluster.diagnostics().slice(-6000)}\n${s.describeMembers()}\n`);
      throw err;
    } finally {
      await s.cleanup();
    }
  }, 240_000);
});
