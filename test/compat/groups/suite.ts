// The consumer-group compatibility suite (classic protocol), written once and run against any
// target: the reference Apache Kafka broker (test/compat/reference-groups.test.ts) and Floe
// (a floe-groups.test.ts calling defineGroupSuite with a Floe target) with the tests unchanged.
//
// Real clients run as member processes (member.ts) and report every rebalance callback, record
// and commit; checker.ts decides from those reports and the broker's committed offsets that no
// partition ever had two owners, every record was consumed at least once, commits never went
// backwards and reached the end. Scenarios (scenarios.ts), one test each, run one at a time so
// the clients do not starve each other of CPU:
// - churn, per client (Java range, Java cooperative-sticky, librdkafka, kafkajs, franz-go):
//   late join, graceful leave, crash and replacement while records are produced;
// - zombie, per client: a member frozen with SIGSTOP past its session timeout gets every commit
//   refused after SIGCONT, and rejoins;
// - static membership (Java): a member restarted with the same group.instance.id within the
//   session timeout causes no rebalance.
//
// Assumptions about the target: group.initial.rebalance.delay.ms = 0 (Kafka's default is 3 s,
// the reference broker is configured with 0; a delay only slows the scenarios down), and a
// group.min.session.timeout.ms of at most 6 s (Kafka's default is 6 s).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_GROUP_CLIENTS,
  FRANZ_GO,
  type GroupClient,
  JAVA_EAGER,
  KAFKAJS,
  LIBRDKAFKA,
} from "./clients.ts";
import { GroupScenario, type GroupTarget } from "./scenario.ts";
import {
  churnScenario,
  type ScenarioOutcome,
  staticScenario,
  zombieScenario,
} from "./scenarios.ts";

export type { GroupTarget } from "./scenario.ts";

export interface GroupSuiteOptions {
  /** Shown in the describe block; default "target". */
  name?: string;
  /** Clients for the churn scenario; default all five. */
  clients?: readonly GroupClient[];
  /** Clients for the zombie scenario; default Java (range), librdkafka, kafkajs, franz-go. */
  zombieClients?: readonly GroupClient[];
  /** Client for the static-membership scenario (must support it); null to leave it out. */
  staticClient?: GroupClient | null;
  /** Records per churn run; default FLOE_GROUP_RECORDS or 20 000. */
  records?: number;
  /** Session timeout of every member; default 6 000 ms (Kafka's minimum). */
  sessionTimeoutMs?: number;
  /** Session timeout in the static scenario, which must cover a JVM restart; default 10 000. */
  staticSessionTimeoutMs?: number;
}

const PARTITIONS = 6;

export function defineGroupSuite(
  target: () => Promise<GroupTarget>,
  options: GroupSuiteOptions = {},
): void {
  const clients = options.clients ?? ALL_GROUP_CLIENTS;
  const zombieClients = options.zombieClients ?? [JAVA_EAGER, LIBRDKAFKA, KAFKAJS, FRANZ_GO];
  const staticClient = options.staticClient === undefined ? JAVA_EAGER : options.staticClient;
  const records = options.records ?? Number(process.env["FLOE_GROUP_RECORDS"] ?? 20_000);
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 6_000;
  const staticSessionTimeoutMs = options.staticSessionTimeoutMs ?? 10_000;

  describe(`Kafka consumer groups against ${options.name ?? "target"}`, () => {
    let t: GroupTarget | undefined;
    beforeAll(async () => {
      t = await target();
    }, 180_000);
    afterAll(async () => {
      await t?.stop();
    }, 60_000);

    const run = async (
      label: string,
      sessionMs: number,
      body: (s: GroupScenario) => Promise<ScenarioOutcome>,
    ) => {
      if (!t) throw new Error("group target did not start (see beforeAll)");
      const s = new GroupScenario(t, {
        label,
        partitions: PARTITIONS,
        sessionTimeoutMs: sessionMs,
      });
      try {
        const outcome = await body(s);
        process.stdout.write(`[groups] ${label}: ${outcome.summary}\n`);
        const problems = [...outcome.check.problems, ...outcome.problems];
        expect(problems, `${label}\n${s.describeMembers()}`).toEqual([]);
      } finally {
        await s.cleanup();
      }
    };

    for (const client of clients) {
      it(
        `${client.label}: late join, graceful leave, crash and replacement while producing`,
        () =>
          run(`churn-${client.label}`, sessionTimeoutMs, (s) =>
            churnScenario(s, client, records, sessionTimeoutMs),
          ),
        240_000,
      );
    }

    for (const client of zombieClients) {
      it(
        `${client.label}: a member paused past its session timeout has every commit refused`,
        () =>
          run(`zombie-${client.label}`, sessionTimeoutMs, (s) =>
            zombieScenario(s, client, Math.min(records, 6_000), sessionTimeoutMs),
          ),
        180_000,
      );
    }

    if (staticClient) {
      if (!staticClient.staticMembership) {
        throw new Error(`${staticClient.label} has no static membership`);
      }
      it(
        `${staticClient.label}: a static member restarted within its session timeout causes no rebalance`,
        () =>
          run(`static-${staticClient.label}`, staticSessionTimeoutMs, (s) =>
            staticScenario(s, staticClient, Math.min(records, 6_000), staticSessionTimeoutMs),
          ),
        180_000,
      );
    }
  });
}
