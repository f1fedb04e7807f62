/**
 * The HTTP API over real HTTP (node:http, fetch()): the local server next to an embedded front,
 * keep-alive, 413 for oversize bodies without reading them, clean close of a long poll, and
 * `floe dev` printing and serving its HTTP URL.
 */
import { spawn } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningFront, startEmbeddedFront } from "../../../lib/front/node.ts";
import { serveFrontOverHttp } from "../../../lib/http/local.ts";
import type { HttpServer } from "../../../lib/http/server.ts";
import { silentLogger } from "../../../lib/logger.ts";
import { tempDataDir } from "../../helpers/floe-process.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const MAX_BODY = 64 * 1024;
let front: RunningFront;
let server: HttpServer;

beforeAll(async () => {
  front = await startEmbeddedFront({ dataDir: tempDataDir("floe-http-srv-"), broker: { port: 0 } });
  server = await serveFrontOverHttp(
    front,
    { host: "127.0.0.1", port: 0, http: { maxBodyBytes: MAX_BODY } },
    silentLogger,
  );
});
afterAll(async () => {
  await server.close();
  await front.close();
});

describe("local HTTP server", () => {
  it("produces and fetches over real HTTP", async () => {
    const produced = await fetch(`${server.url}/v1/topics/web/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ valueEncoding: "string", records: [{ value: "hello" }] }),
    });
    expect(produced.status).toBe(200);
    expect(produced.headers.get("content-type")).toBe("application/json");
    const fetched = await fetch(
      `${server.url}/v1/topics/web/partitions/0/records?offset=0&valueEncoding=string`,
    );
    expect(((await fetched.json()) as Json).records[0].value).toBe("hello");
  });

  it("keeps the connection alive between requests", async () => {
    const sockets = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((done, fail) => {
        const req = httpRequest(`${server.url}/v1/topics`, { agent: keepAlive }, (res) => {
          sockets.add(req.socket);
          res.resume();
          res.on("end", done);
        });
        req.on("error", fail);
        req.end();
      });
    }
    expect(sockets.size).toBe(1);
  });

  it("answers 413 to a declared oversize body before it is sent", async () => {
    const res = await new Promise<{ status: number; body: string }>((done, fail) => {
      const req = httpRequest(`${server.url}/v1/topics/web/records`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": String(512 * 1024 * 1024),
        },
      });
      req.on("response", (r) => {
        let body = "";
        r.on("data", (d: Buffer) => {
          body += d.toString();
        });
        r.on("end", () => done({ status: r.statusCode!, body }));
      });
      req.on("error", fail);
      // Only the first kilobyte of the declared half gigabyte is ever written.
      req.write(Buffer.alloc(1024, 0x20));
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("body_too_large");
  });

  it("answers 413 to a chunked body once it crosses the limit, without pulling the rest", async () => {
    let pulledBytes = 0;
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // A 1 GiB body, if the server read it all.
        if (pulledBytes >= 1024 * 1024 * 1024) return controller.close();
        pulledBytes += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${server.url}/v1/topics/web/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as Json).error.code).toBe("body_too_large");
    expect(pulledBytes).toBeLessThan(32 * 1024 * 1024);
  });

  it("ends a long poll when the server closes", async () => {
    const other = await serveFrontOverHttp(front, { host: "127.0.0.1", port: 0 }, silentLogger);
    const started = Date.now();
    const poll = fetch(`${other.url}/v1/topics/web/partitions/0/records?offset=1&maxWaitMs=15000`);
    await new Promise((r) => setTimeout(r, 200));
    await other.close();
    const res = await poll;
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).records).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("floe dev", () => {
  it("prints the HTTP URL next to the Kafka line and serves the API there", async () => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, "lib/cli/main.ts"),
        "dev",
        "--port",
        "0",
        "--data-dir",
        tempDataDir(),
        "--log-level",
        "warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const url = await new Promise<string>((done, fail) => {
        let out = "";
        const timer = setTimeout(() => fail(new Error(`no HTTP line in 30 s:\n${out}`)), 30_000);
        child.stdout!.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /serving its HTTP API on (http:\/\/\S+)\/v1/.exec(out);
          if (m) {
            clearTimeout(timer);
            done(m[1]);
          }
        });
        child.once("exit", (code) => fail(new Error(`floe dev exited with ${code}`)));
      });
      // --port given: the HTTP port is a free one, not 8092.
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/v1/topics`);
      expect(await res.json()).toEqual({ topics: [] });
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });
});

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
type Json = any;
const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
