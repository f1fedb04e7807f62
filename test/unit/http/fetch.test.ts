/**
 * GET /v1/topics/{topic}/partitions/{partition}/records: records from an offset (skipping the
 * head of the batch that holds it), compressed batches from a Kafka client, encodings, long poll
 * woken by a produce, and the 4xx answers for bad offsets, partitions and parameters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTopic } from "../../../lib/client/admin.ts";
import { produceBatch } from "../../../lib/client/records-io.ts";
import { WireClient } from "../../../lib/client/wire-client.ts";
import { Codec } from "../../../lib/protocol/records/index.ts";
import { type Harness, startHarness } from "./helpers.ts";

let h: Harness;
let kafka: WireClient;
const PATH = "/v1/topics/events/partitions/0/records";

beforeAll(async () => {
  h = await startHarness();
  kafka = await WireClient.connect("127.0.0.1", h.front.endpoint.port);
  await createTopic(kafka, "events", 2);
  // One gzip batch of five records from the Kafka port: offsets 0–4.
  await produceBatch(
    kafka,
    "events",
    0,
    ["a", "b", "c", "d", "e"].map((v, i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.from(v),
      headers: [{ key: "i", value: Buffer.from(String(i)) }],
      timestampMs: 1000n + BigInt(i),
    })),
    Codec.gzip,
  );
});
afterAll(async () => {
  kafka.close();
  await h.close();
});

describe("fetch", () => {
  it("returns the records at or after offset from inside a compressed batch", async () => {
    const res = await h.call("GET", PATH, {
      query: { offset: "2", valueEncoding: "string", keyEncoding: "string" },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      topic: "events",
      partition: 0,
      records: [2, 3, 4].map((i) => ({
        offset: i,
        timestampMs: 1000 + i,
        key: `k${i}`,
        value: "abcde"[i],
        headers: [{ key: "i", value: String(i) }],
      })),
      nextOffset: 5,
      highWatermark: 5,
      logStartOffset: 0,
    });
  });

  it("defaults to base64, lossless for any bytes", async () => {
    const res = await h.call("GET", PATH, { query: { offset: "4" } });
    expect(res.json.records[0].value).toBe(Buffer.from("e").toString("base64"));
    expect(res.json.records[0].key).toBe(Buffer.from("k4").toString("base64"));
  });

  it("decodes JSON values, and answers 422 for a value that is not JSON", async () => {
    await h.call("POST", "/v1/topics/events/records", {
      body: { records: [{ value: { x: [1, 2] }, partition: 1 }] },
    });
    const ok = await h.call("GET", "/v1/topics/events/partitions/1/records", {
      query: { offset: "0", valueEncoding: "json" },
    });
    expect(ok.json.records[0].value).toEqual({ x: [1, 2] });
    const bad = await h.call("GET", PATH, { query: { offset: "0", valueEncoding: "json" } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe("not_json");
  });

  it("at the high watermark answers no records at once without maxWaitMs", async () => {
    const res = await h.call("GET", PATH, { query: { offset: "5" } });
    expect(res.json.records).toEqual([]);
    expect(res.json.nextOffset).toBe(5);
  });

  it("long-polls until a produce lands, then returns it", async () => {
    const started = Date.now();
    const pending = h.call("GET", PATH, {
      query: { offset: "5", maxWaitMs: "10000", valueEncoding: "string" },
    });
    await new Promise((r) => setTimeout(r, 200));
    await h.call("POST", "/v1/topics/events/records", {
      body: { valueEncoding: "string", records: [{ value: "late", partition: 0 }] },
    });
    const res = await pending;
    expect(res.json.records.map((r: { value: string }) => r.value)).toEqual(["late"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a long poll with nothing new ends at maxWaitMs", async () => {
    const started = Date.now();
    const res = await h.call("GET", PATH, { query: { offset: "6", maxWaitMs: "300" } });
    expect(res.json.records).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});

describe("fetch refuses", () => {
  const cases: [string, string, Record<string, string>, number, string, RegExp][] = [
    [
      "an offset past the high watermark",
      PATH,
      { offset: "99" },
      416,
      "offset_out_of_range",
      /offset 99 is outside/,
    ],
    ["a missing offset", PATH, {}, 400, "invalid_parameter", /offset is required/],
    ["a negative offset", PATH, { offset: "-1" }, 400, "invalid_parameter", /offset must be ≥ 0/],
    [
      "a non-integer offset",
      PATH,
      { offset: "1.5" },
      400,
      "invalid_parameter",
      /offset must be an integer/,
    ],
    [
      "an unknown parameter",
      PATH,
      { offset: "0", limit: "3" },
      400,
      "invalid_parameter",
      /unknown query parameter limit/,
    ],
    [
      "maxBytes over the server's cap",
      PATH,
      { offset: "0", maxBytes: String(64 * 1024 * 1024) },
      400,
      "invalid_parameter",
      /maxBytes must be ≤/,
    ],
    [
      "an unknown encoding",
      PATH,
      { offset: "0", valueEncoding: "hex" },
      400,
      "invalid_parameter",
      /valueEncoding must be one of/,
    ],
    [
      "a partition out of range",
      "/v1/topics/events/partitions/7/records",
      { offset: "0" },
      404,
      "unknown_partition",
      /not 7/,
    ],
    [
      "a non-integer partition",
      "/v1/topics/events/partitions/x/records",
      { offset: "0" },
      400,
      "invalid_parameter",
      /partition must be an integer/,
    ],
    [
      "an unknown topic (no auto-creation on fetch)",
      "/v1/topics/ghost/partitions/0/records",
      { offset: "0" },
      404,
      "unknown_topic",
      /ghost/,
    ],
  ];
  for (const [what, path, query, status, code, message] of cases) {
    it(what, async () => {
      const res = await h.call("GET", path, { query });
      expect(res.status).toBe(status);
      expect(res.json.error.code).toBe(code);
      expect(res.json.error.message).toMatch(message);
    });
  }

  it("a method the path does not serve with 405 and Allow", async () => {
    const res = await h.call("PUT", PATH);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET");
  });
});
