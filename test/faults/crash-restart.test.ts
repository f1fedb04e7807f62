/**
 * Invariant 1 under SIGKILL: every acknowledged record survives a kill of the server at any
 * moment, and offsets continue densely after the restart.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTopic } from "../../lib/client/admin.ts";
import { fetchOnce, produceBatch } from "../../lib/client/records-io.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import { type FloeProcess, startFloeProcess } from "../helpers/floe-process.ts";

const PARTITIONS = 3;
let floe: FloeProcess | undefined;

afterEach(async () => {
  await floe?.kill("SIGKILL");
  floe = undefined;
});

interface Ack {
  partition: number;
  baseOffset: bigint;
  values: string[];
}

async function readAll(
  client: WireClient,
  topic: string,
  partition: number,
): Promise<Map<bigint, string>> {
  const out = new Map<bigint, string>();
  let offset = 0n;
  for (;;) {
    const r = await fetchOnce(client, topic, partition, offset, 0);
    for (const rec of r.records) out.set(rec.offset, rec.value!.toString());
    if (r.nextOffset <= offset || r.nextOffset >= r.highWatermark) return out;
    offset = r.nextOffset;
  }
}

async function produceUntilKilled(
  client: WireClient,
  topic: string,
  acks: Ack[],
  stopAfterAcks: number,
  onStop: () => void,
): Promise<void> {
  let seq = 0;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  while (!stopped) {
    const partition = seq % PARTITIONS;
    const values = Array.from({ length: 20 }, (_, i) => `p${partition}-b${seq}-r${i}`);
    seq++;
    const p = produceBatch(
      client,
      topic,
      partition,
      values.map((v) => ({ key: null, value: Buffer.from(v) })),
    )
      .then((baseOffset) => {
        acks.push({ partition, baseOffset, values });
        if (acks.length === stopAfterAcks && !stopped) {
          stopped = true;
          onStop();
        }
      })
      .catch(() => {
        stopped = true;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await Promise.allSettled(inFlight);
}

describe("SIGKILL of the embedded server", () => {
  it("keeps every acknowledged record when killed after produce, before consume", async () => {
    floe = await startFloeProcess();
    let client = await WireClient.connect("127.0.0.1", floe.port);
    await createTopic(client, "after", PARTITIONS);
    const acks: Ack[] = [];
    for (let i = 0; i < 30; i++) {
      const partition = i % PARTITIONS;
      const values = [`v${i}-a`, `v${i}-b`];
      acks.push({
        partition,
        baseOffset: await produceBatch(
          client,
          "after",
          partition,
          values.map((v) => ({ key: null, value: Buffer.from(v) })),
        ),
        values,
      });
    }
    client.close();
    const dataDir = floe.dataDir;
    await floe.kill("SIGKILL");
    floe = await startFloeProcess({ dataDir });
    client = await WireClient.connect("127.0.0.1", floe.port);
    for (let p = 0; p < PARTITIONS; p++) {
      const log = await readAll(client, "after", p);
      expect(log.size).toBe(20);
      for (const a of acks.filter((x) => x.partition === p)) {
        expect(a.values).toEqual([log.get(a.baseOffset), log.get(a.baseOffset + 1n)]);
      }
      expect(
        await produceBatch(client, "after", p, [{ key: null, value: Buffer.from("next") }]),
      ).toBe(20n);
    }
    client.close();
  });

  it("keeps every acknowledged record when killed in the middle of a produce stream", async () => {
    floe = await startFloeProcess();
    let client = await WireClient.connect("127.0.0.1", floe.port);
    await createTopic(client, "during", PARTITIONS);
    const acks: Ack[] = [];
    const running = floe;
    await produceUntilKilled(client, "during", acks, 60, () => {
      void running.kill("SIGKILL");
    });
    client.close();
    expect(acks.length).toBeGreaterThanOrEqual(60);
    floe = await startFloeProcess({ dataDir: running.dataDir });
    client = await WireClient.connect("127.0.0.1", floe.port);
    for (let p = 0; p < PARTITIONS; p++) {
      const log = await readAll(client, "during", p);
      const offsets = [...log.keys()].sort((a, b) => (a < b ? -1 : 1));
      // Dense from 0: no hole anywhere in the log.
      expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)));
      for (const a of acks.filter((x) => x.partition === p)) {
        expect(a.values.map((_, i) => log.get(a.baseOffset + BigInt(i)))).toEqual(a.values);
      }
      const next = await produceBatch(client, "during", p, [
        { key: null, value: Buffer.from("next") },
      ]);
      expect(next).toBe(BigInt(offsets.length));
    }
    client.close();
  });
});
