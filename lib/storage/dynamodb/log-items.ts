/**
 * Codecs of the partition-log items: the head item (one per partition, rewritten by every
 * commit, so its size is what a flush pays for) and the index-page items (immutable).
 *
 * Head item (pk P#<topicId>#<partition>, sk H):
 *   v   version                      no  nextOffset (high watermark)
 *   ls  logStartOffset               mt  maxTimestampMs
 *   pr  producer state (text, below; absent when there is none)
 *   c   recent chunk entries, oldest first (list of text, below) — the "inline" entries
 *   cf  chunk floor: entries with lastOffset < cf were deleted by deleteChunksBelow (absent: 0)
 *
 * Page item (pk P#…, sk C#<lastOffset of its last entry>):
 *   e   chunk entries, oldest first (list of text), as the partition layout writes them, or
 *   b   the same texts as raw-deflated JSON, as the shard layout writes its larger pages (a
 *       page of 32 entries with 60-character segment keys shrinks about by half)
 *
 * A chunk entry is one space-separated text, the segment key last (it may contain spaces):
 *   "<base> <last-base> <byteStart> <byteLength> <batchCount> <maxTs> <runningMaxTs|''> <key>"
 * (the running maximum is left empty when equal to the chunk's own maximum, the usual case).
 * That is ~40 bytes plus the segment key, against ~250 for the same entry as a DynamoDB map.
 *
 * Producer state is "<pid>/<epoch>/<lastAppendMs>[/<firstSeq>,<lastSeq>,<base>,<last>]*" per
 * producer, producers joined by ";".
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type {
  ChunkEntry,
  PartitionHead,
  PartitionKey,
  ProducerBatchRecord,
  ProducerPartitionState,
} from "../ports.ts";
import type { Item } from "./client.ts";
import { big, keyAttributes, N, num, S, str } from "./items.ts";
import { pageSk, partitionPk } from "./keys.ts";

/** Everything a head item holds: the port's head, the inline entries and the chunk floor. */
export interface StoredHead {
  head: PartitionHead;
  inline: ChunkEntry[];
  chunkFloor: bigint;
}

export function implicitHead(key: PartitionKey): PartitionHead {
  return {
    topicId: key.topicId,
    partition: key.partition,
    nextOffset: 0n,
    logStartOffset: 0n,
    maxTimestampMs: -1,
    version: 0,
    producers: [],
  };
}

export function storedHeadFromItem(key: PartitionKey, item: Item | undefined): StoredHead {
  if (item === undefined) return { head: implicitHead(key), inline: [], chunkFloor: 0n };
  return {
    head: {
      topicId: key.topicId,
      partition: key.partition,
      nextOffset: big(item, "no"),
      logStartOffset: big(item, "ls"),
      maxTimestampMs: num(item, "mt"),
      version: num(item, "v"),
      producers: item.pr === undefined ? [] : decodeProducers(str(item, "pr")),
    },
    inline: (item.c?.L ?? []).map((v) => decodeChunk(key, v.S ?? "")),
    chunkFloor: item.cf === undefined ? 0n : big(item, "cf"),
  };
}

/** The key of a head item, as PartitionKey, or undefined for any other item. */
export function partitionKeyOfItem(item: Item): PartitionKey | undefined {
  const pk = item.pk?.S;
  if (pk === undefined || !pk.startsWith("P#")) return undefined;
  const at = pk.lastIndexOf("#");
  return { topicId: pk.slice(2, at), partition: Number(pk.slice(at + 1)) };
}

/** UpdateItem parts that replace the head's fields (not cf) with `head` and `inline`. */
export function headUpdate(
  head: PartitionHead,
  inline: readonly ChunkEntry[],
): { update: string; values: Item } {
  const values: Item = {
    ":v": N(head.version),
    ":no": N(head.nextOffset),
    ":ls": N(head.logStartOffset),
    ":mt": N(head.maxTimestampMs),
    ":c": { L: inline.map((c) => S(encodeChunk(c))) },
  };
  let update = "SET v = :v, #no = :no, ls = :ls, mt = :mt, c = :c";
  if (head.producers.length > 0) {
    values[":pr"] = S(encodeProducers(head.producers));
    update += ", pr = :pr";
  } else {
    update += " REMOVE pr";
  }
  return { update, values };
}

