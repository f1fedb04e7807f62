/**
 * The two storage ports. Every backend (embedded: filesystem + SQLite; AWS: S3 + DynamoDB)
 * implements them and passes the same contract suite in test/contract/. The ports are narrow on
 * purpose: Kafka semantics (offset assignment, idempotence, fetch) live in lib/broker and use
 * only these operations, so the linearisation points are explicit:
 *
 *  - segment objects are immutable and written once (`putNew`, If-None-Match semantics);
 *  - offsets are assigned by conditional writes (`commitPartitions`): each commit names the
 *    head `version` it was planned on and applies only if that is still the partition's version,
 *    never by locks held in memory. (A backend may commit several partitions in one conditional
 *    write, as the DynamoDB shard layout does, as long as each commit still succeeds or fails on
 *    its own partition's version.)
 *
 * Errors are the typed classes of ./errors.ts.
 */

// ---------------------------------------------------------------------------------------------
// Object store
// ---------------------------------------------------------------------------------------------

export interface ObjectInfo {
  key: string;
  sizeBytes: number;
  lastModifiedMs: number;
}

export interface ObjectStore {
  /**
   * Writes a new object. Durable when the promise resolves (fsync'd, or acknowledged by S3).
   * Throws ObjectExistsError if the key already exists: keys are never overwritten.
   */
  putNew(key: string, body: Buffer | readonly Buffer[]): Promise<void>;

  /**
   * Reads `lengthBytes` from `startByte`. Throws ObjectNotFoundError; a short object is an error:
   * ObjectRangeError when the object ends before `startByte + lengthBytes`.
   */
  getRange(key: string, startByte: number, lengthBytes: number): Promise<Buffer>;

  /** Reads the whole object. Throws ObjectNotFoundError. */
  get(key: string): Promise<Buffer>;

  /**
   * Keys under `prefix`, and with `startAfter` only those after it (by UTF-8 byte order, as
   * S3's StartAfter). Both adapters list in ascending key order; the port does not promise it
   * (an S3 Express directory bucket lists unsorted), so a caller that resumes a listing checks
   * the order it gets (lib/broker/log/orphan-gc.ts).
   */
  list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo>;

