/**
 * The ObjectStore contract against S3, plus what is specific to the S3 adapter
 * (lib/storage/s3/object-store.ts): key prefixes, pagination, batching, counters, errors.
 *
 * Endpoint: a moto server started for this file (installed by `bash scripts/setup-test-deps.sh`
 * into .tools/moto-venv). To run the same suite against an S3 you supply — LocalStack, MinIO,
 * or real AWS — set FLOE_TEST_AWS_ENDPOINT (AWS_ENDPOINT_URL_S3 works too):
 *
 *   FLOE_TEST_AWS_ENDPOINT=http://localhost:4566 npx vitest run test/contract/s3-object-store.test.ts
 *
 * with AWS_REGION / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY as needed (default us-east-1 and
 * "test"/"test"), and FLOE_TEST_S3_BUCKET to use an existing bucket instead of creating and
 * deleting `floe-test-<random>` (see test/helpers/emulators/s3-target.ts, docs/aws-backend.md).
 * Every test works under its own random key prefix, so a shared bucket is safe.
 */
import { randomBytes } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsConfigFromEnv } from "../../lib/config/aws-config.ts";
import { ObjectNotFoundError, StorageRejectedError } from "../../lib/storage/errors.ts";
import { S3ObjectStore } from "../../lib/storage/s3/object-store.ts";
import { storedObjectEquals } from "../../lib/storage/s3/same-object.ts";
import { type S3Target, startS3Target } from "../helpers/emulators/s3-target.ts";
import { objectStoreContract } from "./object-store.contract.ts";

let target: S3Target;
beforeAll(async () => {
  target = await startS3Target();
});
afterAll(async () => {
  await target?.stop();
});

/** A store over the shared client, confined to a fresh key prefix. */
function freshStore(options: { retry?: { maxAttempts?: number } } = {}): S3ObjectStore {
  return new S3ObjectStore({
    bucket: target.bucket,
    client: target.client,
    keyPrefix: `t-${randomBytes(6).toString("hex")}/`,
    retry: { baseDelayMs: 10, maxDelayMs: 100, ...options.retry },
  });
}

async function removeAll(store: S3ObjectStore): Promise<void> {
  const keys: string[] = [];
  for await (const info of store.list("")) keys.push(info.key);
  await store.deleteMany(keys);
}

objectStoreContract("S3 (moto, or FLOE_TEST_AWS_ENDPOINT)", async () => {
  const store = freshStore();
  return { store, cleanup: () => removeAll(store) };
});

