/**
 * Real client bytes: kafkajs 2.2.4 builds each request exactly as its client does (the per-API
 * `index.js` wiring plus `protocol/request.js` framing). Floe must decode every byte of every
 * version kafkajs can send, see the values kafkajs put there, and re-encode the same bytes.
 * kafkajs never uses flexible versions, so this is the classic-encoding half of §0 rule 3.
 */
import { createRequire } from "node:module";
import { describe, expect, test } from "vitest";
import {
  type RequestHeader,
  readRequestHeader,
  writeRequestHeader,
} from "../../../../lib/protocol/generated/index.ts";
import { Reader } from "../../../../lib/protocol/primitives/reader.ts";
import { Writer } from "../../../../lib/protocol/primitives/writer.ts";
import { codecFor, decodeAll } from "./codec-helpers.ts";

const require = createRequire(import.meta.url);

interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<{ buffer: Buffer }>;
}
interface KafkajsApi {
  versions: string[];
  protocol(o: { version: number }): (args: unknown) => { request: KafkajsRequest };
}

const frameRequest = require("kafkajs/src/protocol/request.js") as (o: {
  correlationId: number;
  clientId: string;
  request: KafkajsRequest;
}) => Promise<{ buffer: Buffer }>;
const kafkajsApi = (dir: string): KafkajsApi =>
  require(`kafkajs/src/protocol/requests/${dir}/index.js`) as KafkajsApi;
const plainAuth = require("kafkajs/src/protocol/sasl/plain/request.js") as (o: {
  username: string;
  password: string;
}) => { encode(): Promise<Buffer> };
const { Types: Compression } = require("kafkajs/src/protocol/message/compression/index.js") as {
  Types: Record<string, number>;
};

// biome-ignore lint/suspicious/noExplicitAny: decoded messages are checked field by field
type Decoded = any;

interface Case {
  /** Directory under kafkajs/src/protocol/requests. */
  dir: string;
  apiKey: number;
  args: unknown | ((version: number) => unknown);
  check(m: Decoded, version: number): void;
}

const TS = 1_700_000_000_000;
const messages = [
  { key: "k1", value: "hello", timestamp: TS, headers: { "trace-id": "abc" } },
  { key: null, value: "wörld ✓", timestamp: TS + 5 },
];

