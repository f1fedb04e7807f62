// @platformatic/kafka, in-process (needs Node >= 22.22 or >= 24.6).
//
// Quirks the driver works around:
// - All five codecs are built in (snappy and lz4 through @platformatic/wasm-utils, zstd through
//   node:zlib), nothing to register. But 1.x cannot read Java's xerial-framed snappy (see
//   platformaticReadLimitations).
// - The Consumer always belongs to a group (groupId is mandatory and consume() joins it); there
//   is no assign(). consume and seek use a throwaway group with autocommit off. Seek uses the
//   MANUAL stream mode with an explicit offset for the wanted partition; the group's other
//   partitions fall back to "latest" and are ignored. Offsets for earliest/latest/timestamp come
//   from consumer.listOffsets (ListOffsets).
// - producer.send() returns one base offset per partition; sends are awaited chunk by chunk so
//   record offset = baseOffset + its rank within the chunk's partition batch.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Consumer, type Message, MessagesStreamModes, Producer } from "@platformatic/kafka";
import type {
  ClientDriver,
  ConsumeOptions,
  ProduceOptions,
  ReadLimitation,
  SeekOptions,
} from "./drivers.ts";
import {
  CODECS,
  type ConsumedRow,
  type ProducedRow,
  recordHeaders,
  recordKey,
  recordPartition,
  recordValue,
  sha256Hex,
} from "./record-spec.ts";
import { ROOT } from "./tools.ts";

export const PLATFORMATIC_CLIENT = "platformatic";
const SEND_CHUNK = 500;
const LATEST = -1n;
const EARLIEST = -2n;

export async function produce(opts: ProduceOptions): Promise<ProducedRow[]> {
  // Default config otherwise (not idempotent, acks=1 — the library's defaults).
  const producer = new Producer({
    clientId: "floe-compat-platformatic",
    bootstrapBrokers: [opts.bootstrap],
  });
  const rows: ProducedRow[] = [];
  try {
    const start = opts.start ?? 0;
    const end = start + opts.count;
    for (let first = start; first < end; first += SEND_CHUNK) {
      const indices: number[] = [];
      for (let i = first; i < Math.min(first + SEND_CHUNK, end); i++) indices.push(i);
      const result = await producer.send({
        compression: opts.compression,
        messages: indices.map((i) => ({
          topic: opts.topic,
          partition: recordPartition(i, opts.partitions),
          key: Buffer.from(recordKey(i)),
          value: recordValue(i),
          headers: new Map(
            recordHeaders(i, PLATFORMATIC_CLIENT).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]),
          ),
        })),
      });
      const base = new Map((result.offsets ?? []).map((o) => [o.partition, Number(o.offset)]));
      const rank = new Map<number, number>();
      for (const i of indices) {
        const p = recordPartition(i, opts.partitions);
        const r = rank.get(p) ?? 0;
        rank.set(p, r + 1);
        const b = base.get(p);
        if (b === undefined) throw new Error(`platformatic: no produce result for partition ${p}`);
        rows.push({ i, partition: p, offset: b + r });
      }
    }
  } finally {
    await producer.close();
  }
  return rows;
}

function toRow(m: Message): ConsumedRow {
  return {
    partition: m.partition,
    offset: Number(m.offset),
    key: m.key == null ? null : m.key.toString("utf8"),
    valueSha256: sha256Hex(m.value ?? Buffer.alloc(0)),
    valueLength: m.value == null ? -1 : m.value.length,
    headers: [...m.headers].map(([k, v]) => [
      k.toString("utf8"),
      v == null ? "" : v.toString("utf8"),
    ]),
    timestampMs: Number(m.timestamp),
  };
}

interface ReadPlan {
  bootstrap: string;
  topic: string;
  expect: number;
  timeoutMs: number;
  idleMs: number;
  partition?: number;
  offset?: bigint;
}

