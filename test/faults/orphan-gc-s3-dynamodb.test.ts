/**
 * The orphan segment collector (lib/broker/log/orphan-gc.ts) on the AWS backend: segment
 * objects in S3 (moto, or FLOE_TEST_AWS_ENDPOINT), the index in DynamoDB (DynamoDB Local, or the
 * same endpoint), written by the real segment writer. Orphans are made as production makes
 * them: a commit that fails after the PUT (the host dying there leaves the same object), and a
 * DeleteTopic. The collector's clock is moved; S3's LastModified stays the server's.
 *
 * Specs, as on the embedded backend: nothing is judged before the grace; after it, orphans go,
 * committed segments (including one a deleted topic shared with a live one) stay and stay
 * readable; a dry run deletes nothing; requests and read units are counted. And `floe gc
 * --backend aws` finds the bucket and table through the standard AWS environment.
 */
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../lib/broker/log/errors.ts";
import { resolveLogConfig } from "../../lib/broker/log/log-config.ts";
import { DEFAULT_ORPHAN_GRACE_MS, OrphanSegmentCollector } from "../../lib/broker/log/orphan-gc.ts";
import { SegmentWriter } from "../../lib/broker/log/segment-writer.ts";
import { StorageCounters } from "../../lib/storage/counters.ts";
import { DynamoMetadataStore } from "../../lib/storage/dynamodb/metadata-store.ts";
import { createTable, deleteTable } from "../../lib/storage/dynamodb/table.ts";
import type { PartitionKey } from "../../lib/storage/ports.ts";
import { S3ObjectStore } from "../../lib/storage/s3/object-store.ts";
import {
  type DynamoDbLocal,
  dynamoDbLocalCredentials,
  startDynamoDbLocal,
} from "../helpers/emulators/dynamodb-local.ts";
import { type S3Target, startS3Target } from "../helpers/emulators/s3-target.ts";
import { batch, faultyMetadataStore, listKeys, request } from "../unit/broker/log/helpers.ts";

const MINUTE_MS = 60_000;
const CLI = resolve(import.meta.dirname, "../../lib/cli/main.ts");

let s3: S3Target;
let dynamo: DynamoDbLocal | undefined;
let admin: DynamoDBClient;
let dynamoConnection: {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};

beforeAll(async () => {
  s3 = await startS3Target();
  const external =
    process.env.FLOE_TEST_AWS_ENDPOINT?.trim() || process.env.AWS_ENDPOINT_URL_DYNAMODB?.trim();
  if (external) {
    dynamoConnection = {
      endpoint: external,
      region: process.env.AWS_REGION?.trim() || "us-east-1",
      credentials: {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID?.trim() || "test",
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY?.trim() || "test",
      },
    };
  } else {
    dynamo = await startDynamoDbLocal();
    dynamoConnection = {
      endpoint: dynamo.endpoint,
      region: "us-east-1",
      credentials: dynamoDbLocalCredentials(),
    };
  }
  admin = new DynamoDBClient({
    ...dynamoConnection,
    credentials: { ...dynamoConnection.credentials },
  });
}, 120_000);

afterAll(async () => {
  admin?.destroy();
  await dynamo?.stop();
  await s3?.stop();
});

