/**
 * Responses Floe encodes, read back by kafkajs 2.2.4's own response decoders (`response.js` per
 * API and version) after the same framing kafkajs's connection strips (int32 size, int32
 * correlation id — response header v0, since kafkajs never negotiates flexible versions).
 * Checks the values kafkajs sees, and that `parse` accepts success responses.
 */
import { createRequire } from "node:module";
import { describe, expect, test } from "vitest";
import {
  readRequestHeader,
  writeResponseHeader,
} from "../../../../lib/protocol/generated/index.ts";
import { Reader } from "../../../../lib/protocol/primitives/reader.ts";
import { Writer } from "../../../../lib/protocol/primitives/writer.ts";
import { codecFor, decodeAll, responseHeaderVersion } from "./codec-helpers.ts";

const require = createRequire(import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: kafkajs results are plain JS objects checked field by field
type Any = any;
interface KafkajsResponse {
  decode(payload: Buffer): Promise<Any>;
  parse(decoded: Any): Promise<Any>;
}
interface KafkajsRequest {
  apiKey: number;
  encode(): Promise<{ buffer: Buffer }>;
}

/** A kafkajs response module; DeleteRecords exports a factory that closes over the request. */
function kafkajsResponse(dir: string, v: number): KafkajsResponse {
  const mod = require(`kafkajs/src/protocol/requests/${dir}/v${v}/response.js`) as
    | KafkajsResponse
    | ((request: { topics: unknown[] }) => KafkajsResponse);
  return typeof mod === "function" ? mod({ topics: [] }) : mod;
}
const kafkajsVersions = (dir: string): number[] =>
  (require(`kafkajs/src/protocol/requests/${dir}/index.js`) as { versions: string[] }).versions.map(
    Number,
  );
const KafkajsDecoder = require("kafkajs/src/protocol/decoder.js") as new (
  b: Buffer,
) => { readInt32(): number; readBytes(n: number): Buffer; readAll(): Buffer };
const frameRequest = require("kafkajs/src/protocol/request.js") as (o: {
  correlationId: number;
  clientId: string;
  request: KafkajsRequest;
}) => Promise<{ buffer: Buffer }>;

function responseFrame(apiKey: number, version: number, correlationId: number, m: unknown): Buffer {
  const w = new Writer();
  w.int32(0); // size, patched below
  writeResponseHeader(w, responseHeaderVersion(apiKey, version), { correlationId });
  codecFor(apiKey).writeResponse(w, version, m);
  const frame = w.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

/** What kafkajs's Connection#processData does before calling `response.decode`. */
function kafkajsReceive(frame: Buffer): { correlationId: number; payload: Buffer } {
  const d = new KafkajsDecoder(frame);
  const size = d.readInt32();
  expect(size).toBe(frame.length - 4);
  const response = new KafkajsDecoder(d.readBytes(size));
  return { correlationId: response.readInt32(), payload: response.readAll() };
}

async function kafkajsSees(dir: string, apiKey: number, v: number, m: unknown): Promise<Any> {
  const frame = responseFrame(apiKey, v, 77, m);
  const { correlationId, payload } = kafkajsReceive(frame);
  expect(correlationId).toBe(77);
  const response = kafkajsResponse(dir, v);
  const decoded = await response.decode(payload);
  return response.parse(decoded);
}

/** Record bytes exactly as kafkajs produces them (Produce v1 → magic 1, v3 → RecordBatch v2). */
async function kafkajsRecords(produceVersion: number, count = 2): Promise<Buffer> {
  const produce = require("kafkajs/src/protocol/requests/produce/index.js") as {
    protocol(o: { version: number }): (a: unknown) => { request: KafkajsRequest };
  };
  const messages = Array.from({ length: count }, (_, i) => ({
    key: `key-${i}`,
    value: `value-${i} ✓`,
    timestamp: 1_700_000_000_000 + i,
  }));
  const { request } = produce.protocol({ version: produceVersion })({
    acks: -1,
    timeout: 1000,
    topicData: [{ topic: "t", partitions: [{ partition: 0, messages }] }],
  });
  const frame = (await frameRequest({ correlationId: 1, clientId: "c", request })).buffer;
  const r = new Reader(frame, 4);
  readRequestHeader(r, 1);
  const m = decodeAll(codecFor(0).readRequest, frame.subarray(r.offset), produceVersion);
  return m.topicData[0].partitionData[0].records as Buffer;
}

describe("ApiVersions", () => {
  const apiKeys = [
    { apiKey: 0, minVersion: 0, maxVersion: 11 },
    { apiKey: 1, minVersion: 4, maxVersion: 17 },
    { apiKey: 18, minVersion: 0, maxVersion: 4 },
  ];

  test.each(kafkajsVersions("apiVersions"))(
    "v%i: kafkajs reads the advertised ranges",
    async (v) => {
      const seen = await kafkajsSees("apiVersions", 18, v, {
        errorCode: 0,
        apiKeys,
        throttleTimeMs: 25,
      });
      expect(seen.errorCode).toBe(0);
      expect(seen.apiVersions).toEqual(apiKeys);
      if (v === 1) expect(seen.throttleTime).toBe(25);
      if (v === 2) expect(seen.clientSideThrottleTime).toBe(25);
    },
  );

  test("v0–v2 frames use response header v0 (no tagged-field byte before the body)", () => {
    for (const v of [0, 1, 2, 3, 4]) {
      expect(responseHeaderVersion(18, v)).toBe(0);
      const frame = responseFrame(18, v, 5, { apiKeys });
      expect(frame.readInt32BE(4)).toBe(5);
      expect(frame.readInt16BE(8), `v${v}: error code follows the correlation id`).toBe(0);
    }
  });

  test("an UNSUPPORTED_VERSION reply in the v0 body is understood by every kafkajs decoder", async () => {
    // §1: reply in the v0 body format with error 35 and our ApiVersions range.
    const w = new Writer();
    codecFor(18).writeResponse(w, 0, {
      errorCode: 35,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    });
    const body = w.toBuffer();
    for (const v of kafkajsVersions("apiVersions")) {
      await expect(kafkajsResponse("apiVersions", v).decode(body)).rejects.toMatchObject({
        type: "UNSUPPORTED_VERSION",
      });
    }
  });
});

describe("Metadata", () => {
  const brokers = [
    { nodeId: 1, host: "floe-a.example", port: 9092, rack: "eu-west-1a" },
    { nodeId: 2, host: "floe-b.example", port: 9093, rack: null },
  ];
  const topics = [
    {
      errorCode: 0,
      name: "orders",
      isInternal: false,
      partitions: [
        {
          errorCode: 0,
          partitionIndex: 0,
          leaderId: 1,
          leaderEpoch: 0,
          replicaNodes: [1, 2],
          isrNodes: [1, 2],
        },
        {
          errorCode: 0,
          partitionIndex: 1,
          leaderId: 2,
          replicaNodes: [2],
          isrNodes: [2],
          offlineReplicas: [],
        },
      ],
    },
  ];

  test.each(kafkajsVersions("metadata"))(
    "v%i: kafkajs sees brokers, controller and partitions",
    async (v) => {
      const seen = await kafkajsSees("metadata", 3, v, {
        throttleTimeMs: 0,
        brokers,
        clusterId: "floe-cluster",
        controllerId: 1,
        topics,
      });
      expect(seen.brokers.map((b: Any) => [b.nodeId, b.host, b.port])).toEqual([
        [1, "floe-a.example", 9092],
        [2, "floe-b.example", 9093],
      ]);
      if (v >= 1) {
        expect(seen.brokers[0].rack).toBe("eu-west-1a");
        expect(seen.brokers[1].rack).toBe(null);
        expect(seen.controllerId).toBe(1);
      }
      if (v >= 2) expect(seen.clusterId).toBe("floe-cluster");
      const t = seen.topicMetadata[0];
      expect(t.topic).toBe("orders");
      expect(t.partitionMetadata[1]).toMatchObject({
        partitionId: 1,
        leader: 2,
        replicas: [2],
        isr: [2],
      });
      if (v >= 5) expect(t.partitionMetadata[1].offlineReplicas).toEqual([]);
    },
  );
});

describe("Produce", () => {
  test.each(kafkajsVersions("produce"))("v%i: kafkajs sees offsets and timestamps", async (v) => {
    const seen = await kafkajsSees("produce", 0, v, {
      responses: [
        {
          name: "orders",
          partitionResponses: [
            {
              index: 0,
              errorCode: 0,
              baseOffset: 9007199254740993n,
              logAppendTimeMs: 1_700_000_000_123n,
              logStartOffset: 5n,
            },
          ],
        },
      ],
      throttleTimeMs: 12,
    });
    const p = seen.topics[0].partitions[0];
    expect(seen.topics[0].topicName).toBe("orders");
    expect(p.partition).toBe(0);
    expect(p.errorCode).toBe(0);
    expect(p.offset ?? p.baseOffset).toBe("9007199254740993");
    if (v === 2) expect(p.timestamp).toBe("1700000000123");
    if (v >= 3) expect(p.logAppendTime).toBe("1700000000123");
    if (v >= 5) expect(p.logStartOffset).toBe("5");
    if (v >= 1 && v < 6) expect(seen.throttleTime).toBe(12);
    if (v >= 6) expect(seen.clientSideThrottleTime).toBe(12);
  });

  test("a per-partition error reaches kafkajs as its typed error", async () => {
    const m = {
      responses: [{ name: "orders", partitionResponses: [{ index: 0, errorCode: 6 }] }],
    };
    await expect(kafkajsSees("produce", 0, 7, m)).rejects.toMatchObject({
      type: "NOT_LEADER_FOR_PARTITION",
    });
  });
});

describe("Fetch", () => {
  test.each(kafkajsVersions("fetch"))("v%i: record bytes pass through untouched", async (v) => {
    // Fetch v0–v3 predate RecordBatch v2; kafkajs reads message sets there.
    const records = await kafkajsRecords(v >= 4 ? 3 : 1, 40);
    expect(records.length).toBeGreaterThan(1024); // exercises the writer's zero-copy path
    const half = records.length >> 1;
    const frame = responseFrame(1, v, 9, {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: "orders",
          partitions: [
            {
              partitionIndex: 3,
              errorCode: 0,
              highWatermark: 40n,
              lastStableOffset: 40n,
              logStartOffset: 0n,
              abortedTransactions: [{ producerId: 7n, firstOffset: 2n }],
              preferredReadReplica: -1,
              // A list of buffers, as a host would hand over slices of stored segments.
              records: [records.subarray(0, half), records.subarray(half)],
            },
          ],
        },
      ],
    });
    expect(frame.includes(records)).toBe(true);
    const { payload } = kafkajsReceive(frame);
    const seen = await kafkajsResponse("fetch", v).parse(
      await kafkajsResponse("fetch", v).decode(payload),
    );
    const p = seen.responses[0].partitions[0];
    expect(seen.responses[0].topicName).toBe("orders");
    expect(p.partition).toBe(3);
    expect(p.highWatermark).toBe("40");
    if (v >= 4) {
      expect(p.lastStableOffset).toBe("40");
      expect(p.abortedTransactions).toEqual([{ producerId: "7", firstOffset: "2" }]);
    }
    if (v >= 7) expect(seen.sessionId).toBe(0);
    expect(p.messages).toHaveLength(40);
    expect(p.messages.map((msg: Any) => msg.key.toString())).toEqual(
      Array.from({ length: 40 }, (_, i) => `key-${i}`),
    );
    expect(p.messages[39].value.toString()).toBe("value-39 ✓");
  });

  test("an empty partition (no records) decodes as no messages", async () => {
    const seen = await kafkajsSees("fetch", 1, 11, {
      responses: [
        { topic: "orders", partitions: [{ partitionIndex: 0, highWatermark: 0n, records: null }] },
      ],
    });
    expect(seen.responses[0].partitions[0].messages).toEqual([]);
  });
});

