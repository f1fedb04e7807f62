// One ClientDriver per real Kafka client. Every driver follows the record spec in
// record-spec.ts and the CLI contract below; the out-of-process ones (Java, franz-go,
// confluent-kafka-python) are spawned binaries built by scripts/setup-test-deps.sh, kcat is
// spawned directly, and kafkajs and @platformatic/kafka run in-process.
//
// CLI contract (args as `--key value`): --bootstrap host:port --topic T --mode produce|consume|seek
//   produce: --count N --partitions P --compression none|gzip|snappy|lz4|zstd [--start I]
//            → one {"i","partition","offset"} line per acknowledged record; exit 0 after flush,
//              exit 1 on any delivery error.
//   consume: --partitions P --expect N [--timeout-ms 60000]
//            → all partitions assigned explicitly, from earliest, until N records or the timeout.
//   seek:    --partition p --seek earliest|latest|offset:<n>|timestamp:<ms> --expect N
//            [--idle-ms 10000] [--timeout-ms 60000]
//            → one partition; with N = 0 it reads until idle-ms pass with nothing new.
//   consume/seek print one ConsumedRow JSON line per record. Exit 3: timed out before N records
//   (rows received so far are still printed, and verifyRoundTrip reports what is missing).
import { kafkajsDriver } from "./kafkajs.ts";
import { kcatDriver } from "./kcat.ts";
import { platformaticDriver } from "./platformatic.ts";
import {
  CODECS,
  type Codec,
  type ConsumedRow,
  expectedRecord,
  type ProducedRow,
} from "./record-spec.ts";
import { parseJsonLines, requireTool, runProcess, TOOL_PATHS, tail } from "./tools.ts";

export { INSTALL_HINT, requireCommand, requireTool } from "./tools.ts";

export interface ProduceOptions {
  bootstrap: string;
  topic: string;
  count: number;
  partitions: number;
  compression: Codec;
  /** Index of the first record; default 0. */
  start?: number;
}

export interface ConsumeOptions {
  bootstrap: string;
  topic: string;
  partitions: number;
  expect: number;
  timeoutMs?: number;
}

export type SeekSpec = "earliest" | "latest" | `offset:${number}` | `timestamp:${number}`;

export interface SeekOptions {
  bootstrap: string;
  topic: string;
  partition: number;
  seek: SeekSpec;
  expect: number;
  /** With expect = 0: stop after this long with nothing new; default 10 000. */
  idleMs?: number;
  timeoutMs?: number;
}

export interface ReadLimitation {
  /** Name of the writing client. */
  writer: string;
  codec: Codec;
  reason: string;
}

export interface ClientDriver {
  /** Also the value of the "src" header the driver writes. */
  readonly name: string;
  readonly codecs: readonly Codec[];
  /** Codecs the client cannot produce, each with the reason. */
  readonly unsupportedCodecs: Readonly<Partial<Record<Codec, string>>>;
  /** False when the client can only attach the same headers to every record of a run (kcat). */
  readonly perRecordHeaders: boolean;
  /** Records this client cannot read back when another client wrote them, each with the reason
   *  (the cross-read tests list these as explicit skips). */
  readonly readLimitations: readonly ReadLimitation[];
  /** Notes on how the client is driven (e.g. consumer groups where it has no assign API). */
  readonly notes: readonly string[];
  /** Throws with the install hint when the client's binary or runtime is missing. */
  requireTools(): void;
  produce(opts: ProduceOptions): Promise<ProducedRow[]>;
  consume(opts: ConsumeOptions): Promise<ConsumedRow[]>;
  seek(opts: SeekOptions): Promise<ConsumedRow[]>;
}

// ---- out-of-process drivers speaking the CLI contract ----

function cliArgs(opts: object & { mode: string }): string[] {
  const names: Record<string, string> = { idleMs: "idle-ms", timeoutMs: "timeout-ms" };
  const args: string[] = [];
  for (const [k, v] of Object.entries(opts)) {
    if (v !== undefined) args.push(`--${names[k] ?? k}`, String(v));
  }
  return args;
}

