/**
 * The chunk index on DynamoDB: lookups by offset and by timestamp, and deletion below an offset,
 * for both log layouts. Entries live in two places: the newest "inline" (in the partition's
 * head item, or in the shard layout's snapshot and records: ./shard-log.ts), the older ones in
 * immutable index pages under the partition's pk, keyed by the last offset they hold.
 *
 * Every lookup reads the head FIRST (strongly consistent, through a HeadReader), then the pages
 * it needs, and takes from the pages only entries older than the head's first inline entry.
 * Since a page is written before the head stops listing its entries, any entry committed before
 * the head read is either inline in that head or in a page that already exists: nothing is
 * missed, nothing is doubled. The common fetch, near the high watermark, needs no page.
 *
 * Deletion (deleteChunksBelow) raises the partition's chunk floor, the linearization point
 * (head attribute `cf` in the partition layout, a floor change recorded in the shard layout),
 * then deletes the pages wholly below the offset. Entries below the floor that still sit inline,
 * or in a page straddling the offset, are hidden by the floor on every read and leave with
 * their page later. The count returned is the number of entries whose lastOffset lies between
 * the old floor and the new one.
 *
 * Timestamp lookup: the running maximum timestamp is monotonic along the log, so the first page
 * whose last entry reaches the timestamp is found by binary search over offsets, each probe a
 * one-item Query (≈ log2(offset range) probes; ListOffsets by time is rare, and an index on
 * timestamps would cost a write on every page instead).
 */
import { StorageUnavailableError } from "../errors.ts";
import type { ChunkEntry, PartitionHead, PartitionKey } from "../ports.ts";
import type { DynamoTable, Item } from "./client.ts";
import { CHUNKS_PER_PAGE } from "./commit.ts";
import { type HeadCache, readHead } from "./heads.ts";
import { N, S } from "./items.ts";
import { headKey, offsetOfPageSk, PAGE_SK_PREFIX, pageSk, partitionPk } from "./keys.ts";
import { entriesOfPage, type StoredHead } from "./log-items.ts";

const FLOOR_ATTEMPTS = 10;

interface Page {
  lastOffset: bigint;
  entries: ChunkEntry[];
}

/** How a lookup reads a partition's head: the layout's own items and cache. */
export interface HeadReader {
  /** The head as of now (strongly consistent), with its inline entries and chunk floor. */
  read(key: PartitionKey, what: string): Promise<StoredHead>;
  /** A copy this store holds of the head at `atHead`'s version or a later one, if any. */
  held(key: PartitionKey, atHead: PartitionHead): StoredHead | undefined;
}

/** The partition layout's reader: head items, and the cache its commits keep. */
export function headItemReader(table: DynamoTable, cache: HeadCache): HeadReader {
  return {
    read: (key, what) => readHead(table, cache, key, what),
    held(key, atHead) {
      const cached = cache.get(key);
      return cached !== undefined && cached.head.version >= atHead.version ? cached : undefined;
    },
  };
}

/**
 * The last offset the pages of a head snapshot can hold: everything before its first inline
 * entry, and in any case below the high watermark. (Pages written after the snapshot hold only
 * entries the snapshot lists inline, or newer ones.)
 */
export function pagedBelow(stored: StoredHead): bigint {
  const first = stored.inline[0];
  return first === undefined ? stored.head.nextOffset - 1n : first.baseOffset - 1n;
}

/** Pages with a key in [fromOffset, toOffset], ascending, lazily (stop iterating to stop). */
async function* pages(
  table: DynamoTable,
  key: PartitionKey,
  fromOffset: bigint,
  toOffset: bigint,
  what: string,
  pageLimit?: number,
): AsyncGenerator<Page> {
  if (toOffset < fromOffset || toOffset < 0n) return;
  const items = table.query(
    {
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
      ExpressionAttributeValues: {
        ":pk": S(partitionPk(key.topicId, key.partition)),
        ":lo": S(pageSk(fromOffset)),
        ":hi": S(pageSk(toOffset)),
      },
      ...(pageLimit !== undefined ? { Limit: pageLimit } : {}),
    },
    what,
  );
  for await (const item of items) yield pageOf(key, item);
}

async function firstPage(
  table: DynamoTable,
  key: PartitionKey,
  fromOffset: bigint,
  toOffset: bigint,
): Promise<Page | undefined> {
  for await (const page of pages(table, key, fromOffset, toOffset, "findChunkByTimestamp", 1)) {
    return page;
  }
  return undefined;
}

function pageOf(key: PartitionKey, item: Item): Page {
  return {
    lastOffset: offsetOfPageSk(item.sk.S ?? PAGE_SK_PREFIX),
    entries: entriesOfPage(key, item),
  };
}

export async function findChunks(
  table: DynamoTable,
  heads: HeadReader,
  key: PartitionKey,
  fromOffset: bigint,
  limit: number,
  atHead?: PartitionHead,
): Promise<ChunkEntry[]> {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`findChunks: limit must be a non-negative integer, got ${limit}`);
  }
  table.assertOpen("findChunks");
  if (limit === 0) return [];
  // The head the caller read is held (getHeads cached it) unless something newer replaced it:
  // either serves, and saves the read a lookup would otherwise repeat. A held head older than
  // the caller's does not: it may lack chunks the caller will ask for.
  const stored =
    (atHead === undefined ? undefined : heads.held(key, atHead)) ??
    (await heads.read(key, "findChunks"));
  if (stored.head.version === 0) return [];
  const from = fromOffset > stored.chunkFloor ? fromOffset : stored.chunkFloor;
  const found: ChunkEntry[] = [];
  const pagesNeeded = Math.ceil(limit / CHUNKS_PER_PAGE) + 1;
  for await (const page of pages(table, key, from, pagedBelow(stored), "findChunks", pagesNeeded)) {
    for (const entry of page.entries) if (entry.lastOffset >= from) found.push(entry);
    if (found.length >= limit) break;
  }
  for (const entry of stored.inline) {
    if (found.length >= limit) break;
    if (entry.lastOffset >= from) found.push(entry);
  }
  return found.slice(0, limit);
}

