/**
 * The scheduled maintenance Lambda (functions/maintenance.ts) as Lambda runs it: the exported
 * middy handler, imported after its environment is set (the config and stores are built at
 * cold start), invoked with a real EventBridge "Scheduled Event" and a Lambda context, against
 * DynamoDB Local and moto with a fresh table and bucket.
 *
 * Specs: an invocation applies retention.ms (the log start moves to the first chunk with a
 * recent record; reads below it are out of range); a later invocation of the same warm
 * container, once the segment objects are older than the orphan grace, deletes those that
 * held only deleted records and keeps the others; the report's counts are published as EMF
 * metrics in namespace Floe; a run whose deadline is already spent stops cleanly.
 */
import { randomUUID } from "node:crypto";
import type { Context, ScheduledEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../lib/broker/log/errors.ts";
import { LogService } from "../../lib/broker/log/log-service.ts";
import { MIN_ORPHAN_GRACE_MS } from "../../lib/broker/log/orphan-gc.ts";
import { applyRetention } from "../../lib/broker/log/retention.ts";
import { awsConfigFromEnv } from "../../lib/config/aws-config.ts";
import { type AwsStores, createAwsStores } from "../../lib/storage/aws-stores.ts";
import type { ChunkEntry, PartitionKey } from "../../lib/storage/ports.ts";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws-cluster.ts";
import { emulatorFunctionEnv } from "../helpers/aws-env.ts";
import { commitChunks } from "../helpers/chunk-index.ts";
import { batch, listKeys, request } from "../unit/broker/log/helpers.ts";

const DAY_MS = 86_400_000;

type Handler = (event: ScheduledEvent, context: Context) => Promise<Record<string, unknown>>;

let emulators: AwsEmulators;
let stores: AwsStores;
let log: LogService;
let handler: Handler;
const savedEnv = { ...process.env };

beforeAll(async () => {
  emulators = await startAwsEmulators();
  Object.assign(process.env, {
    ...emulatorFunctionEnv(emulators, "floe-maint"),
    FLOE_MAINTENANCE_ORPHAN_GRACE_MS: String(MIN_ORPHAN_GRACE_MS),
    FLOE_MAINTENANCE_DEADLINE_MARGIN_MS: "2000",
    // Dev mode prints through the global console (captured below); it would also switch metrics
    // off, which POWERTOOLS_METRICS_DISABLED=false overrides.
    POWERTOOLS_DEV: "true",
    POWERTOOLS_METRICS_DISABLED: "false",
    POWERTOOLS_LOG_LEVEL: "WARN",
  });
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_SESSION_TOKEN;
  stores = await createAwsStores(awsConfigFromEnv(process.env), { createResources: true });
  log = new LogService({ objectStore: stores.objectStore, metadataStore: stores.metadataStore });
  handler = (await import("../../functions/maintenance.ts")).handler as unknown as Handler;
}, 120_000);

afterAll(async () => {
  vi.useRealTimers();
  await log?.close();
  await stores?.close();
  // The emulators are this file's own and in memory: stopping them drops the table and bucket.
  await emulators?.stop();
  process.env = savedEnv;
});

function scheduledEvent(): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "123456789012",
    time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    region: "us-east-1",
    resources: ["arn:aws:events:us-east-1:123456789012:rule/floe-maintenance"],
    detail: {},
  };
}