function cliDriver(
  name: string,
  command: () => { cmd: string; args: string[] },
  requireTools: () => void,
  notes: string[] = [],
): ClientDriver {
  const run = async (mode: string, opts: object, timeoutMs: number) => {
    requireTools();
    const { cmd, args } = command();
    const res = await runProcess(cmd, [...args, ...cliArgs({ mode, ...opts })], { timeoutMs });
    if (res.code === 0) return res.stdout;
    if (res.code === 3 && mode !== "produce") {
      // Timed out short of --expect: hand back what arrived; the checks name what is missing.
      process.stderr.write(`${name} ${mode}: ${tail(res.stderr, 3)}\n`);
      return res.stdout;
    }
    throw new Error(
      `${name} ${mode} failed (exit ${res.code ?? res.signal}):\n${tail(res.stderr)}`,
    );
  };
  return {
    name,
    codecs: CODECS,
    unsupportedCodecs: {},
    readLimitations: [],
    perRecordHeaders: true,
    notes,
    requireTools,
    async produce(opts) {
      return parseJsonLines<ProducedRow>(await run("produce", opts, 180_000));
    },
    async consume(opts) {
      return parseJsonLines<ConsumedRow>(
        await run("consume", opts, (opts.timeoutMs ?? 60_000) + 30_000),
      );
    },
    async seek(opts) {
      return parseJsonLines<ConsumedRow>(
        await run("seek", opts, (opts.timeoutMs ?? 60_000) + 30_000),
      );
    },
  };
}

export const javaDriver: ClientDriver = cliDriver(
  "java",
  () => ({ cmd: TOOL_PATHS.javaDriver, args: [] }),
  () =>
    void requireTool(TOOL_PATHS.javaDriver, "Java kafka-clients driver (.tools/bin/java-driver)"),
  [
    "kafka-clients 4.1.1, default producer config (idempotent, acks=all)",
    "consumer uses assign(), no group",
  ],
);

export const franzgoDriver: ClientDriver = cliDriver(
  "franz-go",
  () => ({ cmd: TOOL_PATHS.franzgoDriver, args: [] }),
  () => void requireTool(TOOL_PATHS.franzgoDriver, "franz-go driver (.tools/bin/franzgo-driver)"),
  [
    "franz-go kgo, default producer config (idempotent, acks=all)",
    "consumer uses ConsumePartitions, no group",
  ],
);

export const confluentPythonDriver: ClientDriver = cliDriver(
  "confluent-kafka-python",
  () => ({ cmd: TOOL_PATHS.python, args: [TOOL_PATHS.pythonDriver] }),
  () => {
    requireTool(TOOL_PATHS.python, "confluent-kafka-python venv (.tools/venv)");
    requireTool(TOOL_PATHS.pythonDriver, "test/compat/python/driver.py", false);
  },
  [
    "librdkafka default producer config (acks=all, not idempotent)",
    "consumer uses assign(); group.id is mandatory in confluent-kafka so a throwaway one is set, never joined",
  ],
);

export const ALL_DRIVERS: readonly ClientDriver[] = [
  javaDriver,
  franzgoDriver,
  confluentPythonDriver,
  kcatDriver,
  kafkajsDriver,
  platformaticDriver,
];

export function driverByName(name: string): ClientDriver {
  const d = ALL_DRIVERS.find((x) => x.name === name);
  if (!d)
    throw new Error(
      `no compat driver named ${name}; have ${ALL_DRIVERS.map((x) => x.name).join(", ")}`,
    );
  return d;
}

// ---- round-trip checker ----

export interface RoundTripSpec {
  count: number;
  partitions: number;
  /** Index of the first record; default 0. */
  start?: number;
  /** The producing client's name (the "src" header). */
  client: string;
  /** False for producers that cannot write the per-record "idx" header (kcat): records are
   *  then identified by key and only the "src" header is expected. Default true. */
  perRecordHeaders?: boolean;
}

const MAX_LISTED = 10;

/**
 * Checks what a producer acknowledged and what a consumer read back against the record spec.
 * Returns human-readable problems; an empty list means the round trip is exact.
 */
