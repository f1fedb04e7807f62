// kafkajs 2.2.4, in-process.
//
// Quirks the driver works around:
// - kafkajs has only gzip built in; snappy, lz4 and zstd are registered here from the project's
//   runtime deps (snappyjs, lz4js) and node:zlib's zstd (Node >= 22.15 / 23.8). The codecs
//   follow what Kafka clients put on the wire: raw snappy out, raw or xerial-framed
//   (Java's SnappyOutputStream) snappy in; LZ4 frames with independent blocks (lz4js's own
//   frame writer is not accepted by Kafka, see lz4CompressFrame); standard zstd frames.
// - kafkajs has no assign() API: consume and seek join a throwaway consumer group (no commits)
//   and, for seek, pause every other partition and seek the wanted one once the group has
//   assigned it. Offsets for earliest/latest/timestamp come from the admin client (ListOffsets).
// - producer.send() is awaited chunk by chunk so records go out in index order; a partition's
//   records within one send form one batch, so record offset = baseOffset + its rank there.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import zlib from "node:zlib";
import kafkajs from "kafkajs";
import type { ClientDriver, ConsumeOptions, ProduceOptions, SeekOptions } from "./drivers.ts";
import {
  CODECS,
  type Codec,
  type ConsumedRow,
  type ProducedRow,
  recordHeaders,
  recordKey,
  recordPartition,
  recordValue,
  sha256Hex,
} from "./record-spec.ts";

const { Kafka, CompressionTypes, CompressionCodecs, logLevel, Partitioners } = kafkajs;
type KafkaMessage = import("kafkajs").KafkaMessage;

export const KAFKAJS_CLIENT = "kafkajs";
const SEND_CHUNK = 500;

// ---- codecs ----

const require = createRequire(import.meta.url);
const snappy = require("snappyjs") as {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array): Uint8Array;
};
const lz4 = require("lz4js") as {
  compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    hashTable: Uint32Array,
  ): number;
  decompress(input: Uint8Array): Uint8Array | number[];
};
const xxh32 = (
  require("lz4js/xxh32.js") as {
    hash(seed: number, src: Uint8Array, index: number, length: number): number;
  }
).hash;

// snappy-java's stream header: magic, then format version and min compatible version.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

export function snappyDecompress(buf: Buffer): Buffer {
  if (buf.length >= 16 && buf.subarray(0, 8).equals(XERIAL_MAGIC)) {
    const parts: Buffer[] = [];
    for (let pos = 16; pos < buf.length; ) {
      const n = buf.readUInt32BE(pos);
      pos += 4;
      parts.push(Buffer.from(snappy.uncompress(buf.subarray(pos, pos + n))));
      pos += n;
    }
    return Buffer.concat(parts);
  }
  return Buffer.from(snappy.uncompress(buf));
}

// LZ4 frame with independent 64 KiB blocks, as Kafka's KafkaLZ4BlockOutputStream writes it.
// lz4js.compress() cannot be used: its frames leave the block-independence flag unset, and the
// Java broker rejects them ("Dependent block stream is unsupported").
const LZ4_BLOCK = 64 * 1024;
export function lz4CompressFrame(src: Buffer): Buffer {
  const out: Buffer[] = [];
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0]); // magic, FLG, BD, HC
  header[6] = (xxh32(0, header, 4, 2) >> 8) & 0xff;
  out.push(header);
  const dst = new Uint8Array(LZ4_BLOCK + LZ4_BLOCK / 255 + 16);
  for (let pos = 0; pos < src.length; pos += LZ4_BLOCK) {
    const block = src.subarray(pos, Math.min(pos + LZ4_BLOCK, src.length));
    const size = lz4.compressBlock(block, dst, 0, block.length, new Uint32Array(1 << 16));
    const len = Buffer.alloc(4);
    if (size === 0 || size >= block.length) {
      len.writeUInt32LE((0x80000000 | block.length) >>> 0);
      out.push(len, Buffer.from(block));
    } else {
      len.writeUInt32LE(size);
      out.push(len, Buffer.from(dst.subarray(0, size)));
    }
  }
  out.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(out);
}

interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const codecs: Record<"snappy" | "lz4" | "zstd", KafkajsCodec> = {
  snappy: {
    compress: async (encoder) => Buffer.from(snappy.compress(encoder.buffer)),
    decompress: async (buffer) => snappyDecompress(buffer),
  },
  lz4: {
    compress: async (encoder) => lz4CompressFrame(encoder.buffer),
    decompress: async (buffer) => Buffer.from(lz4.decompress(buffer)),
  },
  zstd: {
    compress: async (encoder) => zlib.zstdCompressSync(encoder.buffer),
    decompress: async (buffer) => zlib.zstdDecompressSync(buffer),
  },
};

let registered = false;
/** Registers snappy, lz4 and zstd with kafkajs (process-wide, idempotent). */
export function registerKafkajsCodecs(): void {
  if (registered) return;
  registered = true;
  const table = CompressionCodecs as unknown as Record<number, () => KafkajsCodec>;
  table[CompressionTypes.Snappy] = () => codecs.snappy;
  table[CompressionTypes.LZ4] = () => codecs.lz4;
  table[CompressionTypes.ZSTD] = () => codecs.zstd;
}

const COMPRESSION: Record<Codec, number> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

function client(bootstrap: string) {
  registerKafkajsCodecs();
  return new Kafka({
    clientId: "floe-compat-kafkajs",
    brokers: [bootstrap],
    logLevel: logLevel.ERROR,
  });
}

// ---- produce ----

export async function produce(opts: ProduceOptions): Promise<ProducedRow[]> {
  const kafka = client(opts.bootstrap);
  // Default config (acks=-1, not idempotent); the partitioner is named only to silence
  // kafkajs' v2 partitioner warning: every record carries an explicit partition.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const rows: ProducedRow[] = [];
  try {
    const start = opts.start ?? 0;
    const end = start + opts.count;
    for (let first = start; first < end; first += SEND_CHUNK) {
      const indices: number[] = [];
      for (let i = first; i < Math.min(first + SEND_CHUNK, end); i++) indices.push(i);
      const metadata = await producer.send({
        topic: opts.topic,
        compression: COMPRESSION[opts.compression],
        messages: indices.map((i) => ({
          partition: recordPartition(i, opts.partitions),
          key: recordKey(i),
          value: recordValue(i),
          headers: Object.fromEntries(recordHeaders(i, KAFKAJS_CLIENT)),
        })),
      });
      const base = new Map(metadata.map((m) => [m.partition, Number(m.baseOffset)]));
      const rank = new Map<number, number>();
      for (const i of indices) {
        const p = recordPartition(i, opts.partitions);
        const r = rank.get(p) ?? 0;
        rank.set(p, r + 1);
        const b = base.get(p);
        if (b === undefined) throw new Error(`kafkajs: no produce result for partition ${p}`);
        rows.push({ i, partition: p, offset: b + r });
      }
    }
  } finally {
    await producer.disconnect();
  }
  return rows;
}

// ---- consume / seek ----

function toRow(partition: number, m: KafkaMessage): ConsumedRow {
  const headers: [string, string][] = [];
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v])
      headers.push([k, one === undefined ? "" : one.toString("utf8")]);
  }
  return {
    partition,
    offset: Number(m.offset),
    key: m.key === null ? null : m.key.toString("utf8"),
    valueSha256: sha256Hex(m.value ?? Buffer.alloc(0)),
    valueLength: m.value === null ? -1 : m.value.length,
    headers,
    timestampMs: Number(m.timestamp),
  };
}

interface ReadPlan {
  bootstrap: string;
  topic: string;
  expect: number;
  timeoutMs: number;
  idleMs: number;
  /** Partitions to read; with a seek, the only one, from the given offset. */
  partitions?: number[];
  seekTo?: { partition: number; offset: string };
  pause?: number[];
}