  /** Deletes the keys; keys that do not exist are not an error. */
  deleteMany(keys: readonly string[]): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Metadata store
// ---------------------------------------------------------------------------------------------

export interface TopicRecord {
  name: string;
  /** Stable UUID (8-4-4-4-12 hex), assigned at creation and never reused. */
  topicId: string;
  partitionCount: number;
  /** Topic-level config overrides only (Kafka's "dynamic topic config"); defaults live in lib/config. */
  configs: Record<string, string>;
  createdAtMs: number;
  /** Bumped on every change; the condition for `updateTopic`. Starts at 1. */
  version: number;
}

export interface PartitionKey {
  topicId: string;
  partition: number;
}

/** One retained batch of an idempotent producer on one partition (Kafka keeps the last five). */
export interface ProducerBatchRecord {
  firstSequence: number;
  lastSequence: number;
  baseOffset: bigint;
  lastOffset: bigint;
}

/** Idempotence state of one producer id on one partition. */
export interface ProducerPartitionState {
  producerId: bigint;
  producerEpoch: number;
  /** Oldest first, at most five. */
  batches: ProducerBatchRecord[];
  /** Wall-clock time of the last append, for expiry after producer.id.expiration.ms. */
  lastAppendMs: number;
}

/**
 * The head of one partition's log: where the next offset goes, where the log starts, and the
 * producer state that must change atomically with it. A partition that was never written has
 * the implicit head { nextOffset: 0n, logStartOffset: 0n, version: 0, producers: [] }.
 */
export interface PartitionHead extends PartitionKey {
  /** The high watermark: one past the last committed offset. */
  nextOffset: bigint;
  logStartOffset: bigint;
  /** Running maximum of record timestamps in the log; -1 when empty. */
  maxTimestampMs: number;
  /** Bumped on every change; 0 for a partition never written. */
  version: number;
  producers: ProducerPartitionState[];
}

/**
 * One index entry: a contiguous run of whole record batches of one partition inside one
 * segment object, holding offsets [baseOffset, lastOffset].
 */
export interface ChunkEntry extends PartitionKey {
  baseOffset: bigint;
  lastOffset: bigint;
  segmentKey: string;
  byteStart: number;
  byteLength: number;
  batchCount: number;
  /** Largest record timestamp in this chunk. */
  maxTimestampMs: number;
  /**
   * Largest record timestamp in the log up to and including this chunk. Monotonic along the
   * log, so "first chunk with a timestamp ≥ T" is an ordered lookup, not a scan.
   */
  runningMaxTimestampMs: number;
}

/** A conditional update of one partition: replace the head if its version is still `expectedVersion`. */
export interface PartitionCommit {
  expectedVersion: number;
  /** The new head; its version must be expectedVersion + 1. */
  head: PartitionHead;
  /** Index entries made visible by this commit (may be empty, e.g. for DeleteRecords). */
  chunks: ChunkEntry[];
}

export type CommitOutcome = { ok: true } | { ok: false; current: PartitionHead };

/** One partition's committed chunk in a segment object, as the segment's receipt names it. */
export interface SegmentReceiptChunk extends PartitionKey {
  /** The last offset the flush committed into this segment for the partition. */
  lastOffset: bigint;
}

// ---------------------------------------------------------------------------------------------
// Consumer groups
// ---------------------------------------------------------------------------------------------

/**
 * One consumer group as the store sees it: a versioned record. Members, generation, protocol
 * and assignments are the broker's own encoding in `body` (lib/broker/groups owns it), so the
 * store needs no knowledge of the group protocol; `state` and `protocolType` are kept beside it
 * for ListGroups without decoding. Every change is a conditional write on `version`.
 */
export interface GroupRecord {
  groupId: string;
  /**
   * 1 on creation, bumped by every putGroup; the condition of putGroup, commitOffsets and
   * deleteGroup. Committing or deleting offsets does not bump it (members of one generation
   * would otherwise keep fencing each other's commits).
   */
  version: number;
  /** Kafka's state name: Empty, PreparingRebalance, CompletingRebalance, Stable. */
  state: string;
  /** "consumer" for Kafka consumers; "" for a group that only holds standalone commits. */
  protocolType: string;
  /** Opaque to the store (JSON text written by lib/broker/groups). */
  body: string;
}

export interface GroupPartition {
  topic: string;
  partition: number;
}

/** A committed offset of one group on one partition (Kafka's OffsetAndMetadata). */
export interface CommittedOffset extends GroupPartition {
  offset: bigint;
  /** -1 when the committer did not know it. */
  leaderEpoch: number;
  metadata: string | null;
  commitTimestampMs: number;
}

// ---------------------------------------------------------------------------------------------
// Fronts (the hosts that serve the Kafka protocol)
// ---------------------------------------------------------------------------------------------

/**
 * A live front as registered in the store. Liveness is a lease renewed by bumping
 * `heartbeatSeq`; an observer judges expiry with its own clock (the seq has not moved for the
 * lease duration it measured itself), never by comparing timestamps written by other hosts.
 */
export interface FrontRecord {
  /** Kafka node id, allocated by the store, unique for all time. */
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
  /** Bumped by every renewal. */
  heartbeatSeq: number;
}

// ---------------------------------------------------------------------------------------------
// Partition leases (HTTP consumer groups: lib/broker/leases)
// ---------------------------------------------------------------------------------------------

/**
 * One partition of a topic as leased to a worker of an HTTP consumer group (the Kinesis Client
 * Library's lease item). The store only compares and sets `counter`; what the fields mean —
 * who may renew, when a lease counts as expired — is lib/broker/leases' business.
 */
export interface LeaseRecord {
  group: string;
  topic: string;
  partition: number;
  /** The worker holding the lease; null when released or never taken. */
  owner: string | null;
  /**
   * Bumped by every write (take, renew, checkpoint, release); the condition of putLease. An
   * observer judges liveness by seeing it change, on its own clock. 1 on creation.
   */
  counter: number;
  /** The fencing token: bumped whenever the owner changes; writes under the lease carry it. */
  epoch: number;
  /** The next offset to process (Kafka's committed-offset meaning); null before the first. */
  checkpoint: bigint | null;
  checkpointMetadata: string | null;
}

export interface MetadataStore {
  /**
   * Partitions (consecutive, of one topic) that share one commit point, e.g. the DynamoDB shard
   * layout's 32; absent or 1 when every partition has its own. Commits to one shard from
   * different hosts contend, so routing (lib/broker/routing.ts) sends a shard to one front.
   */
  readonly partitionsPerShard?: number;