export function verifyRoundTrip(
  spec: RoundTripSpec,
  produced: readonly ProducedRow[],
  consumed: readonly ConsumedRow[],
): string[] {
  const start = spec.start ?? 0;
  const end = start + spec.count;
  const perRecordHeaders = spec.perRecordHeaders ?? true;
  const problems: string[] = [];
  const groups = new Map<string, string[]>();
  const note = (kind: string, detail: string) => {
    const list = groups.get(kind) ?? [];
    list.push(detail);
    groups.set(kind, list);
  };
  const inRange = (i: number) => Number.isInteger(i) && i >= start && i < end;

  // Acknowledgements: every record once, on its partition, offsets rising with the index.
  const acked = new Map<number, ProducedRow>();
  const lastAck = new Map<number, ProducedRow>();
  for (const row of produced) {
    if (!inRange(row.i)) {
      note("ack for an index outside the run", `i=${row.i}`);
      continue;
    }
    if (acked.has(row.i)) note("duplicate ack", `i=${row.i}`);
    acked.set(row.i, row);
    if (row.partition !== row.i % spec.partitions) {
      note("ack on the wrong partition", `i=${row.i} partition=${row.partition}`);
    }
    if (row.offset !== null) {
      const prev = lastAck.get(row.partition);
      // Acks may arrive in any order across batches; compare by index instead.
      if (
        prev &&
        prev.offset !== null &&
        Math.sign(row.offset - prev.offset) !== Math.sign(row.i - prev.i)
      ) {
        note(
          "acked offsets out of index order",
          `p${row.partition}: i=${prev.i}@${prev.offset} vs i=${row.i}@${row.offset}`,
        );
      }
      lastAck.set(row.partition, row);
    }
  }
  let unacked = 0;
  for (let i = start; i < end; i++) if (!acked.has(i)) unacked++;
  if (unacked > 0) note("not acknowledged", `${unacked} of ${spec.count} records`);

  // Consumed records: identify each, check content, order and agreement with the acks.
  const seen = new Map<number, ConsumedRow>();
  const lastByPartition = new Map<number, { offset: number; i: number }>();
  for (const row of consumed) {
    const i = identify(row, perRecordHeaders);
    if (i === null || !inRange(i)) {
      note("unexpected record", `p${row.partition}@${row.offset} key=${JSON.stringify(row.key)}`);
      continue;
    }
    if (seen.has(i)) {
      const first = seen.get(i)!;
      note(
        "duplicate",
        `i=${i} at p${first.partition}@${first.offset} and p${row.partition}@${row.offset}`,
      );
      continue;
    }
    seen.set(i, row);
    const want = expectedRecord(i, spec.partitions, spec.client);
    const wantHeaders = perRecordHeaders ? want.headers : [["src", spec.client]];
    const diffs: string[] = [];
    if (row.partition !== want.partition)
      diffs.push(`partition ${row.partition}≠${want.partition}`);
    if (row.key !== want.key)
      diffs.push(`key ${JSON.stringify(row.key)}≠${JSON.stringify(want.key)}`);
    if (row.valueLength !== want.valueLength)
      diffs.push(`valueLength ${row.valueLength}≠${want.valueLength}`);
    else if (row.valueSha256 !== want.valueSha256) diffs.push("value bytes differ");
    if (JSON.stringify(row.headers) !== JSON.stringify(wantHeaders)) {
      diffs.push(`headers ${JSON.stringify(row.headers)}≠${JSON.stringify(wantHeaders)}`);
    }
    if (!Number.isFinite(row.timestampMs) || row.timestampMs <= 0)
      diffs.push(`timestampMs ${row.timestampMs}`);
    if (diffs.length > 0)
      note("content mismatch", `i=${i} p${row.partition}@${row.offset}: ${diffs.join(", ")}`);
    const ack = acked.get(i);
    if (
      ack &&
      ack.offset !== null &&
      (ack.partition !== row.partition || ack.offset !== row.offset)
    ) {
      note(
        "read back at a different position than acked",
        `i=${i} acked p${ack.partition}@${ack.offset}, read p${row.partition}@${row.offset}`,
      );
    }
    const prev = lastByPartition.get(row.partition);
    if (prev) {
      if (row.offset <= prev.offset)
        note("offsets not increasing", `p${row.partition}: ${prev.offset} then ${row.offset}`);
      if (i <= prev.i)
        note(
          "out of per-partition order",
          `p${row.partition}: i=${prev.i}@${prev.offset} then i=${i}@${row.offset}`,
        );
    }
    lastByPartition.set(row.partition, { offset: row.offset, i });
  }
  const missing: number[] = [];
  for (let i = start; i < end; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length > 0)
    note(
      "missing",
      `${missing.length} of ${spec.count}: i=${missing.slice(0, 20).join(",")}${missing.length > 20 ? ",…" : ""}`,
    );

  for (const [kind, details] of groups) {
    const shown = details.slice(0, MAX_LISTED).join("; ");
    const more = details.length > MAX_LISTED ? ` (+${details.length - MAX_LISTED} more)` : "";
    problems.push(`${kind}: ${shown}${more}`);
  }
  return problems;
}

function identify(row: ConsumedRow, perRecordHeaders: boolean): number | null {
  const text = perRecordHeaders
    ? row.headers.find(([k]) => k === "idx")?.[1]
    : row.key?.startsWith("k-")
      ? row.key.slice(2)
      : undefined;
  if (text === undefined || text === null || !/^\d+$/.test(text)) return null;
  return Number(text);
}
