/**
 * The consumer-group and front-lease half of the SQLite MetadataStore: statements, row codecs
 * and the conditional writes. SqliteMetadataStore delegates to it, inside its `op` (closed check,
 * error translation), and lends it its transaction runner.
 *
 * Every fence (group version, front heartbeat seq) is read and checked inside the same
 * BEGIN IMMEDIATE transaction that writes, so the check-then-write is atomic across connections
 * and processes, as a DynamoDB condition expression is. A failed check throws
 * VersionConflictError carrying the stored record; the transaction rolls back, so a stale
 * commitOffsets writes none of its offsets.
 *
 * commitOffsets does not bump the group version: the fence keeps out members of an older
 * generation (whose JoinGroup/SyncGroup moved the version on), while the members of the current
 * generation commit side by side.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { VersionConflictError } from "../errors.ts";
import type { CommittedOffset, FrontRecord, GroupPartition, GroupRecord } from "../ports.ts";
import type { Row } from "./rows.ts";

/** The port's bound on one commitOffsets call (a DynamoDB backend sizes its writes by it). */
export const MAX_OFFSETS_PER_COMMIT = 1_000;
/** Kafka node ids are int32; the store hands out 1 … 2^31 - 1. */
export const MAX_NODE_ID = 2 ** 31 - 1;

/** Runs `body` in a transaction begun with `begin`; commits, or rolls back and rethrows. */
export type TransactionRunner = <T>(begin: "BEGIN" | "BEGIN IMMEDIATE", body: () => T) => T;

const GROUP_COLUMNS = "group_id, version, state, protocol_type, body";
const OFFSET_COLUMNS =
  "group_id, topic, partition, offset, leader_epoch, metadata, commit_timestamp_ms";
const FRONT_COLUMNS = "node_id, host, port, rack, heartbeat_seq";

export class SqliteCoordination {
  private readonly sql: ReturnType<typeof prepareStatements>;
  private readonly transaction: TransactionRunner;

  constructor(db: DatabaseSync, transaction: TransactionRunner) {
    this.sql = prepareStatements(db);
    this.transaction = transaction;
  }

  // -- consumer groups -------------------------------------------------------------------------

  getGroup(groupId: string): GroupRecord | undefined {
    const row = this.sql.selectGroup.get(groupId);
    return row ? groupFromRow(row) : undefined;
  }

  listGroups(): GroupRecord[] {
    return this.sql.selectGroups.all().map(groupFromRow);
  }

  putGroup(next: GroupRecord, expectedVersion: number): void {
    checkVersion(`putGroup ${next.groupId}`, "expectedVersion", expectedVersion);
    if (next.version !== expectedVersion + 1) {
      throw new RangeError(
        `putGroup ${next.groupId}: version must be ${expectedVersion + 1}, got ${next.version}`,
      );
    }
    this.write(() => {
      const current = this.getGroup(next.groupId);
      if ((current?.version ?? 0) !== expectedVersion) {
        throw groupConflict(next.groupId, expectedVersion, current);
      }
      this.sql.upsertGroup.run(groupParams(next));
    });
  }

  deleteGroup(groupId: string, expectedVersion: number): void {
    checkVersion(`deleteGroup ${groupId}`, "expectedVersion", expectedVersion);
    this.write(() => {
      this.fenceGroup(groupId, expectedVersion);
      this.sql.deleteOffsetsOfGroup.run(groupId);
      this.sql.deleteGroup.run(groupId);
    });
  }

  commitOffsets(
    groupId: string,
    expectedGroupVersion: number,
    offsets: readonly CommittedOffset[],
  ): void {
    const where = `commitOffsets ${groupId}`;
    checkVersion(where, "expectedGroupVersion", expectedGroupVersion);
    if (offsets.length > MAX_OFFSETS_PER_COMMIT) {
      throw new RangeError(
        `${where}: at most ${MAX_OFFSETS_PER_COMMIT} offsets per call, got ${offsets.length}`,
      );
    }
    checkDistinct(where, offsets);
    this.write(() => {
      this.fenceGroup(groupId, expectedGroupVersion);
      for (const offset of offsets) this.sql.upsertOffset.run(offsetParams(groupId, offset));
    });
  }

