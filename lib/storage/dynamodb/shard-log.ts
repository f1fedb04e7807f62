/**
 * The shard layout of the partition logs on DynamoDB: commits whose cost does not grow by a
 * write unit per partition (docs/sublinear-commits.md has the costs and the reasoning).
 *
 * Partitions ⌊p / SHARD_PARTITIONS⌋ of one topic form a shard with one pk, S#<topicId>#<shard>.
 * A flush's commits to a shard are ONE PutItem of an immutable commit record R#<seq>, under the
 * condition that no record `seq` exists yet: that put is the shard's linearization point
 * (invariant 2). Records are numbered densely, so whoever holds the shard's state at seq q
 * (its heads, as folded from a snapshot and the records after it: ./shard-state.ts) can check
 * every commit's expected version against it and propose record q + 1. The put succeeding
 * commits every partition in the record at once; it failing means another writer committed
 * q + 1 first. The loser reads the records it missed (one Query), judges each of its commits
 * again, and proposes q + 2: a commit loses only if its own partition moved, exactly as with a
 * conditional write per partition. A record carries a random nonce, so a writer whose put
 * timed out after landing (and was retried by the SDK into a failed condition) recognises its
 * own record instead of reporting a conflict.
 *
 * Within a process, commits to one shard queue behind the put in flight and go out together in
 * the next record (group commit): one round trip per round, however many callers and
 * partitions it carries. Callers' partitions never appear twice in one record.
 *
 * Reads are strongly consistent: a read asks for the records after the seq it holds (one
 * Query, nearly always empty or short) before it answers. A Query started after the read was
 * asked for, never one already in flight, so a read sees every commit that completed before it.
 *
 * Snapshots: every SNAPSHOT_EVERY records, whoever committed the last of them (in the
 * background, after answering) writes the index pages due (./shard-state.ts) and then the
 * snapshot N#<seq>, both deterministic, so racing or repeated writers write the same content;
 * then it deletes the records and the snapshot of the window before (never the newest window,
 * so a loader that read the previous snapshot still finds the records after it, or sees a gap
 * in their numbers and loads again). A lost snapshot is written by the next committer, from
 * the records it holds. A loader reads the newest snapshot and the records after it.
 *
 * Unknown outcomes: a put that fails without an answer (timeout, 5xx after the SDK's retries)
 * rejects the round's callers with the StorageUnavailableError: the record may have landed,
 * and the next read of the shard shows whether it did (invariant 1: nothing is acknowledged
 * before the put succeeded).
 */
import { randomUUID } from "node:crypto";
import { StorageUnavailableError } from "../errors.ts";
import type { CommitOutcome, PartitionCommit, PartitionKey } from "../ports.ts";
import type { DynamoTable, Item } from "./client.ts";
import { backoff } from "./concurrency.ts";
import { S } from "./items.ts";
import {
  partOfSk,
  RECORD_SK_PREFIX,
  recordSk,
  SNAPSHOT_SK_PREFIX,
  seqOfSk,
  shardPk,
  snapshotSk,
} from "./keys.ts";
import { pageItem, type StoredHead } from "./log-items.ts";
import {
  type PartitionChange,
  partCountOf,
  recordItem,
  recordOfItem,
  type ShardRecord,
  type ShardSnapshot,
  snapshotItems,
  snapshotOfItems,
} from "./shard-items.ts";
import { ShardState, SNAPSHOT_EVERY } from "./shard-state.ts";

/** Rounds one group may go through before its callers get a retriable error. */
const ROUND_ATTEMPTS = 64;
/** Loads in a row that may meet a gap (records deleted under the loader) before giving up. */
const LOAD_ATTEMPTS = 8;
/** Shards whose state a process keeps; idle ones beyond it are forgotten. */
const MAX_HELD_SHARDS = 1_024;

/** The outcome of raising a chunk floor: the floor before, or nothing when it was no higher. */
export type FloorOutcome =
  | { raised: true; oldFloor: bigint; stored: StoredHead }
  | { raised: false };

type Request =
  | { kind: "commit"; commit: PartitionCommit; partition: number }
  | { kind: "floor"; partition: number; offset: bigint };

interface Group {
  requests: Request[];
  resolve(results: (CommitOutcome | FloorOutcome)[]): void;
  reject(err: unknown): void;
}

interface Shard {
  topicId: string;
  shard: number;
  /** S#<topicId>#<shard>: the pk of the shard's records and snapshots. */
  pk: string;
  state: ShardState | undefined;
  /** A refresh whose Query has been sent; later readers wait for the next one. */
  inFlight: Promise<ShardState> | undefined;
  /** The refresh that starts when the one in flight ends; readers asking now share it. */
  next: Promise<ShardState> | undefined;
  queue: Group[];
  committing: boolean;
  maintaining: Promise<void> | undefined;
  /** The seq from which a reader next looks for a newer snapshot to move its base to. */
  nextCatchUp: number;
}