describe("ListOffsets", () => {
  test.each(kafkajsVersions("listOffsets"))("v%i: kafkajs sees the offsets", async (v) => {
    const partition =
      v === 0
        ? { partitionIndex: 0, errorCode: 0, oldStyleOffsets: [42n] }
        : { partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 42n };
    const seen = await kafkajsSees("listOffsets", 2, v, {
      throttleTimeMs: 3,
      topics: [{ name: "orders", partitions: [partition] }],
    });
    const p = seen.responses[0].partitions[0];
    expect(seen.responses[0].topic).toBe("orders");
    if (v === 0) expect(p.offsets).toEqual(["42"]);
    else expect(p).toMatchObject({ partition: 0, errorCode: 0, timestamp: "-1", offset: "42" });
  });
});

describe("InitProducerId", () => {
  test.each(kafkajsVersions("initProducerId"))(
    "v%i: kafkajs sees producer id and epoch",
    async (v) => {
      const seen = await kafkajsSees("initProducerId", 22, v, {
        throttleTimeMs: 0,
        errorCode: 0,
        producerId: 9007199254740993n,
        producerEpoch: 4,
      });
      expect(seen).toMatchObject({
        errorCode: 0,
        producerId: "9007199254740993",
        producerEpoch: 4,
      });
    },
  );
});