  // -- cluster ---------------------------------------------------------------------------------
  /** Stores `candidate` as the cluster id unless one exists; returns the stored one. */
  ensureClusterId(candidate: string): Promise<string>;

  // -- topics ----------------------------------------------------------------------------------
  /** Throws TopicExistsError if the name is taken. */
  createTopic(topic: TopicRecord): Promise<void>;
  getTopic(name: string): Promise<TopicRecord | undefined>;
  getTopicById(topicId: string): Promise<TopicRecord | undefined>;
  listTopics(): Promise<TopicRecord[]>;
  /**
   * Replaces a topic record if its stored version is `expectedVersion` (next.version must be
   * expectedVersion + 1). Throws VersionConflictError<TopicRecord | undefined> otherwise, and
   * also when the stored record has another topicId (the name was deleted and reused).
   */
  updateTopic(next: TopicRecord, expectedVersion: number): Promise<void>;
  /** Removes the topic name; its partitions' heads and chunks go too. Throws UnknownTopicError. */
  deleteTopic(name: string): Promise<TopicRecord>;

  // -- partition logs --------------------------------------------------------------------------
  /** Heads in the order of `keys`; an unwritten partition yields its implicit version-0 head. */
  getHeads(keys: readonly PartitionKey[]): Promise<PartitionHead[]>;

  /**
   * Applies each commit atomically and independently: the head is replaced and its chunks
   * become visible together, or nothing happens and the outcome carries the current head.
   * Outcomes are in the order of `commits`. Two commits for one partition in one call are
   * not allowed: that, a head.version other than expectedVersion + 1, or a chunk of another
   * partition is a caller bug; the call rejects (not with a StorageError) and applies nothing.
   */
  commitPartitions(commits: readonly PartitionCommit[]): Promise<CommitOutcome[]>;

  /**
   * Chunks of a partition with lastOffset ≥ fromOffset, ascending by baseOffset, at most
   * `limit` of them.
   *
   * `atHead` is a head of this partition the caller has just read (a read path reads it anyway
   * for the high watermark). An adapter may then answer from its own copy of that head version,
   * or a later one, instead of reading the head again; the answer still holds every chunk
   * `atHead` covers at or above fromOffset, and may hold later ones. Without it, the answer is
   * as of the call.
   */
  findChunks(
    key: PartitionKey,
    fromOffset: bigint,
    limit: number,
    atHead?: PartitionHead,
  ): Promise<ChunkEntry[]>;

  /** The first chunk (by offset) whose runningMaxTimestampMs ≥ timestampMs, if any. */
  findChunkByTimestamp(key: PartitionKey, timestampMs: number): Promise<ChunkEntry | undefined>;

  /** Deletes index entries wholly below `offset` (after DeleteRecords/retention moved the log start). */
  deleteChunksBelow(key: PartitionKey, offset: bigint): Promise<number>;

  /**
   * Whether a chunk entry of one of `partitions` names `segmentKey`: the orphan collector's test
   * (lib/broker/log/orphan-gc.ts) before it deletes a segment object. `partitions` are the ones
   * the segment's footer names — only they can hold entries of it — so a backend looks nowhere
   * else, and entries of other partitions never count. Entries gone with deleteChunksBelow or
   * deleteTopic do not count; an entry deleteChunksBelow left (lastOffset ≥ its offset) does.
   * Strongly consistent: every entry committed before the call is seen. The cost may grow with
   * the partitions' index length (docs/dynamodb-tables.md §3); the collector calls it only for
   * objects older than its grace period.
   */
  segmentReferenced(segmentKey: string, partitions: readonly PartitionKey[]): Promise<boolean>;

  // -- segment receipts ------------------------------------------------------------------------
  /**
   * Records which chunks a flush committed into the segment object `segmentKey`: one per
   * partition it committed there, with the chunk's last offset. The flusher writes it once every
   * commit of the flush is settled and known (never when one is in doubt), so a receipt names
   * every chunk of the object that can be in the index; the orphan collector then judges the
   * object by looking those chunks up instead of searching for it (lib/broker/log/orphan-gc.ts).
   * Writing the same receipt again is harmless.
   */
  putSegmentReceipt(segmentKey: string, chunks: readonly SegmentReceiptChunk[]): Promise<void>;
  /** The receipts of those of `segmentKeys` that have one (strongly consistent). */
  getSegmentReceipts(segmentKeys: readonly string[]): Promise<Map<string, SegmentReceiptChunk[]>>;
  /** Deletes the receipts of `segmentKeys`; a key without one is not an error. */
  deleteSegmentReceipts(segmentKeys: readonly string[]): Promise<void>;