export async function findChunkByTimestamp(
  table: DynamoTable,
  heads: HeadReader,
  key: PartitionKey,
  timestampMs: number,
): Promise<ChunkEntry | undefined> {
  table.assertOpen("findChunkByTimestamp");
  const stored = await heads.read(key, "findChunkByTimestamp");
  if (stored.head.version === 0) return undefined;
  const floor = stored.chunkFloor;
  const inlineHit = stored.inline.find(
    (e) => e.lastOffset >= floor && e.runningMaxTimestampMs >= timestampMs,
  );
  // Paged entries come before the inline ones, so their running maxima are no larger.
  const first = stored.inline[0];
  if (first !== undefined && first.runningMaxTimestampMs < timestampMs) return inlineHit;

  // Binary search for the first page whose last entry reaches the timestamp. The first probe
  // is the first page itself: the usual answer for an old timestamp, and proof of no pages.
  let lo = floor;
  let hi = pagedBelow(stored);
  let candidate: Page | undefined;
  let mid = lo;
  while (lo <= hi) {
    const probe = await firstPage(table, key, mid, hi);
    if (probe === undefined) {
      if (mid === lo) break; // no page at all in [lo, hi]
      hi = mid - 1n;
    } else if (probe.entries.at(-1)!.runningMaxTimestampMs >= timestampMs) {
      // Earlier pages end before this one starts, and (it being the first from mid) before mid.
      candidate = probe;
      const firstBase = probe.entries[0].baseOffset;
      hi = (firstBase < mid ? firstBase : mid) - 1n;
    } else {
      lo = probe.lastOffset + 1n;
    }
    mid = lo + (hi - lo) / 2n;
  }
  const pageHit = candidate?.entries.find(
    (e) => e.lastOffset >= floor && e.runningMaxTimestampMs >= timestampMs,
  );
  return pageHit ?? inlineHit;
}

/**
 * What raising the floor from `oldFloor` to `offset` removes, as of `stored`: the entries with
 * lastOffset in [oldFloor, offset), and the pages wholly below `offset` (deletePages).
 */
export async function entriesBelow(
  table: DynamoTable,
  key: PartitionKey,
  stored: StoredHead,
  oldFloor: bigint,
  offset: bigint,
): Promise<{ count: number; doomed: bigint[] }> {
  const inRange = (e: ChunkEntry) => e.lastOffset >= oldFloor && e.lastOffset < offset;
  let count = stored.inline.filter(inRange).length;
  const doomed: bigint[] = [];
  for await (const page of pages(table, key, 0n, pagedBelow(stored), "deleteChunksBelow")) {
    count += page.entries.filter(inRange).length;
    if (page.lastOffset >= offset) break; // straddles the offset: stays, hidden by the floor
    doomed.push(page.lastOffset);
  }
  return { count, doomed };
}

/** Deletes index pages of a partition by the last offsets that key them. */
export async function deletePages(
  table: DynamoTable,
  key: PartitionKey,
  lastOffsets: readonly bigint[],
): Promise<void> {
  await table.batchWrite(
    lastOffsets.map((lastOffset) => ({
      delete: { pk: partitionPk(key.topicId, key.partition), sk: pageSk(lastOffset) },
    })),
    "deleteChunksBelow",
  );
}

/** deleteChunksBelow in the partition layout: the floor is the head item's `cf`. */
export async function deleteChunksBelow(
  table: DynamoTable,
  cache: HeadCache,
  key: PartitionKey,
  offset: bigint,
): Promise<number> {
  table.assertOpen("deleteChunksBelow");
  for (let attempt = 0; attempt < FLOOR_ATTEMPTS; attempt++) {
    const stored = await readHead(table, cache, key, "deleteChunksBelow");
    const oldFloor = stored.chunkFloor;
    if (stored.head.version === 0 || offset <= oldFloor) return 0;
    const { count, doomed } = await entriesBelow(table, key, stored, oldFloor, offset);
    const raised = await table.update(
      headKey(key.topicId, key.partition),
      "SET cf = :cf",
      "deleteChunksBelow",
      {
        condition: "attribute_exists(v) AND (attribute_not_exists(cf) OR cf = :old)",
        values: { ":cf": N(offset), ":old": N(oldFloor) },
      },
    );
    if (!raised.ok) {
      if (raised.old === undefined) return 0; // the partition went with its topic
      continue; // another deleteChunksBelow moved the floor first: count again from it
    }
    cache.set(key, { ...stored, chunkFloor: offset });
    await deletePages(table, key, doomed);
    return count;
  }
  throw new StorageUnavailableError(
    `deleteChunksBelow ${key.topicId}/${key.partition}: the chunk floor kept moving under ` +
      `concurrent deletions (${FLOOR_ATTEMPTS} attempts)`,
  );
}

/** Deletes every item under one pk (deleteTopic: a partition's head and pages, a shard). */
export async function deleteAllUnder(table: DynamoTable, pk: string): Promise<void> {
  const doomed: { delete: { pk: string; sk: string } }[] = [];
  const items = table.query(
    {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": S(pk) },
      ProjectionExpression: "pk, sk",
    },
    "deleteTopic",
  );
  for await (const item of items) doomed.push({ delete: { pk, sk: item.sk.S ?? "" } });
  await table.batchWrite(doomed, "deleteTopic");
}