describe("FindCoordinator", () => {
  test.each(kafkajsVersions("findCoordinator"))("v%i: kafkajs sees the coordinator", async (v) => {
    const seen = await kafkajsSees("findCoordinator", 10, v, {
      errorCode: 0,
      errorMessage: null,
      nodeId: 2,
      host: "floe-b.example",
      port: 9093,
    });
    expect(seen.coordinator).toEqual({ nodeId: 2, host: "floe-b.example", port: 9093 });
    if (v >= 1) expect(seen.errorMessage).toBe(null);
  });
});

describe("CreateTopics", () => {
  test.each(kafkajsVersions("createTopics"))("v%i: kafkajs sees per-topic results", async (v) => {
    const m = {
      throttleTimeMs: 0,
      topics: [
        { name: "orders", errorCode: 0, errorMessage: null },
        { name: "alpha", errorCode: 0, errorMessage: null },
      ],
    };
    const seen = await kafkajsSees("createTopics", 19, v, m);
    expect(seen.topicErrors.map((t: Any) => [t.topic, t.errorCode])).toEqual([
      ["alpha", 0],
      ["orders", 0],
    ]);
    if (v >= 1) expect(seen.topicErrors[0].errorMessage).toBe(null);
  });

  test("a TOPIC_ALREADY_EXISTS result is reported as kafkajs's aggregate error", async () => {
    const m = {
      topics: [{ name: "orders", errorCode: 36, errorMessage: "Topic 'orders' already exists." }],
    };
    await expect(kafkajsSees("createTopics", 19, 3, m)).rejects.toMatchObject({
      name: "KafkaJSAggregateError",
    });
  });
});

