/**
 * commitPartitions on DynamoDB: ONE conditional UpdateItem per partition, no transaction.
 *
 * The partition's head item carries its newest chunk entries inline ("recent chunks", at most
 * CHUNKS_PER_PAGE - 1 stored plus the commit's own), so a commit replaces the head and makes its
 * chunks visible in one single-item write conditioned on the head's version: atomic per
 * partition (invariant 2: offsets are assigned by that condition, in commit order), and the
 * cheapest write there is — 1 WCU while the head item stays under 1 KB (a transaction would
 * cost 2 per item). Outcomes are independent: one partition losing its condition does not
 * affect the others.
 *
 * Index pages: when the head as stored at expectedVersion holds ≥ CHUNKS_PER_PAGE entries, the
 * committer first writes the oldest whole pages of them (CHUNKS_PER_PAGE entries each) as page
 * items, then drops them from the head in the same UpdateItem that appends the new entries.
 * Those entries are committed, hence immutable, and which of them go into which page depends
 * only on the head at expectedVersion — which exactly one commit wrote — so every committer
 * racing from that version writes byte-identical pages under identical keys. A loser's page
 * Put is therefore harmless, and a page always exists before the head stops listing its
 * entries: a reader that reads the head first and the pages second misses nothing (chunks.ts).
 * Page puts go out in BatchWriteItem calls (plain puts, idempotent) before any head update.
 *
 * Failures: a failed condition returns the current head (ReturnValuesOnConditionCheckFailure:
 * ALL_OLD, no second read). A transient failure rejects the whole call with
 * StorageUnavailableError after every update has settled; by then any subset of the commits
 * may have been applied, each entirely or not at all, and the caller learns which by reading
 * the heads.
 */
import type { ChunkEntry, CommitOutcome, PartitionCommit, PartitionKey } from "../ports.ts";
import type { DynamoTable, Item } from "./client.ts";
import { mapLimit } from "./concurrency.ts";
import { type HeadCache, partitionId, readHeads } from "./heads.ts";
import { N } from "./items.ts";
import { headKey } from "./keys.ts";
import {
  HEAD_NAMES,
  headUpdate,
  pageItem,
  type StoredHead,
  storedHeadFromItem,
} from "./log-items.ts";

/**
 * Entries per index page, and the bound on the inline entries a head keeps. A format constant:
 * every store writing one table must use the same value (pages are defined by it). 4 keeps a
 * head with typical segment keys and a few producers under 1 KB, i.e. 1 WCU per commit, plus one
 * ~0.5 KB page put (1 WCU) every 4 commits of a partition.
 */
export const CHUNKS_PER_PAGE = 4;

/** Head updates in flight at once for one call. */
const UPDATE_CONCURRENCY = 64;

interface Plan {
  index: number;
  commit: PartitionCommit;
  stored: StoredHead;
  inline: ChunkEntry[];
}

export async function commitPartitions(
  table: DynamoTable,
  cache: HeadCache,
  commits: readonly PartitionCommit[],
): Promise<CommitOutcome[]> {
  validateCommits(commits);
  table.assertOpen("commitPartitions");
  if (commits.length === 0) return [];
  const outcomes = new Array<CommitOutcome>(commits.length);

  // The head as stored at expectedVersion: cached, implicit (version 0), or read now.
  const known = commits.map((c) => {
    const cached = cache.get(c.head);
    if (cached?.head.version === c.expectedVersion) return cached;
    if (c.expectedVersion === 0 && cached === undefined)
      return storedHeadFromItem(c.head, undefined);
    return undefined;
  });
  const missing = known.flatMap((stored, i) => (stored === undefined ? [i] : []));
  if (missing.length > 0) {
    const read = await readHeads(
      table,
      cache,
      missing.map((i) => commits[i].head),
      "commitPartitions",
    );
    for (const [j, i] of missing.entries()) known[i] = read[j];
  }

  const plans: Plan[] = [];
  const pages: { put: Item }[] = [];
  for (const [index, commit] of commits.entries()) {
    const stored = known[index]!;
    if (stored.head.version !== commit.expectedVersion) {
      outcomes[index] = { ok: false, current: stored.head };
      continue;
    }
    const moved = Math.floor(stored.inline.length / CHUNKS_PER_PAGE) * CHUNKS_PER_PAGE;
    for (let at = 0; at < moved; at += CHUNKS_PER_PAGE) {
      const entries = stored.inline.slice(at, at + CHUNKS_PER_PAGE);
      // A page wholly below the chunk floor would only hold deleted entries: not worth a write.
      if (entries.at(-1)!.lastOffset >= stored.chunkFloor) {
        pages.push({ put: pageItem(commit.head, entries) });
      }
    }
    plans.push({
      index,
      commit,
      stored,
      inline: [...stored.inline.slice(moved), ...commit.chunks],
    });
  }

  // Pages first: a head must never drop an entry that no page holds yet.
  if (pages.length > 0) await table.batchWrite(pages, "commitPartitions index pages");

  await mapLimit(plans, UPDATE_CONCURRENCY, async (plan) => {
    outcomes[plan.index] = await updateHead(table, cache, plan);
  });
  return outcomes;
}

async function updateHead(
  table: DynamoTable,
  cache: HeadCache,
  plan: Plan,
): Promise<CommitOutcome> {
  const { commit, stored, inline } = plan;
  const key: PartitionKey = commit.head;
  const { update, values } = headUpdate(commit.head, inline);
  const condition = commit.expectedVersion === 0 ? "attribute_not_exists(v)" : "v = :ev";
  if (commit.expectedVersion !== 0) values[":ev"] = N(commit.expectedVersion);
  let result: Awaited<ReturnType<DynamoTable["update"]>>;
  try {
    result = await table.update(headKey(key.topicId, key.partition), update, "commitPartitions", {
      condition,
      names: HEAD_NAMES,
      values,
    });
  } catch (err) {
    cache.delete(key); // the write may or may not have happened
    throw err;
  }
  if (result.ok) {
    cache.set(key, { head: commit.head, inline, chunkFloor: stored.chunkFloor });
    return { ok: true };
  }
  const current = storedHeadFromItem(key, result.old);
  cache.set(key, current);
  return { ok: false, current: current.head };
}

/** Caller bugs the port forbids; rejected before anything is written. */
export function validateCommits(commits: readonly PartitionCommit[]): void {
  const seen = new Set<string>();
  for (const { expectedVersion, head, chunks } of commits) {
    const where = `commitPartitions ${head.topicId}/${head.partition}`;
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
      throw new RangeError(`${where}: expectedVersion must be a non-negative integer`);
    }
    if (head.version !== expectedVersion + 1) {
      throw new RangeError(`${where}: head.version must be ${expectedVersion + 1}`);
    }
    const id = partitionId(head);
    if (seen.has(id)) throw new RangeError(`${where}: two commits for one partition in one call`);
    seen.add(id);
    for (const chunk of chunks) {
      if (chunk.topicId !== head.topicId || chunk.partition !== head.partition) {
        throw new RangeError(`${where}: chunk of ${chunk.topicId}/${chunk.partition}`);
      }
    }
  }
}
