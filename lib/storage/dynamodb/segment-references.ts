/**
 * segmentReferenced on DynamoDB: does a live chunk entry of one of the given partitions name a
 * segment object? The orphan collector (lib/broker/log/orphan-gc.ts) asks before it deletes one.
 *
 * There is no index by segment key (no GSI: GSIs cannot be read consistently, and one would
 * cost a write per chunk on every flush), so each partition named by the segment's footer is
 * searched: its head first (strongly consistent, through the layout's HeadReader; the inline
 * entries are the newest), then its
 * index pages from the newest down, a few pages per Query, stopping at the first entry that
 * names the segment. The head-first order is the one chunks.ts relies on: a page is written
 * before the head stops listing its entries, so an entry committed before the head read is
 * either inline in that head or in a page that already exists; nothing is missed.
 *
 * Cost (docs/dynamodb-tables.md §3): per partition searched, 1 RCU for the head, then one
 * Query per PAGES_PER_QUERY pages (≈ 14 KB with 60-character keys: 4 RCU for ~128 entries).
 * A committed segment is found after reading the entries committed to that partition after
 * it (newest first, so young segments are cheap); an unreferenced one costs the whole retained
 * index of every partition in its footer. Entries below the chunk floor are invisible, as on
 * every read: they were deleted by deleteChunksBelow and only linger in a straddling page.
 */
import type { PartitionKey } from "../ports.ts";
import { type HeadReader, pagedBelow } from "./chunks.ts";
import type { DynamoTable } from "./client.ts";
import { partitionId } from "./heads.ts";
import { S } from "./items.ts";
import { pageSk, partitionPk } from "./keys.ts";
import { entriesOfPage } from "./log-items.ts";

/** Pages per Query: ≈ 16 KB, 4 RCU; a committed segment is usually in the first batch. */
const PAGES_PER_QUERY = 32;

export async function segmentReferenced(
  table: DynamoTable,
  heads: HeadReader,
  segmentKey: string,
  partitions: readonly PartitionKey[],
): Promise<boolean> {
  table.assertOpen("segmentReferenced");
  const unique = new Map<string, PartitionKey>();
  for (const key of partitions) unique.set(partitionId(key), key);
  // One partition at a time: a committed segment is nearly always found in the first one.
  for (const key of unique.values()) {
    if (await referencedIn(table, heads, key, segmentKey)) return true;
  }
  return false;
}

async function referencedIn(
  table: DynamoTable,
  heads: HeadReader,
  key: PartitionKey,
  segmentKey: string,
): Promise<boolean> {
  const stored = await heads.read(key, "segmentReferenced");
  if (stored.head.version === 0) return false; // never written, or gone with its topic
  const floor = stored.chunkFloor;
  const names = (e: { lastOffset: bigint; segmentKey: string }): boolean =>
    e.segmentKey === segmentKey && e.lastOffset >= floor;
  if (stored.inline.some(names)) return true;
  const newestPaged = pagedBelow(stored);
  if (newestPaged < floor || newestPaged < 0n) return false;
  const items = table.query(
    {
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
      ExpressionAttributeValues: {
        ":pk": S(partitionPk(key.topicId, key.partition)),
        // A page's key is its last offset: a page straddling the floor still has live entries.
        ":lo": S(pageSk(floor)),
        ":hi": S(pageSk(newestPaged)),
      },
      ScanIndexForward: false,
      Limit: PAGES_PER_QUERY,
    },
    "segmentReferenced",
  );
  for await (const item of items) {
    if (entriesOfPage(key, item).some(names)) return true;
  }
  return false;
}
