/**
 * The S3 adapter (lib/storage/s3/object-store.ts) under injected faults: an HTTP fault proxy
 * (test/helpers/fault-proxy.ts) between the adapter and a real S3 server answers SlowDown and
 * InternalError, hangs, and resets connections before or after the server saw the request.
 * Specs: transient bursts are retried with backoff and succeed; a fault that persists ends in
 * StorageUnavailableError (retriable, with the cause); a PUT that landed but whose answer was
 * lost is retried and reported as success — not ObjectExistsError — while a real conflict is
 * still a conflict; every retry is counted.
 *
 * Endpoint: moto, started for this file (bash scripts/setup-test-deps.sh installs it), or the
 * http:// endpoint in FLOE_TEST_AWS_ENDPOINT (e.g. LocalStack). Not real AWS: the proxy keeps
 * the Host header, so SigV4 signatures name the proxy, which only emulators accept.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ObjectExistsError,
  StorageRejectedError,
  StorageUnavailableError,
} from "../../lib/storage/errors.ts";
import { S3ObjectStore } from "../../lib/storage/s3/object-store.ts";
import { type S3Target, startS3Target } from "../helpers/emulators/s3-target.ts";
import { type FaultProxy, faults, startFaultProxy } from "../helpers/fault-proxy.ts";

const MAX_ATTEMPTS = 4;

let target: S3Target;
let proxy: FaultProxy;
let store: S3ObjectStore;
/** The same bucket and prefix, straight to the server: the ground truth. */
let direct: S3ObjectStore;

beforeAll(async () => {
  target = await startS3Target();
  proxy = await startFaultProxy(target.connection.endpoint!);
});
afterAll(async () => {
  await proxy?.close();
  await target?.stop();
});

beforeEach(() => {
  proxy.clear();
  proxy.resetLog();
  const keyPrefix = `faults-${randomBytes(6).toString("hex")}/`;
  store = new S3ObjectStore({
    bucket: target.bucket,
    keyPrefix,
    connection: {
      ...target.connection,
      endpoint: proxy.endpoint,
      timeouts: { connectionTimeoutMs: 1_000, requestTimeoutMs: 1_000, idleTimeoutMs: 1_000 },
    },
    retry: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 10, maxDelayMs: 50 },
  });
  direct = new S3ObjectStore({ bucket: target.bucket, keyPrefix, client: target.client });
});
afterEach(async () => {
  proxy.clear();
  store.destroy();
  const keys: string[] = [];
  for await (const info of direct.list("")) keys.push(info.key);
  await direct.deleteMany(keys);
});

describe("S3ObjectStore under transient faults", () => {
  it("retries a burst of 503 SlowDown on PUT and succeeds", async () => {
    const slow = proxy.inject({ action: faults.slowDown(), method: "PUT", times: 3 });
    const body = randomBytes(10_000);
    await store.putNew("seg/1", body);
    expect(slow.applied).toBe(3);
    expect(store.counters.get("s3.put")).toBe(4);
    expect(store.counters.get("s3.retries")).toBe(3);
    expect(store.counters.get("s3.bytesPut")).toBe(body.length);
    expect((await direct.get("seg/1")).equals(body)).toBe(true);
  });

  it("retries a burst of 500 InternalError on GET and ranged GET", async () => {
    await direct.putNew("obj", Buffer.from("0123456789"));
    proxy.inject({ action: faults.internalError(), method: "GET", times: 2 });
    expect((await store.get("obj")).toString()).toBe("0123456789");
    proxy.inject({ action: faults.internalError(), method: "GET", times: 1 });
    expect((await store.getRange("obj", 2, 3)).toString()).toBe("234");
    expect(store.counters.get("s3.retries")).toBe(3);
    expect(store.counters.get("s3.get")).toBe(5);
  });

  it("retries list and deleteMany through SlowDown", async () => {
    await direct.putNew("a", Buffer.from("a"));
    proxy.inject({ action: faults.slowDown(), method: "GET", times: 1 });
    proxy.inject({ action: faults.slowDown(), method: "POST", path: /\?delete/, times: 2 });
    const keys = [];
    for await (const info of store.list("")) keys.push(info.key);
    expect(keys).toEqual(["a"]);
    await store.deleteMany(["a"]);
    await expect(direct.get("a")).rejects.toThrow(/not found/);
    expect(store.counters.snapshot()).toMatchObject({
      "s3.list": 2,
      "s3.delete": 3,
      "s3.retries": 3,
    });
  });

  it("retries a connection reset before the server saw the request", async () => {
    proxy.inject({ action: faults.resetBeforeUpstream(), times: 2 });
    await store.putNew("reset", Buffer.from("payload"));
    expect((await direct.get("reset")).toString()).toBe("payload");
    expect(store.counters.get("s3.retries")).toBe(2);
  });

  it("times out a request that hangs, and retries it", async () => {
    proxy.inject({ action: faults.hang(), times: 1 });
    await store.putNew("hung", Buffer.from("payload"));
    expect((await direct.get("hung")).toString()).toBe("payload");
    expect(store.counters.get("s3.retries")).toBe(1);
  });
});

