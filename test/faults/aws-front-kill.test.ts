/**
 * Invariant 1 on the AWS backend with several fronts (reliability-and-cost.md §6, T1/T2):
 * SIGKILL of a front at any moment loses no acknowledged record, and clients carry on through
 * the other fronts. Three `floe front` processes over one bucket and table sit behind a
 * round-robin balancer (their sharedAddress); the Java and franz-go idempotent producers write
 * one 3-partition topic through it while fronts die:
 *
 *  - at random moments, killed by the test and restarted, round after round;
 *  - at exact points of the write path (FLOE_TEST_CRASH_POINT, lib/config/test-crash-point.ts):
 *    before the segment PUT, between the PUT and the DynamoDB commit (an orphan object), and
 *    after the commit but before the producer is answered (the retry must be recognised as a
 *    duplicate and answered with its original offset). A front that dies is restarted.
 *
 * Afterwards: both producers exited 0, and per partition offsets are dense from 0 and every
 * acknowledged record is there exactly once, at its acknowledged offset, byte-identical.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TestCrashPointName } from "../../lib/config/test-crash-point.ts";
import { franzgoDriver, javaDriver } from "../compat/drivers.ts";
import {
  type AwsCluster,
  type AwsClusterOptions,
  type AwsEmulators,
  startAwsCluster,
  startAwsEmulators,
} from "../helpers/aws-cluster.ts";
import { auditTopic, createTopicAt, readTopic } from "../helpers/log-audit.ts";
import { produceWhile } from "../helpers/producers.ts";

const PARTITIONS = 3;
const FRONTS = 3;
const KILL_ROUNDS = 4;

let emulators: AwsEmulators | undefined;
let cluster: AwsCluster | undefined;

beforeAll(async () => {
  javaDriver.requireTools();
  franzgoDriver.requireTools();
  emulators = await startAwsEmulators();
}, 120_000);

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
}, 60_000);

afterAll(async () => {
  await emulators?.stop();
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startCluster(options: Omit<AwsClusterOptions, "fronts">): Promise<AwsCluster> {
  cluster = await startAwsCluster(emulators!, { fronts: FRONTS, ...options });
  return cluster;
}

/**
 * Java (2,000-record runs) and franz-go (1,000-record runs) produce back to back until
 * `faults` — the kills — are over, so every kill lands while both are producing. Then the whole
 * topic is read back and audited.
 */
async function produceThroughFaults(
  c: AwsCluster,
  topic: string,
  faults: () => Promise<void>,
): Promise<void> {
  await createTopicAt(c.bootstrap, topic, PARTITIONS);
  const base = { bootstrap: c.bootstrap, topic, partitions: PARTITIONS };
  const killing = faults();
  const [javaRun, franzRun] = await Promise.all([
    produceWhile(killing, javaDriver, { ...base, compression: "lz4" }, 0, 2_000, 1),
    produceWhile(killing, franzgoDriver, { ...base, compression: "none" }, 1_000_000, 1_000, 1),
    killing,
  ]).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${c.diagnostics()}`);
  });
  c.setAutoRestart(undefined);
  await c.waitAllUp();
  const rows = await readTopic(c.bootstrap, topic, PARTITIONS);
  const problems = auditTopic(rows, PARTITIONS, [javaRun, franzRun]);
  expect(problems, c.diagnostics()).toEqual([]);
  expect(rows.length).toBe(javaRun.count + franzRun.count);
}

/** Resolves once `n` fronts died on their own; rejects after `timeoutMs`. */
async function crashes(c: AwsCluster, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (c.exits.filter((e) => !e.requested).length < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} crashes in ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe("SIGKILL of AWS fronts behind a load balancer", () => {
  it("loses no acknowledged record when fronts are killed at random moments and restarted", async () => {
    const c = await startCluster({});
    await produceThroughFaults(c, "random-kills", async () => {
      // Round after round, one front at a time, so two always serve.
      for (let round = 0; round < KILL_ROUNDS; round++) {
        await sleep(300 + Math.random() * 700);
        const victim = Math.floor(Math.random() * FRONTS);
        await c.kill(victim);
        await sleep(100 + Math.random() * 400);
        await c.restart(victim);
      }
    });
    expect(c.exits.filter((e) => e.requested)).toHaveLength(KILL_ROUNDS);
  }, 150_000);

  const points: TestCrashPointName[] = ["before-put", "after-put", "after-commit"];
  for (const point of points) {
    it(`loses no acknowledged record when a front dies ${point.replace("-", " the ")} (FLOE_TEST_CRASH_POINT)`, async () => {
      // Every front dies at its 10th flush reaching the point, in every life, and is restarted.
      const c = await startCluster({
        env: () => ({ FLOE_TEST_CRASH_POINT: `${point}:nth=10` }),
        autoRestartMs: 200,
      });
      await produceThroughFaults(c, `crash-${point}`, () => crashes(c, 2, 60_000));
      expect(
        c.exits.every((e) => e.signal === "SIGKILL"),
        c.diagnostics(),
      ).toBe(true);
    }, 120_000);
  }
});
