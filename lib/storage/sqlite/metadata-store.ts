/**
 * MetadataStore on SQLite (node:sqlite): the embedded backend's stand-in for DynamoDB.
 *
 * Durability (invariant 1, DESIGN.md §2): WAL journal with synchronous=FULL, so every COMMIT
 * is fsynced before the method resolves; a commit acknowledged to a producer survives a crash
 * or power cut.
 *
 * Concurrency: several processes may share one file. Every write runs in a BEGIN IMMEDIATE
 * transaction, which takes SQLite's single write lock up front; the busy timeout makes a
 * second writer wait for it instead of failing. Version checks and writes happen inside that
 * transaction, so conditional writes are linearizable across processes (invariant 2), and
 * nothing is serialized by locks held in memory. node:sqlite is synchronous: a waiting writer
 * blocks its event loop for up to `busyTimeoutMs`, acceptable for an embedded single-node
 * deployment.
 *
 * commitPartitions runs all commits of one call in ONE transaction, with a version check per
 * partition: a commit whose check fails is skipped (outcome carries the current head) and the
 * others still apply. One fsync per call, not per partition, matching the flush-shaped cost the
 * design asks for. An unexpected error rolls back the whole call.
 *
 * Consumer groups and front leases live in ./coordination.ts, partition leases in ./leases.ts;
 * the methods here delegate.
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  StorageError,
  StorageUnavailableError,
  TopicExistsError,
  UnknownTopicError,
  VersionConflictError,
} from "../errors.ts";
import type {
  ChunkEntry,
  CommitOutcome,
  CommittedOffset,
  FrontRecord,
  GroupPartition,
  GroupRecord,
  LeaseRecord,
  MetadataStore,
  PartitionCommit,
  PartitionHead,
  PartitionKey,
  SegmentReceiptChunk,
  TopicRecord,
} from "../ports.ts";
import { decodeReceiptChunks, encodeReceiptChunks } from "../receipt-text.ts";
import { SqliteCoordination } from "./coordination.ts";
import { type SqliteLeases, sqliteLeases } from "./leases.ts";
import {
  chunkFromRow,
  chunkParams,
  headFromRow,
  headParams,
  implicitHead,
  topicFromRow,
  topicParams,
} from "./rows.ts";
import { migrate } from "./schema.ts";

export interface SqliteMetadataStoreOptions {
  /** Database file, or ":memory:" (tests; nothing is shared or kept). */
  path: string;
  /** How long a writer waits for another connection's write lock before failing. Default 10 s. */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 10_000;
const HEAD_COLUMNS =
  "topic_id, partition, next_offset, log_start_offset, max_timestamp_ms, version, producers";
const CHUNK_COLUMNS =
  "topic_id, partition, base_offset, last_offset, segment_key, byte_start, byte_length, " +
  "batch_count, max_timestamp_ms, running_max_timestamp_ms";
const TOPIC_COLUMNS = "name, topic_id, partition_count, configs, created_at_ms, version";
const SQLITE_CONSTRAINT = 19;

export class SqliteMetadataStore implements MetadataStore {
  private readonly db: DatabaseSync;
  private readonly sql: ReturnType<typeof prepareStatements>;
  private readonly coordination: SqliteCoordination;
  private readonly leases: SqliteLeases;

  private constructor(db: DatabaseSync) {
    this.db = db;
    this.sql = prepareStatements(db);
    this.coordination = new SqliteCoordination(db, (begin, body) => this.transaction(begin, body));
    this.leases = sqliteLeases(db, (begin, body) => this.transaction(begin, body));
  }