const CASES: Case[] = [
  {
    dir: "produce",
    apiKey: 0,
    args: {
      acks: -1,
      timeout: 30000,
      compression: Compression.None,
      transactionalId: "tx-1",
      producerId: 4321,
      producerEpoch: 3,
      topicData: [
        { topic: "orders", partitions: [{ partition: 0, firstSequence: 0, messages }] },
        { topic: "payments", partitions: [{ partition: 7, firstSequence: 9, messages }] },
      ],
    },
    check(m, v) {
      expect(m.acks).toBe(-1);
      expect(m.timeoutMs).toBe(30000);
      expect(m.transactionalId).toBe(v >= 3 ? "tx-1" : null);
      expect(m.topicData.map((t: Decoded) => t.name)).toEqual(["orders", "payments"]);
      const p = m.topicData[1].partitionData[0];
      expect(p.index).toBe(7);
      // v0–v2 carry a legacy message set (magic 0/1), v3+ a RecordBatch (magic 2 at byte 16).
      const records = p.records as Buffer;
      if (v >= 3) {
        expect(records.readInt8(16)).toBe(2);
        expect(records.readInt32BE(8)).toBe(records.length - 12);
      } else {
        expect(records.readInt8(16)).toBe(v === 2 ? 1 : 0);
      }
    },
  },
  {
    dir: "fetch",
    apiKey: 1,
    args: {
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 10485760,
      rackId: "eu-west-1a",
      topics: [
        {
          topic: "orders",
          partitions: [
            { partition: 0, fetchOffset: "42", maxBytes: 1048576 },
            { partition: 3, fetchOffset: "9007199254740993", maxBytes: 524288 },
          ],
        },
      ],
    },
    check(m, v) {
      expect(m.replicaId).toBe(-1);
      expect(m.maxWaitMs).toBe(500);
      expect(m.minBytes).toBe(1);
      expect(m.maxBytes).toBe(v >= 3 ? 10485760 : 0x7fffffff);
      expect(m.isolationLevel).toBe(v >= 4 ? 1 : 0);
      expect(m.sessionId).toBe(0);
      expect(m.sessionEpoch).toBe(-1);
      expect(m.topics[0].topic).toBe("orders");
      const [p0, p1] = m.topics[0].partitions;
      expect(p0.fetchOffset).toBe(42n);
      expect(p1.partition).toBe(3);
      expect(p1.fetchOffset).toBe(9007199254740993n);
      expect(p1.partitionMaxBytes).toBe(524288);
      expect(p1.currentLeaderEpoch).toBe(-1);
      expect(m.rackId).toBe(v >= 11 ? "eu-west-1a" : "");
    },
  },
  {
    dir: "listOffsets",
    apiKey: 2,
    args: {
      topics: [
        {
          topic: "orders",
          partitions: [
            { partition: 0, timestamp: -1 },
            { partition: 1, timestamp: TS },
          ],
        },
      ],
    },
    check(m, v) {
      expect(m.replicaId).toBe(-1);
      expect(m.isolationLevel).toBe(v >= 2 ? 1 : 0);
      expect(m.topics[0].name).toBe("orders");
      expect(m.topics[0].partitions[0].timestamp).toBe(-1n);
      expect(m.topics[0].partitions[1].timestamp).toBe(BigInt(TS));
      expect(m.topics[0].partitions[1].maxNumOffsets).toBe(1);
    },
  },
  {
    dir: "metadata",
    apiKey: 3,
    args: { topics: ["orders", "payments"], allowAutoTopicCreation: false },
    check(m, v) {
      expect(m.topics.map((t: Decoded) => t.name)).toEqual(["orders", "payments"]);
      expect(m.allowAutoTopicCreation).toBe(v < 4);
    },
  },
  {
    dir: "offsetCommit",
    apiKey: 8,
    args: {
      groupId: "billing",
      groupGenerationId: 5,
      memberId: "member-1",
      topics: [
        {
          topic: "orders",
          partitions: [
            { partition: 0, offset: "100" },
            { partition: 1, offset: "7", metadata: "m" },
          ],
        },
      ],
    },
    check(m, v) {
      expect(m.groupId).toBe("billing");
      expect(m.generationIdOrMemberEpoch).toBe(v >= 1 ? 5 : -1);
      expect(m.memberId).toBe(v >= 1 ? "member-1" : "");
      expect(m.retentionTimeMs).toBe(-1n);
      const [p0, p1] = m.topics[0].partitions;
      expect(p0.committedOffset).toBe(100n);
      expect(p0.committedMetadata).toBe(null);
      expect(p1.committedMetadata).toBe("m");
    },
  },
  {
    dir: "offsetFetch",
    apiKey: 9,
    args: {
      groupId: "billing",
      topics: [{ topic: "orders", partitions: [{ partition: 0 }, { partition: 2 }] }],
    },
    check(m) {
      expect(m.groupId).toBe("billing");
      expect(m.topics[0].name).toBe("orders");
      expect(m.topics[0].partitionIndexes).toEqual([0, 2]);
    },
  },
  {
    dir: "findCoordinator",
    apiKey: 10,
    args: { groupId: "billing", coordinatorType: 1 },
    check(m, v) {
      expect(m.key).toBe("billing");
      expect(m.keyType).toBe(v >= 1 ? 1 : 0);
    },
  },
  {
    dir: "joinGroup",
    apiKey: 11,
    args: {
      groupId: "billing",
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: "",
      groupInstanceId: "static-1",
      protocolType: "consumer",
      groupProtocols: [
        { name: "RoundRobinAssigner", metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 6]) },
      ],
    },
    check(m, v) {
      expect(m.groupId).toBe("billing");
      expect(m.sessionTimeoutMs).toBe(30000);
      expect(m.rebalanceTimeoutMs).toBe(v >= 1 ? 60000 : -1);
      expect(m.groupInstanceId).toBe(v >= 5 ? "static-1" : null);
      expect(m.protocolType).toBe("consumer");
      expect(m.protocols[0].name).toBe("RoundRobinAssigner");
      expect([...m.protocols[0].metadata]).toEqual([0, 1, 0, 0, 0, 1, 0, 6]);
    },
  },
  {
    dir: "heartbeat",
    apiKey: 12,
    args: { groupId: "billing", groupGenerationId: 8, memberId: "member-1", groupInstanceId: null },
    check(m) {
      expect(m).toMatchObject({ groupId: "billing", generationId: 8, memberId: "member-1" });
      expect(m.groupInstanceId).toBe(null);
    },
  },
  {
    dir: "leaveGroup",
    apiKey: 13,
    args: { groupId: "billing", memberId: "member-1", groupInstanceId: "static-1" },
    check(m, v) {
      expect(m.groupId).toBe("billing");
      if (v >= 3)
        expect(m.members).toEqual([
          { memberId: "member-1", groupInstanceId: "static-1", reason: null },
        ]);
      else expect(m.memberId).toBe("member-1");
    },
  },
  {
    dir: "syncGroup",
    apiKey: 14,
    args: {
      groupId: "billing",
      generationId: 8,
      memberId: "member-1",
      groupInstanceId: null,
      groupAssignment: [
        { memberId: "member-1", memberAssignment: Buffer.from("assignment-1") },
        { memberId: "member-2", memberAssignment: Buffer.alloc(0) },
      ],
    },
    check(m) {
      expect(m).toMatchObject({ groupId: "billing", generationId: 8, memberId: "member-1" });
      expect(m.assignments[0].memberId).toBe("member-1");
      expect(m.assignments[0].assignment.toString()).toBe("assignment-1");
      expect(m.assignments[1].assignment.length).toBe(0);
    },
  },
  {
    dir: "describeGroups",
    apiKey: 15,
    args: { groupIds: ["billing", "shipping"] },
    check(m) {
      expect(m.groups).toEqual(["billing", "shipping"]);
    },
  },
  { dir: "listGroups", apiKey: 16, args: {}, check: (m) => expect(m.statesFilter).toEqual([]) },
  {
    dir: "saslHandshake",
    apiKey: 17,
    args: { mechanism: "SCRAM-SHA-512" },
    check: (m) => expect(m.mechanism).toBe("SCRAM-SHA-512"),
  },
  { dir: "apiVersions", apiKey: 18, args: {}, check: (m) => expect(m.clientSoftwareName).toBe("") },
  {
    dir: "createTopics",
    apiKey: 19,
    args: {
      timeout: 15000,
      validateOnly: true,
      topics: [
        {
          topic: "orders",
          numPartitions: 6,
          replicationFactor: 3,
          configEntries: [{ name: "cleanup.policy", value: "compact" }],
        },
        { topic: "manual", replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }] },
      ],
    },
    check(m, v) {
      expect(m.timeoutMs).toBe(15000);
      expect(m.validateOnly).toBe(v >= 1);
      expect(m.topics[0]).toMatchObject({ name: "orders", numPartitions: 6, replicationFactor: 3 });
      expect(m.topics[0].configs).toEqual([{ name: "cleanup.policy", value: "compact" }]);
      expect(m.topics[1]).toMatchObject({
        name: "manual",
        numPartitions: -1,
        replicationFactor: -1,
      });
      expect(m.topics[1].assignments).toEqual([{ partitionIndex: 0, brokerIds: [1, 2, 3] }]);
    },
  },
  {
    dir: "deleteTopics",
    apiKey: 20,
    args: { topics: ["orders", "payments"], timeout: 12000 },
    check(m) {
      expect(m.topicNames).toEqual(["orders", "payments"]);
      expect(m.timeoutMs).toBe(12000);
    },
  },
  {
    dir: "deleteRecords",
    apiKey: 21,
    args: {
      timeout: 9000,
      topics: [{ topic: "orders", partitions: [{ partition: 2, offset: "1234567890123" }] }],
    },
    check(m) {
      expect(m.timeoutMs).toBe(9000);
      expect(m.topics[0].name).toBe("orders");
      expect(m.topics[0].partitions[0]).toEqual({ partitionIndex: 2, offset: 1234567890123n });
    },
  },
  {
    dir: "initProducerId",
    apiKey: 22,
    args: { transactionalId: "tx-1", transactionTimeout: 60000 },
    check(m) {
      expect(m.transactionalId).toBe("tx-1");
      expect(m.transactionTimeoutMs).toBe(60000);
    },
  },
  {
    dir: "describeConfigs",
    apiKey: 32,
    args: {
      includeSynonyms: true,
      resources: [
        { type: 2, name: "orders", configNames: ["retention.ms", "cleanup.policy"] },
        { type: 4, name: "1", configNames: [] },
      ],
    },
    check(m, v) {
      expect(m.resources[0]).toEqual({
        resourceType: 2,
        resourceName: "orders",
        configurationKeys: ["retention.ms", "cleanup.policy"],
      });
      // kafkajs sends an empty key list as null ("all keys").
      expect(m.resources[1].configurationKeys).toBe(null);
      expect(m.includeSynonyms).toBe(v >= 1);
    },
  },
  {
    dir: "alterConfigs",
    apiKey: 33,
    args: {
      validateOnly: false,
      resources: [
        { type: 2, name: "orders", configEntries: [{ name: "retention.ms", value: "86400000" }] },
      ],
    },
    check(m) {
      expect(m.resources[0].resourceName).toBe("orders");
      expect(m.resources[0].configs).toEqual([{ name: "retention.ms", value: "86400000" }]);
    },
  },
  {
    dir: "saslAuthenticate",
    apiKey: 36,
    args: async () => ({
      authBytes: await plainAuth({ username: "alice", password: "s3cr3t" }).encode(),
    }),
    check(m) {
      expect(m.authBytes.toString()).toBe("\0alice\0s3cr3t");
    },
  },
  {
    dir: "createPartitions",
    apiKey: 37,
    args: {
      timeout: 5000,
      validateOnly: false,
      topicPartitions: [
        {
          topic: "orders",
          count: 8,
          assignments: [
            [1, 2],
            [2, 3],
          ],
        },
        { topic: "payments", count: 4 },
      ],
    },
    check(m) {
      expect(m.topics[0]).toEqual({
        name: "orders",
        count: 8,
        assignments: [{ brokerIds: [1, 2] }, { brokerIds: [2, 3] }],
      });
      // kafkajs writes "no assignments" as a null array.
      expect(m.topics[1].assignments).toBe(null);
    },
  },
  {
    dir: "deleteGroups",
    apiKey: 42,
    args: ["billing", "shipping"],
    check: (m) => expect(m.groupsNames).toEqual(["billing", "shipping"]),
  },
];