async function read(plan: ReadPlan): Promise<ConsumedRow[]> {
  const kafka = client(plan.bootstrap);
  const consumer = kafka.consumer({
    groupId: `floe-compat-kafkajs-${randomUUID()}`,
    maxWaitTimeInMs: 500,
  });
  const rows: ConsumedRow[] = [];
  let finish!: () => void;
  let fail!: (e: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  finished.catch(() => {}); // observed by Promise.race below; avoid an early unhandled rejection
  // The idle clock (expect = 0) starts at the first fetch, after the group join, so "nothing new"
  // means the broker really had nothing rather than that the consumer had not started.
  let lastNew = Number.POSITIVE_INFINITY;
  const timers: NodeJS.Timeout[] = [];
  try {
    await consumer.connect();
    consumer.on(consumer.events.CRASH, (e) =>
      fail(new Error(`kafkajs consumer crashed: ${String(e.payload.error)}`)),
    );
    consumer.on(consumer.events.FETCH, () => {
      if (lastNew === Number.POSITIVE_INFINITY) lastNew = Date.now();
    });
    await consumer.subscribe({ topics: [plan.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (plan.partitions && !plan.partitions.includes(partition)) return;
        if (plan.expect > 0 && rows.length >= plan.expect) return;
        rows.push(toRow(partition, message));
        lastNew = Date.now();
        if (plan.expect > 0 && rows.length >= plan.expect) finish();
      },
    });
    if (plan.pause?.length) consumer.pause([{ topic: plan.topic, partitions: plan.pause }]);
    if (plan.seekTo) consumer.seek({ topic: plan.topic, ...plan.seekTo });
    if (plan.expect === 0) {
      timers.push(
        setInterval(() => {
          if (Date.now() - lastNew >= plan.idleMs) finish();
        }, 100),
      );
    }
    const timedOut = new Promise<void>((resolve) => {
      timers.push(
        setTimeout(() => {
          process.stderr.write(
            `kafkajs: timed out after ${plan.timeoutMs} ms with ${rows.length}/${plan.expect} records\n`,
          );
          resolve();
        }, plan.timeoutMs),
      );
    });
    await Promise.race([finished, timedOut]);
  } finally {
    for (const t of timers) clearTimeout(t);
    await consumer.disconnect();
  }
  return rows.slice(0, plan.expect > 0 ? plan.expect : rows.length);
}

export async function consume(opts: ConsumeOptions): Promise<ConsumedRow[]> {
  return read({
    bootstrap: opts.bootstrap,
    topic: opts.topic,
    expect: opts.expect,
    timeoutMs: opts.timeoutMs ?? 60_000,
    idleMs: 0,
  });
}

export async function seek(opts: SeekOptions): Promise<ConsumedRow[]> {
  const admin = client(opts.bootstrap).admin();
  await admin.connect();
  let offset: string;
  let partitions: number[];
  try {
    const offsets = await admin.fetchTopicOffsets(opts.topic);
    partitions = offsets.map((o) => o.partition);
    const mine = offsets.find((o) => o.partition === opts.partition);
    if (!mine) throw new Error(`kafkajs: ${opts.topic} has no partition ${opts.partition}`);
    if (opts.seek === "earliest") offset = mine.low;
    else if (opts.seek === "latest") offset = mine.high;
    else if (opts.seek.startsWith("offset:")) offset = opts.seek.slice("offset:".length);
    else {
      const ts = Number(opts.seek.slice("timestamp:".length));
      const found = await admin.fetchTopicOffsetsByTimestamp(opts.topic, ts);
      const hit = found.find((o) => o.partition === opts.partition);
      // -1: no record at or after the timestamp, so start at the end.
      offset = !hit || hit.offset === "-1" ? mine.high : hit.offset;
    }
  } finally {
    await admin.disconnect();
  }
  return read({
    bootstrap: opts.bootstrap,
    topic: opts.topic,
    expect: opts.expect,
    timeoutMs: opts.timeoutMs ?? 60_000,
    idleMs: opts.idleMs ?? 10_000,
    partitions: [opts.partition],
    seekTo: { partition: opts.partition, offset },
    pause: partitions.filter((p) => p !== opts.partition),
  });
}

export const kafkajsDriver: ClientDriver = {
  name: KAFKAJS_CLIENT,
  codecs: CODECS,
  unsupportedCodecs: {},
  readLimitations: [],
  perRecordHeaders: true,
  notes: [
    "kafkajs 2.2.4 in-process; snappy/lz4/zstd registered from snappyjs, lz4js and node:zlib",
    "no assign() API: consume/seek join a throwaway consumer group (no commits) and pause other partitions",
  ],
  requireTools: () => {},
  produce,
  consume,
  seek,
};