/** `no` is a DynamoDB reserved word; every expression naming it maps #no to it. */
export const HEAD_NAMES = Object.freeze({ "#no": "no" });

export function pageItem(
  key: PartitionKey,
  entries: readonly ChunkEntry[],
  options: { deflated?: boolean } = {},
): Item {
  const last = entries.at(-1);
  if (last === undefined) throw new Error("an index page holds at least one entry");
  const texts = entries.map(encodeChunk);
  return {
    ...keyAttributes({ pk: partitionPk(key.topicId, key.partition), sk: pageSk(last.lastOffset) }),
    ...(options.deflated
      ? { b: { B: deflateRawSync(Buffer.from(JSON.stringify(texts))) } }
      : { e: { L: texts.map((text) => S(text)) } }),
  };
}

export function entriesOfPage(key: PartitionKey, item: Item): ChunkEntry[] {
  const texts: string[] =
    item.b?.B !== undefined
      ? JSON.parse(inflateRawSync(item.b.B).toString("utf8"))
      : (item.e?.L ?? []).map((v) => v.S ?? "");
  return texts.map((text) => decodeChunk(key, text));
}

export function encodeChunk(c: ChunkEntry): string {
  const running = c.runningMaxTimestampMs === c.maxTimestampMs ? "" : c.runningMaxTimestampMs;
  return (
    `${c.baseOffset} ${c.lastOffset - c.baseOffset} ${c.byteStart} ${c.byteLength} ` +
    `${c.batchCount} ${c.maxTimestampMs} ${running} ${c.segmentKey}`
  );
}

export function decodeChunk(key: PartitionKey, text: string): ChunkEntry {
  const fields: string[] = [];
  let from = 0;
  for (let i = 0; i < 7; i++) {
    const at = text.indexOf(" ", from);
    if (at < 0)
      throw new Error(`malformed chunk entry of ${key.topicId}/${key.partition}: ${text}`);
    fields.push(text.slice(from, at));
    from = at + 1;
  }
  const baseOffset = BigInt(fields[0]);
  const maxTimestampMs = Number(fields[5]);
  return {
    topicId: key.topicId,
    partition: key.partition,
    baseOffset,
    lastOffset: baseOffset + BigInt(fields[1]),
    segmentKey: text.slice(from),
    byteStart: Number(fields[2]),
    byteLength: Number(fields[3]),
    batchCount: Number(fields[4]),
    maxTimestampMs,
    runningMaxTimestampMs: fields[6] === "" ? maxTimestampMs : Number(fields[6]),
  };
}

export function encodeProducers(producers: readonly ProducerPartitionState[]): string {
  return producers
    .map((p) =>
      [
        `${p.producerId}/${p.producerEpoch}/${p.lastAppendMs}`,
        ...p.batches.map(
          (b) => `${b.firstSequence},${b.lastSequence},${b.baseOffset},${b.lastOffset}`,
        ),
      ].join("/"),
    )
    .join(";");
}

export function decodeProducers(text: string): ProducerPartitionState[] {
  if (text === "") return [];
  return text.split(";").map((producer) => {
    const [id, epoch, lastAppendMs, ...batches] = producer.split("/");
    return {
      producerId: BigInt(id),
      producerEpoch: Number(epoch),
      lastAppendMs: Number(lastAppendMs),
      batches: batches.map((batch): ProducerBatchRecord => {
        const [first, last, base, lastOffset] = batch.split(",");
        return {
          firstSequence: Number(first),
          lastSequence: Number(last),
          baseOffset: BigInt(base),
          lastOffset: BigInt(lastOffset),
        };
      }),
    };
  });
}
