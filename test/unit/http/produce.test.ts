/**
 * POST /v1/topics/{topic}/records and POST /v1/producers: placement (explicit, keyed as Kafka's
 * partitioner, key-less sticky per request), encodings, idempotent retries, and every bad input
 * refused with a 4xx that names the field — with nothing appended.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTopic } from "../../../lib/client/admin.ts";
import { partitionForKey } from "../../../lib/client/partitioner.ts";
import { fetchOnce } from "../../../lib/client/records-io.ts";
import { WireClient } from "../../../lib/client/wire-client.ts";
import { type Harness, startHarness } from "./helpers.ts";

let h: Harness;
let kafka: WireClient;

beforeAll(async () => {
  h = await startHarness({ random: () => 0.99 });
  kafka = await WireClient.connect("127.0.0.1", h.front.endpoint.port);
  await createTopic(kafka, "orders", 4);
  await createTopic(kafka, "small", 1, { "max.message.bytes": "2000" });
});
afterAll(async () => {
  kafka.close();
  await h.close();
});

async function highWatermarks(topic: string): Promise<number[]> {
  const res = await h.call("GET", `/v1/topics/${topic}`);
  return res.json.partitions.map((p: { highWatermark: number }) => p.highWatermark);
}

describe("produce", () => {
  it("appends to an explicit partition and answers offsets in request order", async () => {
    const res = await h.call("POST", "/v1/topics/orders/records", {
      body: {
        records: [
          { value: { n: 1 }, partition: 2 },
          { value: { n: 2 }, partition: 2 },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.json.offsets).toEqual([
      { partition: 2, offset: 0 },
      { partition: 2, offset: 1 },
    ]);
    const read = await fetchOnce(kafka, "orders", 2, 0n);
    expect(read.records.map((r) => r.value!.toString())).toEqual(['{"n":1}', '{"n":2}']);
  });

  it("places keyed records as Kafka's default partitioner does", async () => {
    const keys = ["alpha", "beta", "gamma", "delta", "epsilon"];
    const res = await h.call("POST", "/v1/topics/orders/records", {
      body: { records: keys.map((key) => ({ key, value: key })), valueEncoding: "string" },
    });
    expect(res.status).toBe(200);
    keys.forEach((key, i) => {
      expect(res.json.offsets[i].partition).toBe(partitionForKey(Buffer.from(key), 4));
    });
  });

  it("puts every key-less record of a request on one partition drawn per request", async () => {
    const res = await h.call("POST", "/v1/topics/orders/records", {
      body: { records: [{ value: 1 }, { value: 2 }, { value: 3 }] },
    });
    // random() = 0.99 → partition 3 of 4.
    expect(res.json.offsets.map((o: { partition: number }) => o.partition)).toEqual([3, 3, 3]);
    const offsets = res.json.offsets.map((o: { offset: number }) => o.offset);
    expect(offsets).toEqual([offsets[0], offsets[0] + 1, offsets[0] + 2]);
  });

  it("stores base64 keys, values and headers byte for byte, with the given timestamps", async () => {
    const value = Buffer.from([0, 255, 1, 254]);
    const res = await h.call("POST", "/v1/topics/orders/records", {
      body: {
        valueEncoding: "base64",
        keyEncoding: "base64",
        records: [
          {
            key: Buffer.from([9, 9]).toString("base64"),
            value: value.toString("base64"),
            headers: [
              { key: "h", value: Buffer.from([7]).toString("base64") },
              { key: "n", value: null },
            ],
            partition: 0,
            timestampMs: 1_700_000_000_123,
          },
          { key: null, value: null, partition: 0 },
        ],
      },
    });
    expect(res.status).toBe(200);
    const read = await fetchOnce(kafka, "orders", 0, BigInt(res.json.offsets[0].offset));
    const [a, b] = read.records;
    expect(a.key).toEqual(Buffer.from([9, 9]));
    expect(a.value).toEqual(value);
    expect(a.headers).toEqual([
      { key: "h", value: Buffer.from([7]) },
      { key: "n", value: null },
    ]);
    expect(a.timestampMs).toBe(1_700_000_000_123n);
    expect(b.key).toBeNull();
    expect(b.value).toBeNull();
  });

  it("auto-creates an unknown topic when the broker allows it", async () => {
    const res = await h.call("POST", "/v1/topics/fresh-topic/records", {
      body: { records: [{ value: "x" }] },
    });
    expect(res.status).toBe(200);
    expect((await h.call("GET", "/v1/topics/fresh-topic")).json.partitionCount).toBe(1);
  });
});

describe("idempotent produce", () => {
  it("answers a retried request with its original offsets and stores it once", async () => {
    const producer = await h.call("POST", "/v1/producers");
    expect(producer.status).toBe(201);
    const { producerId, producerEpoch } = producer.json;
    const body = {
      producerId,
      producerEpoch,
      baseSequences: { "1": 0 },
      records: [
        { value: "a", partition: 1 },
        { value: "b", partition: 1 },
      ],
    };
    const first = await h.call("POST", "/v1/topics/orders/records", { body });
    const before = await highWatermarks("orders");
    const retry = await h.call("POST", "/v1/topics/orders/records", { body });
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual(first.json);
    expect(await highWatermarks("orders")).toEqual(before);
  });

  it("refuses a sequence gap with 409 out_of_order_sequence", async () => {
    const { producerId, producerEpoch } = (await h.call("POST", "/v1/producers")).json;
    await h.call("POST", "/v1/topics/orders/records", {
      body: {
        producerId,
        producerEpoch,
        baseSequences: { "1": 0 },
        records: [{ value: "a", partition: 1 }],
      },
    });
    const gap = await h.call("POST", "/v1/topics/orders/records", {
      body: {
        producerId,
        producerEpoch,
        baseSequences: { "1": 5 },
        records: [{ value: "b", partition: 1 }],
      },
    });
    expect(gap.status).toBe(409);
    expect(gap.json.offsets[0].error.code).toBe("out_of_order_sequence");
  });

  it("needs a base sequence for every partition written", async () => {
    const res = await h.call("POST", "/v1/topics/orders/records", {
      body: {
        producerId: 1,
        producerEpoch: 0,
        baseSequences: { "0": 0 },
        records: [{ value: "a", partition: 1 }],
      },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/baseSequences\.1/);
  });
});

describe("bad input appends nothing", () => {
  const cases: [string, unknown, number, string, RegExp][] = [
    ["bad JSON", "{records:", 400, "invalid_json", /not valid JSON/],
    ["no records field", { values: [] }, 400, "invalid_body", /records is required/],
    [
      "an unknown field",
      { records: [{ value: 1 }], acks: 0 },
      400,
      "invalid_body",
      /acks is not a known field/,
    ],
    ["an empty record list", { records: [] }, 400, "invalid_body", /records must have at least 1/],
    [
      "a wrong type",
      { records: [{ value: 1, partition: "0" }] },
      400,
      "invalid_body",
      /records\[0\]\.partition must be integer/,
    ],
    [
      "a negative partition",
      { records: [{ value: 1, partition: -1 }] },
      400,
      "invalid_body",
      /records\[0\]\.partition must be ≥ 0/,
    ],
    [
      "a partition out of range",
      { records: [{ value: 1 }, { value: 2, partition: 4 }] },
      400,
      "invalid_body",
      /records\[1\]\.partition 4 is out of range/,
    ],
    [
      "bad base64",
      { valueEncoding: "base64", records: [{ value: "AA" }, { value: "!!" }] },
      400,
      "invalid_body",
      /records\[1\]\.value is not valid base64/,
    ],
    [
      "a non-string value with string encoding",
      { valueEncoding: "string", records: [{ value: 5 }] },
      400,
      "invalid_body",
      /records\[0\]\.value must be a string/,
    ],
    [
      "an unknown encoding",
      { valueEncoding: "hex", records: [{ value: "a" }] },
      400,
      "invalid_body",
      /valueEncoding must be one of/,
    ],
    [
      "a fractional timestamp",
      { records: [{ value: 1, timestampMs: 1.5 }] },
      400,
      "invalid_body",
      /timestampMs must be integer/,
    ],
    [
      "an epoch without a producer id",
      { producerEpoch: 0, records: [{ value: 1 }] },
      400,
      "invalid_body",
      /need producerId/,
    ],
  ];
  for (const [what, body, status, code, message] of cases) {
    it(`refuses ${what}`, async () => {
      const before = await highWatermarks("orders");
      const res = await h.call("POST", "/v1/topics/orders/records", { body });
      expect(res.status).toBe(status);
      expect(res.json.error.code).toBe(code);
      expect(res.json.error.message).toMatch(message);
      expect(await highWatermarks("orders")).toEqual(before);
    });
  }

  it("refuses records over the topic's max.message.bytes with 413", async () => {
    const res = await h.call("POST", "/v1/topics/small/records", {
      body: { valueEncoding: "string", records: [{ value: "x".repeat(5000) }] },
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("batch_too_large");
    expect(await highWatermarks("small")).toEqual([0]);
  });

  it("refuses a body over maxBodyBytes with 413 before parsing it", async () => {
    const small = await startHarness({ http: { maxBodyBytes: 1024 } });
    try {
      const res = await small.call("POST", "/v1/topics/big/records", {
        body: { records: [{ value: "y".repeat(2000) }] },
      });
      expect(res.status).toBe(413);
      expect(res.json.error.code).toBe("body_too_large");
      expect((await small.call("GET", "/v1/topics")).json.topics).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it("refuses a bad topic name and an unknown topic without auto-creation", async () => {
    const bad = await h.call("POST", "/v1/topics/bad%20name/records", {
      body: { records: [{ value: 1 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("invalid_topic");
    const strict = await startHarness({ broker: { autoCreateTopics: false } });
    try {
      const res = await strict.call("POST", "/v1/topics/nope/records", {
        body: { records: [{ value: 1 }] },
      });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("unknown_topic");
      expect((await strict.call("GET", "/v1/topics")).json.topics).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it("refuses a non-JSON content type with 415", async () => {
    const res = await h.call("POST", "/v1/topics/orders/records", {
      body: "value=1",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
  });
});