  static async open(options: SqliteMetadataStoreOptions): Promise<SqliteMetadataStore> {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new RangeError(`busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`);
    }
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(options.path, { timeout: busyTimeoutMs, readBigInts: true });
      db.exec("PRAGMA journal_mode = WAL"); // ":memory:" stays in its own "memory" mode
      db.exec("PRAGMA synchronous = FULL");
      migrate(db);
      return new SqliteMetadataStore(db);
    } catch (err) {
      if (db?.isOpen) db.close();
      throw translate(err, `open ${options.path}`);
    }
  }

  async ensureClusterId(candidate: string): Promise<string> {
    return this.op("ensureClusterId", () =>
      this.write(() => {
        this.sql.insertClusterId.run(candidate);
        return this.sql.selectClusterId.get()?.cluster_id as string;
      }),
    );
  }

  async createTopic(topic: TopicRecord): Promise<void> {
    if (topic.version !== 1) {
      throw new RangeError(`createTopic: a new topic starts at version 1, got ${topic.version}`);
    }
    return this.op("createTopic", () =>
      this.write(() => {
        if (this.sql.selectTopic.get(topic.name)) throw new TopicExistsError(topic.name);
        if (this.sql.selectTopicById.get(topic.topicId)) {
          throw new Error(`createTopic ${topic.name}: topic id ${topic.topicId} is already used`);
        }
        this.sql.insertTopic.run(topicParams(topic));
      }),
    );
  }

  async getTopic(name: string): Promise<TopicRecord | undefined> {
    return this.op("getTopic", () => {
      const row = this.sql.selectTopic.get(name);
      return row ? topicFromRow(row) : undefined;
    });
  }

  async getTopicById(topicId: string): Promise<TopicRecord | undefined> {
    return this.op("getTopicById", () => {
      const row = this.sql.selectTopicById.get(topicId);
      return row ? topicFromRow(row) : undefined;
    });
  }

  async listTopics(): Promise<TopicRecord[]> {
    return this.op("listTopics", () => this.sql.selectTopics.all().map(topicFromRow));
  }

  async updateTopic(next: TopicRecord, expectedVersion: number): Promise<void> {
    if (next.version !== expectedVersion + 1) {
      throw new RangeError(
        `updateTopic ${next.name}: version must be ${expectedVersion + 1}, got ${next.version}`,
      );
    }
    return this.op("updateTopic", () =>
      this.write(() => {
        const row = this.sql.selectTopic.get(next.name);
        const current = row ? topicFromRow(row) : undefined;
        // Same name, other id: the topic was deleted and recreated since the caller read it.
        if (current?.version !== expectedVersion || current.topicId !== next.topicId) {
          throw new VersionConflictError<TopicRecord | undefined>(
            `topic ${next.name} (${next.topicId}): expected version ${expectedVersion}, found ` +
              (current ? `version ${current.version} of ${current.topicId}` : "no topic"),
            current,
          );
        }
        this.sql.updateTopic.run(topicParams(next));
      }),
    );
  }

  async deleteTopic(name: string): Promise<TopicRecord> {
    return this.op("deleteTopic", () =>
      this.write(() => {
        const row = this.sql.selectTopic.get(name);
        if (!row) throw new UnknownTopicError(name);
        const topic = topicFromRow(row);
        this.sql.deleteTopic.run(name);
        this.sql.deleteHeadsOfTopic.run(topic.topicId);
        this.sql.deleteChunksOfTopic.run(topic.topicId);
        return topic;
      }),
    );
  }

  async getHeads(keys: readonly PartitionKey[]): Promise<PartitionHead[]> {
    // One read transaction: all heads come from the same snapshot.
    return this.op("getHeads", () =>
      this.transaction("BEGIN", () => keys.map((key) => this.readHead(key))),
    );
  }

  async commitPartitions(commits: readonly PartitionCommit[]): Promise<CommitOutcome[]> {
    validateCommits(commits);
    if (commits.length === 0) return [];
    return this.op("commitPartitions", () =>
      this.write(() =>
        commits.map((commit): CommitOutcome => {
          const current = this.readHead(commit.head);
          if (current.version !== commit.expectedVersion) return { ok: false, current };
          this.sql.upsertHead.run(headParams(commit.head));
          for (const chunk of commit.chunks) this.sql.insertChunk.run(chunkParams(chunk));
          return { ok: true };
        }),
      ),
    );
  }

  async findChunks(key: PartitionKey, fromOffset: bigint, limit: number): Promise<ChunkEntry[]> {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new RangeError(`findChunks: limit must be a non-negative integer, got ${limit}`);
    }
    if (limit === 0) return []; // SQLite reads LIMIT 0 correctly, but a negative one as "all"
    return this.op("findChunks", () =>
      this.sql.findChunks.all(key.topicId, key.partition, fromOffset, limit).map(chunkFromRow),
    );
  }

  async findChunkByTimestamp(
    key: PartitionKey,
    timestampMs: number,
  ): Promise<ChunkEntry | undefined> {
    return this.op("findChunkByTimestamp", () => {
      const row = this.sql.findChunkByTimestamp.get(key.topicId, key.partition, timestampMs);
      return row ? chunkFromRow(row) : undefined;
    });
  }

  async deleteChunksBelow(key: PartitionKey, offset: bigint): Promise<number> {
    return this.op("deleteChunksBelow", () => {
      const { changes } = this.sql.deleteChunksBelow.run(key.topicId, key.partition, offset);
      return Number(changes);
    });
  }

  async segmentReferenced(
    segmentKey: string,
    partitions: readonly PartitionKey[],
  ): Promise<boolean> {
    return this.op("segmentReferenced", () => {
      if (partitions.length === 0) return false;
      // By the segment-key index: a segment holds one entry per partition per flush (a few
      // more when a refused batch split one), so this reads a handful of index rows.
      const wanted = new Set(partitions.map((p) => `${p.partition}#${p.topicId}`));
      return this.sql.chunksOfSegment
        .all(segmentKey)
        .some((row) => wanted.has(`${row.partition}#${row.topic_id}`));
    });
  }

  async putSegmentReceipt(
    segmentKey: string,
    chunks: readonly SegmentReceiptChunk[],
  ): Promise<void> {
    this.op("putSegmentReceipt", () =>
      this.sql.upsertReceipt.run(segmentKey, encodeReceiptChunks(chunks)),
    );
  }

  async getSegmentReceipts(
    segmentKeys: readonly string[],
  ): Promise<Map<string, SegmentReceiptChunk[]>> {
    return this.op("getSegmentReceipts", () => {
      const found = new Map<string, SegmentReceiptChunk[]>();
      for (const key of new Set(segmentKeys)) {
        const row = this.sql.selectReceipt.get(key);
        if (row !== undefined) found.set(key, decodeReceiptChunks(String(row.chunks)));
      }
      return found;
    });
  }

  async deleteSegmentReceipts(segmentKeys: readonly string[]): Promise<void> {
    this.op("deleteSegmentReceipts", () => {
      for (const key of segmentKeys) this.sql.deleteReceipt.run(key);
    });
  }

  async allocateProducerId(): Promise<bigint> {
    // A single UPDATE … RETURNING is its own atomic, durable write transaction.
    return this.op("allocateProducerId", () => this.sql.allocateProducerId.get()?.id as bigint);
  }

  async getGroup(groupId: string): Promise<GroupRecord | undefined> {
    return this.op("getGroup", () => this.coordination.getGroup(groupId));
  }

  async listGroups(): Promise<GroupRecord[]> {
    return this.op("listGroups", () => this.coordination.listGroups());
  }

  async putGroup(next: GroupRecord, expectedVersion: number): Promise<void> {
    return this.op("putGroup", () => this.coordination.putGroup(next, expectedVersion));
  }

  async deleteGroup(groupId: string, expectedVersion: number): Promise<void> {
    return this.op("deleteGroup", () => this.coordination.deleteGroup(groupId, expectedVersion));
  }

  async commitOffsets(
    groupId: string,
    expectedGroupVersion: number,
    offsets: readonly CommittedOffset[],
  ): Promise<void> {
    return this.op("commitOffsets", () =>
      this.coordination.commitOffsets(groupId, expectedGroupVersion, offsets),
    );
  }

  async fetchOffsets(
    groupId: string,
    partitions?: readonly GroupPartition[],
  ): Promise<CommittedOffset[]> {
    return this.op("fetchOffsets", () => this.coordination.fetchOffsets(groupId, partitions));
  }

  async deleteOffsets(
    groupId: string,
    expectedGroupVersion: number,
    partitions: readonly GroupPartition[],
  ): Promise<void> {
    return this.op("deleteOffsets", () =>
      this.coordination.deleteOffsets(groupId, expectedGroupVersion, partitions),
    );
  }

  async registerFront(front: Omit<FrontRecord, "nodeId" | "heartbeatSeq">): Promise<FrontRecord> {
    return this.op("registerFront", () => this.coordination.registerFront(front));
  }

  async renewFront(nodeId: number, expectedSeq: number): Promise<void> {
    return this.op("renewFront", () => this.coordination.renewFront(nodeId, expectedSeq));
  }

  async listFronts(): Promise<FrontRecord[]> {
    return this.op("listFronts", () => this.coordination.listFronts());
  }

  async removeFront(nodeId: number, expectedSeq: number): Promise<void> {
    return this.op("removeFront", () => this.coordination.removeFront(nodeId, expectedSeq));
  }

  async listLeases(group: string, topic: string): Promise<LeaseRecord[]> {
    return this.op("listLeases", () => this.leases.listLeases(group, topic));
  }

  async putLease(next: LeaseRecord, expectedCounter: number): Promise<void> {
    return this.op("putLease", () => this.leases.putLease(next, expectedCounter));
  }

  async deleteLeases(group: string, topic?: string): Promise<number> {
    return this.op("deleteLeases", () => this.leases.deleteLeases(group, topic));
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  private readHead(key: PartitionKey): PartitionHead {
    const row = this.sql.selectHead.get(key.topicId, key.partition);
    return row ? headFromRow(row) : implicitHead(key);
  }

  private write<T>(body: () => T): T {
    return this.transaction("BEGIN IMMEDIATE", body);
  }

  private transaction<T>(begin: string, body: () => T): T {
    this.db.exec(begin);
    try {
      const result = body();
      this.db.exec("COMMIT");
      return result;
    } catch (err) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw err;
    }
  }

  /** Runs one operation on an open store, translating SQLite failures once, here. */
  private op<T>(what: string, body: () => T): T {
    if (!this.db.isOpen) throw new Error(`SqliteMetadataStore.${what}: the store is closed`);
    try {
      return body();
    } catch (err) {
      throw translate(err, what);
    }
  }
}

