/**
 * Stateless fronts on the AWS backend (DESIGN.md §1, invariant 2): three `floe front`
 * processes over one S3 bucket and one DynamoDB table, behind a round-robin load balancer that
 * every front names as its sharedAddress, so each client connection lands on another front.
 * The Java and franz-go idempotent producers write the same three partitions at the same time
 * through different fronts, whose commits race on the partition heads; the conditional writes
 * alone must serialize them: per partition, offsets dense from 0 and in each producer's order,
 * every acknowledged record exactly once, at the offset its producer was told.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { franzgoDriver, javaDriver } from "../compat/drivers.ts";
import type { ConsumedRow } from "../compat/record-spec.ts";
import {
  type AwsCluster,
  type AwsEmulators,
  startAwsCluster,
  startAwsEmulators,
} from "../helpers/aws-cluster.ts";
import { auditTopic, createTopicAt, readTopic } from "../helpers/log-audit.ts";
import { produceWhile } from "../helpers/producers.ts";

const PARTITIONS = 3;
const JAVA_COUNT = 5_000;
const FRANZ_CHUNK = 1_000;

let emulators: AwsEmulators | undefined;
let cluster: AwsCluster | undefined;

beforeAll(async () => {
  javaDriver.requireTools();
  franzgoDriver.requireTools();
  emulators = await startAwsEmulators();
  cluster = await startAwsCluster(emulators, { fronts: 3 });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await emulators?.stop();
}, 60_000);

/** Times the producer of a partition's records changes along its log: commits interleaved. */
function switches(rows: readonly ConsumedRow[], partition: number): number {
  const src = rows.filter((r) => r.partition === partition).map((r) => r.headers[1]?.[1]);
  return src.filter((s, i) => i > 0 && s !== src[i - 1]).length;
}

describe("three AWS fronts behind one load balancer", () => {
  it("serialize concurrent idempotent producers on one topic: dense offsets, every ack exactly once", async () => {
    const c = cluster!;
    const topic = "concurrent";
    await createTopicAt(c.bootstrap, topic, PARTITIONS);
    const base = { bootstrap: c.bootstrap, topic, partitions: PARTITIONS };
    // franz-go produces chunk after chunk for as long as Java (slower to start) is producing,
    // so the two really overlap.
    const java = javaDriver.produce({ ...base, count: JAVA_COUNT, compression: "lz4", start: 0 });
    const [javaRows, franz] = await Promise.all([
      java,
      produceWhile(java, franzgoDriver, { ...base, compression: "none" }, JAVA_COUNT, FRANZ_CHUNK),
    ]).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${c.diagnostics()}`);
    });

    // The two producers' data went through different fronts (the balancer saw it).
    const stats = [0, 1, 2].map((i) => c.balancer.stats(i));
    const served = stats.filter((s) => s.bytesIn > 20_000);
    expect(served.length, JSON.stringify(stats)).toBeGreaterThan(1);

    const rows = await readTopic(c.bootstrap, topic, PARTITIONS);
    const problems = auditTopic(rows, PARTITIONS, [
      { client: javaDriver.name, start: 0, count: JAVA_COUNT, produced: javaRows },
      franz,
    ]);
    expect(problems, c.diagnostics()).toEqual([]);
    expect(rows.length).toBe(JAVA_COUNT + franz.count);
    // Commits from both fronts alternated on every partition.
    for (let p = 0; p < PARTITIONS; p++) expect(switches(rows, p)).toBeGreaterThan(1);
    expect(c.exits).toEqual([]);
  }, 120_000);
});
