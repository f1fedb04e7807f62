/**
 * MetadataStore on Amazon DynamoDB: the AWS backend's linearization point for offsets, producer
 * ids, consumer groups and front leases. One table, string pk/sk, on-demand billing; the layout,
 * access patterns and capacity per operation are in docs/dynamodb-tables.md, the key scheme in
 * ./keys.ts.
 *
 * Every race is resolved by a conditional write on a version-like attribute (head version,
 * topic version, group version, heartbeat seq), never by a lock; a lost condition becomes the
 * port's typed outcome carrying the current value, read from the failed write's old image. Every
 * read that a decision depends on is strongly consistent. SDK exceptions are translated once, in
 * ./client.ts and ./errors.ts, after the SDK's own retries.
 *
 * Durability (invariant 1, DESIGN.md §2): a DynamoDB write is durable (replicated across three
 * AZs) when the call returns, so a resolved commitPartitions may be acknowledged to producers.
 *
 * Cost is counted, not guessed: every call asks for its consumed capacity and records it in
 * `store.counters` (dynamodb.rcu, dynamodb.wcu, dynamodb.calls.<Operation>, …).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type AwsConfig, DEFAULT_LOG_LAYOUT, type LogLayoutName } from "../../config/aws-config.ts";
import { StorageCounters } from "../counters.ts";
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
import * as chunks from "./chunks.ts";
import { DynamoTable } from "./client.ts";
import {
  createDynamoClient,
  type DynamoClientTuning,
  type DynamoTableConfig,
  tableConfigOf,
} from "./connection.ts";
import * as fronts from "./fronts.ts";
import * as groups from "./groups.ts";
import { PRODUCER_ID_COUNTER_KEY } from "./keys.ts";
import * as leases from "./leases.ts";
import { type LogLayout, partitionLayout, shardLayout } from "./log-layout.ts";
import * as receipts from "./receipts.ts";
import { segmentReferenced } from "./segment-references.ts";
import * as topics from "./topics.ts";

export interface DynamoMetadataStoreOptions {
  /** Where the table is: the AWS backend's config, or endpoint/region/credentials/table. */
  config: AwsConfig | DynamoTableConfig;
  /**
   * A client to use instead of one built from `config` (its endpoint and credentials win);
   * the store does not destroy a client it was given.
   */
  client?: DynamoDBClient;
  /** Where capacity and calls are counted; a fresh one by default. */
  counters?: StorageCounters;
  /** Retry and timeout settings of the client the store builds. */
  tuning?: DynamoClientTuning;
  /**
   * How partition logs are laid out (./log-layout.ts); by default the AwsConfig's, else
   * "shard". A table holds one layout: a store configured for the other is refused.
   */
  layout?: LogLayoutName;
}

export class DynamoMetadataStore implements MetadataStore {
  readonly counters: StorageCounters;
  readonly tableName: string;
  /** Partitions sharing one commit point: routing sends them to one front (see the port). */
  readonly partitionsPerShard: number;
  private readonly table: DynamoTable;
  private readonly layout: LogLayout;
  private layoutClaimed: Promise<void> | undefined;
  private layoutChecked: Promise<void> | undefined;

  private constructor(table: DynamoTable, layout: LogLayoutName) {
    this.table = table;
    this.counters = table.counters;
    this.tableName = table.name;
    this.layout = layout === "shard" ? shardLayout(table) : partitionLayout(table);
    this.partitionsPerShard = this.layout.partitionsPerShard;
  }

  /**
   * The layout's claim on the table, made once per store before it first writes a partition log:
   * with the cluster id (every front and Lambda asks for it before its first append), or else
   * before the first commit. A store that only reads checks the table's layout instead.
   */
  private writes(): Promise<LogLayout> {
    this.layoutClaimed ??= this.claim().then(() => {});
    return this.layoutClaimed.then(() => this.layout);
  }

  private reads(): Promise<LogLayout> {
    if (this.layoutClaimed !== undefined) return this.writes();
    this.layoutChecked ??= topics.checkLayout(this.table, this.layout.name).catch((err) => {
      this.layoutChecked = undefined;
      throw err;
    });
    return this.layoutChecked.then(() => this.layout);
  }

  private claim(candidate?: string): Promise<string | undefined> {
    return topics.claimCluster(this.table, this.layout.name, candidate).catch((err) => {
      this.layoutClaimed = undefined; // a transient failure is tried again by the next call
      throw err;
    });
  }

  /** Opens the store on an existing table (see ./table.ts ensureTable); makes no call. */
  static async open(options: DynamoMetadataStoreOptions): Promise<DynamoMetadataStore> {
    const config = tableConfigOf(options.config);
    const client = options.client ?? createDynamoClient(config, options.tuning);
    const counters = options.counters ?? new StorageCounters();
    const layout =
      options.layout ??
      ("logLayout" in options.config ? options.config.logLayout : undefined) ??
      DEFAULT_LOG_LAYOUT;
    return new DynamoMetadataStore(
      new DynamoTable(client, config.table, counters, options.client === undefined),
      layout,
    );
  }

  // -- cluster, topics, producer ids -----------------------------------------------------------

  async ensureClusterId(candidate: string): Promise<string> {
    const clusterId = await this.claim(candidate);
    this.layoutClaimed ??= Promise.resolve();
    return clusterId!;
  }

  async createTopic(topic: TopicRecord): Promise<void> {
    return topics.createTopic(this.table, topic);
  }

  async getTopic(name: string): Promise<TopicRecord | undefined> {
    return topics.getTopic(this.table, name);
  }

  async getTopicById(topicId: string): Promise<TopicRecord | undefined> {
    return topics.getTopicById(this.table, topicId);
  }

