/**
 * An HTTP fault proxy for tests of the AWS adapters: it sits between an AWS SDK client and an
 * emulator (moto, DynamoDB Local, LocalStack) and, per request, either forwards it or injects a
 * fault that can be switched at run time:
 *
 *   const proxy = await startFaultProxy(upstreamEndpoint);
 *   const client = new S3Client({ endpoint: proxy.endpoint, forcePathStyle: true, ... });
 *   proxy.inject({ action: faults.slowDown(), times: 3, method: "PUT" });
 *   proxy.inject({ action: faults.provisionedThroughputExceeded(), fraction: 0.5,
 *                  target: "TransactWriteItems" });
 *
 * Faults: an S3 XML error (503 SlowDown, 500 InternalError, any status/code), a DynamoDB JSON
 * error (400 ThrottlingException / ProvisionedThroughputExceededException, any type), added
 * latency before forwarding, a hang (never answers: the client's timeout fires), and a TCP
 * reset either before the request reaches the upstream (nothing happened) or after the
 * upstream has fully answered it (the request took effect but the client cannot know: the
 * ambiguous case). A rule applies to the next `times` matching requests (default: all) and/or a
 * `fraction` of them, and can be narrowed by method, by path (a string prefix of path+query, or
 * a RegExp), by X-Amz-Target (the DynamoDB operation, e.g. "PutItem" or
 * "DynamoDB_20120810.PutItem") or by any predicate. Rules are tried in order; the first that
 * matches and draws its fraction applies; no rule → plain forwarding.
 *
 * The Host header is forwarded unchanged, so SigV4 signatures name the proxy: fine for
 * emulators (they do not check signatures), not for real AWS.
 */
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { httpForwarder, listenLoopback } from "./http-forward.ts";

export type FaultAction =
  | {
      readonly kind: "s3Error";
      readonly status: number;
      readonly code: string;
      readonly message: string;
    }
  | {
      readonly kind: "dynamoError";
      readonly status: number;
      readonly errorType: string;
      readonly message: string;
    }
  | { readonly kind: "latency"; readonly delayMs: number }
  | { readonly kind: "hang" }
  | { readonly kind: "reset"; readonly when: "beforeUpstream" | "afterUpstream" };

const DYNAMODB_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";

export const faults = {
  s3Error: (status: number, code: string, message = `injected ${code}`): FaultAction => ({
    kind: "s3Error",
    status,
    code,
    message,
  }),
  slowDown: (): FaultAction => faults.s3Error(503, "SlowDown", "Please reduce your request rate."),
  internalError: (): FaultAction =>
    faults.s3Error(500, "InternalError", "We encountered an internal error. Please try again."),
  /** `errorType` without a '#' gets DynamoDB's namespace prefix. */
  dynamoError: (
    errorType: string,
    message = `injected ${errorType}`,
    status = 400,
  ): FaultAction => ({
    kind: "dynamoError",
    status,
    errorType: errorType.includes("#") ? errorType : DYNAMODB_ERROR_PREFIX + errorType,
    message,
  }),
  throttling: (): FaultAction =>
    faults.dynamoError(
      "com.amazon.coral.availability#ThrottlingException",
      "Rate of requests exceeds the allowed throughput.",
    ),
  provisionedThroughputExceeded: (): FaultAction =>
    faults.dynamoError(
      "ProvisionedThroughputExceededException",
      "The level of configured provisioned throughput for the table was exceeded.",
    ),
  latency: (delayMs: number): FaultAction => ({ kind: "latency", delayMs }),
  hang: (): FaultAction => ({ kind: "hang" }),
  resetBeforeUpstream: (): FaultAction => ({ kind: "reset", when: "beforeUpstream" }),
  resetAfterUpstream: (): FaultAction => ({ kind: "reset", when: "afterUpstream" }),
};

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  /** X-Amz-Target, if any (DynamoDB's operation). */
  readonly target: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

export interface FaultRule {
  readonly action: FaultAction;
  /** Apply to the next N matching requests, then never again. Default: no limit. */
  readonly times?: number;
  /** Apply to this fraction of matching requests, 0..1. Default 1. */
  readonly fraction?: number;
  readonly method?: string;
  /** A string is a prefix of the path+query; a RegExp is tested against it. */
  readonly path?: string | RegExp;
  /** The operation ("PutItem") or the whole X-Amz-Target ("DynamoDB_20120810.PutItem"). */
  readonly target?: string;
  readonly match?: (req: ProxiedRequest) => boolean;
}

export interface InjectedFault {
  /** How many requests this rule has applied to so far. */
  readonly applied: number;
  remove(): void;
}

