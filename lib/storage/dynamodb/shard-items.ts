/**
 * Codecs of the shard layout's items (./shard-log.ts): commit records and snapshots.
 *
 * Both are immutable and written whole, so their size is what they cost: the body is one Binary
 * attribute `b`, raw-deflated JSON of compact texts (a head is "<version> <next> <logStart>
 * <maxTs>", producers and chunk entries use the texts of ./log-items.ts). Entries of one flush
 * name one segment key, and a dense record repeats it per partition: deflate folds the repeats,
 * which is most of why a record of 32 partitions costs a few write units, not 32.
 *
 * Record (pk S#<topicId>#<shard>, sk R#<seq>): { n: nonce, c: [[partition, head, producers,
 * floor, [chunk…]]…] }, where head and producers are "" when the record does not change the
 * head (a floor-only change), floor is "" when it does not raise the chunk floor.
 *
 * Snapshot (sk N#<seq>): { p: [[partition, head, producers, floor, [carried chunk…]]…] } for
 * every partition of the shard ever written, ascending: the shard's state after record `seq`,
 * with the entries not yet in index pages ("carried").
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { ChunkEntry, PartitionHead, PartitionKey } from "../ports.ts";
import type { Item } from "./client.ts";
import { keyAttributes } from "./items.ts";
import { recordSk, seqOfSk, shardPk, snapshotSk } from "./keys.ts";
import { decodeChunk, decodeProducers, encodeChunk, encodeProducers } from "./log-items.ts";

/** What one record does to one partition. */
export interface PartitionChange {
  partition: number;
  /** The new head, when the record changes it (a commit); absent for a floor-only change. */
  head?: PartitionHead;
  /** Entries the commit made visible, oldest first. */
  chunks: ChunkEntry[];
  /** The chunk floor raised to this offset (deleteChunksBelow). */
  floor?: bigint;
}

export interface ShardRecord {
  seq: number;
  /** Random per write: tells a writer its own record from a rival's after an unknown outcome. */
  nonce: string;
  changes: PartitionChange[];
}

export interface SnapshotPartition {
  head: PartitionHead;
  chunkFloor: bigint;
  /** Entries not yet in an index page, oldest first. */
  carried: ChunkEntry[];
}

export interface ShardSnapshot {
  seq: number;
  /** Ascending by partition. */
  partitions: SnapshotPartition[];
}

type Row = [number, string, string, string, string[]];

function headText(head: PartitionHead): string {
  return `${head.version} ${head.nextOffset} ${head.logStartOffset} ${head.maxTimestampMs}`;
}

function headOf(key: PartitionKey, text: string, producers: string): PartitionHead {
  const [version, nextOffset, logStartOffset, maxTimestampMs] = text.split(" ");
  if (maxTimestampMs === undefined) {
    throw new Error(`malformed head of ${key.topicId}/${key.partition}: ${text}`);
  }
  return {
    topicId: key.topicId,
    partition: key.partition,
    nextOffset: BigInt(nextOffset),
    logStartOffset: BigInt(logStartOffset),
    maxTimestampMs: Number(maxTimestampMs),
    version: Number(version),
    producers: decodeProducers(producers),
  };
}

function pack(body: unknown): Uint8Array {
  return deflateRawSync(Buffer.from(JSON.stringify(body)));
}

function unpack(item: Item): unknown {
  const bytes = item.b?.B;
  if (bytes === undefined) throw new Error(`malformed shard item ${item.pk?.S}/${item.sk?.S}`);
  return JSON.parse(inflateRawSync(bytes).toString("utf8"));
}

function rows(item: Item, field: string): Row[] {
  const body = unpack(item) as Record<string, unknown>;
  const value = body[field];
  if (!Array.isArray(value)) throw new Error(`malformed shard item ${item.pk?.S}/${item.sk?.S}`);
  return value as Row[];
}

export function recordItem(topicId: string, shard: number, record: ShardRecord): Item {
  const c: Row[] = record.changes.map((change) => [
    change.partition,
    change.head === undefined ? "" : headText(change.head),
    change.head === undefined ? "" : encodeProducers(change.head.producers),
    change.floor === undefined ? "" : String(change.floor),
    change.chunks.map(encodeChunk),
  ]);
  return {
    ...keyAttributes({ pk: shardPk(topicId, shard), sk: recordSk(record.seq) }),
    b: { B: pack({ n: record.nonce, c }) },
  };
}

export function recordOfItem(topicId: string, item: Item): ShardRecord {
  const nonce = (unpack(item) as { n?: unknown }).n;
  return {
    seq: seqOfSk(item.sk?.S ?? ""),
    nonce: typeof nonce === "string" ? nonce : "",
    changes: rows(item, "c").map(([partition, head, producers, floor, chunks]) => {
      const key = { topicId, partition };
      return {
        partition,
        ...(head === "" ? {} : { head: headOf(key, head, producers) }),
        chunks: chunks.map((text) => decodeChunk(key, text)),
        ...(floor === "" ? {} : { floor: BigInt(floor) }),
      };
    }),
  };
}

export function snapshotItem(topicId: string, shard: number, snapshot: ShardSnapshot): Item {
  const p: Row[] = snapshot.partitions.map((s) => [
    s.head.partition,
    headText(s.head),
    encodeProducers(s.head.producers),
    String(s.chunkFloor),
    s.carried.map(encodeChunk),
  ]);
  return {
    ...keyAttributes({ pk: shardPk(topicId, shard), sk: snapshotSk(snapshot.seq) }),
    b: { B: pack({ p }) },
  };
}

export function snapshotOfItem(topicId: string, item: Item): ShardSnapshot {
  return {
    seq: seqOfSk(item.sk?.S ?? ""),
    partitions: rows(item, "p").map(([partition, head, producers, floor, carried]) => {
      const key = { topicId, partition };
      return {
        head: headOf(key, head, producers),
        chunkFloor: BigInt(floor),
        carried: carried.map((text) => decodeChunk(key, text)),
      };
    }),
  };
}
