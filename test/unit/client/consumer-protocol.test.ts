/**
 * The consumer protocol's member metadata and assignment, as Java kafka-clients 4.1.1 and
 * kafkajs write them. The hex fixtures were captured from the reference Kafka 4.1.1 broker
 * with DescribeGroups (lib/client/groups.ts): members using the range assignor and the
 * cooperative-sticky assignor (after a rebalance, so owned partitions, generation and rack are
 * set). Re-encoding a decoded Java message gives back the same bytes.
 */
import fc from "fast-check";
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import {
  type ConsumerAssignment,
  type ConsumerSubscription,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from "../../../lib/client/consumer-protocol.ts";
import { ProtocolDecodeError } from "../../../lib/protocol/errors.ts";

const hex = (s: string): Buffer => Buffer.from(s, "hex");

const JAVA = {
  /** range assignor, first join: v3, no owned partitions, generation −1, no rack. */
  rangeSubscription: hex("00030000000100066f7264657273ffffffff00000000ffffffffffff"),
  /** the leader's assignment of orders-0,1,2 to one member. */
  rangeAssignment: hex("00030000000100066f726465727300000003000000000000000100000002ffffffff"),
  /** cooperative-sticky after a rebalance: owns orders-0,1, generation 2, client.rack=rack-a. */
  coopSubscription: hex(
    "00030000000100066f726465727300000004000000020000000100066f72646572730000000200000000000000010000000200067261636b2d61",
  ),
  coopAssignment: hex("00030000000100066f7264657273000000020000000000000001ffffffff"),
};

describe("decodeSubscription", () => {
  it("reads a Java v3 subscription from the range assignor", () => {
    expect(decodeSubscription(JAVA.rangeSubscription)).toEqual({
      version: 3,
      topics: ["orders"],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
  });

  it("reads owned partitions, generation, rack and user data from a cooperative-sticky member", () => {
    expect(decodeSubscription(JAVA.coopSubscription)).toEqual({
      version: 3,
      topics: ["orders"],
      userData: hex("00000002"),
      ownedPartitions: [{ topic: "orders", partitions: [0, 1] }],
      generationId: 2,
      rackId: "rack-a",
    });
  });

  // kafkajs labels its metadata version 1 but writes only the v0 fields.
  it("reads kafkajs's v0 and v1 member metadata, leaving later fields at their defaults", () => {
    for (const version of [0, 1]) {
      const bytes = kafkajs.AssignerProtocol.MemberMetadata.encode({
        version,
        topics: ["a", "bb"],
        userData: Buffer.from("hi"),
      });
      expect(decodeSubscription(bytes)).toEqual({
        version,
        topics: ["a", "bb"],
        userData: Buffer.from("hi"),
        ownedPartitions: [],
        generationId: -1,
        rackId: null,
      });
    }
  });

  it("reads a version newer than 3 as version 3 and ignores what follows, like Java", () => {
    const future = Buffer.concat([JAVA.coopSubscription, hex("00010203")]);
    future.writeInt16BE(7, 0);
    const decoded = decodeSubscription(future);
    expect(decoded.version).toBe(7);
    expect(decoded.rackId).toBe("rack-a");
  });

  it("rejects a negative version and truncated bytes with ProtocolDecodeError", () => {
    expect(() => decodeSubscription(hex("ffff00000000ffffffff"))).toThrow(ProtocolDecodeError);
    expect(() => decodeSubscription(JAVA.coopSubscription.subarray(0, 20))).toThrow(
      ProtocolDecodeError,
    );
  });
});

describe("decodeAssignment", () => {
  it("reads the Java leader's assignments", () => {
    expect(decodeAssignment(JAVA.rangeAssignment)).toEqual({
      version: 3,
      assignedPartitions: [{ topic: "orders", partitions: [0, 1, 2] }],
      userData: null,
    });
    expect(decodeAssignment(JAVA.coopAssignment).assignedPartitions).toEqual([
      { topic: "orders", partitions: [0, 1] },
    ]);
  });

  it("reads kafkajs's assignment", () => {
    const bytes = kafkajs.AssignerProtocol.MemberAssignment.encode({
      version: 0,
      assignment: { a: [0, 2], bb: [1] },
      userData: Buffer.alloc(0),
    });
    expect(decodeAssignment(bytes)).toEqual({
      version: 0,
      assignedPartitions: [
        { topic: "a", partitions: [0, 2] },
        { topic: "bb", partitions: [1] },
      ],
      userData: Buffer.alloc(0),
    });
  });

  it("reads empty bytes (a member between JoinGroup and SyncGroup) as no partitions", () => {
    expect(decodeAssignment(Buffer.alloc(0)).assignedPartitions).toEqual([]);
  });
});

describe("encoding", () => {
  it("re-encodes Java's bytes exactly", () => {
    for (const b of [JAVA.rangeSubscription, JAVA.coopSubscription]) {
      expect(encodeSubscription(decodeSubscription(b))).toEqual(b);
    }
    for (const b of [JAVA.rangeAssignment, JAVA.coopAssignment]) {
      expect(encodeAssignment(decodeAssignment(b))).toEqual(b);
    }
  });

  it("writes what kafkajs writes for a v0 subscription", () => {
    const s: ConsumerSubscription = {
      version: 0,
      topics: ["t1", "t2"],
      userData: Buffer.from("x"),
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    };
    const fromKafkajs = kafkajs.AssignerProtocol.MemberMetadata.encode({
      version: 0,
      topics: ["t1", "t2"],
      userData: Buffer.from("x"),
    });
    expect(encodeSubscription(s)).toEqual(fromKafkajs);
  });
});

const topicPartitions = fc.array(
  fc.record({
    topic: fc.string({ maxLength: 20 }),
    partitions: fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 5 }),
  }),
  { maxLength: 4 },
);
const userData = fc.option(
  fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
  { nil: null },
);

describe("fuzz", () => {
  it("round-trips any subscription at its version", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }),
        userData,
        topicPartitions,
        fc.integer({ min: -1, max: 1000 }),
        fc.option(fc.string({ maxLength: 10 }), { nil: null }),
        (version, topics, data, owned, generationId, rackId) => {
          const s: ConsumerSubscription = {
            version,
            topics,
            userData: data,
            ownedPartitions: version >= 1 ? owned : [],
            generationId: version >= 2 ? generationId : -1,
            rackId: version >= 3 ? rackId : null,
          };
          expect(decodeSubscription(encodeSubscription(s))).toEqual(s);
        },
      ),
    );
  });

  it("round-trips any assignment", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), topicPartitions, userData, (v, tps, data) => {
        const a: ConsumerAssignment = { version: v, assignedPartitions: tps, userData: data };
        expect(decodeAssignment(encodeAssignment(a))).toEqual(a);
      }),
    );
  });

  it("decodes random or mutated bytes to a value or a ProtocolDecodeError, nothing else", () => {
    const mutated = fc
      .tuple(fc.constantFrom(...Object.values(JAVA)), fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([b, at, byte]) => {
        const copy = Buffer.from(b);
        copy[at % copy.length] = byte;
        return copy;
      });
    const input = fc.oneof(
      mutated,
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        for (const decode of [decodeSubscription, decodeAssignment]) {
          try {
            decode(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolDecodeError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
