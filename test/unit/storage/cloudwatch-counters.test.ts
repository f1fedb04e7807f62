import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CounterGains,
  emfLine,
  startEmfReporter,
} from "../../../lib/storage/cloudwatch-counters.ts";
import { StorageCounters } from "../../../lib/storage/counters.ts";

const DIMENSIONS = { service: "floe", function: "front" };

describe("CounterGains", () => {
  it("gives what each published counter gained since the last take, leaving out the rest and zeros", () => {
    const counters = new StorageCounters();
    const gains = new CounterGains(() => counters.snapshot());
    counters.add("s3.put", 3);
    counters.add("dynamodb.wcu", 4.5);
    counters.add("dynamodb.calls.PutItem", 4); // on the Prometheus endpoint only
    expect(gains.take()).toEqual({ S3Puts: 3, DynamoDbWriteUnits: 4.5 });
    counters.add("s3.put");
    counters.add("dynamodb.shardSnapshotFailures");
    expect(gains.take()).toEqual({ S3Puts: 1, ShardSnapshotFailures: 1 });
    expect(gains.take()).toEqual({});
  });
});

describe("emfLine", () => {
  it("writes CloudWatch's embedded metric format: one directive, the dimensions, the values at the root", () => {
    const line = emfLine({ S3Puts: 2, DynamoDbReadUnits: 7 }, DIMENSIONS, 1_765_000_000_000);
    expect(JSON.parse(line!)).toEqual({
      _aws: {
        Timestamp: 1_765_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: "Floe",
            Dimensions: [["service", "function"]],
            Metrics: [
              { Name: "S3Puts", Unit: "Count" },
              { Name: "DynamoDbReadUnits", Unit: "Count" },
            ],
          },
        ],
      },
      service: "floe",
      function: "front",
      S3Puts: 2,
      DynamoDbReadUnits: 7,
    });
    expect(line).not.toContain("\n");
  });

  it("writes nothing when nothing moved", () => {
    expect(emfLine({}, DIMENSIONS, 0)).toBeUndefined();
  });
});

describe("startEmfReporter", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("prints the gains every interval, skips quiet intervals, and prints the rest on stop", () => {
    vi.useFakeTimers();
    const counters = new StorageCounters();
    const lines: string[] = [];
    const reporter = startEmfReporter({
      intervalMs: 60_000,
      read: () => counters.snapshot(),
      dimensions: DIMENSIONS,
      write: (line) => lines.push(line),
    });
    counters.add("s3.put", 2);
    vi.advanceTimersByTime(60_000);
    vi.advanceTimersByTime(60_000); // nothing moved
    counters.add("s3.retries");
    reporter.stop();
    vi.advanceTimersByTime(120_000); // stopped
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([{ S3Puts: 2 }, { S3Retries: 1 }]);
  });
});