async function read(plan: ReadPlan, consumer: Consumer): Promise<ConsumedRow[]> {
  const rows: ConsumedRow[] = [];
  const stream = await consumer.consume({
    topics: [plan.topic],
    autocommit: false,
    maxWaitTime: 500,
    ...(plan.partition === undefined
      ? { mode: MessagesStreamModes.EARLIEST }
      : {
          mode: MessagesStreamModes.MANUAL,
          offsets: [{ topic: plan.topic, partition: plan.partition, offset: plan.offset! }],
        }),
  });
  // The idle clock (expect = 0) starts at the first completed fetch.
  let lastNew = Number.POSITIVE_INFINITY;
  stream.on("fetch", () => {
    if (lastNew === Number.POSITIVE_INFINITY) lastNew = Date.now();
  });
  const deadline = Date.now() + plan.timeoutMs;
  const timers: NodeJS.Timeout[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (m: Message) => {
        if (plan.partition !== undefined && m.partition !== plan.partition) return;
        if (plan.expect > 0 && rows.length >= plan.expect) return;
        rows.push(toRow(m));
        lastNew = Date.now();
        if (plan.expect > 0 && rows.length >= plan.expect) resolve();
      });
      stream.on("error", reject);
      timers.push(
        setInterval(() => {
          if (plan.expect === 0 && Date.now() - lastNew >= plan.idleMs) resolve();
          if (Date.now() >= deadline) {
            process.stderr.write(
              `platformatic: timed out after ${plan.timeoutMs} ms with ${rows.length}/${plan.expect} records\n`,
            );
            resolve();
          }
        }, 100),
      );
    });
  } finally {
    for (const t of timers) clearInterval(t);
    await stream.close();
  }
  return rows;
}

function newConsumer(bootstrap: string): Consumer {
  return new Consumer({
    clientId: "floe-compat-platformatic",
    groupId: `floe-compat-platformatic-${randomUUID()}`,
    bootstrapBrokers: [bootstrap],
    autocommit: false,
  });
}

export async function consume(opts: ConsumeOptions): Promise<ConsumedRow[]> {
  const consumer = newConsumer(opts.bootstrap);
  try {
    return await read(
      {
        bootstrap: opts.bootstrap,
        topic: opts.topic,
        expect: opts.expect,
        timeoutMs: opts.timeoutMs ?? 60_000,
        idleMs: 0,
      },
      consumer,
    );
  } finally {
    await consumer.close(true);
  }
}

export async function seek(opts: SeekOptions): Promise<ConsumedRow[]> {
  const consumer = newConsumer(opts.bootstrap);
  try {
    const list = async (timestamp: bigint) => {
      const offsets = await consumer.listOffsets({
        topics: [opts.topic],
        partitions: { [opts.topic]: [opts.partition] },
        timestamp,
      });
      const o = offsets.get(opts.topic)?.[opts.partition];
      if (o === undefined)
        throw new Error(`platformatic: no offset for ${opts.topic}[${opts.partition}]`);
      return o;
    };
    let offset: bigint;
    if (opts.seek === "earliest") offset = await list(EARLIEST);
    else if (opts.seek === "latest") offset = await list(LATEST);
    else if (opts.seek.startsWith("offset:")) offset = BigInt(opts.seek.slice("offset:".length));
    else {
      offset = await list(BigInt(opts.seek.slice("timestamp:".length)));
      if (offset < 0n) offset = await list(LATEST); // no record at or after the timestamp
    }
    return await read(
      {
        bootstrap: opts.bootstrap,
        topic: opts.topic,
        expect: opts.expect,
        timeoutMs: opts.timeoutMs ?? 60_000,
        idleMs: opts.idleMs ?? 10_000,
        partition: opts.partition,
        offset,
      },
      consumer,
    );
  } finally {
    await consumer.close(true);
  }
}

/** The installed version, read from its package.json (which its exports map does not expose). */
export function platformaticVersion(): string {
  const pkg = join(ROOT, "node_modules", "@platformatic", "kafka", "package.json");
  return (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
}

// Up to 1.x the snappy decoder (@platformatic/wasm-utils) takes raw snappy only; the Java client
// writes snappy-java's xerial-framed stream, and fetching such a batch fails with a wasm
// "unreachable" trap. 2.x (checked: 2.12.1) unwraps xerial frames, so the limit lifts itself
// when the devDependency is upgraded.
function platformaticReadLimitations(): ReadLimitation[] {
  const major = Number(platformaticVersion().split(".")[0]);
  if (major >= 2) return [];
  return [
    {
      writer: "java",
      codec: "snappy",
      reason: `@platformatic/kafka ${platformaticVersion()} decodes raw snappy only, Java writes xerial-framed snappy (fixed in 2.x)`,
    },
  ];
}

export const platformaticDriver: ClientDriver = {
  name: PLATFORMATIC_CLIENT,
  codecs: CODECS,
  unsupportedCodecs: {},
  readLimitations: platformaticReadLimitations(),
  perRecordHeaders: true,
  notes: [
    "@platformatic/kafka in-process; all codecs built in",
    "no assign() API: consume/seek join a throwaway consumer group (autocommit off); seek uses MANUAL offsets",
  ],
  requireTools: () => {},
  produce,
  consume,
  seek,
};
