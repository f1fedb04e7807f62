/**
 * functions/produce.ts, fetch.ts and admin.ts invoked as Lambda invokes them — real API Gateway
 * HTTP API v2 events, IAM authorizer context included — against DynamoDB Local + moto, next to
 * an in-process AWS-backend Kafka front on the same table and bucket:
 *
 *   - records produced through the produce handler are read back by franz-go through the front
 *     and by the fetch handler;
 *   - records franz-go produced through the front are read by the fetch handler byte-identical
 *     (keys, values, headers; timestamps as a Kafka Fetch reports them);
 *   - a request without IAM context is 403 (unless FLOE_HTTP_AUTH=none), a route sent to the
 *     wrong function 404.
 */
import { randomBytes } from "node:crypto";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchOnce } from "../../lib/client/records-io.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import { awsConfigFromEnv } from "../../lib/config/aws-config.ts";
import { type RunningAwsFront, startAwsFront } from "../../lib/front/aws.ts";
import type { FloeLambdaHandler } from "../../lib/http/lambda.ts";
import { franzgoDriver } from "../compat/drivers.ts";
import { recordHeaders, recordKey, recordValue, sha256Hex } from "../compat/record-spec.ts";
import { type AwsEmulators, startAwsEmulators } from "../helpers/aws-cluster.ts";
import { emulatorFunctionEnv } from "../helpers/aws-env.ts";
import { expectConforms } from "../unit/http/helpers.ts";

let emulators: AwsEmulators;
let front: RunningAwsFront;
let kafka: WireClient;
let bootstrap: string;
let produceHandler: FloeLambdaHandler;
let fetchHandler: FloeLambdaHandler;
let adminHandler: FloeLambdaHandler;
const saved = { ...process.env };

beforeAll(async () => {
  emulators = await startAwsEmulators();
  // What the deployed functions get from CDK, pointed at the emulators. The handlers read it at
  // their first invocation (cold start), i.e. after this.
  Object.assign(process.env, {
    ...emulatorFunctionEnv(emulators, "floe-fn"),
    POWERTOOLS_METRICS_DISABLED: "true",
    POWERTOOLS_LOG_LEVEL: "WARN",
  });
  delete process.env.FLOE_HTTP_AUTH;
  // Imported only now, as Lambda loads them: Powertools reads its settings at module load.
  produceHandler = (await import("../../functions/produce.ts")).handler;
  fetchHandler = (await import("../../functions/fetch.ts")).handler;
  adminHandler = (await import("../../functions/admin.ts")).handler;
  front = await startAwsFront({
    aws: awsConfigFromEnv(process.env),
    createResources: true,
    broker: { host: "127.0.0.1", port: 0 },
  });
  bootstrap = `${front.endpoint.host}:${front.endpoint.port}`;
  kafka = await WireClient.connect(front.endpoint.host, front.endpoint.port);
});

afterAll(async () => {
  kafka?.close();
  await Promise.all([produceHandler, fetchHandler, adminHandler].map((h) => h?.reset()));
  await front?.close();
  await emulators?.stop();
  process.env = saved;
});

interface EventInit {
  query?: Record<string, string>;
  body?: unknown;
  /** Leave out requestContext.authorizer (a route without the IAM authorizer). */
  unsigned?: boolean;
}

/** An API Gateway HTTP API (payload 2.0) event, as the service sends it to the function. */
function eventOf(method: string, path: string, init: EventInit = {}): APIGatewayProxyEventV2 {
  const rawQueryString = new URLSearchParams(init.query ?? {}).toString();
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const now = new Date();
  return {
    version: "2.0",
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString,
    headers: {
      accept: "application/json",
      "content-type": "application/json",
      host: "abc123.execute-api.us-east-1.amazonaws.com",
      "user-agent": "floe-test",
      "x-amz-date": now.toISOString().replace(/[-:]|\.\d{3}/g, ""),
      ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }),
    },
    queryStringParameters: init.query,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "abc123",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "floe-test" },
      requestId: randomBytes(8).toString("hex"),
      routeKey: `${method} ${path}`,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(init.unsigned
        ? {}
        : {
            authorizer: {
              iam: {
                accessKey: "ASIAEXAMPLE",
                accountId: "123456789012",
                callerId: "AROAEXAMPLE:floe-test",
                cognitoIdentity: null,
                principalOrgId: null,
                userArn: "arn:aws:sts::123456789012:assumed-role/floe-client/floe-test",
                userId: "AROAEXAMPLE:floe-test",
              },
            },
          }),
    },
    body,
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