function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertClusterId: p(
      "INSERT INTO cluster (singleton, cluster_id) VALUES (1, ?) ON CONFLICT DO NOTHING",
    ),
    selectClusterId: p("SELECT cluster_id FROM cluster WHERE singleton = 1"),
    selectTopic: p(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE name = ?`),
    selectTopicById: p(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE topic_id = ?`),
    selectTopics: p(`SELECT ${TOPIC_COLUMNS} FROM topics ORDER BY name`),
    insertTopic: p(
      `INSERT INTO topics (${TOPIC_COLUMNS}) VALUES ` +
        "(:name, :topic_id, :partition_count, :configs, :created_at_ms, :version)",
    ),
    updateTopic: p(
      "UPDATE topics SET topic_id = :topic_id, partition_count = :partition_count, " +
        "configs = :configs, created_at_ms = :created_at_ms, version = :version WHERE name = :name",
    ),
    deleteTopic: p("DELETE FROM topics WHERE name = ?"),
    deleteHeadsOfTopic: p("DELETE FROM heads WHERE topic_id = ?"),
    deleteChunksOfTopic: p("DELETE FROM chunks WHERE topic_id = ?"),
    selectHead: p(`SELECT ${HEAD_COLUMNS} FROM heads WHERE topic_id = ? AND partition = ?`),
    upsertHead: p(
      `INSERT INTO heads (${HEAD_COLUMNS}) VALUES (:topic_id, :partition, :next_offset, ` +
        ":log_start_offset, :max_timestamp_ms, :version, :producers) " +
        "ON CONFLICT (topic_id, partition) DO UPDATE SET next_offset = excluded.next_offset, " +
        "log_start_offset = excluded.log_start_offset, " +
        "max_timestamp_ms = excluded.max_timestamp_ms, version = excluded.version, " +
        "producers = excluded.producers",
    ),
    insertChunk: p(
      `INSERT INTO chunks (${CHUNK_COLUMNS}) VALUES (:topic_id, :partition, :base_offset, ` +
        ":last_offset, :segment_key, :byte_start, :byte_length, :batch_count, " +
        ":max_timestamp_ms, :running_max_timestamp_ms)",
    ),
    findChunks: p(
      `SELECT ${CHUNK_COLUMNS} FROM chunks WHERE topic_id = ? AND partition = ? ` +
        "AND last_offset >= ? ORDER BY last_offset LIMIT ?",
    ),
    findChunkByTimestamp: p(
      `SELECT ${CHUNK_COLUMNS} FROM chunks WHERE topic_id = ? AND partition = ? ` +
        "AND running_max_timestamp_ms >= ? ORDER BY running_max_timestamp_ms, base_offset LIMIT 1",
    ),
    deleteChunksBelow: p(
      "DELETE FROM chunks WHERE topic_id = ? AND partition = ? AND last_offset < ?",
    ),
    chunksOfSegment: p("SELECT topic_id, partition FROM chunks WHERE segment_key = ?"),
    upsertReceipt: p(
      "INSERT INTO segment_receipts (segment_key, chunks) VALUES (?, ?) " +
        "ON CONFLICT (segment_key) DO UPDATE SET chunks = excluded.chunks",
    ),
    selectReceipt: p("SELECT chunks FROM segment_receipts WHERE segment_key = ?"),
    deleteReceipt: p("DELETE FROM segment_receipts WHERE segment_key = ?"),
    allocateProducerId: p(
      "UPDATE producer_ids SET next_producer_id = next_producer_id + 1 WHERE singleton = 1 " +
        "RETURNING next_producer_id - 1 AS id",
    ),
  };
}

