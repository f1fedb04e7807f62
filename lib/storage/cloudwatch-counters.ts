/**
 * The storage counters (./counters.ts) an AWS deployment publishes to CloudWatch, namespace
 * Floe: what the requests cost, whether they are being retried, and whether the shard layout's
 * background snapshots fail (docs/dynamodb-tables.md: a shard whose snapshots keep failing
 * keeps its records, in the table and in every writer's memory; cdk/floe-monitoring.ts alarms
 * on it). A short fixed list: every metric name is billed per month while it is published, so
 * the per-operation call counts stay on the Prometheus endpoint.
 *
 * Each publisher sends what its counters gained since it last published, and only what moved:
 *  - a front (`floe front --emf-interval-ms`) prints an embedded-metric-format line to stdout
 *    every interval, which its awslogs log group turns into metrics (no IAM permission needed);
 *  - a Lambda function adds the gains to its Powertools metrics after each invocation.
 */

/** CloudWatch metric name → StorageCounters name. */
export const CLOUDWATCH_COUNTERS: Readonly<Record<string, string>> = Object.freeze({
  S3Puts: "s3.put",
  S3Gets: "s3.get",
  S3Retries: "s3.retries",
  DynamoDbReadUnits: "dynamodb.rcu",
  DynamoDbWriteUnits: "dynamodb.wcu",
  DynamoDbRetries: "dynamodb.retries",
  ShardSnapshotFailures: "dynamodb.shardSnapshotFailures",
});

export const CLOUDWATCH_NAMESPACE = "Floe";

/** What the counters gained between calls of `take()`, by CloudWatch metric name, zeros left out. */
export class CounterGains {
  private last: Record<string, number> = {};
  private readonly read: () => Readonly<Record<string, number>>;

  constructor(read: () => Readonly<Record<string, number>>) {
    this.read = read;
  }

  take(): Record<string, number> {
    const now = this.read();
    const gains: Record<string, number> = {};
    for (const [metric, counter] of Object.entries(CLOUDWATCH_COUNTERS)) {
      const gain = (now[counter] ?? 0) - (this.last[counter] ?? 0);
      if (gain > 0) gains[metric] = gain;
    }
    this.last = { ...now };
    return gains;
  }
}

/**
 * One CloudWatch embedded-metric-format log line carrying `values` (all Count) with
 * `dimensions` as their one dimension set; undefined when there is nothing to publish.
 */
export function emfLine(
  values: Readonly<Record<string, number>>,
  dimensions: Readonly<Record<string, string>>,
  timestampMs: number,
): string | undefined {
  const names = Object.keys(values);
  if (names.length === 0) return undefined;
  return JSON.stringify({
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: CLOUDWATCH_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: names.map((Name) => ({ Name, Unit: "Count" })),
        },
      ],
    },
    ...dimensions,
    ...values,
  });
}

export interface EmfReporter {
  /** Publishes what is left and stops the timer. */
  stop(): void;
}

/** Prints the gains as an EMF line every `intervalMs` (a front's publisher). */
export function startEmfReporter(options: {
  intervalMs: number;
  read: () => Readonly<Record<string, number>>;
  dimensions: Readonly<Record<string, string>>;
  write?: (line: string) => void;
  nowMs?: () => number;
}): EmfReporter {
  const gains = new CounterGains(options.read);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.nowMs ?? Date.now;
  const publish = () => {
    const line = emfLine(gains.take(), options.dimensions, now());
    if (line !== undefined) write(line);
  };
  const timer = setInterval(publish, options.intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      publish();
    },
  };
}
