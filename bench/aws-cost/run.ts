/**
 * The AWS-backend cost section of `npm run bench`: starts DynamoDB Local and moto, measures the
 * requests of one flush (./per-flush.ts) at 1, 12 (the per-GiB topic), 100 and 1,000 partitions
 * of one topic and at 100 topics of one partition, on both DynamoDB log layouts side by side
 * (each on its own table), and the requests per GiB written and read (./per-gib.ts) on the
 * default layout; prices them with the dated list prices (./prices.ts), and stops the
 * emulators. Request counts are what the adapters sent, counted in code; they do not depend on
 * the emulators' speed. Capacity units are DynamoDB Local's (see the last part of
 * ./report-markdown.ts for where they differ from AWS). Also measures what a caught-up consumer
 * long-polling an idle topic costs per second.
 */
import {
  DEFAULT_LOG_LAYOUT,
  LOG_LAYOUTS,
  type LogLayoutName,
} from "../../lib/config/aws-config.ts";
import { SHARD_PARTITIONS } from "../../lib/storage/dynamodb/keys.ts";
import { SNAPSHOT_EVERY } from "../../lib/storage/dynamodb/shard-state.ts";
import { type RequestCounts, scaleCounts } from "./counts.ts";
import type { MeterSnapshot } from "./meter.ts";
import { type FlushPoint, type FlushShape, measureFlushPoint } from "./per-flush.ts";
import { type GibResult, type GibSettings, measurePerGib } from "./per-gib.ts";
import { AWS_PRICES, type CostLine, costLines, type PricedCounts, totalDollars } from "./prices.ts";
import { type SharedEmulators, startAwsStack } from "./stack.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface AwsCostSettings {
  /** Layouts measured per flush, side by side; the per-GiB run uses the default one. */
  layouts: LogLayoutName[];
  flushPoints: FlushShape[];
  /**
   * Steady-state flushes averaged per point, by layout (after the first flush into fresh
   * partitions and the layout's warm-up): whole periods of its occasional writes.
   */
  steadyFlushes: Record<LogLayoutName, number>;
  flushRecordBytes: number;
  gib: GibSettings;
  /** Results from before the shard layout: partitions per flush point, and flushes averaged. */
  flushPartitions?: number[];
  flushRounds?: number;
}

export function awsCostSettings(quick: boolean): AwsCostSettings {
  const gibPartitions = 12;
  const oneTopic = (partitionsPerTopic: number): FlushShape => ({ topics: 1, partitionsPerTopic });
  return {
    layouts: [DEFAULT_LOG_LAYOUT, ...LOG_LAYOUTS.filter((l) => l !== DEFAULT_LOG_LAYOUT)],
    // The per-GiB topic's width is a point too: the cost model prices flushes of up to that
    // many partitions from these figures. 100 topics of one partition: the shard layout's worst
    // case, one shard (and one record) per partition.
    flushPoints: [
      oneTopic(1),
      oneTopic(gibPartitions),
      oneTopic(100),
      oneTopic(1000),
      { topics: 100, partitionsPerTopic: 1 },
    ],
    // Whole periods of each layout (./per-flush.ts STEADY_PERIOD). The shard layout's is one
    // snapshot window (SNAPSHOT_EVERY = 32 flushes, after as many of warm-up) in both modes:
    // fewer would not be its steady state. The partition layout repeats every 4 flushes, and
    // its flushes at 1,000 partitions are the slowest of the run (1,000 UpdateItems each).
    steadyFlushes: { shard: SNAPSHOT_EVERY, partition: quick ? 4 : 8 },
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
  /** Absent in results from before the shard layout: those measured the partition layout. */
  layout?: LogLayoutName;
  /** Topics the flush's partitions belong to (absent in older results: one). */
  topics?: number;
  partitions: number;
  /** Commit points the flush writes: shards in the shard layout, partitions in the other. */
  commitPoints?: number;
  /** Flushes averaged (absent in older results: settings.flushRounds), and warm-up before them. */
  steadyFlushes?: number;
  warmupFlushes?: number;
  perFlush: RequestCounts;
  /** Shard snapshots written per flush, on average. */
  shardSnapshots?: number;
  /**
   * The flushes that wrote no index page and no snapshot (the commit alone), averaged, and how
   * many of the averaged flushes wrote some; null when all of them did.
   */
  commitOnly?: { perFlush: RequestCounts; dollarsPerMillionFlushes: number } | null;
  periodicFlushes?: number;
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
  /** Every point on every layout, layouts side by side within a point. */
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

export const layoutOf = (p: FlushPointSummary): LogLayoutName => p.layout ?? "partition";
export const topicsOf = (p: FlushPointSummary): number => p.topics ?? 1;
export const gibLayoutOf = (r: AwsCostResult): LogLayoutName => r.perGib.raw.layout ?? "partition";
/** The layouts a result measured per flush, in the order it measured them. */
export const layoutsOf = (r: AwsCostResult): LogLayoutName[] => [
  ...new Set(r.perFlush.map(layoutOf)),
];
export const steadyFlushesOf = (r: AwsCostResult, p: FlushPointSummary): number =>
  p.steadyFlushes ?? r.settings.flushRounds ?? Number.NaN;

function summariseFlush(p: FlushPoint): FlushPointSummary {
  const s = p.steady.perFlush;
  const dollars = totalDollars(priced(s));
  const headReadRcu = rcuOf(p.steady.byCall, "getHeads ");
  const commitOnly = p.steady.commitOnly;
  return {
    layout: p.layout,
    topics: p.shape.topics,
    partitions: p.partitions,
    commitPoints:
      p.layout === "shard"
        ? p.shape.topics * Math.ceil(p.shape.partitionsPerTopic / SHARD_PARTITIONS)
        : p.partitions,
    steadyFlushes: p.steady.flushes,
    warmupFlushes: p.warmupFlushes,
    perFlush: s,
    shardSnapshots: p.steady.shardSnapshots,
    commitOnly:
      commitOnly === undefined
        ? null
        : {
            perFlush: commitOnly,
            dollarsPerMillionFlushes: totalDollars(priced(commitOnly)) * 1e6,
          },
    periodicFlushes: p.steady.periodicFlushes,
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
    for (const shape of settings.flushPoints) {
      for (const layout of settings.layouts) {
        const point = await measureFlushPoint(stack, {
          layout,
          shape,
          rounds: settings.steadyFlushes[layout],
          recordBytes: settings.flushRecordBytes,
        });
        const s = summariseFlush(point);
        perFlush.push(s);
        const where = shape.topics === 1 ? "" : ` over ${shape.topics} topics`;
        log(
          `AWS cost: flush of ${s.partitions} partition(s)${where}, ${layout} layout: ${s.perFlush.s3Put} PUT, ${s.perFlush.wcu} WCU, ${s.perFlush.rcu} RCU per flush (${s.steadyFlushes} flushes averaged after ${1 + point.warmupFlushes})`,
        );
      }
    }
    const gibLayout = settings.layouts[0];
    log(
      `AWS cost: writing ${settings.gib.totalBytes / MiB} MiB to ${settings.gib.partitions} partitions (${gibLayout} layout), then reading it back`,
    );
    const raw = await measurePerGib(stack, settings.gib, gibLayout);
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
        getHeadsPerSecond: (raw.idle.getHeadsCalls ?? 0) / raw.idle.seconds,
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
