/**
 * FloeProducer against a real `floe dev` (child process, HTTP on an ephemeral port): batching by
 * record count, bytes and linger; client-side partitioning as Kafka's; retries of lost answers
 * and 503s that never duplicate with idempotence on (and do without it, which is why it is the
 * default); typed errors. The only thing interposed is the `request` hook, to count requests
 * and to lose an answer after the server has applied it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../lib/client/partitioner.ts";
import { FloeHttpError } from "../../lib/sdk/errors.ts";
import { FloeProducer, type FloeProducerOptions } from "../../lib/sdk/producer.ts";
import { type FloeRequest, fetchRequest, type RequestFn } from "../../lib/sdk/transport.ts";
import { createTopic, type FloeHttp, startFloeHttp } from "./floe-http.ts";

let server: FloeHttp;

beforeAll(async () => {
  server = await startFloeHttp();
});
afterAll(() => server?.floe.kill());

interface Recorder {
  request: RequestFn;
  produced: FloeRequest[];
}

/** Forwards to the server, remembering produce requests; `lose(n)` drops the n-th answer. */
function recorder(lose: (n: number) => "lose" | "503" | undefined = () => undefined): Recorder {
  const produced: FloeRequest[] = [];
  return {
    produced,
    async request(req) {
      if (!req.url.endsWith("/records") || req.method !== "POST") return fetchRequest(req);
      produced.push(req);
      const fate = lose(produced.length);
      if (fate === "503") {
        return {
          status: 503,
          headers: { "retry-after": "0" },
          body: '{"error":{"code":"storage_unavailable","message":"injected"}}',
        };
      }
      const res = await fetchRequest(req);
      if (fate === "lose") throw new Error("socket hang up (injected after the server answered)");
      return res;
    },
  };
}

async function highWatermarks(topic: string): Promise<number[]> {
  const res = await fetch(`${server.endpoint}/v1/topics/${topic}`);
  const body = (await res.json()) as { partitions: { highWatermark: number }[] };
  return body.partitions.map((p) => p.highWatermark);
}

function producer(rec: Recorder, options: Partial<FloeProducerOptions> = {}): FloeProducer {
  return new FloeProducer({
    endpoint: server.endpoint,
    request: rec.request,
    backoffMs: 1,
    ...options,
  });
}

const values = (n: number, topic: string) =>
  Array.from({ length: n }, (_, i) => ({ topic, value: { i } }));

describe("FloeProducer", () => {
  it("batches up to maxBatchRecords per request, in order, offsets dense", async () => {
    await createTopic(server.endpoint, "batch-count", 1);
    const rec = recorder();
    const p = producer(rec, { maxBatchRecords: 100, lingerMs: 1_000 });
    const acks = await Promise.all(values(1_000, "batch-count").map((r) => p.send(r)));
    expect(rec.produced).toHaveLength(10);
    expect(acks.map((a) => a.offset)).toEqual(Array.from({ length: 1_000 }, (_, i) => BigInt(i)));
  });

  it("cuts batches at maxBatchBytes", async () => {
    await createTopic(server.endpoint, "batch-bytes", 1);
    const rec = recorder();
    const p = producer(rec, { maxBatchBytes: 4_096, lingerMs: 1_000 });
    await Promise.all(values(1_000, "batch-bytes").map((r) => p.send(r)));
    for (const req of rec.produced) expect(req.body!.length).toBeLessThanOrEqual(4_096 + 512);
    expect(rec.produced.length).toBeGreaterThan(5);
  });

  it("waits lingerMs for company, and flush() sends at once", async () => {
    await createTopic(server.endpoint, "linger", 1);
    const rec = recorder();
    const p = producer(rec, { lingerMs: 300 });
    const t0 = performance.now();
    const first = p.send({ topic: "linger", value: 1 });
    await new Promise((r) => setTimeout(r, 50));
    const second = p.send({ topic: "linger", value: 2 });
    await Promise.all([first, second]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(rec.produced).toHaveLength(1);
    const t1 = performance.now();
    const third = p.send({ topic: "linger", value: 3 });
    await p.flush();
    expect((await third).offset).toBe(2n);
    expect(performance.now() - t1).toBeLessThan(250);
    // Also for a topic whose partition count is still being looked up.
    await createTopic(server.endpoint, "linger-new", 1);
    const t2 = performance.now();
    const fourth = p.send({ topic: "linger-new", value: 4 });
    await p.flush();
    expect((await fourth).offset).toBe(0n);
    expect(performance.now() - t2).toBeLessThan(250);
  });

  it("puts keyed records where Kafka's partitioner does", async () => {
    await createTopic(server.endpoint, "keyed", 4);
    const p = producer(recorder());
    const keys = ["a", "b", "customer-1", "ü"];
    const acks = await Promise.all(keys.map((key) => p.send({ topic: "keyed", key, value: key })));
    acks.forEach((a, i) => {
      expect(a.partition).toBe(partitionForKey(Buffer.from(keys[i]), 4));
    });
  });

  it("retries a lost answer and a 503 without writing twice (idempotence)", async () => {
    await createTopic(server.endpoint, "retried", 2);
    const rec = recorder((n) => (n === 1 ? "lose" : n === 2 ? "503" : undefined));
    const p = producer(rec, { lingerMs: 20 });
    const acks = await Promise.all(values(500, "retried").map((r) => p.send(r)));
    expect(rec.produced.length).toBeGreaterThanOrEqual(3);
    expect(rec.produced[1].body).toBe(rec.produced[0].body);
    const hw = await highWatermarks("retried");
    expect(hw.reduce((x, y) => x + y)).toBe(500);
    expect(new Set(acks.map((a) => `${a.partition}/${a.offset}`)).size).toBe(500);
  });

  it("without idempotence, the same lost answer duplicates (why it is the default)", async () => {
    await createTopic(server.endpoint, "duplicated", 1);
    const rec = recorder((n) => (n === 1 ? "lose" : undefined));
    const p = producer(rec, { idempotent: false, lingerMs: 20 });
    await Promise.all(values(100, "duplicated").map((r) => p.send(r)));
    expect(await highWatermarks("duplicated")).toEqual([200]);
  });

  it("rejects with a typed, non-retriable error for an unknown topic", async () => {
    const p = producer(recorder());
    const err = await p.send({ topic: "no-such-topic", value: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloeHttpError);
    expect(err).toMatchObject({ status: 404, code: "unknown_topic", retriable: false });
  });

  it("validates its settings once, naming the key", () => {
    expect(() => producer(recorder(), { lingerMs: -1 })).toThrow(/producer\.lingerMs/);
  });
});