export class ShardLogs {
  private readonly table: DynamoTable;
  private readonly shards = new Map<string, Shard>();
  private readonly background = new Set<Promise<void>>();

  constructor(table: DynamoTable) {
    this.table = table;
  }

  /** The shard's state as of now: the records committed before the call are folded in. */
  async current(topicId: string, shard: number, what: string): Promise<ShardState> {
    const entry = this.entry(topicId, shard);
    if (entry.next !== undefined) return entry.next;
    if (entry.inFlight === undefined) return this.startRefresh(entry, what);
    const next = entry.inFlight
      .catch(() => undefined)
      .then(() => {
        entry.next = undefined;
        return this.startRefresh(entry, what);
      });
    entry.next = next;
    return next;
  }

  /** The state this process holds, without reading (may be behind). */
  held(topicId: string, shard: number): ShardState | undefined {
    return this.shards.get(shardId(topicId, shard))?.state;
  }

  /** Commits to one shard; outcomes in the order of `commits` (see the port). */
  async commit(topicId: string, shard: number, commits: readonly PartitionCommit[]) {
    const requests: Request[] = commits.map((commit) => ({
      kind: "commit",
      commit,
      partition: commit.head.partition,
    }));
    return (await this.submit(topicId, shard, requests)) as CommitOutcome[];
  }

  /** Raises a partition's chunk floor to `offset`, recorded like a commit. */
  async raiseFloor(key: PartitionKey, offset: bigint, shard: number): Promise<FloorOutcome> {
    const [outcome] = await this.submit(key.topicId, shard, [
      { kind: "floor", partition: key.partition, offset },
    ]);
    return outcome as FloorOutcome;
  }

  /** Drops what this process holds of a topic's shards (deleteTopic). */
  forget(topicId: string): void {
    for (const [id, entry] of this.shards) {
      if (entry.topicId === topicId && entry.queue.length === 0 && !entry.committing) {
        this.shards.delete(id);
      }
    }
  }

  /** Waits for background snapshot writing to settle. */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  // -- reading ---------------------------------------------------------------------------------

  private entry(topicId: string, shard: number): Shard {
    const id = shardId(topicId, shard);
    let entry = this.shards.get(id);
    if (entry === undefined) {
      entry = {
        topicId,
        shard,
        pk: shardPk(topicId, shard),
        state: undefined,
        inFlight: undefined,
        next: undefined,
        queue: [],
        committing: false,
        maintaining: undefined,
        nextCatchUp: 0,
      };
      this.shards.set(id, entry);
      this.evictIdle();
    }
    return entry;
  }

  private evictIdle(): void {
    if (this.shards.size <= MAX_HELD_SHARDS) return;
    for (const [id, entry] of this.shards) {
      if (this.shards.size <= MAX_HELD_SHARDS) return;
      const busy =
        entry.committing || entry.queue.length > 0 || entry.inFlight || entry.maintaining;
      if (!busy) this.shards.delete(id);
    }
  }

  private startRefresh(entry: Shard, what: string): Promise<ShardState> {
    const run = this.refresh(entry, what).finally(() => {
      if (entry.inFlight === run) entry.inFlight = undefined;
    });
    entry.inFlight = run;
    return run;
  }

  /** Folds in the records after the held seq; loads the shard when none is held or on a gap. */
  private async refresh(entry: Shard, what: string): Promise<ShardState> {
    for (let attempt = 0; attempt < LOAD_ATTEMPTS; attempt++) {
      const state =
        entry.state ??
        ShardState.fromSnapshot(entry.topicId, entry.shard, await this.newestSnapshot(entry, what));
      const records = await this.recordsAfter(entry, state.seq, what);
      if (state.apply(records)) {
        entry.state = state;
        await this.catchUpSnapshot(entry, state, what);
        return state;
      }
      entry.state = undefined; // records we never saw were deleted: a newer snapshot covers them
    }
    throw new StorageUnavailableError(
      `${what}: shard ${entry.topicId}/${entry.shard} kept changing under its loader ` +
        `(${LOAD_ATTEMPTS} attempts)`,
    );
  }

  /**
   * A process that only reads a shard (a consumer's front, a fetching Lambda) never writes its
   * snapshots, so its records would pile up: once it holds two windows past its base, it moves
   * its base to the newest snapshot the writers made (checked once per window, not per read).
   */
  private async catchUpSnapshot(entry: Shard, state: ShardState, what: string): Promise<void> {
    if (state.seq - state.snapshotSeq < 2 * SNAPSHOT_EVERY || state.seq < entry.nextCatchUp) return;
    entry.nextCatchUp = state.seq + SNAPSHOT_EVERY;
    const snapshot = await this.newestSnapshot(entry, what);
    if (snapshot !== undefined) state.rebase(snapshot);
  }

