/**
 * The AWS-backend cost section of `npm run bench`: starts DynamoDB Local and moto, measures the
 * requests of one flush at 1, 100 and 1,000 partitions per flush (./per-flush.ts) and the
 * requests per GiB written and read (./per-gib.ts), prices them with the dated list prices
 * (./prices.ts), and stops the emulators. Request counts are what the adapters sent, counted in
 * code; they do not depend on the emulators' speed. Capacity units are DynamoDB Local's (see
 * the last part of ./report-markdown.ts for where they differ from AWS). Also measures what a
 * caught-up consumer long-polling an idle topic costs per second.
 */
import { type RequestCounts, scaleCounts } from "./counts.ts";
import type { MeterSnapshot } from "./meter.ts";
import { type FlushPoint, measureFlushPoint } from "./per-flush.ts";
import { type GibResult, type GibSettings, measurePerGib } from "./per-gib.ts";
import { AWS_PRICES, type CostLine, costLines, type PricedCounts, totalDollars } from "./prices.ts";
import { type SharedEmulators, startAwsStack } from "./stack.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface AwsCostSettings {
  flushPartitions: number[];
  /** Steady-state flushes averaged per point (after the first flush into fresh partitions). */
  flushRounds: number;
  flushRecordBytes: number;
  gib: GibSettings;
}

export function awsCostSettings(quick: boolean): AwsCostSettings {
  return {
    flushPartitions: [1, 100, 1000],
    flushRounds: quick ? 4 : 8,
    flushRecordBytes: 1024,
    gib: {
      partitions: 12,
      recordBytes: 1024,
      recordsPerBatch: 15,
      totalBytes: (quick ? 64 : 256) * MiB,
      outstandingBytes: 40 * MiB,
      maxPartitionBytes: MiB,
      idleMs: quick ? 2_000 : 5_000,
    },
  };
}

export interface FlushPointSummary {
  partitions: number;
  perFlush: RequestCounts;
  perPartition: { wcu: number; rcu: number };
  dollarsPerMillionFlushes: number;
  /** The broker's getHeads before the commit: RCU per flush and its share of the flush's $. */
  headReadRcu: number;
  headReadShare: number;
  first: { perFlush: RequestCounts; dollarsPerMillionFlushes: number };
  byCall: MeterSnapshot["dynamo"];
  emulatorMs: { flush: number; calls: Record<string, number> };
}

export interface AwsCostResult {
  settings: AwsCostSettings;
  emulators: string;
  prices: typeof AWS_PRICES;
  durationSec: number;
  perFlush: FlushPointSummary[];
  perGib: {
    raw: GibResult;
    written: RequestCounts;
    read: RequestCounts;
    writtenDollars: CostLine[];
    readDollars: CostLine[];
    dollarsPerGibWritten: number;
    dollarsPerGibRead: number;
    /** findChunks' own GetItem of the head LogService.read has just read, per GiB read. */
    readHeadRereadRcu: number;
    /** Request $ of one flush of the write phase (its partitions), on average. */
    dollarsPerWriteFlush: number;
    /** $ per GiB written if segments averaged these sizes (same per-flush cost). */
    bySegmentSize: { segmentBytes: number; flushesPerGib: number; dollarsPerGib: number }[];
  };
  /** A caught-up consumer long-polling an idle topic: per second, and $ per 30-day month. */
  idlePoll: {
    partitions: number;
    rcuPerSecond: number;
    getHeadsPerSecond: number;
    dollarsPerMonth: number;
  };
}

const priced = (c: RequestCounts): PricedCounts => c;

function rcuOf(byCall: MeterSnapshot["dynamo"], prefix: string): number {
  let rcu = 0;
  for (const [k, v] of Object.entries(byCall)) if (k.startsWith(prefix)) rcu += v.rcu;
  return rcu;
}