export interface LogEntry {
  readonly method: string;
  readonly url: string;
  readonly target: string | undefined;
  /** The fault applied, or undefined when the request was simply forwarded. */
  readonly fault: FaultAction["kind"] | undefined;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>: give this to the SDK client instead of the upstream. */
  readonly endpoint: string;
  /** Every request seen, in arrival order. */
  readonly log: readonly LogEntry[];
  inject(rule: FaultRule): InjectedFault;
  /** Removes every rule: from now on, plain forwarding. */
  clear(): void;
  /** Empties `log`. */
  resetLog(): void;
  close(): Promise<void>;
}

interface ActiveRule {
  readonly rule: FaultRule;
  applied: number;
}

export async function startFaultProxy(
  upstream: string,
  options: { random?: () => number } = {},
): Promise<FaultProxy> {
  const upstreamUrl = new URL(upstream);
  if (upstreamUrl.protocol !== "http:")
    throw new Error(`fault proxy: upstream must be http://, got ${upstream}`);
  const random = options.random ?? Math.random;
  const upstreamForwarder = httpForwarder(upstream, "fault proxy");
  const forward = upstreamForwarder.forward;
  let rules: ActiveRule[] = [];
  const log: LogEntry[] = [];

  const choose = (info: ProxiedRequest): ActiveRule | undefined => {
    for (const active of rules) {
      const { rule } = active;
      if (rule.times !== undefined && active.applied >= rule.times) continue;
      if (!matches(rule, info)) continue;
      if (rule.fraction !== undefined && random() >= rule.fraction) continue;
      active.applied++;
      return active;
    }
    return undefined;
  };

  const server = await listenLoopback("fault proxy", (req, res) => {
    const target = headerValue(req.headers["x-amz-target"]);
    const info: ProxiedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      target,
      headers: req.headers,
    };
    const active = choose(info);
    const action = active?.rule.action;
    log.push({ method: info.method, url: info.url, target, fault: action?.kind });
    if (action === undefined) return forward(req, res);
    switch (action.kind) {
      case "latency":
        setTimeout(() => forward(req, res), action.delayMs);
        return;
      case "hang":
        req.resume(); // take the body, never answer
        return;
      case "reset":
        if (action.when === "beforeUpstream") req.socket.resetAndDestroy();
        else forward(req, res, true);
        return;
      case "s3Error":
        return afterBody(req, () => sendS3Error(res, action));
      case "dynamoError":
        return afterBody(req, () => sendDynamoError(res, action));
    }
  });
  return {
    endpoint: server.endpoint,
    log,
    inject(rule) {
      if (rule.fraction !== undefined && !(rule.fraction >= 0 && rule.fraction <= 1)) {
        throw new RangeError(`fault proxy: fraction must be within 0..1, got ${rule.fraction}`);
      }
      if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) {
        throw new RangeError(
          `fault proxy: times must be a non-negative integer, got ${rule.times}`,
        );
      }
      const active: ActiveRule = { rule, applied: 0 };
      rules.push(active);
      return {
        get applied() {
          return active.applied;
        },
        remove() {
          rules = rules.filter((r) => r !== active);
        },
      };
    },
    clear() {
      rules = [];
    },
    resetLog() {
      log.length = 0;
    },
    async close() {
      rules = [];
      const closed = server.close();
      upstreamForwarder.destroy();
      await closed;
    },
  };
}

function matches(rule: FaultRule, req: ProxiedRequest): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== req.method.toUpperCase()) {
    return false;
  }
  if (typeof rule.path === "string" && !req.url.startsWith(rule.path)) return false;
  if (rule.path instanceof RegExp && !rule.path.test(req.url)) return false;
  if (rule.target !== undefined) {
    const t = req.target;
    if (t === undefined || (t !== rule.target && !t.endsWith(`.${rule.target}`))) return false;
  }
  return rule.match === undefined || rule.match(req);
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Reads the request body to its end first, so the client sees an answer, not a broken pipe. */
function afterBody(req: IncomingMessage, then: () => void): void {
  req.once("end", then);
  req.resume();
}

function requestId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

function sendS3Error(res: ServerResponse, f: Extract<FaultAction, { kind: "s3Error" }>): void {
  const id = requestId();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${f.code}</Code><Message>${escapeXml(f.message)}</Message>` +
    `<RequestId>${id}</RequestId><HostId>fault-proxy</HostId></Error>`;
  res.writeHead(f.status, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
    "x-amz-request-id": id,
  });
  res.end(body);
}

function sendDynamoError(
  res: ServerResponse,
  f: Extract<FaultAction, { kind: "dynamoError" }>,
): void {
  const body = JSON.stringify({ __type: f.errorType, message: f.message });
  res.writeHead(f.status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": requestId(),
  });
  res.end(body);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
