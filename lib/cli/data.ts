/** `floe produce` (stdin lines → records) and `floe consume` (records → stdout lines). */
import { createInterface } from "node:readline";
import { metadata } from "../client/admin.ts";
import { partitionForKey } from "../client/partitioner.ts";
import { fetchOnce, listOffset, type OutgoingRecord, produceBatch } from "../client/records-io.ts";
import { Codec, type CodecName } from "../protocol/records/batch-header.ts";
import { connectBootstrap, intOption, type Options } from "./args.ts";
import { UsageError } from "./main.ts";

const BATCH_RECORDS = 500;

async function partitionCount(values: Options, topic: string): Promise<number> {
  const client = await connectBootstrap(values);
  try {
    const md = await metadata(client, [topic], true);
    const t = md.topics![0];
    if (t.errorCode)
      throw new Error(`topic ${topic} is not available (Kafka error ${t.errorCode})`);
    return t.partitions!.length;
  } finally {
    client.close();
  }
}

export async function runProduce(positionals: string[], values: Options): Promise<number> {
  const [topic] = positionals;
  if (!topic) throw new UsageError("produce needs a topic");
  const codecName = String(values.compression) as CodecName;
  if (!(codecName in Codec))
    throw new UsageError(`--compression must be one of ${Object.keys(Codec).join(", ")}`);
  const key = typeof values.key === "string" ? Buffer.from(values.key) : null;
  const partitions = await partitionCount(values, topic);
  const fixed = values.partition !== undefined ? intOption(values, "partition", 0) : undefined;
  let roundRobin = 0;
  const pick = (): number =>
    fixed ?? (key ? partitionForKey(key, partitions) : roundRobin++ % partitions);
  const client = await connectBootstrap(values);
  let pending: OutgoingRecord[] = [];
  let sent = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    await produceBatch(client, topic, pick(), pending, Codec[codecName]);
    sent += pending.length;
    pending = [];
  };
  try {
    for await (const line of createInterface({
      input: process.stdin,
      crlfDelay: Number.POSITIVE_INFINITY,
    })) {
      pending.push({ key, value: Buffer.from(line) });
      if (pending.length >= BATCH_RECORDS) await flush();
    }
    await flush();
    console.error(`Produced ${sent} records to ${topic}.`);
    return 0;
  } finally {
    client.close();
  }
}

export async function runConsume(positionals: string[], values: Options): Promise<number> {
  const [topic] = positionals;
  if (!topic) throw new UsageError("consume needs a topic");
  const partition = intOption(values, "partition", 0);
  const limit =
    values.count !== undefined ? intOption(values, "count", 0) : Number.POSITIVE_INFINITY;
  const client = await connectBootstrap(values);
  try {
    const from = String(values.from);
    let offset =
      from === "earliest"
        ? await listOffset(client, topic, partition, -2n)
        : from === "latest"
          ? await listOffset(client, topic, partition, -1n)
          : /^\d+$/.test(from)
            ? BigInt(from)
            : (() => {
                throw new UsageError(`--from must be earliest, latest or an offset, got ${from}`);
              })();
    let printed = 0;
    while (printed < limit) {
      const batch = await fetchOnce(client, topic, partition, offset, values.follow ? 1000 : 100);
      for (const r of batch.records) {
        if (printed >= limit) break;
        process.stdout.write(`${r.value?.toString("utf8") ?? ""}\n`);
        printed++;
        offset = r.offset + 1n;
      }
      if (batch.records.length === 0)
        offset = batch.nextOffset > offset ? batch.nextOffset : offset;
      if (!values.follow && offset >= batch.highWatermark) break;
    }
    return 0;
  } finally {
    client.close();
  }
}
