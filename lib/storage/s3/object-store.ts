/**
 * ObjectStore on Amazon S3 (or any S3-compatible server: moto, MinIO, LocalStack) with
 * @aws-sdk/client-s3. The embedded counterpart is ../fs/object-store.ts; both pass
 * test/contract/object-store.contract.ts.
 *
 *  - putNew is one PutObject with `If-None-Match: *`: S3 answers 412 when the key exists, so
 *    segments are never overwritten (invariant 1 relies on it, DESIGN.md §2). Segments are at
 *    most tens of MiB, far below PutObject's 5 GiB limit, so there is no multipart upload: one
 *    request per segment is also the cheapest. A PUT whose outcome is unknown (timeout, reset,
 *    5xx) is retried; if the retry then gets 412, the stored object is compared with our body
 *    (./same-object.ts) and an identical object is success, not ObjectExistsError. A 409
 *    ConditionalRequestConflict (another conditional write to the key was in flight) is not
 *    yet a verdict — either writer may still fail — so it is retried like a 503, as AWS
 *    advises; the retry succeeds or gets 412, which settles it. putNew resolves only once S3
 *    has acknowledged the object (invariant 1's "durably written").
 *  - getRange sends `Range: bytes=a-b` and checks Content-Range: S3 answers a range that runs
 *    past the end with the bytes it has, and one that starts past the end with 416.
 *  - list pages through ListObjectsV2; deleteMany sends DeleteObjects in groups of 1,000 (the
 *    API limit); a missing key is not an error there either.
 *  - Every request is retried by ./retry.ts and counted in `counters` (s3.put, s3.get — HEAD
 *    included, billed as a GET —, s3.list, s3.delete, s3.retries per attempt; s3.bytesPut per
 *    acknowledged object, s3.bytesGot per body received).
 *
 * Keys are the caller's; the adapter only prepends `keyPrefix` (for sharing a bucket) and
 * strips it again in `list`.
 */
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { AwsConfig } from "../../config/aws-config.ts";
import { StorageCounters } from "../counters.ts";
import { ObjectExistsError, ObjectNotFoundError, ObjectRangeError } from "../errors.ts";
import type { ObjectInfo, ObjectStore } from "../ports.ts";
import { ensureBucket } from "./bucket.ts";
import { createS3Client, type S3ConnectionOptions, s3ConnectionFromAwsConfig } from "./client.ts";
import { deleteKeys } from "./delete.ts";
import {
  DEFAULT_RETRY_POLICY,
  errorCodeOf,
  httpStatusOf,
  type RetryPolicy,
  TruncatedBodyError,
  withRetries,
} from "./retry.ts";
import { storedObjectEquals } from "./same-object.ts";

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  /** Prepended to every key, e.g. "floe/" to share a bucket; "" by default. */
  readonly keyPrefix?: string;
  /** A client of your own (its retries should be off); otherwise one is built from `connection`. */
  readonly client?: S3Client;
  readonly connection?: S3ConnectionOptions;
  readonly retry?: Partial<RetryPolicy>;
  /** Shared with other adapters of the same host, or a fresh one. */
  readonly counters?: StorageCounters;
}