  fetchOffsets(groupId: string, partitions?: readonly GroupPartition[]): CommittedOffset[] {
    if (partitions === undefined) {
      return this.sql.selectOffsetsOfGroup.all(groupId).map(offsetFromRow);
    }
    // One read transaction: every offset comes from the same snapshot.
    return this.transaction("BEGIN", () => {
      const seen = new Set<string>();
      const found: CommittedOffset[] = [];
      for (const { topic, partition } of partitions) {
        const id = JSON.stringify([topic, partition]);
        if (seen.has(id)) continue;
        seen.add(id);
        const row = this.sql.selectOffset.get(groupId, topic, partition);
        if (row) found.push(offsetFromRow(row));
      }
      return found;
    });
  }

  deleteOffsets(
    groupId: string,
    expectedGroupVersion: number,
    partitions: readonly GroupPartition[],
  ): void {
    checkVersion(`deleteOffsets ${groupId}`, "expectedGroupVersion", expectedGroupVersion);
    this.write(() => {
      this.fenceGroup(groupId, expectedGroupVersion);
      for (const { topic, partition } of partitions) {
        this.sql.deleteOffset.run(groupId, topic, partition);
      }
    });
  }

  // -- fronts ----------------------------------------------------------------------------------

  registerFront(front: Omit<FrontRecord, "nodeId" | "heartbeatSeq">): FrontRecord {
    return this.write(() => {
      const nodeId = Number(this.sql.allocateNodeId.get()?.id);
      // Throwing rolls the counter back too; nothing is registered.
      if (nodeId > MAX_NODE_ID) throw new Error(`registerFront: all ${MAX_NODE_ID} node ids used`);
      const record: FrontRecord = {
        nodeId,
        host: front.host,
        port: front.port,
        rack: front.rack,
        heartbeatSeq: 0,
      };
      this.sql.insertFront.run(frontParams(record));
      return record;
    });
  }

  renewFront(nodeId: number, expectedSeq: number): void {
    checkVersion(`renewFront ${nodeId}`, "expectedSeq", expectedSeq);
    this.write(() => {
      const current = this.getFront(nodeId);
      if (current?.heartbeatSeq !== expectedSeq) throw frontConflict(nodeId, expectedSeq, current);
      this.sql.updateFrontSeq.run(expectedSeq + 1, nodeId);
    });
  }

  listFronts(): FrontRecord[] {
    return this.sql.selectFronts.all().map(frontFromRow);
  }

  removeFront(nodeId: number, expectedSeq: number): void {
    checkVersion(`removeFront ${nodeId}`, "expectedSeq", expectedSeq);
    this.write(() => {
      const current = this.getFront(nodeId);
      if (current === undefined) return; // already gone: what the caller wanted
      if (current.heartbeatSeq !== expectedSeq) throw frontConflict(nodeId, expectedSeq, current);
      this.sql.deleteFront.run(nodeId);
    });
  }

  // -- helpers ---------------------------------------------------------------------------------

  private write<T>(body: () => T): T {
    return this.transaction("BEGIN IMMEDIATE", body);
  }

  /** Inside a write: throws unless the group exists at `expectedVersion`. */
  private fenceGroup(groupId: string, expectedVersion: number): void {
    const current = this.getGroup(groupId);
    if (current?.version !== expectedVersion) {
      throw groupConflict(groupId, expectedVersion, current);
    }
  }

  private getFront(nodeId: number): FrontRecord | undefined {
    const row = this.sql.selectFront.get(nodeId);
    return row ? frontFromRow(row) : undefined;
  }
}

