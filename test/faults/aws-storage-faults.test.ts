/**
 * Storage faults under the AWS fronts (reliability-and-cost.md §6, T3/T4): each front's S3 and
 * DynamoDB traffic goes through its own fault proxy (test/helpers/fault-proxy.ts). Phase after
 * phase, a fault is injected into every front at once, the Java and franz-go idempotent
 * producers write a burst through the load balancer under it (franz-go as several producers in
 * a row, so producer ids and metadata are fetched under the fault too) while a franz-go
 * consumer tails the topic, and the fault is cleared once the burst is acknowledged:
 *
 *   S3 503 SlowDown · S3 500 · DynamoDB ProvisionedThroughputExceeded and ThrottlingException ·
 *   added latency · a hung S3 request and a hung DynamoDB commit (client timeouts) ·
 *   connection resets before the request reached the upstream · resets after the upstream
 *   answered (ambiguous PUTs and commits: they took effect, the front cannot know)
 *
 * What must hold: the fronts turn every fault into retries or retriable Kafka errors — both
 * producers finish every burst with exit 0 and the consumer reads everything without a fatal
 * error; no front crashes; every acknowledged record is in the log exactly once, at its
 * acknowledged offset, byte-identical to the record spec (no batch corrupted), offsets dense;
 * and after the faults, a burst with nothing injected is served promptly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { franzgoDriver, javaDriver, verifyRoundTrip } from "../compat/drivers.ts";
import type { ProducedRow } from "../compat/record-spec.ts";
import {
  type AwsCluster,
  type AwsEmulators,
  startAwsCluster,
  startAwsEmulators,
} from "../helpers/aws-cluster.ts";
import { type FaultProxy, type FaultRule, faults } from "../helpers/fault-proxy.ts";
import { auditTopic, createTopicAt, readTopic } from "../helpers/log-audit.ts";

const PARTITIONS = 3;
/** Records per client per phase; franz-go writes its share as FRANZ_RUNS producers in a row. */
const BURST = 1_000;
const FRANZ_RUNS = 4;
/** franz-go's records are numbered from here, Java's from 0, so each client's run is contiguous. */
const FRANZ_START = 1_000_000;
/** A burst with nothing injected must finish within this (JVM start included). */
const HEALED_BURST_MAX_MS = 30_000;

interface Phase {
  name: string;
  s3?: FaultRule[];
  dynamodb?: FaultRule[];
}

const PHASES: Phase[] = [
  {
    name: "S3 503 SlowDown on half the PUTs",
    s3: [{ action: faults.slowDown(), method: "PUT", fraction: 0.5 }],
  },
  {
    name: "S3 500 InternalError on half of all requests",
    s3: [{ action: faults.internalError(), fraction: 0.5 }],
  },
  {
    name: "DynamoDB ProvisionedThroughputExceeded on 30% of the commits, ThrottlingException on 10% of all calls",
    dynamodb: [
      { action: faults.provisionedThroughputExceeded(), target: "UpdateItem", fraction: 0.3 },
      { action: faults.throttling(), fraction: 0.1 },
    ],
  },
  {
    name: "latency: 300 ms on every S3 request, 100 ms on every DynamoDB call",
    s3: [{ action: faults.latency(300) }],
    dynamodb: [{ action: faults.latency(100) }],
  },
  {
    // Both time out on the front's client (S3: 10 s without a byte, DynamoDB: 5 s) and are retried.
    name: "one hung S3 request and one hung DynamoDB commit per front",
    s3: [{ action: faults.hang(), times: 1 }],
    dynamodb: [{ action: faults.hang(), target: "UpdateItem", times: 1 }],
  },
  {
    name: "connection resets before the upstream saw the request",
    s3: [{ action: faults.resetBeforeUpstream(), fraction: 0.4 }],
    dynamodb: [{ action: faults.resetBeforeUpstream(), fraction: 0.3 }],
  },
  {
    name: "connection resets after the upstream answered: ambiguous PUTs and commits",
    s3: [{ action: faults.resetAfterUpstream(), method: "PUT", fraction: 0.5 }],
    dynamodb: [{ action: faults.resetAfterUpstream(), target: "UpdateItem", fraction: 0.5 }],
  },
];

