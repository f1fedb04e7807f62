// The record spec every compat driver follows (Java, franz-go, confluent-kafka-python, kcat,
// kafkajs, @platformatic/kafka). Each driver mirrors this file exactly; the checker in
// drivers.ts recomputes the expected record from the index alone, so any client can be
// verified against any other without shipping fixtures around.
//
//   record i (0-based) → partition i % partitions
//   key    = UTF-8 "k-" + i
//   value  = valueLength(i) bytes, value[j] = ALPHABET[(i * 7 + j * 13) % 62]
//   headers = [["idx", String(i)], ["src", <client name>]]
//
// Values are printable so kcat can carry them newline-delimited. Sizes mix small records with
// 1 kB, 10 kB and 100 kB ones so batches of every shape cross the wire.
import { createHash } from "node:crypto";

export const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export type Codec = (typeof CODECS)[number];

export function recordPartition(i: number, partitions: number): number {
  return i % partitions;
}

export function recordKey(i: number): string {
  return `k-${i}`;
}

export function valueLength(i: number): number {
  if (i % 1000 === 999) return 100_000;
  if (i % 100 === 99) return 10_000;
  if (i % 10 === 9) return 1_000;
  return 10 + ((i * 37) % 190);
}

const ALPHABET_BYTES = Buffer.from(ALPHABET, "latin1");

export function recordValue(i: number): Buffer {
  const length = valueLength(i);
  const value = Buffer.allocUnsafe(length);
  // (i * 7 + j * 13) % 62 computed incrementally; i * 7 stays far below 2^53 for test counts.
  let k = (i * 7) % 62;
  for (let j = 0; j < length; j++) {
    value[j] = ALPHABET_BYTES[k]!;
    k = (k + 13) % 62;
  }
  return value;
}

export function recordHeaders(i: number, client: string): [string, string][] {
  return [
    ["idx", String(i)],
    ["src", client],
  ];
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What a consumer must see for record i, in the shape of a ConsumedRow (minus offset/time). */
export interface ExpectedRecord {
  i: number;
  partition: number;
  key: string;
  valueLength: number;
  valueSha256: string;
  headers: [string, string][];
}

export function expectedRecord(i: number, partitions: number, client: string): ExpectedRecord {
  const value = recordValue(i);
  return {
    i,
    partition: recordPartition(i, partitions),
    key: recordKey(i),
    valueLength: value.length,
    valueSha256: sha256Hex(value),
    headers: recordHeaders(i, client),
  };
}

/** One acknowledged record, as printed by a driver's produce mode. */
export interface ProducedRow {
  i: number;
  partition: number;
  /** null when the client does not report per-record offsets (kcat). */
  offset: number | null;
}

/** One consumed record, as printed by a driver's consume and seek modes. */
export interface ConsumedRow {
  partition: number;
  offset: number;
  key: string | null;
  valueSha256: string;
  valueLength: number;
  headers: [string, string][];
  timestampMs: number;
}
