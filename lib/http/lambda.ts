/**
 * The Lambda side of the HTTP API, shared by functions/produce.ts, fetch.ts and admin.ts: an
 * API Gateway HTTP API event (payload format 2.0) becomes an HttpRequest for lib/http, and the
 * answer an APIGatewayProxyResultV2. Config, S3 and DynamoDB clients and the log engine are
 * built once per execution environment, at the first invocation (a failed build is retried by
 * the next one), and reused while the environment lives. `reset()` closes and forgets them, so
 * tests can point the next invocation at another bucket and table.
 *
 * Each function routes only its own module: a route sent to the wrong function is a 404.
 * API Gateway enforces SigV4 (IAM authorizer); the handler also refuses (403) an event without
 * the authorizer's IAM context unless FLOE_HTTP_AUTH=none, so a misconfigured route without an
 * authorizer fails closed.
 *
 * Log engine choice: lingerMs 0. A produce invocation is one request — no other connection's
 * appends will join its segment — so waiting the 5 ms default only adds latency; all partitions
 * of one request are still enqueued in the same tick and flush as one segment.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import type { LogConfig } from "../broker/log/log-config.ts";
import { LogService } from "../broker/log/log-service.ts";
import { TopicRegistry } from "../broker/topics/topic-registry.ts";
import { awsConfigFromEnv } from "../config/aws-config.ts";
import { brokerConfig } from "../config/broker-config.ts";
import { type HttpConfig, httpConfigFromEnv } from "../config/http-config.ts";
import type { Logger as FloeLogger } from "../logger.ts";
import { createAwsStores } from "../storage/aws-stores.ts";
import { CounterGains } from "../storage/cloudwatch-counters.ts";
import { createHttpApi, type HttpApi, type RouteModuleName } from "./api.ts";
import { createHttpContext } from "./context.ts";
import { errorBody, type HttpRequest, type HttpResponse, jsonResponse } from "./types.ts";

/** Log engine settings of the functions (see the header). */
export const LAMBDA_LOG_CONFIG: Readonly<Partial<LogConfig>> = Object.freeze({
  lingerMs: 0,
  // As the AWS front: an idle long poll backs off to one DynamoDB read per second. (Not
  // imported from lib/front/aws.ts, which would bundle the whole TCP front into the functions.)
  maxPollIntervalMs: 1_000,
  // A function's memory is small and its life short: a modest read cache.
  cacheBytes: 32 * 1024 * 1024,
});

/** A long poll ends this long before the function's timeout, so the answer still goes out. */
const TIMEOUT_MARGIN_MS = 1_000;

interface Host {
  api: HttpApi;
  http: HttpConfig;
  /** What the container's storage counters gained since the last invocation published. */
  gains: CounterGains;
  close(): Promise<void>;
}

async function buildHost(
  module: RouteModuleName,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
): Promise<Host> {
  const aws = awsConfigFromEnv(env);
  const http = httpConfigFromEnv(env);
  const broker = brokerConfig();
  const stores = await createAwsStores(aws);
  const { objectStore, metadataStore } = stores;
  const floeLogger = asFloeLogger(logger);
  const log = new LogService({
    objectStore,
    metadataStore,
    config: LAMBDA_LOG_CONFIG,
    logger: floeLogger,
  });
  const ctx = createHttpContext({
    broker,
    http,
    log,
    topics: new TopicRegistry(metadataStore, broker.metadataCacheMs),
    metadata: metadataStore,
  });
  return {
    api: createHttpApi(ctx, [module], floeLogger),
    http,
    gains: new CounterGains(() => stores.counters.snapshot()),
    async close() {
      await log.close();
      await stores.close();
    },
  };
}

/** lib/ logs (message, fields); Powertools takes the fields as attributes of one item. */
function asFloeLogger(logger: Logger): FloeLogger {
  return {
    debug: (message, fields) => logger.debug({ message, ...fields }),
    info: (message, fields) => logger.info({ message, ...fields }),
    warn: (message, fields) => logger.warn({ message, ...fields }),
    error: (message, fields) => logger.error({ message, ...fields }),
  };
}

/** The HttpRequest of an API Gateway v2 event. */
export function requestOfEvent(event: APIGatewayProxyEventV2, signal?: AbortSignal): HttpRequest {
  const stage = event.requestContext.stage;
  let path = event.rawPath;
  // A named stage prefixes the path; the $default stage does not.
  if (stage && stage !== "$default" && path.startsWith(`/${stage}/`))
    path = path.slice(stage.length + 1);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(event.rawQueryString ?? "")) query[k] = v;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {}))
    if (v !== undefined) headers[k.toLowerCase()] = v;
  const body =
    event.body === undefined
      ? undefined
      : Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
  return { method: event.requestContext.http.method, path, query, headers, body, signal };
}

function resultOf(res: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: res.status, headers: res.headers, body: res.body, isBase64Encoded: false };
}

export interface FloeLambdaHandler {
  (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2>;
  /** Closes the clients built at cold start; the next invocation builds them again from the env. */
  reset(): Promise<void>;
}

export function createLambdaHandler(
  module: RouteModuleName,
  env: Readonly<Record<string, string | undefined>> = process.env,
): FloeLambdaHandler {
  const logger = new Logger({ serviceName: "floe" });
  const metrics = new Metrics({
    namespace: "Floe",
    serviceName: "floe",
    defaultDimensions: { function: module },
  });
  const tracer = new Tracer({ serviceName: "floe" });
  let host: Promise<Host> | undefined;
  const getHost = (): Promise<Host> => {
    host ??= buildHost(module, env, logger).catch((err: unknown) => {
      host = undefined;
      throw err;
    });
    return host;
  };

  const base = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const h = await getHost();
    metrics.addMetric("Requests", MetricUnit.Count, 1);
    const iam = (event.requestContext as { authorizer?: { iam?: unknown } }).authorizer?.iam;
    if (h.http.auth === "iam" && !iam) {
      metrics.addMetric("Forbidden", MetricUnit.Count, 1);
      return resultOf(
        jsonResponse(
          403,
          errorBody(
            "forbidden",
            "request not authenticated by the API Gateway IAM authorizer (sign it with SigV4)",
          ),
        ),
      );
    }
    const remainingMs = context.getRemainingTimeInMillis?.() ?? 30_000;
    const signal = AbortSignal.timeout(Math.max(remainingMs - TIMEOUT_MARGIN_MS, 0));
    const res = await h.api.handle(requestOfEvent(event, signal));
    if (res.status >= 500) metrics.addMetric("ServerErrors", MetricUnit.Count, 1);
    else if (res.status >= 400) metrics.addMetric("ClientErrors", MetricUnit.Count, 1);
    for (const [name, gain] of Object.entries(h.gains.take())) {
      metrics.addMetric(name, MetricUnit.Count, gain);
    }
    return resultOf(res);
  };

  const handler = middy(base)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
  return Object.assign(
    (event: APIGatewayProxyEventV2, context: Context) =>
      handler(event, context) as Promise<APIGatewayProxyStructuredResultV2>,
    {
      async reset() {
        const current = host;
        host = undefined;
        if (current) await (await current).close();
      },
    },
  );
}
