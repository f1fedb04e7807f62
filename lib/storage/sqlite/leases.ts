/**
 * Partition leases of HTTP consumer groups in the SQLite MetadataStore (ports.ts LeaseRecord).
 * SqliteMetadataStore delegates to it inside its `op` and lends it its transaction runner.
 *
 * putLease is a compare-and-set on `counter`, read and written inside one BEGIN IMMEDIATE
 * transaction, so it is atomic across connections and processes as DynamoDB's condition
 * expression is; a failed check throws VersionConflictError carrying the stored lease.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { checkLease, leaseConflict } from "../lease-checks.ts";
import type { LeaseRecord } from "../ports.ts";
import type { TransactionRunner } from "./coordination.ts";
import type { Row } from "./rows.ts";

const COLUMNS =
  "group_id, topic, partition, owner, counter, epoch, checkpoint, checkpoint_metadata";

export interface SqliteLeases {
  listLeases(group: string, topic: string): LeaseRecord[];
  putLease(next: LeaseRecord, expectedCounter: number): void;
  deleteLeases(group: string, topic?: string): number;
}

export function sqliteLeases(db: DatabaseSync, transaction: TransactionRunner): SqliteLeases {
  const sql = prepareStatements(db);
  return {
    listLeases: (group, topic) => sql.selectOfTopic.all(group, topic).map(leaseFromRow),
    putLease(next, expectedCounter) {
      checkLease(next, expectedCounter);
      transaction("BEGIN IMMEDIATE", () => {
        const row = sql.selectOne.get(next.group, next.topic, next.partition);
        const current = row ? leaseFromRow(row) : undefined;
        if ((current?.counter ?? 0) !== expectedCounter) {
          throw leaseConflict(next, expectedCounter, current);
        }
        // The statement names its parameters after LeaseRecord's fields.
        sql.upsert.run({ ...next });
      });
    },
    deleteLeases: (group, topic) =>
      transaction("BEGIN IMMEDIATE", () =>
        Number(
          (topic === undefined
            ? sql.deleteOfGroup.run(group)
            : sql.deleteOfGroupTopic.run(group, topic)
          ).changes,
        ),
      ),
  };
}

function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    selectOne: p(
      `SELECT ${COLUMNS} FROM leases WHERE group_id = ? AND topic = ? AND partition = ?`,
    ),
    selectOfTopic: p(
      `SELECT ${COLUMNS} FROM leases WHERE group_id = ? AND topic = ? ORDER BY partition`,
    ),
    upsert: p(
      `INSERT INTO leases (${COLUMNS}) VALUES (:group, :topic, :partition, :owner, ` +
        ":counter, :epoch, :checkpoint, :checkpointMetadata) " +
        "ON CONFLICT (group_id, topic, partition) DO UPDATE SET owner = excluded.owner, " +
        "counter = excluded.counter, epoch = excluded.epoch, checkpoint = excluded.checkpoint, " +
        "checkpoint_metadata = excluded.checkpoint_metadata",
    ),
    deleteOfGroup: p("DELETE FROM leases WHERE group_id = ?"),
    deleteOfGroupTopic: p("DELETE FROM leases WHERE group_id = ? AND topic = ?"),
  };
}

function leaseFromRow(row: Row): LeaseRecord {
  return {
    group: row.group_id as string,
    topic: row.topic as string,
    partition: Number(row.partition),
    owner: row.owner as string | null,
    counter: Number(row.counter),
    epoch: Number(row.epoch),
    checkpoint: row.checkpoint as bigint | null,
    checkpointMetadata: row.checkpoint_metadata as string | null,
  };
}
