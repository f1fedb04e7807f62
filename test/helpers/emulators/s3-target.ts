/**
 * The S3 endpoint an AWS-backend test file runs against:
 *
 *  - by default a moto server started for the file (./s3-server.ts);
 *  - FLOE_TEST_AWS_ENDPOINT (or AWS_ENDPOINT_URL_S3) set: that endpoint instead, e.g.
 *    LocalStack at http://localhost:4566, or https://s3.<region>.amazonaws.com for real AWS.
 *    Region from AWS_REGION (default us-east-1); credentials from AWS_ACCESS_KEY_ID /
 *    AWS_SECRET_ACCESS_KEY, else the emulators' dummy "test"/"test".
 *
 * Each file gets a fresh bucket `floe-test-<random>` that `stop()` empties and deletes, unless
 * FLOE_TEST_S3_BUCKET names an existing bucket to use instead (tests then only add and remove
 * keys under their own random prefixes, and the bucket is left in place).
 */
import { randomBytes } from "node:crypto";
import { DeleteBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import type { AwsCredentials } from "../../../lib/config/aws-config.ts";
import { createS3Client, type S3ConnectionOptions } from "../../../lib/storage/s3/client.ts";
import { S3ObjectStore } from "../../../lib/storage/s3/object-store.ts";
import { startS3Server } from "./s3-server.ts";

export interface S3Target {
  /** "moto", or the endpoint a user supplied. */
  readonly description: string;
  readonly connection: S3ConnectionOptions;
  readonly bucket: string;
  /** A client for the test's own raw requests (SDK retries off). */
  readonly client: S3Client;
  stop(): Promise<void>;
}

export function externalS3Endpoint(): string | undefined {
  const raw = process.env.FLOE_TEST_AWS_ENDPOINT?.trim() || process.env.AWS_ENDPOINT_URL_S3?.trim();
  return raw === "" ? undefined : raw;
}

export async function startS3Target(): Promise<S3Target> {
  const external = externalS3Endpoint();
  const server = external === undefined ? await startS3Server() : undefined;
  const endpoint = external ?? server!.endpoint;
  const connection: S3ConnectionOptions = {
    region: process.env.AWS_REGION?.trim() || "us-east-1",
    endpoint,
    credentials: credentialsFromEnv(),
    forcePathStyle: true,
  };
  const client = createS3Client(connection);
  const ownBucket = process.env.FLOE_TEST_S3_BUCKET?.trim() || undefined;
  const bucket = ownBucket ?? `floe-test-${randomBytes(6).toString("hex")}`;
  const admin = new S3ObjectStore({ bucket, client });
  try {
    await admin.ensureBucket();
  } catch (err) {
    client.destroy();
    await server?.stop();
    throw err;
  }
  return {
    description: external === undefined ? "moto" : external,
    connection,
    bucket,
    client,
    async stop() {
      try {
        if (ownBucket === undefined && external !== undefined) {
          // An external endpoint keeps its buckets: remove what this file created.
          const keys: string[] = [];
          for await (const info of admin.list("")) keys.push(info.key);
          await admin.deleteMany(keys);
          await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        }
      } finally {
        client.destroy();
        await server?.stop();
      }
    },
  };
}

function credentialsFromEnv(): AwsCredentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY?.trim();
  if (accessKeyId && secretAccessKey) {
    const sessionToken = process.env.AWS_SESSION_TOKEN?.trim();
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  return { accessKeyId: "test", secretAccessKey: "test" };
}