function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    selectGroup: p(`SELECT ${GROUP_COLUMNS} FROM groups WHERE group_id = ?`),
    selectGroups: p(`SELECT ${GROUP_COLUMNS} FROM groups ORDER BY group_id`),
    upsertGroup: p(
      `INSERT INTO groups (${GROUP_COLUMNS}) ` +
        "VALUES (:group_id, :version, :state, :protocol_type, :body) " +
        "ON CONFLICT (group_id) DO UPDATE SET version = excluded.version, " +
        "state = excluded.state, protocol_type = excluded.protocol_type, body = excluded.body",
    ),
    deleteGroup: p("DELETE FROM groups WHERE group_id = ?"),
    selectOffset: p(
      `SELECT ${OFFSET_COLUMNS} FROM group_offsets ` +
        "WHERE group_id = ? AND topic = ? AND partition = ?",
    ),
    selectOffsetsOfGroup: p(
      `SELECT ${OFFSET_COLUMNS} FROM group_offsets WHERE group_id = ? ORDER BY topic, partition`,
    ),
    upsertOffset: p(
      `INSERT INTO group_offsets (${OFFSET_COLUMNS}) VALUES (:group_id, :topic, :partition, ` +
        ":offset, :leader_epoch, :metadata, :commit_timestamp_ms) " +
        "ON CONFLICT (group_id, topic, partition) DO UPDATE SET offset = excluded.offset, " +
        "leader_epoch = excluded.leader_epoch, metadata = excluded.metadata, " +
        "commit_timestamp_ms = excluded.commit_timestamp_ms",
    ),
    deleteOffset: p("DELETE FROM group_offsets WHERE group_id = ? AND topic = ? AND partition = ?"),
    deleteOffsetsOfGroup: p("DELETE FROM group_offsets WHERE group_id = ?"),
    allocateNodeId: p(
      "UPDATE node_ids SET next_node_id = next_node_id + 1 WHERE singleton = 1 " +
        "RETURNING next_node_id - 1 AS id",
    ),
    selectFront: p(`SELECT ${FRONT_COLUMNS} FROM fronts WHERE node_id = ?`),
    selectFronts: p(`SELECT ${FRONT_COLUMNS} FROM fronts ORDER BY node_id`),
    insertFront: p(
      `INSERT INTO fronts (${FRONT_COLUMNS}) ` +
        "VALUES (:node_id, :host, :port, :rack, :heartbeat_seq)",
    ),
    updateFrontSeq: p("UPDATE fronts SET heartbeat_seq = ? WHERE node_id = ?"),
    deleteFront: p("DELETE FROM fronts WHERE node_id = ?"),
  };
}

function checkVersion(where: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${where}: ${name} must be a non-negative integer, got ${value}`);
  }
}

/** Two offsets for one partition in one commit: which one wins would be arbitrary. */
function checkDistinct(where: string, offsets: readonly GroupPartition[]): void {
  const seen = new Set<string>();
  for (const { topic, partition } of offsets) {
    const id = JSON.stringify([topic, partition]);
    if (seen.has(id)) throw new RangeError(`${where}: two offsets for ${topic}/${partition}`);
    seen.add(id);
  }
}

function groupConflict(
  groupId: string,
  expectedVersion: number,
  current: GroupRecord | undefined,
): VersionConflictError<GroupRecord | undefined> {
  return new VersionConflictError(
    `group ${groupId}: expected version ${expectedVersion}, found ` +
      (current ? `version ${current.version}` : "no group"),
    current,
  );
}

function frontConflict(
  nodeId: number,
  expectedSeq: number,
  current: FrontRecord | undefined,
): VersionConflictError<FrontRecord | undefined> {
  return new VersionConflictError(
    `front ${nodeId}: expected heartbeat seq ${expectedSeq}, found ` +
      (current ? `seq ${current.heartbeatSeq}` : "no front (its lease was judged expired)"),
    current,
  );
}

function groupFromRow(row: Row): GroupRecord {
  return {
    groupId: row.group_id as string,
    version: Number(row.version),
    state: row.state as string,
    protocolType: row.protocol_type as string,
    body: row.body as string,
  };
}

function groupParams(group: GroupRecord) {
  return {
    group_id: group.groupId,
    version: group.version,
    state: group.state,
    protocol_type: group.protocolType,
    body: group.body,
  };
}

function offsetFromRow(row: Row): CommittedOffset {
  return {
    topic: row.topic as string,
    partition: Number(row.partition),
    offset: row.offset as bigint,
    leaderEpoch: Number(row.leader_epoch),
    metadata: row.metadata as string | null,
    commitTimestampMs: Number(row.commit_timestamp_ms),
  };
}

function offsetParams(groupId: string, offset: CommittedOffset) {
  return {
    group_id: groupId,
    topic: offset.topic,
    partition: offset.partition,
    offset: offset.offset,
    leader_epoch: offset.leaderEpoch,
    metadata: offset.metadata,
    commit_timestamp_ms: offset.commitTimestampMs,
  };
}

function frontFromRow(row: Row): FrontRecord {
  return {
    nodeId: Number(row.node_id),
    host: row.host as string,
    port: Number(row.port),
    rack: row.rack as string | null,
    heartbeatSeq: Number(row.heartbeat_seq),
  };
}

function frontParams(front: FrontRecord) {
  return {
    node_id: front.nodeId,
    host: front.host,
    port: front.port,
    rack: front.rack,
    heartbeat_seq: front.heartbeatSeq,
  };
}