function lambdaContext(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "floe-maintenance",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:floe-maintenance",
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: "/aws/lambda/floe-maintenance",
    logStreamName: "2026/11/22/[$LATEST]0123456789abcdef",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Invokes the handler, returning its result and the EMF metric lines it printed. */
async function invoke(remainingMs = 120_000) {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  try {
    const result = await handler(scheduledEvent(), lambdaContext(remainingMs));
    const emf = lines
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { result, emf };
  } finally {
    spy.mockRestore();
  }
}

async function createTopic(name: string, configs: Record<string, string>): Promise<PartitionKey> {
  const topicId = randomUUID();
  await stores.metadataStore.createTopic({
    name,
    topicId,
    partitionCount: 1,
    configs,
    createdAtMs: Date.now(),
    version: 1,
  });
  return { topicId, partition: 0 };
}

async function append(key: PartitionKey, timestampMs: number): Promise<void> {
  const r = request(
    await batch({ values: ["a", "b"], timestampsMs: [BigInt(timestampMs), BigInt(timestampMs)] }),
  );
  const out = await log.append(key, r.records, r.batches);
  expect(out.errorCode).toBe(ErrorCode.NONE);
}

async function chunksOf(key: PartitionKey): Promise<ChunkEntry[]> {
  return stores.metadataStore.findChunks(key, 0n, 1_000);
}

describe("functions/maintenance handler", () => {
  it("applies retention.ms and deletes the segments it released in the same run, by receipt", async () => {
    const key = await createTopic("lambda-retention", { "retention.ms": String(DAY_MS) });
    const now = Date.now();
    await append(key, now - 4 * DAY_MS);
    await append(key, now - 2 * DAY_MS);
    await append(key, now - 60_000);
    await append(key, now);
    const before = await chunksOf(key);
    expect(before.map((c) => c.baseOffset)).toEqual([0n, 2n, 4n, 6n]);
    await log.receiptsWritten(); // appends do not wait for them

    const { result, emf } = await invoke();
    expect(result).toMatchObject({
      errorCount: 0,
      partitionsExamined: 1,
      partitionsAdvanced: 1,
      chunksExpired: 2,
      // The two released objects go at once: their receipts prove nothing else names them.
      segmentsDeleted: 2,
      releasedGc: { candidates: 2, judged: 2, deleted: 2, withoutReceipt: 0 },
      advanced: [
        {
          topic: "lambda-retention",
          partition: 0,
          fromOffset: "0",
          toOffset: "4",
          chunksExpired: 2,
        },
      ],
    });
    const [head] = await log.heads([key]);
    expect(head.logStartOffset).toBe(4n);
    expect((await log.read(key, 3n, 1 << 20)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await chunksOf(key)).map((c) => c.baseOffset)).toEqual([4n, 6n]);
    const metrics = emf.find((m) => "ChunksExpired" in m);
    expect(metrics).toMatchObject({
      ChunksExpired: 2,
      PartitionsAdvanced: 1,
      SegmentsDeleted: 2,
      Errors: 0,
    });
    expect(JSON.stringify(metrics)).toContain('"Namespace":"Floe"');
    // The container's storage counters, as every function publishes them.
    expect(metrics?.DynamoDbReadUnits).toBeGreaterThan(0);
    expect(metrics?.DynamoDbWriteUnits).toBeGreaterThan(0);

    // The same warm container, the clock past the orphan grace (S3's LastModified stays real):
    // the pass judges the two live objects by receipt and keeps them.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + MIN_ORPHAN_GRACE_MS + 60_000 });
    try {
      const later = await invoke();
      expect(later.result).toMatchObject({ errorCount: 0, partitionsAdvanced: 0 });
      expect(later.result.segmentsDeleted).toBe(0);
      expect(later.result.orphanGc).toMatchObject({ scanned: 2, referenced: 2 });
    } finally {
      vi.useRealTimers();
    }
    const left = await listKeys(stores.objectStore, "segments/");
    expect(left.sort()).toEqual(
      before
        .slice(2)
        .map((c) => c.segmentKey)
        .sort(),
    );
    const read = await log.read(key, 4n, 1 << 20);
    expect(read.errorCode).toBe(ErrorCode.NONE);
    expect(read.records.length).toBeGreaterThan(0);
  }, 120_000);

  it("pages through a long DynamoDB index: time by the oldest pages, size over all of it", async () => {
    const now = Date.now();
    // Committed one chunk at a time, as fronts do: old entries in index pages, newest inline.
    const byTime = await createTopic("lambda-long-time", { "retention.ms": String(DAY_MS) });
    await commitChunks(
      stores.metadataStore,
      byTime,
      [...Array(130).fill(now - 2 * DAY_MS), ...Array(20).fill(now)],
      { perCommit: 1 },
    );
    const bySize = await createTopic("lambda-long-size", {
      "retention.ms": "-1",
      "retention.bytes": "300",
    });
    await commitChunks(stores.metadataStore, bySize, Array(150).fill(now), {
      bytes: 10,
      perCommit: 1,
    });
    const { result } = await invoke();
    expect(result).toMatchObject({ errorCount: 0 });
    const moved = (result.advanced as { topic: string; toOffset: string }[])
      .filter((a) => a.topic.startsWith("lambda-long-"))
      .sort((a, b) => (a.topic < b.topic ? -1 : 1));
    expect(moved).toMatchObject([
      { topic: "lambda-long-size", toOffset: String(2 * 120), chunksExpired: 120 },
      { topic: "lambda-long-time", toOffset: String(2 * 130), chunksExpired: 130 },
    ]);
    expect((await log.heads([byTime]))[0].logStartOffset).toBe(260n);
    expect((await chunksOf(bySize)).length).toBe(30);
  }, 120_000);

  it("costs a few read units for a long partition with nothing to expire", async () => {
    const key = await createTopic("lambda-cost", { "retention.ms": String(DAY_MS) });
    await commitChunks(stores.metadataStore, key, Array(200).fill(Date.now()), { perCommit: 1 });
    const topic = await stores.metadataStore.getTopic("lambda-cost");
    const rcu = () => stores.counters.snapshot()["dynamodb.rcu"] ?? 0;
    const before = rcu();
    const r = await applyRetention(
      { metadataStore: stores.metadataStore, log, nowMs: Date.now },
      topic!,
      0,
    );
    expect(r.newLogStartOffset).toBe(0n);
    // The head (BatchGetItem) and the 3 oldest index pages (findChunks, on that head).
    expect(rcu() - before).toBeLessThanOrEqual(2);
  }, 60_000);

  it("stops cleanly when the invocation has no time left", async () => {
    const key = await createTopic("lambda-no-time", { "retention.ms": String(DAY_MS) });
    await append(key, Date.now() - 4 * DAY_MS);
    // Less remaining time than the margin: nothing is started, nothing fails.
    const { result, emf } = await invoke(1_000);
    expect(result).toMatchObject({
      complete: false,
      partitionsExamined: 0,
      errorCount: 0,
      orphanGcSkipped: "deadline",
    });
    expect(emf.find((m) => "Incomplete" in m)).toMatchObject({ Incomplete: 1 });
    const [head] = await log.heads([key]);
    expect(head.logStartOffset).toBe(0n);
  }, 60_000);
});
