/**
 * Schema of the embedded metadata database, as an ordered list of migrations. Migration i
 * (0-based) takes the database from schema version i to i + 1; `schema_version` records where
 * a file is. Never edit a released migration: append a new one.
 *
 * Integers are 64-bit signed in SQLite, which holds every Kafka offset and producer id
 * exactly; the store reads them as bigint. JSON columns keep bigints as decimal strings.
 */
import type { DatabaseSync } from "node:sqlite";

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE cluster (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    cluster_id TEXT NOT NULL
  ) STRICT;

  CREATE TABLE topics (
    name            TEXT PRIMARY KEY,
    topic_id        TEXT NOT NULL UNIQUE,
    partition_count INTEGER NOT NULL,
    configs         TEXT NOT NULL,  -- JSON object, string → string
    created_at_ms   INTEGER NOT NULL,
    version         INTEGER NOT NULL
  ) STRICT;

  -- No row = the implicit version-0 head of a partition never written.
  CREATE TABLE heads (
    topic_id         TEXT NOT NULL,
    partition        INTEGER NOT NULL,
    next_offset      INTEGER NOT NULL,
    log_start_offset INTEGER NOT NULL,
    max_timestamp_ms INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    producers        TEXT NOT NULL,  -- JSON array; bigints as decimal strings
    PRIMARY KEY (topic_id, partition)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE chunks (
    topic_id                 TEXT NOT NULL,
    partition                INTEGER NOT NULL,
    base_offset              INTEGER NOT NULL,
    last_offset              INTEGER NOT NULL,
    segment_key              TEXT NOT NULL,
    byte_start               INTEGER NOT NULL,
    byte_length              INTEGER NOT NULL,
    batch_count              INTEGER NOT NULL,
    max_timestamp_ms         INTEGER NOT NULL,
    running_max_timestamp_ms INTEGER NOT NULL,
    PRIMARY KEY (topic_id, partition, base_offset)
  ) STRICT, WITHOUT ROWID;

  -- findChunks and deleteChunksBelow: chunks of a partition are disjoint offset ranges, so
  -- ordering by last_offset is ordering by base_offset.
  CREATE INDEX chunks_by_last_offset ON chunks (topic_id, partition, last_offset);

  -- findChunkByTimestamp: running_max_timestamp_ms is monotonic along the log.
  CREATE INDEX chunks_by_running_max_timestamp
    ON chunks (topic_id, partition, running_max_timestamp_ms, base_offset);

  CREATE TABLE producer_ids (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    next_producer_id INTEGER NOT NULL
  ) STRICT;
  INSERT INTO producer_ids (singleton, next_producer_id) VALUES (1, 0);
  `,
  // 1 → 2: consumer groups, their committed offsets, and front leases (ports.ts).
  `
  CREATE TABLE groups (
    group_id      TEXT PRIMARY KEY,
    version       INTEGER NOT NULL,
    state         TEXT NOT NULL,
    protocol_type TEXT NOT NULL,
    body          TEXT NOT NULL  -- opaque to the store (lib/broker/groups owns it)
  ) STRICT, WITHOUT ROWID;

  -- Rows exist only beside a group row: commitOffsets requires one, deleteGroup removes both.
  CREATE TABLE group_offsets (
    group_id            TEXT NOT NULL,
    topic               TEXT NOT NULL,
    partition           INTEGER NOT NULL,
    offset              INTEGER NOT NULL,
    leader_epoch        INTEGER NOT NULL,
    metadata            TEXT,  -- NULL and '' are different values to Kafka clients
    commit_timestamp_ms INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE fronts (
    node_id       INTEGER PRIMARY KEY,
    host          TEXT NOT NULL,
    port          INTEGER NOT NULL,
    rack          TEXT,
    heartbeat_seq INTEGER NOT NULL
  ) STRICT;

  -- Node ids are unique for all time, so they come from a counter that only goes up, never
  -- from MAX(node_id) + 1 (which would hand a removed front's id out again).
  CREATE TABLE node_ids (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    next_node_id INTEGER NOT NULL
  ) STRICT;
  INSERT INTO node_ids (singleton, next_node_id) VALUES (1, 1);
  `,
  // 2 → 3: segmentReferenced (orphan segment collection) finds a segment's chunks by key. The
  // table is WITHOUT ROWID, so the index carries (topic_id, partition, base_offset) as well.
  `
  CREATE INDEX chunks_by_segment_key ON chunks (segment_key);
  `,
  // 3 → 4: partition leases of HTTP consumer groups (ports.ts LeaseRecord).
  `
  CREATE TABLE leases (
    group_id            TEXT NOT NULL,
    topic               TEXT NOT NULL,
    partition           INTEGER NOT NULL,
    owner               TEXT,
    counter             INTEGER NOT NULL,
    epoch               INTEGER NOT NULL,
    checkpoint          INTEGER,
    checkpoint_metadata TEXT,
    PRIMARY KEY (group_id, topic, partition)
  ) STRICT, WITHOUT ROWID;
  `,
  // 4 → 5: segment receipts (ports.ts putSegmentReceipt): the chunks a flush committed into one
  // segment object, in lib/storage/receipt-text.ts's form.
  `
  CREATE TABLE segment_receipts (
    segment_key TEXT PRIMARY KEY,
    chunks      TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,
];

/**
 * Brings the database to the latest schema inside one IMMEDIATE transaction, so two processes
 * opening a fresh file at once cannot both migrate it.
 */
export function migrate(db: DatabaseSync, migrations: readonly string[] = MIGRATIONS): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(`
      CREATE TABLE IF NOT EXISTS schema_version (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        version   INTEGER NOT NULL
      ) STRICT;
      INSERT INTO schema_version (singleton, version) VALUES (1, 0) ON CONFLICT DO NOTHING;
    `);
    const row = db.prepare("SELECT version FROM schema_version WHERE singleton = 1").get();
    const current = Number(row?.version ?? 0);
    if (current > migrations.length) {
      throw new Error(
        `metadata database schema version ${current} is newer than this Floe supports ` +
          `(${migrations.length}); upgrade Floe or use another database file`,
      );
    }
    for (let version = current; version < migrations.length; version++) {
      db.exec(migrations[version]);
    }
    db.prepare("UPDATE schema_version SET version = ? WHERE singleton = 1").run(migrations.length);
    db.exec("COMMIT");
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
}

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("SELECT version FROM schema_version WHERE singleton = 1").get();
  return Number(row?.version ?? 0);
}
