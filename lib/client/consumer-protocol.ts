/**
 * The embedded "consumer" protocol of classic consumer groups: the bytes a Java-style consumer
 * puts in JoinGroup's protocol metadata (ConsumerProtocolSubscription) and the group leader puts
 * in SyncGroup's assignment (ConsumerProtocolAssignment). The broker stores both opaquely and
 * hands them back in DescribeGroups; `floe groups describe` decodes them to show which member
 * owns which partition.
 *
 * Layout (shared/kafka-protocol/message/ConsumerProtocol*.json): an int16 version, then the
 * struct in the classic, non-flexible encoding. Like Java's ConsumerProtocol, a version newer
 * than 3 is read as version 3 and trailing bytes are ignored: newer versions only append fields;
 * subscription fields added after v0 may be missing at the end (they default, see below).
 * An empty buffer (a member between JoinGroup and SyncGroup) decodes as an empty assignment.
 * Hand-written rather than generated because these are "data" schemas, not API messages.
 */
import { Reader } from "../protocol/primitives/reader.ts";
import { Writer } from "../protocol/primitives/writer.ts";

export const CONSUMER_PROTOCOL_TYPE = "consumer";
const HIGHEST_VERSION = 3;

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface ConsumerSubscription {
  version: number;
  topics: string[];
  userData: Buffer | null;
  /** v1+; empty for v0. */
  ownedPartitions: TopicPartitions[];
  /** v2+; −1 when absent. */
  generationId: number;
  /** v3+; null when absent. */
  rackId: string | null;
}

export interface ConsumerAssignment {
  version: number;
  assignedPartitions: TopicPartitions[];
  userData: Buffer | null;
}

function readVersion(r: Reader, what: string): number {
  const version = r.int16();
  if (version < 0) r.fail(`${what} version ${version} is negative`);
  return version;
}

function readArray<T>(r: Reader, read: () => T): T[] {
  const n = r.arrayLength(false);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(read());
  return out;
}

function readTopicPartitions(r: Reader): TopicPartitions[] {
  return readArray(r, () => ({ topic: r.string(), partitions: readArray(r, () => r.int32()) }));
}

export function decodeSubscription(bytes: Buffer): ConsumerSubscription {
  const r = new Reader(bytes);
  const version = readVersion(r, "ConsumerProtocolSubscription");
  const v = Math.min(version, HIGHEST_VERSION);
  const topics = readArray(r, () => r.string());
  const userData = r.nullableBytes();
  // The v1+ fields are "ignorable": kafkajs labels its metadata version 1 but stops after
  // UserData, so a field the bytes end before takes its default instead of failing.
  const more = (): boolean => r.remaining > 0;
  const ownedPartitions = v >= 1 && more() ? readTopicPartitions(r) : [];
  const generationId = v >= 2 && more() ? r.int32() : -1;
  const rackId = v >= 3 && more() ? r.nullableString() : null;
  return { version, topics, userData, ownedPartitions, generationId, rackId };
}

export function decodeAssignment(bytes: Buffer): ConsumerAssignment {
  if (bytes.length === 0) return { version: 0, assignedPartitions: [], userData: null };
  const r = new Reader(bytes);
  const version = readVersion(r, "ConsumerProtocolAssignment");
  const assignedPartitions = readTopicPartitions(r);
  const userData = r.nullableBytes();
  return { version, assignedPartitions, userData };
}

function writeTopicPartitions(w: Writer, tps: TopicPartitions[]): void {
  w.int32(tps.length);
  for (const tp of tps) {
    w.string(tp.topic);
    w.int32(tp.partitions.length);
    for (const p of tp.partitions) w.int32(p);
  }
}

/** Encodes a subscription at `s.version` (0–3); fields the version lacks are left out. */
export function encodeSubscription(s: ConsumerSubscription): Buffer {
  if (s.version < 0 || s.version > HIGHEST_VERSION)
    throw new RangeError(`ConsumerProtocolSubscription version ${s.version} is not 0–3`);
  const w = new Writer(64);
  w.int16(s.version);
  w.int32(s.topics.length);
  for (const t of s.topics) w.string(t);
  w.nullableBytes(s.userData);
  if (s.version >= 1) writeTopicPartitions(w, s.ownedPartitions);
  if (s.version >= 2) w.int32(s.generationId);
  if (s.version >= 3) w.nullableString(s.rackId);
  return w.toBuffer();
}

/** Encodes an assignment; every version 0–3 has the same fields. */
export function encodeAssignment(a: ConsumerAssignment): Buffer {
  if (a.version < 0 || a.version > HIGHEST_VERSION)
    throw new RangeError(`ConsumerProtocolAssignment version ${a.version} is not 0–3`);
  const w = new Writer(64);
  w.int16(a.version);
  writeTopicPartitions(w, a.assignedPartitions);
  w.nullableBytes(a.userData);
  return w.toBuffer();
}