  // -- producers -------------------------------------------------------------------------------
  /** A producer id never handed out before, by any host. */
  allocateProducerId(): Promise<bigint>;

  // -- consumer groups -------------------------------------------------------------------------
  getGroup(groupId: string): Promise<GroupRecord | undefined>;
  /** Every group record (a standalone commit creates an Empty record first). */
  listGroups(): Promise<GroupRecord[]>;
  /**
   * Creates (expectedVersion 0: no record may exist) or replaces the group record.
   * next.version must be expectedVersion + 1. Throws VersionConflictError<GroupRecord | undefined>
   * carrying the stored record when the stored version differs.
   */
  putGroup(next: GroupRecord, expectedVersion: number): Promise<void>;
  /**
   * Removes the group record and all of its committed offsets if its version is still
   * `expectedVersion`. Throws VersionConflictError<GroupRecord | undefined> otherwise.
   */
  deleteGroup(groupId: string, expectedVersion: number): Promise<void>;
  /**
   * Writes committed offsets (replacing any for the same partitions) only if the group record's
   * version is still `expectedGroupVersion`: the fence that keeps a member of an older
   * generation from committing. Throws VersionConflictError<GroupRecord | undefined> otherwise,
   * and writes nothing. At most 1,000 offsets per call, one per partition (more, or the same
   * partition twice, is a caller bug: RangeError). The DynamoDB adapter is atomic only up to 99
   * offsets; larger calls are written in fenced pieces (docs/dynamodb-tables.md).
   */
  commitOffsets(
    groupId: string,
    expectedGroupVersion: number,
    offsets: readonly CommittedOffset[],
  ): Promise<void>;
  /** Committed offsets of the group: all of them, or those of `partitions` that exist. */
  fetchOffsets(groupId: string, partitions?: readonly GroupPartition[]): Promise<CommittedOffset[]>;
  /** Removes committed offsets under the same fence as commitOffsets. */
  deleteOffsets(
    groupId: string,
    expectedGroupVersion: number,
    partitions: readonly GroupPartition[],
  ): Promise<void>;

  // -- partition leases ------------------------------------------------------------------------
  /** The group's leases on `topic`, by partition (strongly consistent). */
  listLeases(group: string, topic: string): Promise<LeaseRecord[]>;
  /**
   * Creates (expectedCounter 0: no lease may exist) or replaces the lease if its stored counter
   * is still `expectedCounter`. next.counter must be expectedCounter + 1 (else RangeError).
   * Throws VersionConflictError<LeaseRecord | undefined> carrying the stored lease otherwise.
   */
  putLease(next: LeaseRecord, expectedCounter: number): Promise<void>;
  /**
   * Removes every lease of the group, on every topic, or on `topic` only (its topic was
   * deleted); returns how many went.
   */
  deleteLeases(group: string, topic?: string): Promise<number>;

  // -- fronts ----------------------------------------------------------------------------------
  /** Registers a front under a newly allocated node id, with heartbeatSeq 0. */
  registerFront(front: Omit<FrontRecord, "nodeId" | "heartbeatSeq">): Promise<FrontRecord>;
  /**
   * Renews a front's lease: sets heartbeatSeq to expectedSeq + 1. Throws
   * VersionConflictError<FrontRecord | undefined> when the record is gone (another host judged
   * the lease expired and removed it: the front must register again) or its seq moved.
   */
  renewFront(nodeId: number, expectedSeq: number): Promise<void>;
  listFronts(): Promise<FrontRecord[]>;
  /**
   * Removes a front if its seq is still `expectedSeq`; a missing record is not an error. A
   * record whose seq moved (the front renewed meanwhile) stays, and the call throws
   * VersionConflictError<FrontRecord> carrying it.
   */
  removeFront(nodeId: number, expectedSeq: number): Promise<void>;

  /** Idempotent; every other method rejects afterwards. */
  close(): Promise<void>;
}