async function kafkajsFrame(
  c: Case,
  version: number,
): Promise<{ frame: Buffer; request: KafkajsRequest }> {
  const args = typeof c.args === "function" ? await c.args(version) : c.args;
  const { request } = kafkajsApi(c.dir).protocol({ version })(args);
  const encoded = await frameRequest({ correlationId: 4242, clientId: "kafkajs-test", request });
  return { frame: encoded.buffer, request };
}

describe.each(CASES.map((c) => [c.dir, c] as const))("kafkajs %s", (_dir, c) => {
  const codec = codecFor(c.apiKey);
  const kafkajsVersions = kafkajsApi(c.dir).versions.map(Number);

  test("kafkajs only uses versions Floe generates, all non-flexible", () => {
    for (const v of kafkajsVersions) {
      expect(v).toBeGreaterThanOrEqual(codec.api.request.min);
      expect(v).toBeLessThanOrEqual(codec.api.request.max);
      expect(v).toBeLessThan(codec.api.request.flexibleMin ?? Number.POSITIVE_INFINITY);
    }
  });

  test.each(kafkajsVersions)(
    "v%i decodes every byte, carries the values, re-encodes identically",
    async (v) => {
      const { frame, request } = await kafkajsFrame(c, v);
      expect(request.apiKey).toBe(c.apiKey);
      expect(request.apiVersion).toBe(v);

      const r = new Reader(frame);
      expect(r.int32()).toBe(frame.length - 4);
      const header = readRequestHeader(r, 1);
      expect(header).toEqual<RequestHeader>({
        requestApiKey: c.apiKey,
        requestApiVersion: v,
        correlationId: 4242,
        clientId: "kafkajs-test",
      });
      const body = frame.subarray(r.offset);
      const m = decodeAll(codec.readRequest, body, v);
      c.check(m, v);

      const w = new Writer();
      writeRequestHeader(w, 1, header);
      codec.writeRequest(w, v, m);
      const reencoded = w.toBuffer();
      const sized = Buffer.alloc(4);
      sized.writeInt32BE(reencoded.length);
      expect(Buffer.concat([sized, reencoded]).toString("hex")).toBe(frame.toString("hex"));
    },
  );
});

test("kafkajs gzip-compressed Produce v7 passes through as opaque record bytes", async () => {
  const c = CASES[0];
  const args = { ...(c.args as object), compression: Compression.GZIP };
  const { request } = kafkajsApi("produce").protocol({ version: 7 })(args);
  const frame = (await frameRequest({ correlationId: 1, clientId: "k", request })).buffer;
  const r = new Reader(frame, 4);
  readRequestHeader(r, 1);
  const m = decodeAll(codecFor(0).readRequest, frame.subarray(r.offset), 7);
  const records = m.topicData[0].partitionData[0].records as Buffer;
  expect(records.readInt16BE(21) & 0x07).toBe(1); // attributes: gzip
  expect(frame.includes(records)).toBe(true);
});
