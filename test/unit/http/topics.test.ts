/**
 * Topic administration and offsets over HTTP: create (with Kafka's config rules), list,
 * describe with partition offsets, delete, ListOffsets by time, and the refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ broker: { defaultPartitions: 3 } });
});
afterAll(() => h.close());

describe("topics", () => {
  it("creates, lists, describes and deletes a topic", async () => {
    const created = await h.call("POST", "/v1/topics", {
      body: { name: "audit", partitions: 2, configs: { "retention.ms": "60000" } },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: "audit",
      partitionCount: 2,
      configs: { "retention.ms": "60000" },
      partitions: [
        { partition: 0, logStartOffset: 0, highWatermark: 0 },
        { partition: 1, logStartOffset: 0, highWatermark: 0 },
      ],
    });
    await h.call("POST", "/v1/topics/audit/records", {
      body: { records: [{ value: 1, partition: 1 }] },
    });
    const described = await h.call("GET", "/v1/topics/audit");
    expect(described.json.partitions[1].highWatermark).toBe(1);
    expect((await h.call("GET", "/v1/topics")).json.topics).toContainEqual({
      name: "audit",
      topicId: created.json.topicId,
      partitionCount: 2,
    });
    const deleted = await h.call("DELETE", "/v1/topics/audit");
    expect(deleted.json).toEqual({ name: "audit", topicId: created.json.topicId });
    expect((await h.call("GET", "/v1/topics/audit")).status).toBe(404);
    expect((await h.call("DELETE", "/v1/topics/audit")).status).toBe(404);
  });

  it("uses the broker's default partition count", async () => {
    const res = await h.call("POST", "/v1/topics", { body: { name: "defaults" } });
    expect(res.json.partitionCount).toBe(3);
  });

  const refusals: [string, unknown, number, string, RegExp][] = [
    ["an existing name", { name: "defaults" }, 409, "topic_exists", /already exists/],
    ["an illegal name", { name: "a/b" }, 400, "invalid_topic", /illegal/],
    [
      "zero partitions",
      { name: "z", partitions: 0 },
      400,
      "invalid_body",
      /partitions must be ≥ 1/,
    ],
    [
      "an unknown config",
      { name: "z", configs: { "retention.mss": "1" } },
      400,
      "invalid_config",
      /configs\.retention\.mss/,
    ],
    [
      "a config Floe cannot honour",
      { name: "z", configs: { "cleanup.policy": "compact" } },
      400,
      "invalid_config",
      /compaction/,
    ],
    [
      "a non-string config value",
      { name: "z", configs: { "retention.ms": 5 } },
      400,
      "invalid_body",
      /configs\.retention\.ms must be string/,
    ],
    ["a missing name", { partitions: 1 }, 400, "invalid_body", /name is required/],
  ];
  for (const [what, body, status, code, message] of refusals) {
    it(`refuses ${what}`, async () => {
      const res = await h.call("POST", "/v1/topics", { body });
      expect(res.status).toBe(status);
      expect(res.json.error.code).toBe(code);
      expect(res.json.error.message).toMatch(message);
      expect((await h.call("GET", "/v1/topics/z")).status).toBe(404);
    });
  }
});

describe("offsets", () => {
  beforeAll(async () => {
    await h.call("POST", "/v1/topics", { body: { name: "timed", partitions: 1 } });
    await h.call("POST", "/v1/topics/timed/records", {
      body: { records: [100, 200, 300].map((t) => ({ value: t, timestampMs: t })) },
    });
  });

  it("answers earliest and latest", async () => {
    const res = await h.call("GET", "/v1/topics/timed/partitions/0/offsets");
    expect(res.json).toEqual({ topic: "timed", partition: 0, logStartOffset: 0, highWatermark: 3 });
  });

  it("finds the first record at or after a timestamp, or null", async () => {
    const mid = await h.call("GET", "/v1/topics/timed/partitions/0/offsets", {
      query: { timestampMs: "150" },
    });
    expect(mid.json).toMatchObject({ timestampMs: 150, offset: 1, recordTimestampMs: 200 });
    const after = await h.call("GET", "/v1/topics/timed/partitions/0/offsets", {
      query: { timestampMs: "301" },
    });
    expect(after.json).toMatchObject({ offset: null, recordTimestampMs: null });
  });

  it("refuses a bad timestamp and an unknown partition", async () => {
    const bad = await h.call("GET", "/v1/topics/timed/partitions/0/offsets", {
      query: { timestampMs: "soon" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/timestampMs must be an integer/);
    const missing = await h.call("GET", "/v1/topics/timed/partitions/1/offsets");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("unknown_partition");
  });
});
