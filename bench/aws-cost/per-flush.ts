/**
 * Cost of one segment flush on the AWS backend, by the number of partitions in it.
 *
 * For each point (1, 100, 1,000 partitions): a fresh front, a topic with that many partitions,
 * and rounds of "one 1-record append per partition, all in the same tick", so that each round
 * is exactly one flush (the writer's linger timer starts with the first append; every append
 * of the round is buffered before it fires, and the round is far below maxSegmentBytes; the
 * run checks both). Round 1 writes into fresh partitions and is reported on its own; the
 * following `rounds` (a multiple of 4, the commits per index page) are averaged: the steady
 * state of a busy partition. Each round's requests are the StorageCounters difference, split
 * by the Meter into which port call made them (getHeads, commitPartitions, putNew).
 */
import { randomUUID } from "node:crypto";
import { ErrorCode } from "../../lib/broker/log/errors.ts";
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

export interface FlushCost {
  flushes: number;
  /** Averages per flush. */
  perFlush: RequestCounts;
  /** DynamoDB per (port call, operation), averaged per flush. */
  byCall: MeterSnapshot["dynamo"];
  /** Wall ms per flush on the emulators, and summed ms per port call per flush. */
  wallMs: number;
  callMs: Record<string, number>;
}

export interface FlushPoint {
  partitions: number;
  recordBytes: number;
  first: FlushCost;
  steady: FlushCost;
}

interface Round {
  counters: Record<string, number>;
  meter: MeterSnapshot;
  wallMs: number;
}

function summarise(rounds: Round[]): FlushCost {
  const n = rounds.length;
  const counters: Record<string, number> = {};
  let meter: MeterSnapshot = { dynamo: {}, time: {} };
  let wallMs = 0;
  for (const r of rounds) {
    for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
    meter = addMeter(meter, r.meter);
    wallMs += r.wallMs;
  }
  const avg = scaleMeter(meter, n);
  const callMs: Record<string, number> = {};
  for (const [k, v] of Object.entries(avg.time)) callMs[k] = v.ms;
  return {
    flushes: n,
    perFlush: requestCounts(counters, n),
    byCall: avg.dynamo,
    wallMs: wallMs / n,
    callMs,
  };
}

export async function measureFlushPoint(
  stack: AwsStack,
  partitions: number,
  rounds: number,
  recordBytes: number,
): Promise<FlushPoint> {
  if (rounds <= 0 || rounds % 4 !== 0)
    throw new RangeError("rounds must be a positive multiple of 4");
  const front = await stack.openFront();
  try {
    const topicId = randomUUID();
    await front.metadata.createTopic({
      name: `bench-flush-${partitions}-${topicId.slice(0, 8)}`,
      topicId,
      partitionCount: partitions,
      configs: {},
      createdAtMs: Date.now(),
      version: 1,
    });
    const producer = new IdempotentProducer({
      producerId: await front.metadata.allocateProducerId(),
      recordBytes,
      recordsPerBatch: 1,
    });
    const keys: PartitionKey[] = Array.from({ length: partitions }, (_, partition) => ({
      topicId,
      partition,
    }));
    const measured: Round[] = [];
    for (let r = 0; r <= rounds; r++) {
      const batches: ProducedBatch[] = [];
      for (const k of keys) batches.push(await producer.next(k));
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
      const bad = outcomes.find((o) => o.errorCode !== ErrorCode.NONE);
      if (bad)
        throw new Error(
          `flush of ${partitions} partitions: append failed: ${JSON.stringify(bad, (_, v) => (typeof v === "bigint" ? String(v) : v))}`,
        );
      const flushes = front.log.metrics.flushes - flushes0;
      const commits = front.log.metrics.partitionCommits - commits0;
      if (flushes !== 1 || commits !== partitions) {
        throw new Error(
          `round ${r} of the ${partitions}-partition point took ${flushes} flushes and ` +
            `${commits} partition commits; expected 1 and ${partitions}`,
        );
      }
      const counters = countersDelta(c0, front.counters.snapshot());
      const meter = meterDelta(m0, front.meter.snapshot());
      checkAttribution(`flush of ${partitions} partitions, round ${r}`, meter, counters);
      measured.push({ counters, meter, wallMs });
    }
    return {
      partitions,
      recordBytes,
      first: summarise(measured.slice(0, 1)),
      steady: summarise(measured.slice(1)),
    };
  } finally {
    await front.close();
  }
}
