/**
 * A small router over route modules. A route names its method and path pattern
 * (`/v1/topics/{topic}/partitions/{partition}/records`) and declares nothing else: its
 * parameters and body are validated against the OpenAPI operation of the same method and path
 * before the route runs, so the document is the one source of truth for request shapes. A host
 * serves a subset by passing only some modules (each Lambda function serves its own), and later
 * resources (consumer groups) are one more module.
 */
import type { HttpContext } from "./context.ts";
import { check, type Operation, operationOf, type Parameter } from "./schema.ts";
import { HttpError, type HttpRequest, type HttpResponse } from "./types.ts";

/** Path and query values after validation: integers as numbers, the rest as strings. */
export type Params = Record<string, string | number | undefined>;

export interface RouteInput {
  params: Params;
  query: Params;
  /** The parsed JSON body, already valid against the operation's schema (undefined if none). */
  body: unknown;
  request: HttpRequest;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  handle(ctx: HttpContext, input: RouteInput): Promise<HttpResponse>;
}

interface Compiled {
  route: Route;
  regex: RegExp;
  names: string[];
  operation: Operation;
}

function compile(route: Route): Compiled {
  const names: string[] = [];
  // Paths are letters, digits, '/' and '{name}': only the parameters need translating.
  const source = route.path.replace(/\{(\w+)\}/g, (_, n: string) => {
    names.push(n);
    return "([^/]+)";
  });
  const operation = operationOf(route.method, route.path);
  if (!operation) {
    throw new Error(`route ${route.method} ${route.path} is not in lib/http/openapi.json`);
  }
  return { route, regex: new RegExp(`^${source}$`), names, operation };
}

function coerce(p: Parameter, raw: string): string | number {
  const types = Array.isArray(p.schema.type) ? p.schema.type : [p.schema.type];
  if (!types.includes("integer")) return raw;
  if (!/^-?\d+$/.test(raw)) {
    throw new HttpError(
      400,
      "invalid_parameter",
      `${p.name} must be an integer, got ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}

function readParams(
  op: Operation,
  where: "path" | "query",
  raw: Record<string, string | undefined>,
): Params {
  const out: Params = {};
  const declared = (op.parameters ?? []).filter((p) => p.in === where);
  if (where === "query") {
    for (const name of Object.keys(raw)) {
      if (!declared.some((p) => p.name === name)) {
        const known = declared.map((p) => p.name).join(", ") || "none";
        throw new HttpError(
          400,
          "invalid_parameter",
          `unknown query parameter ${name} (known: ${known})`,
        );
      }
    }
  }
  for (const p of declared) {
    const value = raw[p.name];
    if (value === undefined || value === "") {
      if (p.required) throw new HttpError(400, "invalid_parameter", `${p.name} is required`);
      continue;
    }
    const v = coerce(p, value);
    check(p.schema, v, "invalid_parameter", p.name);
    out[p.name] = v;
  }
  return out;
}

function readBody(op: Operation, req: HttpRequest): unknown {
  if (!op.requestBody) return undefined;
  const empty = req.body === undefined || req.body.length === 0;
  if (empty) {
    if (op.requestBody.required)
      throw new HttpError(400, "invalid_body", "a JSON body is required");
    return undefined;
  }
  const type = req.headers["content-type"];
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    throw new HttpError(
      415,
      "unsupported_media_type",
      `content-type must be application/json, got ${type}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(req.body!.toString("utf8"));
  } catch (err) {
    throw new HttpError(400, "invalid_json", `body is not valid JSON: ${(err as Error).message}`);
  }
  check(op.requestBody.content["application/json"].schema, body, "invalid_body");
  return body;
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map(compile);
  }

  /** Method and path of every route served, for the OpenAPI conformance test. */
  routes(): { method: string; path: string }[] {
    return this.compiled.map((c) => ({ method: c.route.method, path: c.route.path }));
  }

  async dispatch(ctx: HttpContext, req: HttpRequest): Promise<HttpResponse> {
    const allowed: string[] = [];
    for (const c of this.compiled) {
      const m = c.regex.exec(req.path);
      if (!m) continue;
      if (c.route.method !== req.method.toUpperCase()) {
        allowed.push(c.route.method);
        continue;
      }
      const rawPath: Record<string, string> = {};
      c.names.forEach((name, i) => {
        try {
          rawPath[name] = decodeURIComponent(m[i + 1]);
        } catch {
          throw new HttpError(400, "invalid_parameter", `${name} is not valid percent-encoding`);
        }
      });
      const params = readParams(c.operation, "path", rawPath);
      const query = readParams(c.operation, "query", req.query);
      const body = readBody(c.operation, req);
      return c.route.handle(ctx, { params, query, body, request: req });
    }
    if (allowed.length > 0) {
      throw new HttpError(
        405,
        "method_not_allowed",
        `${req.method} is not allowed on ${req.path}`,
        {
          headers: { allow: allowed.join(", ") },
        },
      );
    }
    throw new HttpError(404, "not_found", `no route for ${req.method} ${req.path}`);
  }
}
