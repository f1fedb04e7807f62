/**
 * Cost of one segment flush on the AWS backend, by the partitions in it and the DynamoDB log
 * layout (lib/storage/dynamodb/log-layout.ts) that commits them.
 *
 * For each point (a shape: T topics of P partitions) and layout: a fresh front on the layout's
 * table, the topics, and rounds of "one 1-record append per partition, all in the same tick", so
 * that each round is exactly one flush (the writer's linger timer starts with the first append;
 * every append of the round is buffered before it fires, and the round is far below
 * maxSegmentBytes; the run checks both). Round 1 writes into fresh partitions and is reported
 * on its own. Then, after the layout's warm-up, `rounds` are averaged: the steady state of a
 * busy partition, over a whole number of the layout's periods (STEADY_PERIOD) so that the
 * writes a layout makes only every so often are in the average at their true rate.
 *
 * Each round's requests are the StorageCounters difference after the store settled (the shard
 * layout writes snapshots, index pages and cleanup in the background after the commit is
 * answered; settling first books them on the flush that caused them), split by the Meter into
 * the port call that made them (getHeads, commitPartitions, putSegmentReceipt…). Background
 * writes run in the context of the commitPartitions call that started them, so they are
 * booked under it.
 */
import { randomUUID } from "node:crypto";
import { ErrorCode } from "../../lib/broker/log/errors.ts";
import type { LogLayoutName } from "../../lib/config/aws-config.ts";
import { CHUNKS_PER_PAGE } from "../../lib/storage/dynamodb/commit.ts";
import { SNAPSHOT_EVERY } from "../../lib/storage/dynamodb/shard-state.ts";
import type { PartitionKey } from "../../lib/storage/ports.ts";
import {
  addMeter,
  checkAttribution,
  type RequestCounts,
  requestCounts,
  scaleMeter,
} from "./counts.ts";
import { countersDelta, type MeterSnapshot, meterDelta } from "./meter.ts";
import { IdempotentProducer, type ProducedBatch } from "./producer.ts";
import type { AwsStack } from "./stack.ts";

/**
 * Flushes after which a layout's occasional writes repeat: the shard layout writes a snapshot
 * (with index pages and cleanup) every SNAPSHOT_EVERY records of a shard, the partition layout
 * an index page every CHUNKS_PER_PAGE commits of a partition. Steady rounds are a multiple.
 */
export const STEADY_PERIOD: Readonly<Record<LogLayoutName, number>> = Object.freeze({
  shard: SNAPSHOT_EVERY,
  partition: CHUNKS_PER_PAGE,
});

/**
 * Flushes between the first and the measured ones. A shard's first snapshot (record
 * SNAPSHOT_EVERY) has nothing before it to delete; every later one deletes the records and the
 * snapshot of the window before the previous one. The measured rounds start after the first
 * snapshot, so their snapshot pays its cleanup as every later one does.
 */
export const WARMUP_FLUSHES: Readonly<Record<LogLayoutName, number>> = Object.freeze({
  shard: SNAPSHOT_EVERY - 1,
  partition: 0,
});

/** What one flush holds: one append to every partition of `topics` topics. */
export interface FlushShape {
  topics: number;
  partitionsPerTopic: number;
}

export interface FlushCost {
  flushes: number;
  /** Averages per flush. */
  perFlush: RequestCounts;
  /** DynamoDB per (port call, operation), averaged per flush. */
  byCall: MeterSnapshot["dynamo"];
  /** Wall ms per flush on the emulators, and summed ms per port call per flush. */
  wallMs: number;
  callMs: Record<string, number>;
  /** Shard snapshots written per flush (0 in the partition layout). */
  shardSnapshots: number;
  /**
   * The average of the flushes that wrote no index page and no snapshot (the commit alone), and
   * how many of the averaged flushes did write some; undefined when every flush did.
   */
  commitOnly: RequestCounts | undefined;
  periodicFlushes: number;
}

export interface FlushPoint {
  layout: LogLayoutName;
  shape: FlushShape;
  partitions: number;
  recordBytes: number;
  warmupFlushes: number;
  first: FlushCost;
  steady: FlushCost;
}

interface Round {
  counters: Record<string, number>;
  meter: MeterSnapshot;
  wallMs: number;
}

/** A round that wrote more than its commit: index pages (either layout) or a shard snapshot. */
function periodic(r: Round): boolean {
  return (
    (r.counters["dynamodb.calls.BatchWriteItem"] ?? 0) > 0 ||
    (r.counters["dynamodb.shardSnapshots"] ?? 0) > 0
  );
}

function sumCounters(rounds: Round[]): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const r of rounds) {
    for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
  }
  return counters;
}

