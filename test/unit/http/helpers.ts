/**
 * The HTTP API over a real embedded front (filesystem segments + SQLite in a temp dir), called
 * sans-I/O. Every response is checked against the OpenAPI document's schema for its operation
 * and status, so each test doubles as a conformance test.
 */
import { expect } from "vitest";
import { httpConfig } from "../../../lib/config/http-config.ts";
import { type RunningFront, startEmbeddedFront } from "../../../lib/front/node.ts";
import { createHttpApi, type HttpApi } from "../../../lib/http/api.ts";
import { createHttpContext } from "../../../lib/http/context.ts";
import { OPENAPI, responseSchema, validate } from "../../../lib/http/schema.ts";
import type { HttpRequest, HttpResponse } from "../../../lib/http/types.ts";
import { tempDataDir } from "../../helpers/floe-process.ts";

export interface Harness {
  front: RunningFront;
  api: HttpApi;
  call(method: string, path: string, init?: CallInit): Promise<Answer>;
  close(): Promise<void>;
}

export interface CallInit {
  query?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  json: any;
}

/** The document's path pattern matching a concrete path, if any. */
export function patternOf(method: string, path: string): string | undefined {
  for (const [pattern, ops] of Object.entries(OPENAPI.paths)) {
    const re = new RegExp(`^${pattern.replace(/\{\w+\}/g, "[^/]+")}$`);
    if (re.test(path) && ops[method.toLowerCase()]) return pattern;
  }
  return undefined;
}

/** Asserts `res` is valid for the documented operation (errors always match Error). */
export function expectConforms(method: string, path: string, res: Answer): void {
  const pattern = patternOf(method, path);
  if (!pattern) {
    expect([404, 405]).toContain(res.status);
    expect(validate({ $ref: "#/components/schemas/Error" }, res.json)).toEqual([]);
    return;
  }
  const op = OPENAPI.paths[pattern][method.toLowerCase()];
  const schema = responseSchema(op, res.status);
  expect(schema, `${method} ${pattern} documents no ${res.status} response`).toBeDefined();
  expect(validate(schema!, res.json), `${method} ${path} → ${res.status}`).toEqual([]);
}

export function toRequest(method: string, path: string, init: CallInit = {}): HttpRequest {
  let body: Buffer | undefined;
  if (init.body instanceof Buffer) body = init.body;
  else if (typeof init.body === "string") body = Buffer.from(init.body);
  else if (init.body !== undefined) body = Buffer.from(JSON.stringify(init.body));
  return {
    method,
    path,
    query: init.query ?? {},
    headers: { "content-type": "application/json", ...init.headers },
    body,
    signal: init.signal,
  };
}

export function answerOf(res: HttpResponse): Answer {
  return { status: res.status, headers: res.headers, json: JSON.parse(res.body) };
}

export async function startHarness(
  options: {
    broker?: Record<string, unknown>;
    http?: Record<string, unknown>;
    random?: () => number;
  } = {},
): Promise<Harness> {
  const front = await startEmbeddedFront({
    dataDir: tempDataDir("floe-http-"),
    broker: { port: 0, ...options.broker },
  });
  const ctx = createHttpContext({
    broker: front.config,
    http: httpConfig(options.http),
    log: front.log,
    topics: front.topics,
    metadata: front.metadata,
    random: options.random,
  });
  const api = createHttpApi(ctx);
  return {
    front,
    api,
    async call(method, path, init) {
      const res = answerOf(await api.handle(toRequest(method, path, init)));
      expectConforms(method, path, res);
      return res;
    },
    close: () => front.close(),
  };
}
