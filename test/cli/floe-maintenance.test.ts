/**
 * Maintenance from the CLI on the embedded backend, as a user runs it: `floe dev` applies
 * retention on its own every --maintenance-interval-ms, and `floe maintenance --data-dir` runs
 * one pass over the directory a `floe dev` serves (with the loop off), reporting what moved;
 * once the segment files are older than the grace (their mtimes moved back, as the file system
 * would show them later), the next pass deletes those holding only expired records. On the AWS
 * backend, the same loop and pass, and the front's storage counters published for CloudWatch
 * (what `floe front` does in the deployment, lib/storage/cloudwatch-counters.ts).
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTopic } from "../../lib/client/admin.ts";
import { listOffset, produceBatch } from "../../lib/client/records-io.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import { buildRecordBatch } from "../../lib/protocol/records/build.ts";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws-cluster.ts";
import { emulatorFunctionEnv } from "../helpers/aws-env.ts";
import { type FloeProcess, startFloeProcess } from "../helpers/floe-process.ts";
import { ageSegmentFiles, segmentFilesIn } from "../helpers/segment-files.ts";

const CLI = resolve(import.meta.dirname, "../../lib/cli/main.ts");
const DAY_MS = 86_400_000;

const running: { floe: FloeProcess; client: WireClient }[] = [];
afterEach(async () => {
  for (const { floe, client } of running.splice(0)) {
    client.close();
    await floe.kill();
  }
});

async function start(args: string[]): Promise<{ floe: FloeProcess; client: WireClient }> {
  const floe = await startFloeProcess({ args });
  let client: WireClient;
  try {
    client = await WireClient.connect("127.0.0.1", floe.port);
  } catch (err) {
    await floe.kill();
    throw new Error(`${(err as Error).message}; floe dev stderr:\n${floe.stderr()}`);
  }
  running.push({ floe, client });
  return { floe, client };
}

function floeCli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** ListOffsets earliest of partition 0, polled until a maintenance loop moves it (10 s at most). */
async function earliestOnceMoved(client: WireClient, topic: string): Promise<bigint> {
  let earliest = 0n;
  for (let i = 0; i < 100 && earliest === 0n; i++) {
    await new Promise((r) => setTimeout(r, 100));
    earliest = await listOffset(client, topic, 0, -2n);
  }
  return earliest;
}

function records(label: string, timestampMs: number) {
  return [0, 1].map((i) => ({
    key: null,
    value: Buffer.from(`${label}-${i}`),
    timestampMs: BigInt(timestampMs),
  }));
}