/** Caller bugs the port forbids; rejected before anything is written. */
function validateCommits(commits: readonly PartitionCommit[]): void {
  const seen = new Set<string>();
  for (const { expectedVersion, head, chunks } of commits) {
    const where = `commitPartitions ${head.topicId}/${head.partition}`;
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
      throw new RangeError(`${where}: expectedVersion must be a non-negative integer`);
    }
    if (head.version !== expectedVersion + 1) {
      throw new RangeError(`${where}: head.version must be ${expectedVersion + 1}`);
    }
    const id = JSON.stringify([head.topicId, head.partition]);
    if (seen.has(id)) throw new RangeError(`${where}: two commits for one partition in one call`);
    seen.add(id);
    for (const chunk of chunks) {
      if (chunk.topicId !== head.topicId || chunk.partition !== head.partition) {
        throw new RangeError(`${where}: chunk of ${chunk.topicId}/${chunk.partition}`);
      }
    }
  }
}

function translate(err: unknown, what: string): Error {
  if (err instanceof StorageError || err instanceof RangeError) return err;
  if (!isSqliteError(err)) return err instanceof Error ? err : new Error(String(err));
  if ((err.errcode & 0xff) === SQLITE_CONSTRAINT) {
    // Two index entries at one offset, or the like: the caller broke invariant 2. Not retriable.
    return new Error(`sqlite ${what}: ${err.message}`, { cause: err });
  }
  return new StorageUnavailableError(`sqlite ${what} failed: ${err.message}`, { cause: err });
}

function isSqliteError(err: unknown): err is Error & { errcode: number } {
  return (
    err instanceof Error &&
    (err as { code?: unknown }).code === "ERR_SQLITE_ERROR" &&
    typeof (err as { errcode?: unknown }).errcode === "number"
  );
}