function contextOf(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `floe-${name}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:floe-${name}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomBytes(8).toString("hex"),
    logGroupName: `/aws/lambda/floe-${name}`,
    logStreamName: "2026/11/22/[$LATEST]0123456789abcdef",
    getRemainingTimeInMillis: () => 29_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
type Json = any;

async function invoke(
  handler: FloeLambdaHandler,
  method: string,
  path: string,
  init?: EventInit,
): Promise<{ status: number; json: Json }> {
  const name =
    handler === produceHandler ? "produce" : handler === fetchHandler ? "fetch" : "admin";
  const res = (await handler(
    eventOf(method, path, init),
    contextOf(name),
  )) as APIGatewayProxyStructuredResultV2;
  const answer = {
    status: res.statusCode!,
    headers: res.headers as Record<string, string>,
    json: JSON.parse(res.body!),
  };
  expectConforms(method, path, answer);
  return answer;
}

describe("HTTP handlers on the AWS backend", () => {
  it("produce handler → franz-go through the front and the fetch handler", async () => {
    const created = await invoke(adminHandler, "POST", "/v1/topics", {
      body: { name: "from-http", partitions: 3 },
    });
    expect(created.status).toBe(201);
    const records = Array.from({ length: 6 }, (_, i) => ({
      key: recordKey(i),
      value: recordValue(i).toString("latin1"),
      headers: recordHeaders(i, "http").map(([key, value]) => ({ key, value })),
      partition: i % 3,
      timestampMs: 1_750_000_000_000 + i,
    }));
    const produced = await invoke(produceHandler, "POST", "/v1/topics/from-http/records", {
      body: { valueEncoding: "string", records },
    });
    expect(produced.status).toBe(200);

    for (let p = 0; p < 3; p++) {
      const mine = records.map((r, i) => ({ ...r, i })).filter((r) => r.partition === p);
      const consumed = await franzgoDriver.seek({
        bootstrap,
        topic: "from-http",
        partition: p,
        seek: "earliest",
        expect: mine.length,
      });
      expect(consumed.map((c) => [c.key, c.valueSha256, c.headers, c.timestampMs])).toEqual(
        mine.map((r) => [
          r.key,
          sha256Hex(recordValue(r.i)),
          recordHeaders(r.i, "http"),
          r.timestampMs,
        ]),
      );
      const fetched = await invoke(
        fetchHandler,
        "GET",
        `/v1/topics/from-http/partitions/${p}/records`,
        {
          query: { offset: "0", valueEncoding: "string", keyEncoding: "string" },
        },
      );
      expect(
        fetched.json.records.map((r: Json) => [r.key, r.value, r.headers, r.timestampMs]),
      ).toEqual(mine.map((r) => [r.key, r.value, r.headers, r.timestampMs]));
      expect(fetched.json.records.map((r: Json) => r.offset)).toEqual(
        consumed.map((c) => c.offset),
      );
    }
  });

  it("franz-go through the front → fetch handler, byte-identical", async () => {
    const created = await invoke(adminHandler, "POST", "/v1/topics", {
      body: { name: "from-kafka", partitions: 2 },
    });
    expect(created.status).toBe(201);
    const count = 40;
    const rows = await franzgoDriver.produce({
      bootstrap,
      topic: "from-kafka",
      count,
      partitions: 2,
      compression: "zstd",
    });
    expect(rows).toHaveLength(count);
    for (let p = 0; p < 2; p++) {
      const viaKafka = await fetchOnce(kafka, "from-kafka", p, 0n, 0, 4 << 20);
      const viaHttp = await invoke(
        fetchHandler,
        "GET",
        `/v1/topics/from-kafka/partitions/${p}/records`,
        {
          query: { offset: "0" },
        },
      );
      const mine = rows.filter((r) => r.partition === p).sort((a, b) => a.offset! - b.offset!);
      expect(viaHttp.json.records).toHaveLength(mine.length);
      viaHttp.json.records.forEach((r: Json, k: number) => {
        const i = mine[k].i;
        expect(r.offset).toBe(mine[k].offset);
        expect(Buffer.from(r.key, "base64")).toEqual(Buffer.from(recordKey(i)));
        expect(Buffer.from(r.value, "base64")).toEqual(recordValue(i));
        expect(
          r.headers.map((h: Json) => [h.key, Buffer.from(h.value, "base64").toString()]),
        ).toEqual(recordHeaders(i, "franz-go"));
        expect(BigInt(r.timestampMs)).toBe(viaKafka.records[k].timestampMs);
      });
      expect(viaHttp.json.nextOffset).toBe(viaHttp.json.highWatermark);
    }
  });

  it("lists topics and offsets through the admin handler", async () => {
    const list = await invoke(adminHandler, "GET", "/v1/topics");
    expect(list.json.topics.map((t: Json) => t.name)).toEqual(
      expect.arrayContaining(["from-http", "from-kafka"]),
    );
    const offsets = await invoke(adminHandler, "GET", "/v1/topics/from-http/partitions/1/offsets", {
      query: { timestampMs: "1750000000004" },
    });
    expect(offsets.json).toMatchObject({
      logStartOffset: 0,
      highWatermark: 2,
      offset: 1,
      recordTimestampMs: 1_750_000_000_004,
    });
  });

  it("serves consumer-group leases from the admin function, on DynamoDB", async () => {
    const path = "/v1/groups/http-billing/topics/from-http/leases";
    const listed = await invoke(adminHandler, "GET", path);
    expect(listed.json.leases.map((l: Json) => [l.owner, l.counter])).toEqual(
      listed.json.leases.map(() => [null, 1]),
    );
    const taken = await invoke(adminHandler, "POST", `${path}/0/take`, {
      body: { owner: "w1", expectedCounter: 1 },
    });
    expect(taken.json).toMatchObject({ owner: "w1", epoch: 1, counter: 2 });
    const cp = await invoke(adminHandler, "POST", `${path}/0/checkpoint`, {
      body: { owner: "w1", epoch: 1, offset: 1 },
    });
    expect(cp.json.checkpoint).toBe(1);
    const stolen = await invoke(adminHandler, "POST", `${path}/0/take`, {
      body: { owner: "w2", expectedCounter: 3 },
    });
    expect(stolen.json).toMatchObject({ owner: "w2", epoch: 2 });
    const stale = await invoke(adminHandler, "POST", `${path}/0/renew`, {
      body: { owner: "w1", epoch: 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe("lease_lost");
    expect((await invoke(adminHandler, "GET", path)).json.leases[0].kafkaCommittedOffset).toBe(1);
    expect((await invoke(produceHandler, "GET", path)).status).toBe(404);
  });

  it("a fetch long poll wakes on a produce made by another function instance", async () => {
    // Two execution environments: the fetch function learns of the produce function's commit
    // by polling the partition head in DynamoDB, as in AWS.
    const since = (await invoke(adminHandler, "GET", "/v1/topics/from-http/partitions/0/offsets"))
      .json.highWatermark;
    const started = Date.now();
    const poll = invoke(fetchHandler, "GET", "/v1/topics/from-http/partitions/0/records", {
      query: { offset: String(since), maxWaitMs: "15000", valueEncoding: "string" },
    });
    await new Promise((r) => setTimeout(r, 300));
    await invoke(produceHandler, "POST", "/v1/topics/from-http/records", {
      body: { valueEncoding: "string", records: [{ value: "wake", partition: 0 }] },
    });
    const res = await poll;
    expect(res.json.records.map((r: Json) => r.value)).toEqual(["wake"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("ends a long poll before the function's timeout", async () => {
    const hwm = (await invoke(adminHandler, "GET", "/v1/topics/from-http/partitions/2/offsets"))
      .json.highWatermark;
    const context = { ...contextOf("fetch"), getRemainingTimeInMillis: () => 1_500 };
    const started = Date.now();
    const res = await fetchHandler(
      eventOf("GET", "/v1/topics/from-http/partitions/2/records", {
        query: { offset: String(hwm), maxWaitMs: "15000" },
      }),
      context,
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!).records).toEqual([]);
    // 1 500 ms left minus the 1 000 ms margin.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("takes a base64-encoded event body and refuses an oversize one with 413", async () => {
    const body = JSON.stringify({
      valueEncoding: "string",
      records: [{ value: "b64", partition: 1 }],
    });
    const event = eventOf("POST", "/v1/topics/from-http/records");
    event.body = Buffer.from(body).toString("base64");
    event.isBase64Encoded = true;
    const res = await produceHandler(event, contextOf("produce"));
    expect(res.statusCode).toBe(200);
    const big = await invoke(produceHandler, "POST", "/v1/topics/from-http/records", {
      body: { records: [{ value: "x".repeat(6 * 1024 * 1024) }] },
    });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe("body_too_large");
  });

  it("hands out producer ids for idempotent produce", async () => {
    const a = await invoke(produceHandler, "POST", "/v1/producers");
    const b = await invoke(produceHandler, "POST", "/v1/producers");
    expect(a.status).toBe(201);
    expect(b.json.producerId).not.toBe(a.json.producerId);
  });

  it("answers 404 for a route sent to the wrong function", async () => {
    const res = await invoke(produceHandler, "GET", "/v1/topics/from-http/partitions/0/records", {
      query: { offset: "0" },
    });
    expect(res.status).toBe(404);
    expect((await invoke(fetchHandler, "GET", "/v1/topics")).status).toBe(404);
    expect(
      (
        await invoke(adminHandler, "POST", "/v1/topics/from-http/records", {
          body: { records: [{ value: 1 }] },
        })
      ).status,
    ).toBe(404);
  });

  it("refuses a request without IAM context with 403, and appends nothing", async () => {
    const highWatermarks = async () =>
      (await invoke(adminHandler, "GET", "/v1/topics/from-http")).json.partitions.map(
        (p: Json) => p.highWatermark,
      );
    const before = await highWatermarks();
    for (const [handler, method, path] of [
      [produceHandler, "POST", "/v1/topics/from-http/records"],
      [fetchHandler, "GET", "/v1/topics/from-http/partitions/0/records"],
      [adminHandler, "DELETE", "/v1/topics/from-http"],
    ] as const) {
      const res = await invoke(handler, method, path, {
        unsigned: true,
        body: method === "POST" ? { records: [{ value: 1, partition: 0 }] } : undefined,
        query: method === "GET" ? { offset: "0" } : undefined,
      });
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe("forbidden");
    }
    expect(await highWatermarks()).toEqual(before);
  });

  it("accepts unsigned requests with FLOE_HTTP_AUTH=none, validated at cold start", async () => {
    process.env.FLOE_HTTP_AUTH = "none";
    await adminHandler.reset();
    try {
      expect((await invoke(adminHandler, "GET", "/v1/topics", { unsigned: true })).status).toBe(
        200,
      );
      process.env.FLOE_HTTP_AUTH = "nobody";
      await adminHandler.reset();
      await expect(adminHandler(eventOf("GET", "/v1/topics"), contextOf("admin"))).rejects.toThrow(
        /FLOE_HTTP_AUTH: expected one of iam, none/,
      );
    } finally {
      delete process.env.FLOE_HTTP_AUTH;
      // Imported only now, as Lambda loads them: Powertools reads its settings at module load.
      produceHandler = (await import("../../functions/produce.ts")).handler;
      fetchHandler = (await import("../../functions/fetch.ts")).handler;
      adminHandler = (await import("../../functions/admin.ts")).handler;
      await adminHandler.reset();
    }
  });
});
