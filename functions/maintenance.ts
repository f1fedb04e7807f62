/**
 * The scheduled maintenance Lambda (EventBridge, every few minutes): one maintenance run
 * (lib/broker/maintenance.ts) — retention by time and by size, the index cleanup DeleteRecords
 * leaves, then the orphan segment collector. Wiring only: the config, the stores and the
 * runner are built once per container (its cursor carries an unfinished round over to the next
 * invocation); the deadline is the invocation's remaining time minus a margin. The report's
 * counts go out as CloudWatch metrics (namespace Floe), the report itself to the log.
 *
 * Environment: lib/config/aws-config.ts (bucket, table, endpoints) and
 * lib/config/maintenance-config.ts (FLOE_MAINTENANCE_*). A failing partition is a count in the
 * report and the `Errors` metric, not a failed invocation: EventBridge would retry the whole run,
 * and the next scheduled one retries anyway.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { LogService } from "../lib/broker/log/log-service.ts";
import { MaintenanceRunner, reportFields } from "../lib/broker/maintenance.ts";
import { reportMetrics } from "../lib/broker/maintenance-report.ts";
import { awsConfigFromEnv } from "../lib/config/aws-config.ts";
import { maintenanceConfigFromEnv } from "../lib/config/maintenance-config.ts";
import type { Logger as FloeLogger } from "../lib/logger.ts";
import { createAwsStores } from "../lib/storage/aws-stores.ts";
import { CounterGains } from "../lib/storage/cloudwatch-counters.ts";

const logger = new Logger({ serviceName: "floe" });
const metrics = new Metrics({
  namespace: "Floe",
  serviceName: "floe",
  defaultDimensions: { function: "maintenance" },
});
const tracer = new Tracer({ serviceName: "floe" });

// Validated at cold start: a bad setting fails the init with a message naming the variable.
const aws = awsConfigFromEnv(process.env);
const config = maintenanceConfigFromEnv(process.env);

/** lib/ logs through its own narrow interface; here it goes to Powertools. */
const floeLogger: FloeLogger = {
  debug: (msg, fields) => logger.debug(msg, fields ?? {}),
  info: (msg, fields) => logger.info(msg, fields ?? {}),
  warn: (msg, fields) => logger.warn(msg, fields ?? {}),
  error: (msg, fields) => logger.error(msg, fields ?? {}),
};

interface Wiring {
  runner: MaintenanceRunner;
  /** What the container's storage counters gained since the last run published. */
  gains: CounterGains;
}

let wiring: Promise<Wiring> | undefined;

/** The stores and the runner, once per container; a failed start is retried next time. */
function wired(): Promise<Wiring> {
  wiring ??= (async () => {
    const stores = await createAwsStores(aws, { logger: floeLogger });
    const { objectStore, metadataStore } = stores;
    // Only its head reads and DeleteRecords are used: nothing is buffered, no timer runs.
    const log = new LogService({ objectStore, metadataStore });
    const runner = new MaintenanceRunner(
      { objectStore, metadataStore, log, logger: floeLogger, random: Math.random },
      config,
    );
    return { runner, gains: new CounterGains(() => stores.counters.snapshot()) };
  })().catch((err: unknown) => {
    wiring = undefined;
    throw err;
  });
  return wiring;
}

async function maintain(event: ScheduledEvent, context: Context): Promise<Record<string, unknown>> {
  logger.appendKeys({ scheduledEventId: event.id, scheduledTime: event.time });
  const { runner, gains } = await wired();
  const deadlineMs = context.getRemainingTimeInMillis() - config.deadlineMarginMs;
  const report = await runner.run({ deadlineMs });
  for (const [name, value] of Object.entries(reportMetrics(report))) {
    metrics.addMetric(
      name,
      name.endsWith("Ms") ? MetricUnit.Milliseconds : MetricUnit.Count,
      value,
    );
  }
  for (const [name, gain] of Object.entries(gains.take())) {
    metrics.addMetric(name, MetricUnit.Count, gain);
  }
  return reportFields(report);
}

export const handler = middy(maintain)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