let emulators: AwsEmulators | undefined;
let cluster: AwsCluster | undefined;

beforeAll(async () => {
  javaDriver.requireTools();
  franzgoDriver.requireTools();
  emulators = await startAwsEmulators();
  cluster = await startAwsCluster(emulators, { fronts: 3, faultProxies: true });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await emulators?.stop();
}, 60_000);

/** Injects `rules` into every proxy; returns a count of the requests they have hit so far. */
function inject(proxies: FaultProxy[], rules: FaultRule[] = []): () => number {
  const injected = proxies.flatMap((p) => rules.map((r) => p.inject(r)));
  return () => injected.reduce((n, f) => n + f.applied, 0);
}

describe("AWS fronts under S3 and DynamoDB faults", () => {
  it("turn every fault into retries: producers and a tailing consumer finish, nothing acknowledged is lost or altered", async () => {
    const c = cluster!;
    const topic = "storage-faults";
    await createTopicAt(c.bootstrap, topic, PARTITIONS);
    const base = { bootstrap: c.bootstrap, topic, partitions: PARTITIONS };
    const bursts = PHASES.length + 1;
    const total = 2 * BURST * bursts;
    const consumer = franzgoDriver.consume({ ...base, expect: total, timeoutMs: 170_000 });
    consumer.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile

    const java: ProducedRow[] = [];
    const franz: ProducedRow[] = [];
    const burst = async (k: number) => {
      const franzRun = async () => {
        const rows: ProducedRow[] = [];
        const chunk = BURST / FRANZ_RUNS;
        for (let j = 0; j < FRANZ_RUNS; j++) {
          const start = FRANZ_START + k * BURST + j * chunk;
          rows.push(
            ...(await franzgoDriver.produce({ ...base, count: chunk, compression: "none", start })),
          );
        }
        return rows;
      };
      const [j, f] = await Promise.all([
        javaDriver.produce({ ...base, count: BURST, compression: "lz4", start: k * BURST }),
        franzRun(),
      ]);
      java.push(...j);
      franz.push(...f);
    };
    const fail = (what: string, err: unknown) =>
      new Error(`${what}: ${String(err)}\n${c.diagnostics()}`);

    for (const [k, phase] of PHASES.entries()) {
      const hitsS3 = inject(c.proxies("s3"), phase.s3);
      const hitsDynamo = inject(c.proxies("dynamodb"), phase.dynamodb);
      await burst(k).catch((err: unknown) => {
        throw fail(`burst under "${phase.name}"`, err);
      });
      for (const p of [...c.proxies("s3"), ...c.proxies("dynamodb")]) p.clear();
      expect(hitsS3() + hitsDynamo(), `the fault "${phase.name}" hit no request`).toBeGreaterThan(
        0,
      );
    }

    const healedAt = Date.now();
    await burst(PHASES.length).catch((err: unknown) => {
      throw fail("burst after the faults", err);
    });
    expect(Date.now() - healedAt).toBeLessThan(HEALED_BURST_MAX_MS);

    const consumed = await consumer.catch((err: unknown) => {
      throw fail("consumer", err);
    });
    const runs = [
      { client: javaDriver.name, start: 0, count: BURST * bursts, produced: java },
      { client: franzgoDriver.name, start: FRANZ_START, count: BURST * bursts, produced: franz },
    ];
    // What the tailing consumer saw, record by record, against what was acknowledged.
    for (const run of runs) {
      const rows = consumed.filter((r) =>
        r.headers.some(([k, v]) => k === "src" && v === run.client),
      );
      const spec = {
        count: run.count,
        partitions: PARTITIONS,
        start: run.start,
        client: run.client,
      };
      expect(verifyRoundTrip(spec, run.produced, rows), `consumer, ${run.client}`).toEqual([]);
    }
    // And the log as it stands: dense, complete, exact.
    const rows = await readTopic(c.bootstrap, topic, PARTITIONS);
    expect(auditTopic(rows, PARTITIONS, runs), c.diagnostics()).toEqual([]);
    expect(rows.length).toBe(total);
    expect(c.exits, c.diagnostics()).toEqual([]);
  }, 200_000);
});