  async listTopics(): Promise<TopicRecord[]> {
    return topics.listTopics(this.table);
  }

  async updateTopic(next: TopicRecord, expectedVersion: number): Promise<void> {
    return topics.updateTopic(this.table, next, expectedVersion);
  }

  async deleteTopic(name: string): Promise<TopicRecord> {
    const layout = await this.writes();
    return topics.deleteTopic(this.table, name, (topic) => layout.dropTopic(topic));
  }

  async allocateProducerId(): Promise<bigint> {
    return topics.nextCounterValue(this.table, PRODUCER_ID_COUNTER_KEY, 0n, "allocateProducerId");
  }

  // -- partition logs --------------------------------------------------------------------------

  async getHeads(keys: readonly PartitionKey[]): Promise<PartitionHead[]> {
    this.table.assertOpen("getHeads");
    if (keys.length === 0) return [];
    return (await this.reads()).getHeads(keys);
  }

  async commitPartitions(commits: readonly PartitionCommit[]): Promise<CommitOutcome[]> {
    return (await this.writes()).commitPartitions(commits);
  }

  async findChunks(
    key: PartitionKey,
    fromOffset: bigint,
    limit: number,
    atHead?: PartitionHead,
  ): Promise<ChunkEntry[]> {
    const { heads } = await this.reads();
    return chunks.findChunks(this.table, heads, key, fromOffset, limit, atHead);
  }

  async findChunkByTimestamp(
    key: PartitionKey,
    timestampMs: number,
  ): Promise<ChunkEntry | undefined> {
    const { heads } = await this.reads();
    return chunks.findChunkByTimestamp(this.table, heads, key, timestampMs);
  }

  async deleteChunksBelow(key: PartitionKey, offset: bigint): Promise<number> {
    return (await this.writes()).deleteChunksBelow(key, offset);
  }

  async segmentReferenced(
    segmentKey: string,
    partitions: readonly PartitionKey[],
  ): Promise<boolean> {
    const { heads } = await this.reads();
    return segmentReferenced(this.table, heads, segmentKey, partitions);
  }

  // -- segment receipts ------------------------------------------------------------------------

  async putSegmentReceipt(
    segmentKey: string,
    chunks: readonly SegmentReceiptChunk[],
  ): Promise<void> {
    return receipts.putSegmentReceipt(this.table, segmentKey, chunks);
  }

  async getSegmentReceipts(
    segmentKeys: readonly string[],
  ): Promise<Map<string, SegmentReceiptChunk[]>> {
    return receipts.getSegmentReceipts(this.table, segmentKeys);
  }

  async deleteSegmentReceipts(segmentKeys: readonly string[]): Promise<void> {
    return receipts.deleteSegmentReceipts(this.table, segmentKeys);
  }

  // -- consumer groups -------------------------------------------------------------------------

  async getGroup(groupId: string): Promise<GroupRecord | undefined> {
    return groups.getGroup(this.table, groupId);
  }

  async listGroups(): Promise<GroupRecord[]> {
    return groups.listGroups(this.table);
  }

  async putGroup(next: GroupRecord, expectedVersion: number): Promise<void> {
    return groups.putGroup(this.table, next, expectedVersion);
  }

  async deleteGroup(groupId: string, expectedVersion: number): Promise<void> {
    return groups.deleteGroup(this.table, groupId, expectedVersion);
  }

  async commitOffsets(
    groupId: string,
    expectedGroupVersion: number,
    offsets: readonly CommittedOffset[],
  ): Promise<void> {
    return groups.commitOffsets(this.table, groupId, expectedGroupVersion, offsets);
  }

  async fetchOffsets(
    groupId: string,
    partitions?: readonly GroupPartition[],
  ): Promise<CommittedOffset[]> {
    this.table.assertOpen("fetchOffsets");
    if (partitions !== undefined && partitions.length === 0) return [];
    return groups.fetchOffsets(this.table, groupId, partitions);
  }

  async deleteOffsets(
    groupId: string,
    expectedGroupVersion: number,
    partitions: readonly GroupPartition[],
  ): Promise<void> {
    return groups.deleteOffsets(this.table, groupId, expectedGroupVersion, partitions);
  }

  // -- fronts ----------------------------------------------------------------------------------

  async registerFront(front: Omit<FrontRecord, "nodeId" | "heartbeatSeq">): Promise<FrontRecord> {
    return fronts.registerFront(this.table, front);
  }

  async renewFront(nodeId: number, expectedSeq: number): Promise<void> {
    return fronts.renewFront(this.table, nodeId, expectedSeq);
  }

  async listFronts(): Promise<FrontRecord[]> {
    return fronts.listFronts(this.table);
  }

  async removeFront(nodeId: number, expectedSeq: number): Promise<void> {
    return fronts.removeFront(this.table, nodeId, expectedSeq);
  }

  // -- partition leases ------------------------------------------------------------------------

  async listLeases(group: string, topic: string): Promise<LeaseRecord[]> {
    return leases.listLeases(this.table, group, topic);
  }

  async putLease(next: LeaseRecord, expectedCounter: number): Promise<void> {
    return leases.putLease(this.table, next, expectedCounter);
  }

  async deleteLeases(group: string, topic?: string): Promise<number> {
    return leases.deleteLeases(this.table, group, topic);
  }

  /** Waits for the writes a store makes in the background (shard snapshots and pages). */
  async settled(): Promise<void> {
    await this.layout.settle();
  }

  async close(): Promise<void> {
    if (this.table.isClosed()) return;
    await this.layout.settle();
    this.table.close();
  }
}
