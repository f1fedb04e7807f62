/**
 * Requests per GiB written and read on the AWS backend, with the log engine's default settings,
 * on one DynamoDB log layout (the run uses the default one).
 *
 * Write: one idempotent producer sends "produce requests" of one batch per partition
 * (`recordsPerBatch` × `recordBytes`, i.e. what the Java client's batch.size=16384 holds) to
 * every partition of one topic, keeping `outstandingBytes` unacknowledged — enough that the
 * writer always has a full segment waiting while its flushes are in flight, so segments are
 * full (maxSegmentBytes). That is the cheapest case per GiB, reached by a busy front; a front
 * whose traffic arrives slower flushes smaller segments on the linger timer and pays the
 * per-flush cost more often (the report derives that from the measured per-flush cost).
 *
 * Read: a second front (cold cache, as a front that did not write the data, or a consumer
 * catching up after the cache evicted it) reads every partition from offset 0 to the end the
 * way a Fetch does: all partitions at once, `maxPartitionBytes` each (the consumer's
 * max.partition.fetch.bytes, 1 MiB by default), next fetch from the last offset + 1.
 *
 * Idle: the same consumer, now at the end of the log, long-polls (LogService.waitForData, as
 * Fetch does with MaxWaitMs) for `idleMs` while nothing is written: what a front pays per
 * second for consumers waiting on an idle topic (the watcher polls heads every pollIntervalMs,
 * backing off to maxPollIntervalMs while nothing changes).
 */
import { randomUUID } from "node:crypto";
import { ErrorCode } from "../../lib/broker/log/errors.ts";
import type { LogLayoutName } from "../../lib/config/aws-config.ts";
import { batchesIn } from "../../lib/protocol/records/batch-header.ts";
import type { PartitionKey } from "../../lib/storage/ports.ts";
import { checkAttribution, type RequestCounts, requestCounts } from "./counts.ts";
import { countersDelta, type MeterSnapshot, meterDelta } from "./meter.ts";
import { IdempotentProducer } from "./producer.ts";
import type { AwsStack } from "./stack.ts";

export interface GibSettings {
  partitions: number;
  recordBytes: number;
  recordsPerBatch: number;
  /** Batch bytes to write (and read back). */
  totalBytes: number;
  outstandingBytes: number;
  maxPartitionBytes: number;
  /** How long the caught-up consumer long-polls an idle topic. */
  idleMs: number;
}

export interface GibPhase {
  /** Record-batch bytes appended or returned (what "GiB" means below). */
  bytes: number;
  records: number;
  wallSec: number;
  /** Totals over the phase. */
  totals: RequestCounts;
  /** DynamoDB per (port call, operation), totals over the phase. */
  byCall: MeterSnapshot["dynamo"];
  /** Wall ms summed per port call over the phase (calls overlap: not additive). */
  callMs: Record<string, number>;
}

export interface GibResult {
  settings: GibSettings;
  /** Absent in results from before the shard layout: those measured the partition layout. */
  layout?: LogLayoutName;
  write: GibPhase & {
    flushes: number;
    avgSegmentBytes: number;
    partitionCommits: number;
    /** Shard snapshots the phase wrote (absent in older results). */
    shardSnapshots?: number;
  };
  read: GibPhase & { fetches: number; readCalls: number; cacheHits: number };
  idle: {
    seconds: number;
    partitions: number;
    totals: RequestCounts;
    /** LogService's getHeads calls (the watcher's polls); absent in older results. */
    getHeadsCalls?: number;
  };
}

function phase(
  bytes: number,
  records: number,
  wallSec: number,
  counters: Record<string, number>,
  meter: MeterSnapshot,
): GibPhase {
  const callMs: Record<string, number> = {};
  for (const [k, v] of Object.entries(meter.time)) callMs[k] = v.ms;
  return { bytes, records, wallSec, totals: requestCounts(counters), byCall: meter.dynamo, callMs };
}