describe("group and admin APIs", () => {
  const cases: {
    dir: string;
    apiKey: number;
    m: (v: number) => unknown;
    check: (s: Any, v: number) => void;
  }[] = [
    {
      dir: "offsetCommit",
      apiKey: 8,
      m: () => ({
        topics: [{ name: "orders", partitions: [{ partitionIndex: 1, errorCode: 0 }] }],
      }),
      check: (s) =>
        expect(s.responses).toEqual([
          { topic: "orders", partitions: [{ partition: 1, errorCode: 0 }] },
        ]),
    },
    {
      dir: "offsetFetch",
      apiKey: 9,
      m: () => ({
        topics: [
          {
            name: "orders",
            partitions: [
              { partitionIndex: 0, committedOffset: 100n, metadata: "meta", errorCode: 0 },
              { partitionIndex: 1, committedOffset: -1n, metadata: "", errorCode: 0 },
            ],
          },
        ],
      }),
      check: (s) =>
        expect(s.responses[0].partitions).toEqual([
          { partition: 0, offset: "100", metadata: "meta", errorCode: 0 },
          { partition: 1, offset: "-1", metadata: "", errorCode: 0 },
        ]),
    },
    {
      dir: "joinGroup",
      apiKey: 11,
      m: () => ({
        generationId: 3,
        protocolName: "RoundRobinAssigner",
        leader: "m-1",
        memberId: "m-1",
        members: [{ memberId: "m-1", groupInstanceId: null, metadata: Buffer.from([0, 1, 2]) }],
      }),
      check: (s, v) => {
        expect(s).toMatchObject({
          errorCode: 0,
          generationId: 3,
          groupProtocol: "RoundRobinAssigner",
          leaderId: "m-1",
        });
        expect([...s.members[0].memberMetadata]).toEqual([0, 1, 2]);
        if (v >= 5) expect(s.members[0].groupInstanceId).toBe(null);
      },
    },
    {
      dir: "syncGroup",
      apiKey: 14,
      m: () => ({ errorCode: 0, assignment: Buffer.from("assigned") }),
      check: (s) => expect(s.memberAssignment.toString()).toBe("assigned"),
    },
    {
      dir: "heartbeat",
      apiKey: 12,
      m: () => ({ errorCode: 0 }),
      check: (s) => expect(s.errorCode).toBe(0),
    },
    {
      dir: "leaveGroup",
      apiKey: 13,
      m: () => ({
        errorCode: 0,
        members: [{ memberId: "m-1", groupInstanceId: null, errorCode: 0 }],
      }),
      check: (s, v) => {
        expect(s.errorCode).toBe(0);
        if (v >= 3)
          expect(s.members).toEqual([{ memberId: "m-1", groupInstanceId: null, errorCode: 0 }]);
      },
    },
    {
      dir: "describeGroups",
      apiKey: 15,
      m: () => ({
        groups: [
          {
            errorCode: 0,
            groupId: "billing",
            groupState: "Stable",
            protocolType: "consumer",
            protocolData: "RoundRobinAssigner",
            members: [
              {
                memberId: "m-1",
                clientId: "c",
                clientHost: "/10.0.0.1",
                memberMetadata: Buffer.from([1]),
                memberAssignment: Buffer.from([2]),
              },
            ],
          },
        ],
      }),
      check: (s) => {
        expect(s.groups[0]).toMatchObject({
          groupId: "billing",
          state: "Stable",
          protocol: "RoundRobinAssigner",
        });
        expect(s.groups[0].members[0]).toMatchObject({ memberId: "m-1", clientHost: "/10.0.0.1" });
      },
    },
    {
      dir: "listGroups",
      apiKey: 16,
      m: () => ({ groups: [{ groupId: "billing", protocolType: "consumer" }] }),
      check: (s) => expect(s.groups).toEqual([{ groupId: "billing", protocolType: "consumer" }]),
    },
    {
      dir: "saslHandshake",
      apiKey: 17,
      m: () => ({ errorCode: 0, mechanisms: ["PLAIN", "SCRAM-SHA-256"] }),
      check: (s) => expect(s.enabledMechanisms).toEqual(["PLAIN", "SCRAM-SHA-256"]),
    },
    {
      dir: "saslAuthenticate",
      apiKey: 36,
      m: () => ({
        errorCode: 0,
        errorMessage: null,
        authBytes: Buffer.from("server-final"),
        sessionLifetimeMs: 3600000n,
      }),
      check: (s, v) => {
        expect(s.errorMessage).toBe(null);
        expect(s.authBytes.subarray(4).toString()).toBe("server-final");
        if (v >= 1) expect(s.sessionLifetimeMs).toBe("3600000");
      },
    },
    {
      dir: "deleteTopics",
      apiKey: 20,
      m: () => ({ responses: [{ name: "orders", errorCode: 0 }] }),
      check: (s) => expect(s.topicErrors).toEqual([{ topic: "orders", errorCode: 0 }]),
    },
    {
      dir: "deleteRecords",
      apiKey: 21,
      m: () => ({
        topics: [
          { name: "orders", partitions: [{ partitionIndex: 0, lowWatermark: 55n, errorCode: 0 }] },
        ],
      }),
      check: (s) => {
        expect(s.topics[0].topic).toBe("orders");
        expect(s.topics[0].partitions[0]).toMatchObject({ partition: 0, errorCode: 0 });
        expect(String(s.topics[0].partitions[0].lowWatermark)).toBe("55");
      },
    },
    {
      dir: "describeConfigs",
      apiKey: 32,
      m: () => ({
        results: [
          {
            errorCode: 0,
            errorMessage: null,
            resourceType: 2,
            resourceName: "orders",
            configs: [
              {
                name: "retention.ms",
                value: "604800000",
                readOnly: false,
                isDefault: true,
                configSource: 5,
                isSensitive: false,
              },
              {
                name: "sasl.jaas.config",
                value: null,
                readOnly: true,
                configSource: 4,
                isSensitive: true,
              },
            ],
          },
        ],
      }),
      check: (s) => {
        const [retention, secret] = s.resources[0].configEntries;
        expect(retention).toMatchObject({
          configName: "retention.ms",
          configValue: "604800000",
          isDefault: true,
        });
        // A sensitive value must reach the client as null, never as "".
        expect(secret).toMatchObject({
          configName: "sasl.jaas.config",
          configValue: null,
          isSensitive: true,
        });
      },
    },
    {
      dir: "alterConfigs",
      apiKey: 33,
      m: () => ({
        responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: "orders" }],
      }),
      check: (s) =>
        expect(s.resources).toEqual([
          { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: "orders" },
        ]),
    },
    {
      dir: "createPartitions",
      apiKey: 37,
      m: () => ({ results: [{ name: "orders", errorCode: 0, errorMessage: null }] }),
      check: (s) =>
        expect(s.topicErrors).toEqual([{ topic: "orders", errorCode: 0, errorMessage: null }]),
    },
    {
      dir: "deleteGroups",
      apiKey: 42,
      m: () => ({ results: [{ groupId: "billing", errorCode: 0 }] }),
      check: (s) => expect(s.results).toEqual([{ groupId: "billing", errorCode: 0 }]),
    },
  ];

  for (const c of cases) {
    test.each(kafkajsVersions(c.dir))(`${c.dir} v%i: kafkajs decodes and accepts it`, async (v) => {
      c.check(await kafkajsSees(c.dir, c.apiKey, v, c.m(v)), v);
    });
  }
});
