/**
 * Codecs of the shard layout's items (./shard-log.ts): commit records and snapshots.
 *
 * Both are immutable and written whole, so their size is what they cost: the body is one Binary
 * attribute `b`, raw-deflated JSON of compact texts (a head is "<version> <next> <logStart>
 * <maxTs>", producers and chunk entries use the texts of ./log-items.ts). Entries of one flush
 * name one segment key, and a dense record repeats it per partition: deflate folds the repeats,
 * which is most of why a record of 32 partitions costs a few write units, not 32.
 *
 * Record (pk S#<topicId>#<shard>, sk R#<seq>): { n: nonce, c: [[partition, head, [producer…],
 * floor, [chunk…]]…] }. head is "" for a floor-only change (then producers is empty); floor is
 * "" when the chunk floor is not raised. A producer whose state the commit left as it was is
 * written as "=<producerId>" and taken from the state before the record when it is folded
 * (./shard-state.ts), so a partition with many producers pays for the one that appended.
 *
 * Snapshot (sk N#<seq>#<part>): { p: [[partition, head, producers, floor, [carried chunk…]]…] }
 * for every partition of the shard ever written, ascending: the shard's state after record
 * `seq`, with the entries not yet in index pages ("carried"). It is split into parts of at most
 * SNAPSHOT_PART_BYTES of JSON (attribute `k`: the number of parts) so that partitions with
 * many producers cannot push it past DynamoDB's 400 KB item limit; the last part is written
 * last, and a snapshot with a part missing is not a snapshot (./shard-log.ts).
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { ChunkEntry, PartitionHead, PartitionKey, ProducerPartitionState } from "../ports.ts";
import type { Item } from "./client.ts";
import { keyAttributes, N, num } from "./items.ts";
import { recordSk, seqOfSk, shardPk, snapshotPartSk } from "./keys.ts";
import { decodeChunk, decodeProducers, encodeChunk, encodeProducers } from "./log-items.ts";

/** What one record does to one partition. */
export interface PartitionChange {
  partition: number;
  /** The new head, when the record changes it (a commit); absent for a floor-only change. */
  head?: PartitionHead;
  /**
   * As read back: the head's producers, each either its state or the id of a producer whose
   * state is unchanged from before the record (head.producers is then empty until folded).
   */
  producerRefs?: (ProducerPartitionState | bigint)[];
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
type RecordRow = [number, string, string[], string, string[]];

/** JSON bytes per snapshot part at most: its deflated body stays far below 400 KB. */
export const SNAPSHOT_PART_BYTES = 256 * 1024;

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

/**
 * The item of a record; `before` gives each partition's producers as of the state the record
 * follows, so unchanged ones are written by id only.
 */
export function recordItem(
  topicId: string,
  shard: number,
  record: ShardRecord,
  before: (partition: number) => readonly ProducerPartitionState[],
): Item {
  const c: RecordRow[] = record.changes.map((change) => [
    change.partition,
    change.head === undefined ? "" : headText(change.head),
    change.head === undefined ? [] : producerRefsText(change.head, before(change.partition)),
    change.floor === undefined ? "" : String(change.floor),
    change.chunks.map(encodeChunk),
  ]);
  return {
    ...keyAttributes({ pk: shardPk(topicId, shard), sk: recordSk(record.seq) }),
    b: { B: pack({ n: record.nonce, c }) },
  };
}

function producerRefsText(
  head: PartitionHead,
  before: readonly ProducerPartitionState[],
): string[] {
  const previous = new Map(before.map((p) => [p.producerId, encodeProducers([p])]));
  return head.producers.map((p) => {
    const text = encodeProducers([p]);
    return previous.get(p.producerId) === text ? `=${p.producerId}` : text;
  });
}

export function recordOfItem(topicId: string, item: Item): ShardRecord {
  const body = unpack(item) as { n?: unknown; c?: unknown };
  if (!Array.isArray(body.c)) throw new Error(`malformed shard record ${item.pk?.S}/${item.sk?.S}`);
  return {
    seq: seqOfSk(item.sk?.S ?? ""),
    nonce: typeof body.n === "string" ? body.n : "",
    changes: (body.c as RecordRow[]).map(([partition, head, producers, floor, chunks]) => {
      const key = { topicId, partition };
      return {
        partition,
        ...(head === ""
          ? {}
          : {
              head: headOf(key, head, ""),
              producerRefs: producers.map((text) =>
                text.startsWith("=") ? BigInt(text.slice(1)) : decodeProducers(text)[0],
              ),
            }),
        chunks: chunks.map((text) => decodeChunk(key, text)),
        ...(floor === "" ? {} : { floor: BigInt(floor) }),
      };
    }),
  };
}

/** The parts of a snapshot, in the order they must be written (the last one last). */
export function snapshotItems(topicId: string, shard: number, snapshot: ShardSnapshot): Item[] {
  const parts: Row[][] = [[]];
  let bytes = 0;
  for (const s of snapshot.partitions) {
    const row: Row = [
      s.head.partition,
      headText(s.head),
      encodeProducers(s.head.producers),
      String(s.chunkFloor),
      s.carried.map(encodeChunk),
    ];
    const size = JSON.stringify(row).length;
    if (bytes + size > SNAPSHOT_PART_BYTES && parts.at(-1)!.length > 0) {
      parts.push([]);
      bytes = 0;
    }
    parts.at(-1)!.push(row);
    bytes += size;
  }
  return parts.map((p, part) => ({
    ...keyAttributes({ pk: shardPk(topicId, shard), sk: snapshotPartSk(snapshot.seq, part) }),
    k: N(parts.length),
    b: { B: pack({ p }) },
  }));
}

/** The number of parts the snapshot a part belongs to has. */
export function partCountOf(item: Item): number {
  return num(item, "k");
}

/** A snapshot from all of its parts, in sort-key order. */
export function snapshotOfItems(topicId: string, items: readonly Item[]): ShardSnapshot {
  const first = items[0];
  if (first === undefined || items.length !== partCountOf(first)) {
    throw new Error(`incomplete shard snapshot under ${first?.pk?.S}`);
  }
  return {
    seq: seqOfSk(first.sk?.S ?? ""),
    partitions: items.flatMap((item) =>
      rows(item, "p").map(([partition, head, producers, floor, carried]) => {
        const key = { topicId, partition };
        return {
          head: headOf(key, head, producers),
          chunkFloor: BigInt(floor),
          carried: carried.map((text) => decodeChunk(key, text)),
        };
      }),
    ),
  };
}