describe("S3ObjectStore", () => {
  it("runs against a server that enforces If-None-Match: * on PutObject", async () => {
    // The adapter's no-overwrite guarantee is the server's: prove it with raw requests.
    const key = `raw-${randomBytes(6).toString("hex")}`;
    const put = (body: string) =>
      target.client.send(
        new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body, IfNoneMatch: "*" }),
      );
    await put("first");
    const err = await put("second").catch((e) => e);
    expect(err?.$metadata?.httpStatusCode).toBe(412);
    const store = new S3ObjectStore({ bucket: target.bucket, client: target.client });
    expect((await store.get(key)).toString()).toBe("first");
    await store.deleteMany([key]);
  });

  it("keeps objects under its key prefix and lists them without it", async () => {
    const store = freshStore();
    await store.putNew("seg/1", Buffer.from("one"));
    const unprefixed = new S3ObjectStore({ bucket: target.bucket, client: target.client });
    expect((await unprefixed.get(`${store.keyPrefix}seg/1`)).toString()).toBe("one");
    const listed = [];
    for await (const info of store.list("seg/")) listed.push(info.key);
    expect(listed).toEqual(["seg/1"]);
    await removeAll(store);
  });

  it("lists past one page and deletes in groups of 1,000", async () => {
    const store = freshStore();
    const keys = Array.from({ length: 2_001 }, (_, i) => `bulk/${String(i).padStart(5, "0")}`);
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(keys.slice(i, i + 64).map((k) => store.putNew(k, Buffer.from(k))));
    }
    const listed: string[] = [];
    for await (const info of store.list("bulk/")) listed.push(info.key);
    expect(listed.sort()).toEqual(keys);
    expect(store.counters.get("s3.list")).toBe(3);

    await store.deleteMany([...keys, "bulk/absent"]);
    expect(store.counters.get("s3.delete")).toBe(3);
    const left = [];
    for await (const info of store.list("bulk/")) left.push(info.key);
    expect(left).toEqual([]);
  });

  it("counts requests and bytes in store.counters", async () => {
    const store = freshStore();
    await store.putNew("a", [Buffer.from("hello "), Buffer.from("world")]);
    await store.get("a");
    await store.getRange("a", 6, 5);
    await store.get("missing").catch(() => undefined);
    for await (const _ of store.list("")) {
      // drain
    }
    await store.deleteMany(["a"]);
    expect(store.counters.snapshot()).toEqual({
      "s3.bytesGot": 16,
      "s3.bytesPut": 11,
      "s3.delete": 1,
      "s3.get": 3,
      "s3.list": 1,
      "s3.put": 1,
    });
  });

  it("serves a zero-length range of an existing object, and checks the key exists", async () => {
    const store = freshStore();
    await store.putNew("z", Buffer.from("abc"));
    expect((await store.getRange("z", 3, 0)).length).toBe(0);
    await expect(store.getRange("nope", 0, 0)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await removeAll(store);
  });

  it("fails at once with a non-retriable StorageRejectedError when the bucket does not exist", async () => {
    const store = new S3ObjectStore({
      bucket: `floe-missing-${randomBytes(6).toString("hex")}`,
      client: target.client,
    });
    const err = await store.get("k").catch((e) => e);
    expect(err).toBeInstanceOf(StorageRejectedError);
    expect(err.retriable).toBe(false);
    expect(err.message).toMatch(/NoSuchBucket/);
    expect(store.counters.get("s3.retries")).toBe(0);
  });

  it("creates its bucket with ensureBucket, idempotently", async () => {
    const bucket = `floe-ensure-${randomBytes(6).toString("hex")}`;
    const store = new S3ObjectStore({ bucket, connection: target.connection });
    try {
      await store.ensureBucket();
      await store.ensureBucket();
      await store.putNew("k", Buffer.from("v"));
      expect((await store.get("k")).toString()).toBe("v");
      await store.deleteMany(["k"]);
    } finally {
      await store.client.send(new DeleteBucketCommand({ Bucket: bucket }));
      store.destroy();
    }
  });

  it("is built from the AWS environment by S3ObjectStore.fromAwsConfig", async () => {
    const { endpoint, region, credentials } = target.connection;
    const config = awsConfigFromEnv({
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials?.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials?.secretAccessKey,
      FLOE_S3_BUCKET: target.bucket,
    });
    const store = S3ObjectStore.fromAwsConfig(config, { keyPrefix: "from-env/" });
    try {
      const key = randomBytes(6).toString("hex");
      await store.putNew(key, Buffer.from("env"));
      expect((await store.get(key)).toString()).toBe("env");
      await store.deleteMany([key]);
    } finally {
      store.destroy();
    }
  });
});

describe("storedObjectEquals (the ambiguous-PUT check)", () => {
  async function putMultipart(key: string, body: Buffer): Promise<string | undefined> {
    const { client, bucket } = target;
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
    );
    const part = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: body }),
    );
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    return done.ETag;
  }

  it("decides by size, checksum and MD5 ETag for an object written by PutObject", async () => {
    const store = freshStore();
    const body = Buffer.from("segment-bytes-0001");
    await store.putNew("s", body);
    const check = (b: Buffer) =>
      storedObjectEquals(target.client, store.counters, target.bucket, `${store.keyPrefix}s`, b);
    const before = store.counters.get("s3.get");
    expect(await check(body)).toBe(true);
    expect(await check(Buffer.from("segment-bytes-0002"))).toBe(false);
    expect(await check(Buffer.from("short"))).toBe(false);
    expect(store.counters.get("s3.get") - before).toBe(3); // one HEAD each, no GET
    await removeAll(store);
  });

  it("compares the bytes when the ETag is not an MD5 (here: a multipart upload)", async () => {
    const key = `mpu-${randomBytes(6).toString("hex")}`;
    const body = Buffer.from("multipart-body-0001");
    const etag = await putMultipart(key, body);
    expect(etag).toMatch(/-1"?$/);
    const store = new S3ObjectStore({ bucket: target.bucket, client: target.client });
    const check = (b: Buffer) =>
      storedObjectEquals(target.client, store.counters, target.bucket, key, b);
    expect(await check(body)).toBe(true);
    expect(store.counters.get("s3.get")).toBe(2); // HEAD, then GET of the bytes
    expect(await check(Buffer.from("multipart-body-0002"))).toBe(false);
    await store.deleteMany([key]);
  });
});
