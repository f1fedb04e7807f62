/**
 * Reading partition heads, and the cache of head items a store keeps to commit without a read.
 *
 * A commit rewrites the head item with the inline chunk entries it holds (commit.ts), so the
 * committer must know them. The head item at a given version is unique — exactly one commit
 * wrote it — so whatever this store last saw at version v (from getHeads, from its own commit,
 * or from the old image a failed condition returns) is still exactly the item at version v.
 * The cache is therefore never "stale" in a way that matters: a commit whose expectedVersion
 * matches the cached version uses it; any other commit reads the head first. deleteChunksBelow
 * changes only `cf`, which commits use as a hint and never write.
 *
 * Reads are strongly consistent: a head is the linearization point of its partition.
 */
import type { PartitionKey } from "../ports.ts";
import type { DynamoTable } from "./client.ts";
import { headKey } from "./keys.ts";
import { partitionKeyOfItem, type StoredHead, storedHeadFromItem } from "./log-items.ts";

const DEFAULT_MAX_CACHED_HEADS = 20_000;

export function partitionId(key: PartitionKey): string {
  return `${key.topicId}#${key.partition}`;
}

/** Last-seen head items by partition, least recently written evicted first. */
export class HeadCache {
  private readonly entries = new Map<string, StoredHead>();
  private readonly maxEntries: number;

  constructor(maxEntries = DEFAULT_MAX_CACHED_HEADS) {
    this.maxEntries = maxEntries;
  }

  get(key: PartitionKey): StoredHead | undefined {
    return this.entries.get(partitionId(key));
  }

  set(key: PartitionKey, stored: StoredHead): void {
    const id = partitionId(key);
    this.entries.delete(id);
    this.entries.set(id, stored);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(key: PartitionKey): void {
    this.entries.delete(partitionId(key));
  }
}

/** One head, strongly consistent; the implicit version-0 head when there is no item. */
export async function readHead(
  table: DynamoTable,
  cache: HeadCache,
  key: PartitionKey,
  what: string,
): Promise<StoredHead> {
  const item = await table.get(headKey(key.topicId, key.partition), what);
  const stored = storedHeadFromItem(key, item);
  cache.set(key, stored);
  return stored;
}

/** Heads in the order of `keys` (duplicates allowed), by strongly consistent BatchGetItem. */
export async function readHeads(
  table: DynamoTable,
  cache: HeadCache,
  keys: readonly PartitionKey[],
  what: string,
): Promise<StoredHead[]> {
  const unique = new Map<string, PartitionKey>();
  for (const key of keys) unique.set(partitionId(key), key);
  const items = await table.batchGet(
    [...unique.values()].map((k) => headKey(k.topicId, k.partition)),
    what,
  );
  const found = new Map<string, StoredHead>();
  for (const item of items) {
    const key = partitionKeyOfItem(item);
    if (key !== undefined) found.set(partitionId(key), storedHeadFromItem(key, item));
  }
  const byId = new Map<string, StoredHead>();
  for (const [id, key] of unique) {
    const stored = found.get(id) ?? storedHeadFromItem(key, undefined);
    cache.set(key, stored);
    byId.set(id, stored);
  }
  return keys.map((key) => byId.get(partitionId(key))!);
}