describe("orphan segment collection on S3 + DynamoDB", () => {
  it("deletes unreferenced segments after the grace and keeps every committed one", async () => {
    const table = `floe-test-${randomUUID()}`;
    await createTable(admin, table);
    const counters = new StorageCounters();
    const objectStore = new S3ObjectStore({
      bucket: s3.bucket,
      keyPrefix: `gc-${randomBytes(6).toString("hex")}/`,
      client: s3.client,
      counters,
    });
    const metadataStore = await DynamoMetadataStore.open({
      config: { ...dynamoConnection, table },
      counters,
    });
    const meta = faultyMetadataStore(metadataStore);
    const writer = new SegmentWriter({
      objectStore,
      metadataStore: meta,
      config: resolveLogConfig({ lingerMs: 0 }),
    });
    try {
      const append = async (...keys: PartitionKey[]) => {
        const r = request(await batch({ values: ["a", "b"] }));
        await Promise.all(keys.map((k) => writer.append(k, r.records, r.batches)));
      };
      const segments = async () => (await listKeys(objectStore, "segments/")).sort();

      // A live topic with several commits (enough to move entries into index pages)…
      const live = { topicId: randomUUID(), partition: 0 };
      for (let i = 0; i < 9; i++) await append(live);
      // …a commit that fails after its PUT…
      meta.failCommits = 1;
      await expect(append(live)).rejects.toMatchObject({ code: ErrorCode.KAFKA_STORAGE_ERROR });
      // …and a topic that is deleted, one of its segments shared with the live partition.
      await metadataStore.createTopic({
        name: "doomed",
        topicId: randomUUID(),
        partitionCount: 2,
        configs: {},
        createdAtMs: 0,
        version: 1,
      });
      const doomedId = (await metadataStore.getTopic("doomed"))!.topicId;
      const doomed = [0, 1].map((partition) => ({ topicId: doomedId, partition }));
      await append(...doomed);
      await append(doomed[1], live);
      const committed = new Set(
        (await metadataStore.findChunks(live, 0n, 100)).map((c) => c.segmentKey),
      );
      expect(committed.size).toBe(10);
      await metadataStore.deleteTopic("doomed");
      await writer.receiptsWritten(); // appends do not wait for them; the counts below do
      const all = await segments();
      expect(all).toHaveLength(12);
      const orphans = all.filter((k) => !committed.has(k));

      let aheadMs = DEFAULT_ORPHAN_GRACE_MS - MINUTE_MS;
      const collector = new OrphanSegmentCollector({
        objectStore,
        metadataStore,
        nowMs: () => Date.now() + aheadMs,
      });
      expect(await collector.run()).toMatchObject({ scanned: 12, young: 12, deleted: 0 });

      aheadMs = DEFAULT_ORPHAN_GRACE_MS + 2 * MINUTE_MS;
      const dry = await collector.run({ dryRun: true });
      expect(dry).toMatchObject({ scanned: 12, orphans: 2, referenced: 10, deleted: 0 });
      expect(dry.orphanKeys.sort()).toEqual(orphans);
      expect(await segments()).toEqual(all);

      const before = counters.snapshot();
      const report = await collector.run();
      const after = counters.snapshot();
      expect(report).toMatchObject({ scanned: 12, orphans: 2, deleted: 2, referenced: 10 });
      expect(report.failed).toBe(0);
      expect(await segments()).toEqual([...committed].sort());
      // Every segment the index names is still whole.
      for (const c of await metadataStore.findChunks(live, 0n, 100)) {
        expect((await objectStore.getRange(c.segmentKey, c.byteStart, c.byteLength)).length).toBe(
          c.byteLength,
        );
      }
      // Counted: one LIST; a footer GET only for the object without a receipt (the flush whose
      // commit failed: in doubt, so it wrote none); one DeleteObjects; read units for the checks.
      expect(after["s3.list"] - (before["s3.list"] ?? 0)).toBe(1);
      expect(after["s3.get"] - (before["s3.get"] ?? 0)).toBe(1);
      expect(collector.metrics).toMatchObject({ receiptChecks: 22, footerReads: 2 });
      expect(after["s3.delete"] - (before["s3.delete"] ?? 0)).toBe(1);
      expect(after["dynamodb.rcu"] - before["dynamodb.rcu"]).toBeGreaterThan(0);
    } finally {
      await writer.close();
      await metadataStore.close();
      await deleteTable(admin, table);
    }
  }, 120_000);

  it("runs as `floe gc --backend aws` from the standard AWS environment", async () => {
    // A bucket of its own: `floe gc` owns the segments/ prefix of the bucket it is given.
    const bucket = `floe-test-gc-${randomBytes(6).toString("hex")}`;
    const objectStore = new S3ObjectStore({ bucket, client: s3.client });
    await objectStore.ensureBucket();
    const table = `floe-test-${randomUUID()}`;
    await createTable(admin, table);
    const metadataStore = await DynamoMetadataStore.open({
      config: { ...dynamoConnection, table },
    });
    const meta = faultyMetadataStore(metadataStore);
    const writer = new SegmentWriter({
      objectStore,
      metadataStore: meta,
      config: resolveLogConfig({ lingerMs: 0 }),
    });
    try {
      const r = request(await batch({ values: ["x"] }));
      const key = { topicId: randomUUID(), partition: 0 };
      await writer.append(key, r.records, r.batches);
      meta.failCommits = 1;
      await expect(writer.append(key, r.records, r.batches)).rejects.toThrow();

      const cli = spawnSync(process.execPath, [CLI, "gc", "--backend", "aws", "--json"], {
        encoding: "utf8",
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_S3: s3.connection.endpoint,
          AWS_ENDPOINT_URL_DYNAMODB: dynamoConnection.endpoint,
          AWS_REGION: dynamoConnection.region,
          AWS_ACCESS_KEY_ID: dynamoConnection.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: dynamoConnection.credentials.secretAccessKey,
          FLOE_S3_BUCKET: bucket,
          FLOE_DYNAMODB_TABLE: table,
        },
      });
      expect(cli.stderr).toBe("");
      expect(cli.status).toBe(0);
      // Both objects are seconds old: judged young, left alone; the requests are reported.
      const report = JSON.parse(cli.stdout);
      expect(report).toMatchObject({ scanned: 2, young: 2, deleted: 0, graceMs: 3_600_000 });
      expect(report.cost["s3.list"]).toBe(1);
      expect(await listKeys(objectStore, "segments/")).toHaveLength(2);
    } finally {
      await writer.close();
      await metadataStore.close();
      await deleteTable(admin, table);
      await objectStore.deleteMany(await listKeys(objectStore, ""));
      await s3.client.send(new DeleteBucketCommand({ Bucket: bucket }));
    }
  }, 120_000);
});