describe("floe dev maintenance loop", () => {
  it("moves the log start past expired records on its own", async () => {
    const { client } = await start(["--maintenance-interval-ms", "300"]);
    await createTopic(client, "dev-loop", 1, { "retention.ms": String(DAY_MS) });
    await produceBatch(client, "dev-loop", 0, records("old", Date.now() - 3 * DAY_MS));
    await produceBatch(client, "dev-loop", 0, records("new", Date.now()));
    expect(await earliestOnceMoved(client, "dev-loop")).toBe(2n);
  });

  it("refuses a negative interval before serving anything", () => {
    const r = floeCli(["dev", "--port", "0", "--maintenance-interval-ms=-1"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("--maintenance-interval-ms must be ≥ 0");
  });
});

describe("floe maintenance", () => {
  it("runs one pass over --data-dir: retention.bytes, the segments it released go at once", async () => {
    const { floe, client } = await start(["--maintenance-interval-ms", "0"]);
    const batch = records("sized", Date.now());
    const batchBytes = (await buildRecordBatch({ records: batch })).length;
    await createTopic(client, "sized", 1, { "retention.bytes": String(2 * batchBytes) });
    const byBatch: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const before = segmentFilesIn(floe.dataDir);
      await produceBatch(client, "sized", 0, batch);
      byBatch.push(segmentFilesIn(floe.dataDir).filter((k) => !before.includes(k)));
    }
    expect(byBatch.map((keys) => keys.length)).toEqual([1, 1, 1, 1]);

    const first = floeCli(["maintenance", "--data-dir", floe.dataDir, "--json"]);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      complete: true,
      partitionsExamined: 1,
      partitionsAdvanced: 1,
      chunksExpired: 2,
      // Released by retention and judged by their receipts: no grace to wait for.
      segmentsDeleted: 2,
      releasedGc: { candidates: 2, deleted: 2 },
      advanced: [{ topic: "sized", partition: 0, fromOffset: "0", toOffset: "4" }],
    });
    expect(await listOffset(client, "sized", 0, -2n)).toBe(4n);
    expect(segmentFilesIn(floe.dataDir)).toEqual([...byBatch[2], ...byBatch[3]].sort());

    // Past the grace, the pass judges what is left, and keeps it.
    ageSegmentFiles(floe.dataDir, 2 * 60 * 60_000);
    const second = floeCli(["maintenance", "--data-dir", floe.dataDir]);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("Examined 1 of 1 partitions in 1 topics");
    expect(second.stdout).toContain("Orphan segments: 2 scanned, 0 deleted");
    expect(segmentFilesIn(floe.dataDir)).toEqual([...byBatch[2], ...byBatch[3]].sort());
  });

  it("refuses a grace shorter than the orphan collector's floor, naming the setting", () => {
    const r = floeCli(["maintenance", "--data-dir", "/nonexistent", "--grace-ms", "1000"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("maintenance.orphanGraceMs: must be ≥ 900000");
  });
});

describe("on the AWS backend (DynamoDB Local + moto)", () => {
  let emulators: AwsEmulators | undefined;
  const saved = { ...process.env };
  beforeAll(async () => {
    emulators = await startAwsEmulators();
    // Children inherit this environment: the standard AWS settings plus bucket and table.
    Object.assign(process.env, emulatorFunctionEnv(emulators, "floe-cli-maint"));
  }, 120_000);
  afterAll(async () => {
    process.env = saved;
    await emulators?.stop();
  });

  it("floe dev --backend aws runs the loop, and floe maintenance --backend aws one pass", async () => {
    const { client } = await start([
      "--backend",
      "aws",
      "--create-resources",
      "--maintenance-interval-ms",
      "300",
    ]);
    await createTopic(client, "aws-loop", 1, { "retention.ms": String(DAY_MS) });
    await createTopic(client, "aws-once", 1, { "retention.bytes": "0" });
    await produceBatch(client, "aws-loop", 0, records("old", Date.now() - 3 * DAY_MS));
    await produceBatch(client, "aws-loop", 0, records("new", Date.now()));
    expect(await earliestOnceMoved(client, "aws-loop")).toBe(2n);

    await produceBatch(client, "aws-once", 0, records("x", Date.now()));
    // The server's own loop may get there first; either way one pass leaves the log empty.
    const once = floeCli(["maintenance", "--backend", "aws", "--json"]);
    expect(once.stderr).toBe("");
    expect(once.status).toBe(0);
    expect(JSON.parse(once.stdout)).toMatchObject({ complete: true, errorCount: 0 });
    expect(await listOffset(client, "aws-once", 0, -2n)).toBe(2n);
  }, 120_000);

  it("floe dev --backend aws --emf-interval-ms prints its storage counters as CloudWatch metric lines", async () => {
    const { floe, client } = await start([
      "--backend",
      "aws",
      "--maintenance-interval-ms",
      "0",
      "--emf-interval-ms",
      "200",
    ]);
    await createTopic(client, "aws-emf", 1);
    await produceBatch(client, "aws-emf", 0, records("counted", Date.now()));
    let published: Record<string, number> = {};
    for (let i = 0; i < 50 && !(published.S3Puts > 0 && published.DynamoDbWriteUnits > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      published = {};
      for (const line of floe.stdout().split("\n")) {
        if (!line.startsWith('{"_aws"')) continue;
        const emf = JSON.parse(line);
        expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
          Namespace: "Floe",
          Dimensions: [["service", "function"]],
        });
        expect(emf).toMatchObject({ service: "floe", function: "front" });
        for (const { Name } of emf._aws.CloudWatchMetrics[0].Metrics) {
          published[Name] = (published[Name] ?? 0) + emf[Name];
        }
      }
    }
    expect(published.S3Puts).toBeGreaterThanOrEqual(1);
    expect(published.DynamoDbWriteUnits).toBeGreaterThan(0);
  }, 60_000);
});
