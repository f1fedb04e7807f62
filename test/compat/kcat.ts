// kcat (Debian's kcat 1.7.1 on librdkafka 2.0.2) driven through its CLI.
//
// Quirks the driver works around:
// - `-H name=value` applies to every message of a run; kcat has no per-message headers in
//   produce mode. One kcat process per record would take minutes for 10 000 records, so kcat
//   writes only the run-wide "src" header and records are identified by key
//   (perRecordHeaders = false; verifyRoundTrip then expects [["src","kcat"]]).
// - kcat prints no delivery reports, so acks carry no offset (offset: null); the offsets and
//   per-partition order are checked from the consume side. A run succeeds only if kcat exits 0
//   and reports no delivery failure.
// - Messages are newline-delimited and key/value tab-separated (`-K '\t'`), which is why the
//   record spec's values are printable. One kcat run per partition (`-p`) keeps index order.
// - Consume output uses `-f` with tab-separated fields, the value last.
import type { ClientDriver, ConsumeOptions, ProduceOptions, SeekOptions } from "./drivers.ts";
import {
  CODECS,
  type ConsumedRow,
  type ProducedRow,
  recordKey,
  recordPartition,
  recordValue,
  sha256Hex,
} from "./record-spec.ts";
import { requireCommand, runProcess, tail } from "./tools.ts";

export const KCAT_CLIENT = "kcat";
// partition, offset, key length (-1 = null), key, value length (-1 = null), timestamp, headers, value
const FORMAT = "%p\\t%o\\t%K\\t%k\\t%S\\t%T\\t%h\\t%s\\n";

function kcat(): string {
  return requireCommand("kcat", "kcat (Debian package kcat)");
}

async function runKcat(
  args: string[],
  input: Buffer | undefined,
  timeoutMs: number,
  what: string,
): Promise<string> {
  const res = await runProcess(kcat(), args, { input, timeoutMs });
  // kcat reports failed deliveries on stderr ("% Delivery failed for message: …" / "ERROR: …").
  if (res.code !== 0 || /Delivery failed|ERROR:/i.test(res.stderr)) {
    throw new Error(`kcat ${what} failed (exit ${res.code ?? res.signal}):\n${tail(res.stderr)}`);
  }
  return res.stdout;
}

export async function produce(opts: ProduceOptions): Promise<ProducedRow[]> {
  const start = opts.start ?? 0;
  const rows: ProducedRow[] = [];
  for (let p = 0; p < opts.partitions; p++) {
    const lines: Buffer[] = [];
    const indices: number[] = [];
    for (let i = start; i < start + opts.count; i++) {
      if (recordPartition(i, opts.partitions) !== p) continue;
      indices.push(i);
      lines.push(Buffer.from(`${recordKey(i)}\t`), recordValue(i), Buffer.from("\n"));
    }
    if (indices.length === 0) continue;
    await runKcat(
      [
        "-P",
        "-b",
        opts.bootstrap,
        "-t",
        opts.topic,
        "-p",
        String(p),
        "-z",
        opts.compression,
        "-K",
        "\t",
        "-H",
        `src=${KCAT_CLIENT}`,
      ],
      Buffer.concat(lines),
      180_000,
      `produce to ${opts.topic}[${p}]`,
    );
    for (const i of indices) rows.push({ i, partition: p, offset: null });
  }
  rows.sort((a, b) => a.i - b.i);
  return rows;
}

function parseRows(stdout: string): ConsumedRow[] {
  const rows: ConsumedRow[] = [];
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const f = line.split("\t");
    if (f.length < 8)
      throw new Error(`kcat: unparseable output line ${JSON.stringify(line.slice(0, 200))}`);
    const [partition, offset, keyLength, key, valueLength, timestamp, headers] = f;
    const value = f.slice(7).join("\t");
    const bytes = Buffer.from(value, "utf8");
    rows.push({
      partition: Number(partition),
      offset: Number(offset),
      key: keyLength === "-1" ? null : key!,
      valueSha256: sha256Hex(valueLength === "-1" ? Buffer.alloc(0) : bytes),
      valueLength: Number(valueLength),
      headers:
        headers === ""
          ? []
          : headers!.split(",").map((h) => {
              const eq = h.indexOf("=");
              return [h.slice(0, eq), h.slice(eq + 1)] as [string, string];
            }),
      timestampMs: Number(timestamp),
    });
  }
  return rows;
}

export async function consume(opts: ConsumeOptions): Promise<ConsumedRow[]> {
  // Without -p kcat assigns every partition of the topic (no group); -e exits at the end of all.
  const stdout = await runKcat(
    [
      "-C",
      "-q",
      "-b",
      opts.bootstrap,
      "-t",
      opts.topic,
      "-o",
      "beginning",
      "-e",
      "-c",
      String(opts.expect),
      "-f",
      FORMAT,
    ],
    undefined,
    opts.timeoutMs ?? 60_000,
    `consume ${opts.topic}`,
  );
  return parseRows(stdout);
}

export async function seek(opts: SeekOptions): Promise<ConsumedRow[]> {
  let offset: string;
  if (opts.seek === "earliest") offset = "beginning";
  else if (opts.seek === "latest") offset = "end";
  else if (opts.seek.startsWith("offset:")) offset = opts.seek.slice("offset:".length);
  else offset = `s@${opts.seek.slice("timestamp:".length)}`;
  const args = [
    "-C",
    "-q",
    "-b",
    opts.bootstrap,
    "-t",
    opts.topic,
    "-p",
    String(opts.partition),
    "-o",
    offset,
    "-e",
    "-f",
    FORMAT,
  ];
  // With -e kcat stops at the end of the partition, which is what "latest, expect 0" means.
  if (opts.expect > 0) args.push("-c", String(opts.expect));
  const stdout = await runKcat(
    args,
    undefined,
    opts.timeoutMs ?? 60_000,
    `seek ${opts.topic}[${opts.partition}] ${opts.seek}`,
  );
  return parseRows(stdout);
}

export const kcatDriver: ClientDriver = {
  name: KCAT_CLIENT,
  codecs: CODECS,
  unsupportedCodecs: {},
  readLimitations: [],
  perRecordHeaders: false,
  notes: [
    "kcat 1.7.1 / librdkafka 2.0.2 from Debian; default librdkafka producer config",
    "headers are per run (-H), so only src=kcat is written and records are identified by key",
    "no delivery reports: acks have no offsets; order is checked on the consume side",
  ],
  requireTools: () => void kcat(),
  produce,
  consume,
  seek,
};