/** S3 refuses keys over 1,024 bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;

export class S3ObjectStore implements ObjectStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly counters: StorageCounters;
  readonly retryPolicy: RetryPolicy;
  private readonly ownsClient: boolean;

  static fromAwsConfig(
    config: AwsConfig,
    options: Omit<S3ObjectStoreOptions, "bucket" | "client" | "connection"> = {},
  ): S3ObjectStore {
    return new S3ObjectStore({
      ...options,
      bucket: config.bucket,
      connection: s3ConnectionFromAwsConfig(config),
    });
  }

  constructor(options: S3ObjectStoreOptions) {
    if (typeof options.bucket !== "string" || options.bucket === "") {
      throw new TypeError("S3ObjectStore: bucket must be a non-empty string");
    }
    if (options.client === undefined && options.connection === undefined) {
      throw new TypeError("S3ObjectStore: pass either client or connection");
    }
    const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (!Number.isSafeInteger(retry.maxAttempts) || retry.maxAttempts < 1) {
      throw new RangeError(
        `S3ObjectStore: retry.maxAttempts must be >= 1, got ${retry.maxAttempts}`,
      );
    }
    if (!(retry.baseDelayMs >= 0 && retry.maxDelayMs >= retry.baseDelayMs)) {
      throw new RangeError("S3ObjectStore: need 0 <= retry.baseDelayMs <= retry.maxDelayMs");
    }
    this.bucket = options.bucket;
    this.keyPrefix = options.keyPrefix ?? "";
    this.counters = options.counters ?? new StorageCounters();
    this.retryPolicy = Object.freeze(retry);
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? createS3Client(options.connection!);
  }

  /** Creates the bucket unless it exists (tests and `floe setup`; CDK owns it in AWS). */
  async ensureBucket(): Promise<void> {
    await this.retrying(`ensureBucket ${this.bucket}`, () =>
      ensureBucket(this.client, this.bucket),
    );
  }

  /** Closes the sockets of a client this store created. */
  destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  async putNew(key: string, body: Buffer | readonly Buffer[]): Promise<void> {
    const fullKey = this.fullKey(key);
    // One contiguous buffer: the SDK can then sign, checksum and resend it on retry; a stream
    // would need aws-chunked encoding and could not be replayed.
    const bytes = Buffer.isBuffer(body) ? body : Buffer.concat(body as Buffer[]);
    await this.retrying(`putNew ${key}`, async ({ attempt }) => {
      this.counters.add("s3.put");
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: fullKey,
            Body: bytes,
            ContentLength: bytes.length,
            IfNoneMatch: "*",
            ChecksumAlgorithm: "CRC32",
          }),
        );
      } catch (err) {
        if (httpStatusOf(err) !== 412 && errorCodeOf(err) !== "PreconditionFailed") throw err;
        // Attempt 1 got 412: someone else's object. A retry got 412: an earlier attempt of ours
        // may have landed before its response was lost — compare before calling it a conflict.
        if (
          attempt > 1 &&
          (await storedObjectEquals(this.client, this.counters, this.bucket, fullKey, bytes))
        ) {
          return;
        }
        throw new ObjectExistsError(key, { cause: err });
      }
    });
    this.counters.add("s3.bytesPut", bytes.length);
  }

  async getRange(key: string, startByte: number, lengthBytes: number): Promise<Buffer> {
    if (!Number.isSafeInteger(startByte) || startByte < 0) {
      throw new RangeError(`getRange: startByte must be a non-negative integer, got ${startByte}`);
    }
    if (!Number.isSafeInteger(lengthBytes) || lengthBytes < 0) {
      throw new RangeError(
        `getRange: lengthBytes must be a non-negative integer, got ${lengthBytes}`,
      );
    }
    const fullKey = this.fullKey(key);
    if (lengthBytes === 0) {
      // HTTP cannot express an empty range; the object must still exist and reach startByte.
      const sizeBytes = await this.retrying(`getRange ${key}`, () => this.headSize(key, fullKey));
      if (startByte > sizeBytes) throw new ObjectRangeError(key, startByte, 0);
      return Buffer.alloc(0);
    }
    const endByte = startByte + lengthBytes - 1;
    return this.retrying(`getRange ${key}`, async () => {
      const out = await this.send(key, fullKey, `bytes=${startByte}-${endByte}`, () => {
        throw new ObjectRangeError(key, startByte, lengthBytes);
      });
      const body = await this.readBody(out);
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(out.ContentRange ?? "");
      if (range === null) {
        // No Content-Range: the server ignored Range and sent the whole object.
        if (body.length < startByte + lengthBytes) {
          throw new ObjectRangeError(key, startByte, lengthBytes);
        }
        return body.subarray(startByte, startByte + lengthBytes);
      }
      const total = range[3] === "*" ? undefined : Number(range[3]);
      if (total !== undefined && total < startByte + lengthBytes) {
        throw new ObjectRangeError(key, startByte, lengthBytes);
      }
      if (Number(range[1]) !== startByte || body.length !== lengthBytes) {
        throw new TruncatedBodyError(
          `getRange ${key}: asked for ${lengthBytes} bytes at ${startByte}, got ${out.ContentRange} with ${body.length} bytes`,
        );
      }
      return body;
    });
  }

  async get(key: string): Promise<Buffer> {
    const fullKey = this.fullKey(key);
    return this.retrying(`get ${key}`, async () => this.readBody(await this.send(key, fullKey)));
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    let continuationToken: string | undefined;
    do {
      const token = continuationToken;
      const page = await this.retrying(`list ${prefix}`, () => {
        this.counters.add("s3.list");
        return this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.keyPrefix + prefix,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
            // Ignored by S3 once a continuation token is given; harmless to repeat.
            ...(startAfter !== undefined ? { StartAfter: this.keyPrefix + startAfter } : {}),
          }),
        );
      });
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined || !item.Key.startsWith(this.keyPrefix)) continue;
        yield {
          key: item.Key.slice(this.keyPrefix.length),
          sizeBytes: item.Size ?? 0,
          lastModifiedMs: item.LastModified?.getTime() ?? 0,
        };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const fullKeys = keys.map((key) => this.fullKey(key));
    await deleteKeys(this.client, this.bucket, this.counters, this.retrying.bind(this), fullKeys);
  }

  private retrying<T>(what: string, attempt: Parameters<typeof withRetries<T>>[3]): Promise<T> {
    return withRetries(what, this.retryPolicy, this.counters, attempt);
  }

  /** GetObject with NoSuchKey → ObjectNotFoundError and 416 → `onBadRange()`. */
  private async send(
    key: string,
    fullKey: string,
    range?: string,
    onBadRange?: () => never,
  ): Promise<GetObjectCommandOutput> {
    this.counters.add("s3.get");
    try {
      return await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: fullKey,
          ...(range !== undefined ? { Range: range } : {}),
        }),
      );
    } catch (err) {
      const status = httpStatusOf(err);
      const code = errorCodeOf(err);
      if (code === "NoSuchKey" || (status === 404 && code !== "NoSuchBucket")) {
        throw new ObjectNotFoundError(key, { cause: err });
      }
      if ((status === 416 || code === "InvalidRange") && onBadRange) onBadRange();
      throw err;
    }
  }

  /** The whole body; a body shorter than Content-Length means the connection broke. */
  private async readBody(out: GetObjectCommandOutput): Promise<Buffer> {
    const bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.counters.add("s3.bytesGot", body.length);
    if (out.ContentLength !== undefined && body.length !== out.ContentLength) {
      throw new TruncatedBodyError(`expected ${out.ContentLength} bytes, got ${body.length}`);
    }
    return body;
  }

  private async headSize(key: string, fullKey: string): Promise<number> {
    this.counters.add("s3.get");
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: fullKey }),
      );
      return head.ContentLength ?? 0;
    } catch (err) {
      // HEAD responses have no body, so a missing key is only a status code.
      if (httpStatusOf(err) === 404) throw new ObjectNotFoundError(key, { cause: err });
      throw err;
    }
  }

  private fullKey(key: string): string {
    if (typeof key !== "string" || key === "") {
      throw new TypeError(`invalid object key ${JSON.stringify(key)}: must be a non-empty string`);
    }
    const fullKey = this.keyPrefix + key;
    if (Buffer.byteLength(fullKey) > MAX_KEY_BYTES) {
      throw new TypeError(`invalid object key: over ${MAX_KEY_BYTES} bytes with its prefix`);
    }
    return fullKey;
  }
}
