/**
 * The HTTP fault proxy (test/helpers/fault-proxy.ts) that the AWS-adapter fault tests stand on:
 * it forwards faithfully, and each fault does exactly what it says — including whether the
 * upstream saw the request, which is what separates a clean failure from an ambiguous one.
 * The upstream here is a small echo server; the SDK clients at the end check that the injected
 * error bodies parse as the real services' errors.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FaultProxy, faults, startFaultProxy } from "../../helpers/fault-proxy.ts";

interface Seen {
  method: string;
  url: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

let upstream: Server;
let seen: Seen[];
let proxy: FaultProxy;

beforeEach(async () => {
  seen = [];
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, body, headers: req.headers });
      res.writeHead(201, { "content-type": "text/plain", "x-echo": "yes" });
      res.end(`echo ${req.method} ${req.url} ${body}`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  proxy = await startFaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

afterEach(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${proxy.endpoint}${path}`, {
      method,
      headers: options.headers,
      agent: false,
    });
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error("client timeout")));
    }
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.end(options.body);
  });
}

describe("fault proxy: forwarding", () => {
  it("passes method, path, query, headers and body through, and the answer back", async () => {
    const reply = await send("PUT", "/bucket/key?x=1", {
      body: "payload",
      headers: { "x-amz-meta-a": "b" },
    });
    expect(reply).toMatchObject({ status: 201, body: "echo PUT /bucket/key?x=1 payload" });
    expect(reply.headers["x-echo"]).toBe("yes");
    expect(seen).toHaveLength(1);
    expect(seen[0].headers["x-amz-meta-a"]).toBe("b");
    expect(proxy.log).toEqual([
      { method: "PUT", url: "/bucket/key?x=1", target: undefined, fault: undefined },
    ]);
  });
});

describe("fault proxy: error responses", () => {
  it("answers 503 SlowDown as S3 does, for the next N requests only, without forwarding them", async () => {
    const rule = proxy.inject({ action: faults.slowDown(), times: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await send("PUT", "/b/k", { body: "x" });
      expect(r.status).toBe(503);
      expect(r.headers["content-type"]).toBe("application/xml");
      expect(r.body).toContain("<Code>SlowDown</Code>");
    }
    expect((await send("PUT", "/b/k", { body: "x" })).status).toBe(201);
    expect(seen).toHaveLength(1);
    expect(rule.applied).toBe(2);
    expect(proxy.log.map((e) => e.fault)).toEqual(["s3Error", "s3Error", undefined]);
  });

  it("answers 500 InternalError", async () => {
    proxy.inject({ action: faults.internalError() });
    const r = await send("GET", "/b/k");
    expect(r.status).toBe(500);
    expect(r.body).toContain("<Code>InternalError</Code>");
  });

  it("answers DynamoDB-style JSON errors, filtered by X-Amz-Target", async () => {
    proxy.inject({ action: faults.provisionedThroughputExceeded(), target: "PutItem" });
    const put = await send("POST", "/", {
      body: "{}",
      headers: { "x-amz-target": "DynamoDB_20120810.PutItem" },
    });
    expect(put.status).toBe(400);
    expect(put.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(JSON.parse(put.body)).toEqual({
      __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
      message: expect.any(String),
    });
    const get = await send("POST", "/", {
      body: "{}",
      headers: { "x-amz-target": "DynamoDB_20120810.GetItem" },
    });
    expect(get.status).toBe(201);
    expect(proxy.log.map((e) => e.target)).toEqual([
      "DynamoDB_20120810.PutItem",
      "DynamoDB_20120810.GetItem",
    ]);
  });

  it("filters by method and by path prefix or pattern", async () => {
    proxy.inject({ action: faults.internalError(), method: "DELETE" });
    proxy.inject({ action: faults.slowDown(), path: "/b/seg/" });
    proxy.inject({ action: faults.throttling(), path: /\?delete$/ });
    expect((await send("DELETE", "/b/x")).status).toBe(500);
    expect((await send("GET", "/b/seg/1")).status).toBe(503);
    const t = await send("POST", "/b?delete", { body: "<Delete/>" });
    expect(JSON.parse(t.body).__type).toBe("com.amazon.coral.availability#ThrottlingException");
    expect((await send("GET", "/b/other")).status).toBe(201);
  });

  it("applies a rule to a fraction of requests", async () => {
    await proxy.close();
    const draws = [0.1, 0.9, 0.3, 0.7];
    let i = 0;
    proxy = await startFaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, {
      random: () => draws[i++ % draws.length],
    });
    proxy.inject({ action: faults.slowDown(), fraction: 0.5 });
    const statuses = [];
    for (let n = 0; n < 4; n++) statuses.push((await send("GET", "/b/k")).status);
    expect(statuses).toEqual([503, 201, 503, 201]);
  });

  it("stops injecting after remove() and clear(); resetLog() empties the log", async () => {
    const a = proxy.inject({ action: faults.slowDown() });
    proxy.inject({ action: faults.internalError() });
    expect((await send("GET", "/b/k")).status).toBe(503);
    a.remove();
    expect((await send("GET", "/b/k")).status).toBe(500);
    proxy.clear();
    expect((await send("GET", "/b/k")).status).toBe(201);
    expect(proxy.log.map((e) => e.fault)).toEqual(["s3Error", "s3Error", undefined]);
    proxy.resetLog();
    expect(proxy.log).toEqual([]);
  });
});

describe("fault proxy: network faults", () => {
  it("adds latency, then forwards", async () => {
    proxy.inject({ action: faults.latency(300), times: 1 });
    const started = performance.now();
    expect((await send("GET", "/b/k")).status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(seen).toHaveLength(1);
  });

  it("hangs: never answers, so the client's timeout fires; the upstream never sees it", async () => {
    proxy.inject({ action: faults.hang() });
    await expect(send("PUT", "/b/k", { body: "x", timeoutMs: 300 })).rejects.toThrow(
      /client timeout/,
    );
    expect(seen).toHaveLength(0);
  });

  it("resets the connection before the upstream sees the request", async () => {
    proxy.inject({ action: faults.resetBeforeUpstream(), times: 1 });
    await expect(send("PUT", "/b/k", { body: "x" })).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(seen).toHaveLength(0);
  });

  it("resets the connection after the upstream has answered: the ambiguous case", async () => {
    proxy.inject({ action: faults.resetAfterUpstream(), times: 1 });
    await expect(send("PUT", "/b/k", { body: "landed" })).rejects.toMatchObject({
      code: "ECONNRESET",
    });
    expect(seen.map((s) => s.body)).toEqual(["landed"]);
    expect((await send("GET", "/b/k")).status).toBe(201);
  });
});

describe("fault proxy: errors as the AWS SDK parses them", () => {
  const credentials = { accessKeyId: "test", secretAccessKey: "test" };

  it("S3: SlowDown becomes an S3ServiceException named SlowDown with status 503", async () => {
    proxy.inject({ action: faults.slowDown() });
    const s3 = new S3Client({
      endpoint: proxy.endpoint,
      region: "us-east-1",
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    const err = await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" })).catch((e) => e);
    s3.destroy();
    expect(err.name).toBe("SlowDown");
    expect(err.$metadata.httpStatusCode).toBe(503);
  });

  it("DynamoDB: the JSON bodies become the SDK's typed exceptions", async () => {
    proxy.inject({ action: faults.provisionedThroughputExceeded(), times: 1 });
    proxy.inject({ action: faults.throttling(), times: 1 });
    const ddb = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: "us-east-1",
      credentials,
      maxAttempts: 1,
    });
    const put = () =>
      ddb.send(new PutItemCommand({ TableName: "t", Item: { pk: { S: "a" } } })).catch((e) => e);
    expect((await put()).name).toBe("ProvisionedThroughputExceededException");
    expect((await put()).name).toBe("ThrottlingException");
    ddb.destroy();
  });
});
