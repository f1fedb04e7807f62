/**
 * Reads a whole topic back with Floe's own wire client and audits it against what real
 * producers (test/compat/drivers.ts, record spec) were told, for the fault tests:
 *
 *  - per partition, offsets are dense from 0 to the high watermark, each exactly once;
 *  - every record belongs to one of the runs (by its "src" and "idx" headers);
 *  - per run, verifyRoundTrip: every acknowledged record is present exactly once, at the
 *    partition and offset its producer was told, byte-identical to the record spec (key, value
 *    SHA-256, headers), in index order within its partition; nothing missing, nothing extra.
 *
 * Fetch decodes every batch with its CRC-32C checked, so a corrupted batch fails the read.
 */
import { createTopic } from "../../lib/client/admin.ts";
import { fetchOnce, listOffset } from "../../lib/client/records-io.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import { verifyRoundTrip } from "../compat/drivers.ts";
import { type ConsumedRow, type ProducedRow, sha256Hex } from "../compat/record-spec.ts";

export interface ProducerRun {
  /** The driver's name: the "src" header of its records. */
  client: string;
  start: number;
  count: number;
  produced: readonly ProducedRow[];
}

const READ_ATTEMPTS = 20;

async function connectTo(bootstrap: string): Promise<WireClient> {
  const at = bootstrap.lastIndexOf(":");
  return WireClient.connect(bootstrap.slice(0, at), Number(bootstrap.slice(at + 1)));
}

/** Creates `topic` through `bootstrap` (host:port). */
export async function createTopicAt(
  bootstrap: string,
  topic: string,
  partitions: number,
): Promise<void> {
  const client = await connectTo(bootstrap);
  try {
    await createTopic(client, topic, partitions);
  } finally {
    client.close();
  }
}

/** Every record of `topic`, partition by partition, in offset order, as ConsumedRows. */
export async function readTopic(
  bootstrap: string,
  topic: string,
  partitions: number,
): Promise<ConsumedRow[]> {
  const rows: ConsumedRow[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    // A fresh connection per attempt: a fault or a dying front may drop one.
    for (let attempt = 1; ; attempt++) {
      let client: WireClient | undefined;
      try {
        client = await connectTo(bootstrap);
        rows.push(...(await readPartition(client, topic, partition)));
        break;
      } catch (err) {
        if (attempt >= READ_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 250));
      } finally {
        client?.close();
      }
    }
  }
  return rows;
}

async function readPartition(
  client: WireClient,
  topic: string,
  partition: number,
): Promise<ConsumedRow[]> {
  const highWatermark = await listOffset(client, topic, partition, -1n);
  const rows: ConsumedRow[] = [];
  let offset = 0n;
  while (offset < highWatermark) {
    const r = await fetchOnce(client, topic, partition, offset, 100, 4 << 20);
    if (r.records.length === 0 && r.nextOffset <= offset) {
      throw new Error(`p${partition}: nothing at offset ${offset} below the HWM ${highWatermark}`);
    }
    for (const rec of r.records) {
      rows.push({
        partition,
        offset: Number(rec.offset),
        key: rec.key === null ? null : rec.key.toString("utf8"),
        valueSha256: sha256Hex(rec.value ?? Buffer.alloc(0)),
        valueLength: rec.value?.length ?? 0,
        headers: rec.headers.map((h) => [h.key, h.value?.toString("utf8") ?? ""]),
        timestampMs: Number(rec.timestampMs),
      });
    }
    offset = r.nextOffset;
  }
  return rows;
}

/** Problems found in `rows` (a whole topic) against the runs; empty = the log is exact. */
export function auditTopic(
  rows: readonly ConsumedRow[],
  partitions: number,
  runs: readonly ProducerRun[],
): string[] {
  const problems: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const offsets = rows.filter((r) => r.partition === p).map((r) => r.offset);
    const holes: string[] = [];
    offsets.forEach((o, i) => {
      if (o !== i) holes.push(`index ${i} holds offset ${o}`);
    });
    if (holes.length > 0) {
      problems.push(`p${p}: offsets not dense from 0: ${holes.slice(0, 5).join("; ")}`);
    }
  }
  const bySource = new Map<string, ConsumedRow[]>(runs.map((r) => [r.client, []]));
  for (const row of rows) {
    const src = row.headers.find(([k]) => k === "src")?.[1];
    const list = src === undefined ? undefined : bySource.get(src);
    if (list) list.push(row);
    else problems.push(`record of no run at p${row.partition}@${row.offset} (src ${src})`);
  }
  for (const run of runs) {
    const found = verifyRoundTrip(
      { count: run.count, partitions, start: run.start, client: run.client },
      run.produced,
      bySource.get(run.client) ?? [],
    );
    problems.push(...found.map((f) => `${run.client}: ${f}`));
  }
  return problems;
}