function summariseFlush(p: FlushPoint): FlushPointSummary {
  const s = p.steady.perFlush;
  const dollars = totalDollars(priced(s));
  const headReadRcu = rcuOf(p.steady.byCall, "getHeads ");
  return {
    partitions: p.partitions,
    perFlush: s,
    perPartition: { wcu: s.wcu / p.partitions, rcu: s.rcu / p.partitions },
    dollarsPerMillionFlushes: dollars * 1e6,
    headReadRcu,
    headReadShare:
      dollars === 0 ? 0 : (headReadRcu * AWS_PRICES.dynamoReadPerMillion) / 1e6 / dollars,
    first: {
      perFlush: p.first.perFlush,
      dollarsPerMillionFlushes: totalDollars(priced(p.first.perFlush)) * 1e6,
    },
    byCall: p.steady.byCall,
    emulatorMs: { flush: p.steady.wallMs, calls: p.steady.callMs },
  };
}

export async function runAwsCost(
  quick: boolean,
  log: (msg: string) => void,
  emulators?: SharedEmulators,
): Promise<AwsCostResult> {
  const settings = awsCostSettings(quick);
  const began = performance.now();
  log(
    `AWS backend cost: ${emulators === undefined ? "starting DynamoDB Local and moto" : "on the running DynamoDB Local and moto, fresh table and bucket"}`,
  );
  const stack = await startAwsStack(emulators);
  try {
    const perFlush: FlushPointSummary[] = [];
    for (const partitions of settings.flushPartitions) {
      const point = await measureFlushPoint(
        stack,
        partitions,
        settings.flushRounds,
        settings.flushRecordBytes,
      );
      const s = summariseFlush(point);
      perFlush.push(s);
      log(
        `AWS cost: flush of ${partitions} partition(s): ${s.perFlush.s3Put} PUT, ${s.perFlush.wcu} WCU, ${s.perFlush.rcu} RCU per flush (${settings.flushRounds} flushes averaged)`,
      );
    }
    log(
      `AWS cost: writing ${settings.gib.totalBytes / MiB} MiB to ${settings.gib.partitions} partitions, then reading it back`,
    );
    const raw = await measurePerGib(stack, settings.gib);
    const written = scaleCounts(raw.write.totals, GiB / raw.write.bytes);
    const read = scaleCounts(raw.read.totals, GiB / raw.read.bytes);
    const perFlushCost = totalDollars(priced(raw.write.totals)) / raw.write.flushes;
    const sizes = [raw.write.avgSegmentBytes, MiB, 256 * 1024, 64 * 1024];
    const idleRcuPerSecond = raw.idle.totals.rcu / raw.idle.seconds;
    const result: AwsCostResult = {
      settings,
      emulators: stack.describe,
      prices: AWS_PRICES,
      durationSec: 0,
      idlePoll: {
        partitions: raw.idle.partitions,
        rcuPerSecond: idleRcuPerSecond,
        getHeadsPerSecond: (raw.idle.totals.dynamoCalls.BatchGetItem ?? 0) / raw.idle.seconds,
        dollarsPerMonth: (idleRcuPerSecond * 86_400 * 30 * AWS_PRICES.dynamoReadPerMillion) / 1e6,
      },
      perFlush,
      perGib: {
        raw,
        written,
        read,
        writtenDollars: costLines(priced(written)),
        readDollars: costLines(priced(read)),
        dollarsPerGibWritten: totalDollars(priced(written)),
        dollarsPerGibRead: totalDollars(priced(read)),
        dollarsPerWriteFlush: perFlushCost,
        readHeadRereadRcu: (rcuOf(raw.read.byCall, "findChunks GetItem") * GiB) / raw.read.bytes,
        bySegmentSize: sizes.map((segmentBytes) => ({
          segmentBytes,
          flushesPerGib: GiB / segmentBytes,
          dollarsPerGib: (GiB / segmentBytes) * perFlushCost,
        })),
      },
    };
    result.durationSec = (performance.now() - began) / 1000;
    log(
      `AWS cost: $${result.perGib.dollarsPerGibWritten.toFixed(5)} per GiB written, $${result.perGib.dollarsPerGibRead.toFixed(5)} per GiB read (requests only)`,
    );
    return result;
  } finally {
    await stack.stop();
  }
}
