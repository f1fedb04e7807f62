/**
 * FloeConsumer against a real `floe dev`: it reads from the log start, re-delivers a batch its
 * handler failed, stops a partition the moment its lease is taken away (lease_lost), starts
 * from the Kafka group's committed offset when its lease has no checkpoint, and releases its
 * leases on stop().
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsumerEvent, FloeConsumer } from "../../lib/sdk/consumer.ts";
import type { ConsumedRecord } from "../../lib/sdk/partition-worker.ts";
import { FloeProducer } from "../../lib/sdk/producer.ts";
import { FloeTransport } from "../../lib/sdk/transport.ts";
import { createTopic, type FloeHttp, startFloeHttp } from "./floe-http.ts";

let server: FloeHttp;
let api: FloeTransport;

beforeAll(async () => {
  server = await startFloeHttp();
  api = new FloeTransport({ endpoint: server.endpoint });
});
afterAll(() => server?.floe.kill());

async function produce(topic: string, partitions: number, perPartition: number): Promise<void> {
  await createTopic(server.endpoint, topic, partitions);
  const producer = new FloeProducer({ endpoint: server.endpoint, maxBatchRecords: 10 });
  const sends = [];
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < perPartition; i++)
      sends.push(producer.send({ topic, partition: p, value: i }));
  }
  await Promise.all(sends);
}

async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function consumer(
  topic: string,
  group: string,
  handler: (records: ConsumedRecord[]) => Promise<void> | void,
  events: ConsumerEvent[] = [],
): FloeConsumer {
  return new FloeConsumer({
    endpoint: server.endpoint,
    group,
    topic,
    workerId: `${group}-worker`,
    leaseDurationMs: 600,
    fetchMaxWaitMs: 100,
    handlerRetryMs: 10,
    handler,
    onEvent: (e) => events.push(e),
  });
}

describe("FloeConsumer", () => {
  it("consumes every partition from the start, retrying a failed batch, and releases on stop", async () => {
    await produce("c-basic", 2, 30);
    const seen: bigint[][] = [[], []];
    let failures = 0;
    const c = consumer("c-basic", "g-basic", (records) => {
      if (records[0].partition === 1 && failures === 0) {
        failures++;
        throw new Error("handler failed once");
      }
      for (const r of records) seen[r.partition].push(r.offset);
    });
    c.start();
    await until("all records", () => seen[0].length === 30 && seen[1].length === 30);
    const expected = Array.from({ length: 30 }, (_, i) => BigInt(i));
    expect(seen).toEqual([expected, expected]);
    expect(failures).toBe(1);
    await c.stop();
    const listing = await api.call<{ leases: { owner: string | null; checkpoint: number }[] }>(
      "GET",
      "/v1/groups/g-basic/topics/c-basic/leases",
    );
    expect(listing.leases.map((l) => [l.owner, l.checkpoint])).toEqual([
      [null, 30],
      [null, 30],
    ]);
  });

  it("stops a partition at once when its lease is taken away", async () => {
    await produce("c-lost", 1, 5);
    const events: ConsumerEvent[] = [];
    let handled = 0;
    const c = consumer(
      "c-lost",
      "g-lost",
      (records) => {
        handled += records.length;
      },
      events,
    );
    c.start();
    await until("the first records", () => handled === 5);
    const path = "/v1/groups/g-lost/topics/c-lost/leases";
    const [lease] = (await api.call<{ leases: { counter: number }[] }>("GET", path)).leases;
    await api.call("POST", `${path}/0/take`, {
      body: { owner: "thief", expectedCounter: lease.counter },
    });
    await until("the loss", () => events.some((e) => e.type === "lost" && e.partition === 0));
    expect(c.ownedPartitions()).toEqual([]);
    // New records are not handed to the old owner.
    const producer = new FloeProducer({ endpoint: server.endpoint });
    await producer.send({ topic: "c-lost", value: "after" });
    await new Promise((r) => setTimeout(r, 300));
    expect(handled).toBe(5);
    await c.stop();
  });

  it("starts from the Kafka group's committed offset when the lease has no checkpoint", async () => {
    await produce("c-kafka", 1, 20);
    const path = "/v1/groups/g-kafka/topics/c-kafka/leases";
    // A first life of the group checkpoints 12 (also the Kafka group's committed offset) …
    await api.call("GET", path);
    await api.call("POST", `${path}/0/take`, { body: { owner: "old", expectedCounter: 1 } });
    await api.call("POST", `${path}/0/checkpoint`, {
      body: { owner: "old", epoch: 1, offset: 12 },
    });
    // … then its leases go; the Kafka group's offsets stay.
    await api.call("DELETE", "/v1/groups/g-kafka/leases");
    const offsets: bigint[] = [];
    const c = consumer("c-kafka", "g-kafka", (records) => {
      offsets.push(...records.map((r) => r.offset));
    });
    c.start();
    await until("the rest of the partition", () => offsets.includes(19n));
    expect(offsets[0]).toBe(12n);
    await c.stop();
  });
});