describe("S3ObjectStore when faults persist", () => {
  it("gives up after the configured attempts with StorageUnavailableError and the cause", async () => {
    proxy.inject({ action: faults.slowDown() });
    const err = await store.putNew("never", Buffer.from("x")).catch((e) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect(err.retriable).toBe(true);
    expect(err.message).toMatch(new RegExp(`after ${MAX_ATTEMPTS} attempts.*SlowDown`));
    expect(err.cause?.name).toBe("SlowDown");
    expect(store.counters.get("s3.put")).toBe(MAX_ATTEMPTS);
    expect(store.counters.get("s3.retries")).toBe(MAX_ATTEMPTS - 1);
    proxy.clear();
    await expect(direct.get("never")).rejects.toThrow(/not found/);
  });

  it("answers a refusal (403 AccessDenied) at once, as non-retriable", async () => {
    proxy.inject({ action: faults.s3Error(403, "AccessDenied"), method: "PUT" });
    const denied = await store.putNew("denied", Buffer.from("x")).catch((e) => e);
    expect(denied).toBeInstanceOf(StorageRejectedError);
    expect(denied.retriable).toBe(false);
    expect(denied.message).toMatch(/AccessDenied/);
    expect(store.counters.get("s3.retries")).toBe(0);
  });

  it("retries credentials that expired mid-flight (400 ExpiredToken)", async () => {
    proxy.inject({ action: faults.s3Error(400, "ExpiredToken"), method: "PUT", times: 1 });
    await store.putNew("expired", Buffer.from("x"));
    expect(store.counters.get("s3.retries")).toBe(1);
    expect((await direct.get("expired")).toString()).toBe("x");
  });

  it("gives up on a server that never answers", async () => {
    proxy.inject({ action: faults.hang() });
    const err = await store.get("k").catch((e) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect(err.cause?.name).toBe("TimeoutError");
    expect(store.counters.get("s3.retries")).toBe(MAX_ATTEMPTS - 1);
  });
});

describe("S3ObjectStore and ambiguous PUTs", () => {
  it("reports success, not ObjectExistsError, when a PUT landed but its answer was lost", async () => {
    proxy.inject({ action: faults.resetAfterUpstream(), method: "PUT", times: 1 });
    const body = randomBytes(64 * 1024);
    await store.putNew("ambiguous", body);
    expect((await direct.get("ambiguous")).equals(body)).toBe(true);
    // The first PUT landed, the retry got 412, and a HEAD showed the object is ours.
    expect(proxy.log.map((e) => `${e.method} ${e.fault ?? "ok"}`)).toEqual([
      "PUT reset",
      "PUT ok",
      "HEAD ok",
    ]);
    expect(store.counters.snapshot()).toMatchObject({
      "s3.put": 2,
      "s3.retries": 1,
      "s3.bytesPut": body.length,
    });
  });

  it("still reports ObjectExistsError after a retry when the stored object is not ours", async () => {
    const theirs = Buffer.from("theirs-0123456789");
    const ours = Buffer.from("ours---0123456789"); // same size: the checksums must decide
    await direct.putNew("taken", theirs);
    proxy.inject({ action: faults.resetBeforeUpstream(), method: "PUT", times: 1 });
    const err = await store.putNew("taken", ours).catch((e) => e);
    expect(err).toBeInstanceOf(ObjectExistsError);
    expect(err.key).toBe("taken");
    expect((await direct.get("taken")).equals(theirs)).toBe(true);
  });

  it("reports ObjectExistsError at once, without a content check, when the first attempt gets 412", async () => {
    await direct.putNew("first", Buffer.from("x"));
    await expect(store.putNew("first", Buffer.from("x"))).rejects.toBeInstanceOf(ObjectExistsError);
    expect(proxy.log.map((e) => e.method)).toEqual(["PUT"]);
  });
});