export async function measurePerGib(
  stack: AwsStack,
  settings: GibSettings,
  layout: LogLayoutName,
): Promise<GibResult> {
  const writer = await stack.openFront({ layout });
  const topicId = randomUUID();
  const keys: PartitionKey[] = Array.from({ length: settings.partitions }, (_, partition) => ({
    topicId,
    partition,
  }));
  let write: GibResult["write"];
  try {
    await writer.metadata.createTopic({
      name: `bench-gib-${topicId.slice(0, 8)}`,
      topicId,
      partitionCount: settings.partitions,
      configs: {},
      createdAtMs: Date.now(),
      version: 1,
    });
    const producer = new IdempotentProducer({
      producerId: await writer.metadata.allocateProducerId(),
      recordBytes: settings.recordBytes,
      recordsPerBatch: settings.recordsPerBatch,
    });
    const c0 = writer.counters.snapshot();
    const m0 = writer.meter.snapshot();
    const metrics0 = { ...writer.log.metrics.snapshot() };
    const t0 = performance.now();
    let sent = 0;
    let records = 0;
    let outstanding = 0;
    const inFlight = new Set<Promise<void>>();
    let failure: Error | undefined;
    while (sent < settings.totalBytes && failure === undefined) {
      const request = await Promise.all(keys.map((k) => producer.next(k)));
      const bytes = request.reduce((n, b) => n + b.records.length, 0);
      while (inFlight.size > 0 && outstanding + bytes > settings.outstandingBytes) {
        await Promise.race(inFlight);
      }
      outstanding += bytes;
      const done: Promise<void> = Promise.all(
        keys.map((k, i) => writer.log.append(k, request[i].records, request[i].batches)),
      ).then((outcomes) => {
        outstanding -= bytes;
        inFlight.delete(done);
        const bad = outcomes.find((o) => o.errorCode !== ErrorCode.NONE);
        if (bad) failure ??= new Error(`append failed (${bad.errorCode}): ${bad.errorMessage}`);
      });
      inFlight.add(done);
      sent += bytes;
      records += settings.recordsPerBatch * keys.length;
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    const wallSec = (performance.now() - t0) / 1000;
    await writer.log.receiptsWritten();
    await writer.metadata.settled(); // the shard layout's snapshots, pages and cleanup
    const counters = countersDelta(c0, writer.counters.snapshot());
    const meter = meterDelta(m0, writer.meter.snapshot());
    checkAttribution("per-GiB write", meter, counters);
    const m = writer.log.metrics;
    const flushes = m.flushes - metrics0.flushes;
    write = {
      ...phase(sent, records, wallSec, counters, meter),
      flushes,
      avgSegmentBytes: (m.segmentPutBytes - metrics0.segmentPutBytes) / flushes,
      partitionCommits: m.partitionCommits - metrics0.partitionCommits,
      shardSnapshots: counters["dynamodb.shardSnapshots"] ?? 0,
    };
  } finally {
    await writer.close();
  }

  const reader = await stack.openFront({ layout });
  try {
    const c0 = reader.counters.snapshot();
    const m0 = reader.meter.snapshot();
    const t0 = performance.now();
    const next = keys.map(() => 0n);
    const done = keys.map(() => false);
    let bytes = 0;
    let records = 0;
    let fetches = 0;
    let readCalls = 0;
    while (done.includes(false)) {
      fetches++;
      const active = keys.flatMap((k, i) => (done[i] ? [] : [{ k, i }]));
      readCalls += active.length;
      // Like a Fetch handler: every partition's read starts in the same tick.
      const results = await Promise.all(
        active.map(({ k, i }) => reader.log.read(k, next[i], settings.maxPartitionBytes)),
      );
      results.forEach((r, j) => {
        const i = active[j].i;
        if (r.errorCode !== ErrorCode.NONE) {
          throw new Error(`read of partition ${i} at ${next[i]} failed with ${r.errorCode}`);
        }
        for (const buf of r.records) {
          bytes += buf.length;
          for (const v of batchesIn(buf)) {
            records += v.header.lastOffsetDelta + 1;
            next[i] = v.header.baseOffset + BigInt(v.header.lastOffsetDelta) + 1n;
          }
        }
        if (next[i] >= r.highWatermark) done[i] = true;
      });
    }
    const wallSec = (performance.now() - t0) / 1000;
    const counters = countersDelta(c0, reader.counters.snapshot());
    const meter = meterDelta(m0, reader.meter.snapshot());
    checkAttribution("per-GiB read", meter, counters);

    const i0 = reader.counters.snapshot();
    const im0 = reader.meter.snapshot();
    const idleStart = performance.now();
    // MaxWaitMs-bounded waits back to back, as a consumer's fetch loop sends them.
    while (performance.now() - idleStart < settings.idleMs) {
      await reader.log.waitForData(
        keys,
        settings.idleMs - (performance.now() - idleStart),
        undefined,
        next,
      );
    }
    // Not checked for attribution: the front's watcher may have a poll in flight right now.
    const idle = {
      seconds: (performance.now() - idleStart) / 1000,
      partitions: keys.length,
      totals: requestCounts(countersDelta(i0, reader.counters.snapshot())),
      getHeadsCalls: meterDelta(im0, reader.meter.snapshot()).time.getHeads?.calls ?? 0,
    };
    if (bytes !== write.bytes || records !== write.records) {
      throw new Error(
        `read back ${records} records / ${bytes} bytes, wrote ${write.records} / ${write.bytes}`,
      );
    }
    return {
      settings,
      layout,
      write,
      read: {
        ...phase(bytes, records, wallSec, counters, meter),
        fetches,
        readCalls,
        cacheHits: reader.log.metrics.cacheHits,
      },
      idle,
    };
  } finally {
    await reader.close();
  }
}