  /**
   * The newest complete snapshot: the part with the highest key names how many parts its
   * snapshot has; if that is not its last part, or a part is missing (a writer died while
   * writing them), the snapshot before it is the newest one.
   */
  private async newestSnapshot(entry: Shard, what: string): Promise<ShardSnapshot | undefined> {
    const pk = S(entry.pk);
    let below = RECORD_SK_PREFIX; // every snapshot key sorts below every record key
    for (;;) {
      let newest: Item | undefined;
      const found = this.table.query(
        {
          KeyConditionExpression: "pk = :pk AND sk < :below",
          ExpressionAttributeValues: { ":pk": pk, ":below": S(below) },
          ScanIndexForward: false,
          Limit: 1,
        },
        what,
      );
      for await (const item of found) {
        newest = item;
        break;
      }
      if (newest === undefined) return undefined;
      const sk = newest.sk?.S ?? "";
      const seq = seqOfSk(sk);
      const count = partCountOf(newest);
      const parts =
        partOfSk(sk) !== count - 1
          ? undefined
          : count === 1
            ? [newest]
            : await this.snapshotParts(entry, seq, count, what);
      if (parts !== undefined) return snapshotOfItems(entry.topicId, parts);
      below = snapshotSk(seq);
    }
  }

  /** The parts of snapshot `seq`, or undefined when one is missing. */
  private async snapshotParts(
    entry: Shard,
    seq: number,
    count: number,
    what: string,
  ): Promise<Item[] | undefined> {
    const items: Item[] = [];
    const found = this.table.query(
      {
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :seq)",
        ExpressionAttributeValues: { ":pk": S(entry.pk), ":seq": S(`${snapshotSk(seq)}#`) },
      },
      what,
    );
    for await (const item of found) items.push(item);
    return items.length === count ? items : undefined;
  }

  private async recordsAfter(entry: Shard, seq: number, what: string): Promise<ShardRecord[]> {
    const records: ShardRecord[] = [];
    const items = this.table.query(
      {
        KeyConditionExpression: "pk = :pk AND sk > :after",
        ExpressionAttributeValues: { ":pk": S(entry.pk), ":after": S(recordSk(seq)) },
      },
      what,
    );
    for await (const item of items) records.push(recordOfItem(entry.topicId, item));
    return records;
  }

  // -- committing ------------------------------------------------------------------------------

  private submit(
    topicId: string,
    shard: number,
    requests: Request[],
  ): Promise<(CommitOutcome | FloorOutcome)[]> {
    const entry = this.entry(topicId, shard);
    return new Promise((resolve, reject) => {
      entry.queue.push({ requests, resolve, reject });
      if (!entry.committing) void this.drain(entry);
    });
  }

  /** Runs rounds while groups wait; each round takes the waiting groups whose partitions do not overlap. */
  private async drain(entry: Shard): Promise<void> {
    entry.committing = true;
    try {
      while (entry.queue.length > 0) {
        const round: Group[] = [];
        const taken = new Set<number>();
        entry.queue = entry.queue.filter((group) => {
          if (group.requests.some((r) => taken.has(r.partition))) return true;
          for (const r of group.requests) taken.add(r.partition);
          round.push(group);
          return false;
        });
        try {
          const results = await this.runRound(entry, round);
          for (const [i, group] of round.entries()) group.resolve(results[i]);
        } catch (err) {
          for (const group of round) group.reject(err);
        }
        this.maybeMaintain(entry);
      }
    } finally {
      entry.committing = false;
    }
  }

  private async runRound(
    entry: Shard,
    round: Group[],
  ): Promise<(CommitOutcome | FloorOutcome)[][]> {
    let state = entry.state ?? (await this.current(entry.topicId, entry.shard, "commitPartitions"));
    for (let attempt = 0; attempt < ROUND_ATTEMPTS; attempt++) {
      // A commit expecting a version newer than the one held: the state is behind, read on.
      const behind = round.some((g) =>
        g.requests.some(
          (r) =>
            r.kind === "commit" &&
            r.commit.expectedVersion > state.stored(r.partition).head.version,
        ),
      );
      if (behind) state = await this.current(entry.topicId, entry.shard, "commitPartitions");

      const judged = round.map((g) => g.requests.map((r) => judge(state, r)));
      const results = judged.map((g) => g.map((j) => j.result));
      const changes = judged.flat().flatMap((j) => (j.change === undefined ? [] : [j.change]));
      if (changes.length === 0) return results;

      const record: ShardRecord = { seq: state.seq + 1, nonce: randomUUID(), changes };
      const item = recordItem(
        entry.topicId,
        entry.shard,
        record,
        (p) => state.stored(p).head.producers,
      );
      const put = await this.table.put(item, "commitPartitions", {
        condition: "attribute_not_exists(pk)",
      });
      if (put.ok) {
        state.apply([record]); // seq is the next one: it cannot leave a gap
        return results;
      }
      // Another writer took this seq: fold what we missed, unless the record is ours after all.
      state = await this.current(entry.topicId, entry.shard, "commitPartitions");
      if (state.record(record.seq)?.nonce === record.nonce) return results;
      if (attempt >= 4) await backoff(attempt - 4);
    }
    throw new StorageUnavailableError(
      `commitPartitions: shard ${entry.topicId}/${entry.shard} stayed contended ` +
        `(${ROUND_ATTEMPTS} rounds)`,
    );
  }

  // -- snapshots -------------------------------------------------------------------------------

  private maybeMaintain(entry: Shard): void {
    if (entry.maintaining !== undefined || entry.state?.dueSnapshot() === undefined) return;
    const run = this.maintain(entry)
      .catch(() => this.table.counters.add("dynamodb.shardSnapshotFailures"))
      .finally(() => {
        entry.maintaining = undefined;
        this.background.delete(run);
      });
    entry.maintaining = run;
    this.background.add(run);
  }

  /** Writes the snapshots due (pages first), then deletes what the window before them held. */
  private async maintain(entry: Shard): Promise<void> {
    for (;;) {
      const state = entry.state;
      const at = state?.dueSnapshot();
      if (state === undefined || at === undefined) return;
      const { snapshot, pages } = state.snapshotAt(at);
      if (pages.length > 0) {
        await this.table.batchWrite(
          pages.map((page) => ({ put: pageItem(page.key, page.entries, { deflated: true }) })),
          "shard index pages",
        );
      }
      const parts = snapshotItems(entry.topicId, entry.shard, snapshot);
      if (parts.length > 1) {
        await this.table.batchWrite(
          parts.slice(0, -1).map((put) => ({ put })),
          "shard snapshot",
        );
      }
      await this.table.put(parts.at(-1)!, "shard snapshot");
      this.table.counters.add("dynamodb.shardSnapshots");
      state.rebase(snapshot);
      await this.deleteCovered(entry, at);
    }
  }

  /**
   * After snapshot `at` exists: deletes the snapshots before it and the records of every window
   * but the newest one before it (a loader that read the previous snapshot still needs those).
   */
  private async deleteCovered(entry: Shard, at: number): Promise<void> {
    const { pk } = entry;
    const doomed: { delete: { pk: string; sk: string } }[] = [];
    const ranges: [string, string][] = [[SNAPSHOT_SK_PREFIX, snapshotSk(at)]];
    if (at > SNAPSHOT_EVERY) ranges.push([RECORD_SK_PREFIX, recordSk(at - SNAPSHOT_EVERY)]);
    for (const [lo, hi] of ranges) {
      const items = this.table.query(
        {
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
          ExpressionAttributeValues: { ":pk": S(pk), ":lo": S(lo), ":hi": S(hi) },
          ProjectionExpression: "pk, sk",
        },
        "shard cleanup",
      );
      for await (const item of items) doomed.push({ delete: { pk, sk: skOf(item) } });
    }
    if (doomed.length > 0) await this.table.batchWrite(doomed, "shard cleanup");
  }
}

function skOf(item: Item): string {
  return item.sk?.S ?? "";
}

/** A shard's name within a process: its topic id and number. */
export function shardId(topicId: string, shard: number): string {
  return `${topicId}#${shard}`;
}

/** One request against the state: its result if the record lands, and its change, if any. */
function judge(
  state: ShardState,
  request: Request,
): { result: CommitOutcome | FloorOutcome; change?: PartitionChange } {
  const stored = state.stored(request.partition);
  if (request.kind === "floor") {
    if (stored.head.version === 0 || request.offset <= stored.chunkFloor) {
      return { result: { raised: false } };
    }
    return {
      result: { raised: true, oldFloor: stored.chunkFloor, stored },
      change: { partition: request.partition, chunks: [], floor: request.offset },
    };
  }
  const { commit } = request;
  if (stored.head.version !== commit.expectedVersion) {
    return { result: { ok: false, current: stored.head } };
  }
  return {
    result: { ok: true },
    change: { partition: request.partition, head: commit.head, chunks: commit.chunks },
  };
}
