/**
 * `floe dev`: a front on one port, by default on the embedded backend (segments in a
 * directory, metadata in SQLite). `--backend aws` (and `floe front`, which is the same) runs
 * it on S3 + DynamoDB instead, configured by the standard AWS environment variables
 * (lib/config/aws-config.ts), registered with the other fronts over the same table. Either way
 * it runs maintenance (retention, orphan segments: ./maintenance.ts) every
 * --maintenance-interval-ms.
 */
import { resolve } from "node:path";
import type { LogConfig } from "../broker/log/log-config.ts";
import { awsConfigFromEnv } from "../config/aws-config.ts";
import { testCrashPointFromEnv } from "../config/test-crash-point.ts";
import { startAwsFront } from "../front/aws.ts";
import { type MetricsServer, startMetricsServer } from "../front/metrics-server.ts";
import { type RunningFront, startEmbeddedFront } from "../front/node.ts";
import { serveFrontOverHttp } from "../http/local.ts";
import type { HttpServer } from "../http/server.ts";
import { createLogger, type Logger, type LogLevel } from "../logger.ts";
import { startEmfReporter } from "../storage/cloudwatch-counters.ts";
import type { StorageCounters } from "../storage/counters.ts";
import { intOption, type Options } from "./args.ts";
import {
  DEFAULT_MAINTENANCE_INTERVAL_MS,
  maintenanceLoopSettings,
  startMaintenanceLoop,
} from "./maintenance.ts";

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

function brokerSettings(values: Options): Record<string, unknown> {
  return {
    host: String(values.host ?? "127.0.0.1"),
    port: intOption(values, "port", 9092),
    defaultPartitions: intOption(values, "partitions", 1),
    autoCreateTopics: !values["no-auto-create"],
    ...(values["advertised-host"] ? { advertisedHost: String(values["advertised-host"]) } : {}),
    ...(values["shared-address"] ? { sharedAddress: String(values["shared-address"]) } : {}),
  };
}

/** Log engine settings: --linger-ms, and the test-only crash point from the environment. */
function logSettings(values: Options): Partial<LogConfig> {
  const testCrashPoint = testCrashPointFromEnv(process.env);
  const log: Partial<LogConfig> = testCrashPoint ? { testCrashPoint } : {};
  if (values["linger-ms"] !== undefined) {
    const lingerMs = intOption(values, "linger-ms", 0);
    if (lingerMs < 0) throw new Error(`--linger-ms must be an integer ≥ 0, got ${lingerMs}`);
    log.lingerMs = lingerMs;
  }
  return log;
}

async function start(
  values: Options,
  backend: string,
  logger: Logger,
): Promise<[RunningFront & { counters?: StorageCounters }, string]> {
  const log = logSettings(values);
  if (backend === "aws") {
    const aws = awsConfigFromEnv(process.env);
    const front = await startAwsFront({
      aws,
      logger,
      broker: brokerSettings(values),
      log,
      createResources: Boolean(values["create-resources"]),
    });
    return [front, `s3://${aws.bucket}, DynamoDB table ${aws.table}`];
  }
  if (backend !== "embedded") throw new Error(`--backend must be embedded or aws, got ${backend}`);
  const dataDir = resolve(String(values["data-dir"] ?? "data"));
  const front = await startEmbeddedFront({
    dataDir,
    logger,
    cluster: values.cluster ? "registry" : "single",
    broker: brokerSettings(values),
    log,
  });
  return [front, dataDir];
}

/**
 * --emf-interval-ms: how often the front prints its storage counters for CloudWatch (0 = never).
 * Only the AWS backend counts storage requests.
 */
function emfIntervalMs(values: Options, backend: string): number {
  if (values["emf-interval-ms"] === undefined) return 0;
  const intervalMs = intOption(values, "emf-interval-ms", 0);
  if (intervalMs < 0)
    throw new Error(`--emf-interval-ms must be an integer ≥ 0, got ${intervalMs}`);
  if (intervalMs > 0 && backend !== "aws") {
    throw new Error(
      "--emf-interval-ms needs --backend aws: the embedded backend counts no requests",
    );
  }
  return intervalMs;
}

function startFrontEmf(intervalMs: number, counters: StorageCounters | undefined) {
  if (intervalMs === 0 || counters === undefined) return undefined;
  return startEmfReporter({
    intervalMs,
    read: () => counters.snapshot(),
    dimensions: { service: "floe", function: "front" },
  });
}

/**
 * The HTTP API's port: --http-port; else 8092 when Kafka is on its default port, any free port
 * when --port is given (several `floe dev --cluster` processes never fight over 8092); none for
 * `floe front` (in AWS the Lambda functions serve HTTP) or with --no-http.
 */
function httpPort(values: Options, defaultBackend: string): number | undefined {
  if (values["no-http"]) return undefined;
  if (values["http-port"] !== undefined) return intOption(values, "http-port", 8092);
  if (defaultBackend === "aws") return undefined;
  return values.port === undefined ? 8092 : 0;
}

export async function runDev(values: Options, defaultBackend = "embedded"): Promise<number> {
  const level = String(values["log-level"] ?? process.env.FLOE_LOG_LEVEL ?? "info") as LogLevel;
  if (!LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LEVELS.join(", ")}`);
  const logger = createLogger(level);
  const maintenanceSettings = maintenanceLoopSettings(
    values,
    defaultBackend === "aws" ? 0 : DEFAULT_MAINTENANCE_INTERVAL_MS,
  );
  const backend = String(values.backend ?? defaultBackend);
  const emfEveryMs = emfIntervalMs(values, backend);
  const [front, where] = await start(values, backend, logger);
  console.log(
    `Floe is serving Kafka on ${front.endpoint.host}:${front.endpoint.port} as node ${front.endpoint.nodeId} (data in ${where}). Ctrl-C stops it.`,
  );
  const maintenance = startMaintenanceLoop(front, maintenanceSettings, logger);
  let http: HttpServer | undefined;
  const port = httpPort(values, defaultBackend);
  if (port !== undefined) {
    try {
      http = await serveFrontOverHttp(
        front,
        { host: String(values.host ?? "127.0.0.1"), port },
        logger,
      );
    } catch (err) {
      // Without this the Kafka listener would keep the process alive after the error.
      await maintenance?.stop();
      await front.close();
      throw new Error(
        `cannot serve the HTTP API on port ${port} (${(err as Error).message}); pass --http-port N or --no-http`,
      );
    }
    console.log(`Floe is serving its HTTP API on ${http.url}/v1`);
  }
  const emf = startFrontEmf(emfEveryMs, front.counters);
  let metrics: MetricsServer | undefined;
  if (values["metrics-port"] !== undefined) {
    const counters = front.counters;
    metrics = await startMetricsServer(
      String(values.host ?? "127.0.0.1"),
      intOption(values, "metrics-port", 0),
      {
        floe_log: () => front.log.metrics.snapshot(),
        ...(counters ? { floe: () => counters.snapshot() } : {}),
      },
    );
    console.log(`Metrics on http://${String(values.host ?? "127.0.0.1")}:${metrics.port}/metrics`);
  }
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolveStop();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  logger.info("shutting down");
  await maintenance?.stop();
  emf?.stop();
  await metrics?.close();
  await http?.close();
  await front.close();
  return 0;
}