function summarise(rounds: Round[]): FlushCost {
  const n = rounds.length;
  const counters = sumCounters(rounds);
  let meter: MeterSnapshot = { dynamo: {}, time: {} };
  let wallMs = 0;
  for (const r of rounds) {
    meter = addMeter(meter, r.meter);
    wallMs += r.wallMs;
  }
  const avg = scaleMeter(meter, n);
  const callMs: Record<string, number> = {};
  for (const [k, v] of Object.entries(avg.time)) callMs[k] = v.ms;
  const plain = rounds.filter((r) => !periodic(r));
  return {
    flushes: n,
    perFlush: requestCounts(counters, n),
    byCall: avg.dynamo,
    wallMs: wallMs / n,
    callMs,
    shardSnapshots: (counters["dynamodb.shardSnapshots"] ?? 0) / n,
    commitOnly: plain.length === 0 ? undefined : requestCounts(sumCounters(plain), plain.length),
    periodicFlushes: n - plain.length,
  };
}

export interface FlushPointOptions {
  layout: LogLayoutName;
  shape: FlushShape;
  /** Steady flushes to average: a positive multiple of the layout's STEADY_PERIOD. */
  rounds: number;
  recordBytes: number;
}

export async function measureFlushPoint(
  stack: AwsStack,
  { layout, shape, rounds, recordBytes }: FlushPointOptions,
): Promise<FlushPoint> {
  const period = STEADY_PERIOD[layout];
  if (rounds <= 0 || rounds % period !== 0) {
    throw new RangeError(
      `rounds of the ${layout} layout must be a positive multiple of ${period}, got ${rounds}`,
    );
  }
  const warmup = WARMUP_FLUSHES[layout];
  const partitions = shape.topics * shape.partitionsPerTopic;
  const what = `${shape.topics === 1 ? partitions : `${shape.topics} × ${shape.partitionsPerTopic}`}-partition point (${layout} layout)`;
  const front = await stack.openFront({ layout });
  try {
    const keys: PartitionKey[] = [];
    for (let t = 0; t < shape.topics; t++) {
      const topicId = randomUUID();
      await front.metadata.createTopic({
        name: `bench-flush-${partitions}-${topicId.slice(0, 8)}`,
        topicId,
        partitionCount: shape.partitionsPerTopic,
        configs: {},
        createdAtMs: Date.now(),
        version: 1,
      });
      for (let partition = 0; partition < shape.partitionsPerTopic; partition++) {
        keys.push({ topicId, partition });
      }
    }
    const producer = new IdempotentProducer({
      producerId: await front.metadata.allocateProducerId(),
      recordBytes,
      recordsPerBatch: 1,
    });
    const measured: Round[] = [];
    for (let r = 0; r <= warmup + rounds; r++) {
      const batches: ProducedBatch[] = await Promise.all(keys.map((k) => producer.next(k)));
      const c0 = front.counters.snapshot();
      const m0 = front.meter.snapshot();
      const flushes0 = front.log.metrics.flushes;
      const commits0 = front.log.metrics.partitionCommits;
      const t0 = performance.now();
      // One synchronous loop: every append is in the writer's buffer before its linger fires.
      const outcomes = await Promise.all(
        keys.map((k, i) => front.log.append(k, batches[i].records, batches[i].batches)),
      );
      const wallMs = performance.now() - t0;
      await front.log.receiptsWritten(); // part of the flush's cost, written after its answers
      await front.metadata.settled(); // so are the shard layout's snapshots, pages and cleanup
      const bad = outcomes.find((o) => o.errorCode !== ErrorCode.NONE);
      if (bad)
        throw new Error(
          `${what}: append failed: ${JSON.stringify(bad, (_, v) => (typeof v === "bigint" ? String(v) : v))}`,
        );
      const flushes = front.log.metrics.flushes - flushes0;
      const commits = front.log.metrics.partitionCommits - commits0;
      if (flushes !== 1 || commits !== partitions) {
        throw new Error(
          `round ${r} of the ${what} took ${flushes} flushes and ${commits} partition commits; ` +
            `expected 1 and ${partitions}`,
        );
      }
      const counters = countersDelta(c0, front.counters.snapshot());
      if ((counters["dynamodb.shardSnapshotFailures"] ?? 0) > 0) {
        throw new Error(`round ${r} of the ${what}: a shard snapshot failed to write`);
      }
      const meter = meterDelta(m0, front.meter.snapshot());
      checkAttribution(`${what}, round ${r}`, meter, counters);
      if (r === 0 || r > warmup) measured.push({ counters, meter, wallMs });
    }
    return {
      layout,
      shape,
      partitions,
      recordBytes,
      warmupFlushes: warmup,
      first: summarise(measured.slice(0, 1)),
      steady: summarise(measured.slice(1)),
    };
  } finally {
    await front.close();
  }
}
