/**
 * Storage failures over HTTP: a retriable one (S3 PUT refused, DynamoDB throttled) is a 503 with
 * Retry-After and leaves nothing visible; anything unexpected is a 500 that does not leak its
 * message; neither is ever blamed on the client.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogService } from "../../../lib/broker/log/log-service.ts";
import { TopicRegistry } from "../../../lib/broker/topics/topic-registry.ts";
import { brokerConfig } from "../../../lib/config/broker-config.ts";
import { httpConfig } from "../../../lib/config/http-config.ts";
import { createHttpApi, type HttpApi } from "../../../lib/http/api.ts";
import { createHttpContext } from "../../../lib/http/context.ts";
import { StorageUnavailableError } from "../../../lib/storage/errors.ts";
import type { MetadataStore } from "../../../lib/storage/ports.ts";
import { FaultyObjectStore, openStores, type Stores } from "../broker/log/helpers.ts";
import { answerOf, expectConforms, toRequest } from "./helpers.ts";

let stores: Stores;
let objectStore: FaultyObjectStore;
let log: LogService;
let api: HttpApi;
/** What listTopics throws next, if anything. */
let listFailure: Error | undefined;

beforeAll(async () => {
  stores = await openStores();
  objectStore = new FaultyObjectStore(stores.objectStore);
  const inner = stores.metadataStore;
  const metadata = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "listTopics" && listFailure) {
        const err = listFailure;
        return () => Promise.reject(err);
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as MetadataStore;
  log = new LogService({ objectStore, metadataStore: metadata, config: { lingerMs: 0 } });
  const broker = brokerConfig();
  api = createHttpApi(
    createHttpContext({
      broker,
      http: httpConfig(),
      log,
      topics: new TopicRegistry(metadata, broker.metadataCacheMs),
      metadata,
    }),
  );
});
afterAll(async () => {
  await log.close();
  await stores.cleanup();
});

async function call(method: string, path: string, body?: unknown) {
  const res = answerOf(await api.handle(toRequest(method, path, { body })));
  expectConforms(method, path, res);
  return res;
}

describe("storage failures", () => {
  it("a refused segment PUT is 503 with Retry-After, and a retry succeeds", async () => {
    await call("POST", "/v1/topics", { name: "flaky", partitions: 1 });
    objectStore.failPuts = 1;
    const failed = await call("POST", "/v1/topics/flaky/records", { records: [{ value: 1 }] });
    expect(failed.status).toBe(503);
    expect(failed.headers["retry-after"]).toBe("1");
    expect(failed.json.offsets[0].error.code).toBe("storage_unavailable");
    expect((await call("GET", "/v1/topics/flaky")).json.partitions[0].highWatermark).toBe(0);
    const retried = await call("POST", "/v1/topics/flaky/records", { records: [{ value: 1 }] });
    expect(retried.json.offsets).toEqual([{ partition: 0, offset: 0 }]);
  });

  it("a throttled metadata read is 503 storage_unavailable", async () => {
    listFailure = new StorageUnavailableError("ProvisionedThroughputExceededException");
    try {
      const res = await call("GET", "/v1/topics");
      expect(res.status).toBe(503);
      expect(res.headers["retry-after"]).toBe("1");
      expect(res.json.error.code).toBe("storage_unavailable");
    } finally {
      listFailure = undefined;
    }
  });

  it("an unexpected error is 500 internal_error without its details", async () => {
    listFailure = new TypeError("secret internals");
    try {
      const res = await call("GET", "/v1/topics");
      expect(res.status).toBe(500);
      expect(res.json.error).toEqual({ code: "internal_error", message: "internal error" });
    } finally {
      listFailure = undefined;
    }
  });
});
