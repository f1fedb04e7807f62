/**
 * The two layouts of the partition logs on DynamoDB, behind one interface, and the table item
 * that keeps a table in one of them.
 *
 *  - "shard" (the default): commits to the partitions of one shard (32 partitions of a topic)
 *    are one immutable record (./shard-log.ts), so a dense flush pays a few write units per
 *    shard instead of one per partition; every writer of a shard contends on its next record.
 *  - "partition": one head item per partition, one conditional UpdateItem per partition a flush
 *    touches (./commit.ts): 1.25 WCU per partition, and writers contend only per partition.
 *
 * docs/sublinear-commits.md weighs them. The chunk index (./chunks.ts) and the orphan
 * collector's lookups (./segment-references.ts) are shared: both layouts keep older entries in
 * the same per-partition index pages and read heads through a HeadReader.
 *
 * A table holds one layout: the first store to ask for the cluster id or touch a partition log
 * records its layout in the cluster item (./topics.ts claimCluster), and a store configured for
 * the other one is refused (non-retriable).
 */
import type { LogLayoutName } from "../../config/aws-config.ts";
import type {
  CommitOutcome,
  PartitionCommit,
  PartitionHead,
  PartitionKey,
  TopicRecord,
} from "../ports.ts";
import {
  deleteAllUnder,
  deleteChunksBelow,
  deletePages,
  entriesBelow,
  type HeadReader,
  headItemReader,
} from "./chunks.ts";
import type { DynamoTable } from "./client.ts";
import { commitPartitions, validateCommits } from "./commit.ts";
import { mapLimit } from "./concurrency.ts";
import { HeadCache, readHeads } from "./heads.ts";
import { partitionPk, SHARD_PARTITIONS, shardOf, shardPk } from "./keys.ts";
import { ShardLogs, shardId } from "./shard-log.ts";

const SHARD_CONCURRENCY = 32;
const DELETE_CONCURRENCY = 16;

export interface LogLayout {
  readonly name: LogLayoutName;
  /** Partitions that share one commit point (1: each partition has its own). */
  readonly partitionsPerShard: number;
  readonly heads: HeadReader;
  getHeads(keys: readonly PartitionKey[]): Promise<PartitionHead[]>;
  commitPartitions(commits: readonly PartitionCommit[]): Promise<CommitOutcome[]>;
  deleteChunksBelow(key: PartitionKey, offset: bigint): Promise<number>;
  /** Deletes every item of the topic's logs (deleteTopic, after the topic records went). */
  dropTopic(topic: TopicRecord): Promise<void>;
  /** Waits for background writes (the shard layout's snapshots). */
  settle(): Promise<void>;
}

export function partitionLayout(table: DynamoTable): LogLayout {
  const cache = new HeadCache();
  return {
    name: "partition",
    partitionsPerShard: 1,
    heads: headItemReader(table, cache),
    async getHeads(keys) {
      return (await readHeads(table, cache, keys, "getHeads")).map((s) => s.head);
    },
    commitPartitions: (commits) => commitPartitions(table, cache, commits),
    deleteChunksBelow: (key, offset) => deleteChunksBelow(table, cache, key, offset),
    async dropTopic(topic) {
      await mapLimit(partitionsOf(topic), DELETE_CONCURRENCY, async (partition) => {
        await deleteAllUnder(table, partitionPk(topic.topicId, partition));
        cache.delete({ topicId: topic.topicId, partition });
      });
    },
    settle: async () => {},
  };
}

export function shardLayout(table: DynamoTable): LogLayout {
  const logs = new ShardLogs(table);
  const heads: HeadReader = {
    async read(key, what) {
      const state = await logs.current(key.topicId, shardOf(key.partition), what);
      return state.stored(key.partition);
    },
    held(key, atHead) {
      const stored = logs.held(key.topicId, shardOf(key.partition))?.stored(key.partition);
      return stored !== undefined && stored.head.version >= atHead.version ? stored : undefined;
    },
  };
  return {
    name: "shard",
    partitionsPerShard: SHARD_PARTITIONS,
    heads,
    async getHeads(keys) {
      const shards = groupByShard(keys, (key) => key);
      const states = await mapLimit([...shards.values()], SHARD_CONCURRENCY, (group) =>
        logs.current(group.topicId, group.shard, "getHeads"),
      );
      const byShard = new Map([...shards.keys()].map((id, i) => [id, states[i]]));
      return keys.map((key) => byShard.get(shardIdOf(key))!.stored(key.partition).head);
    },
    async commitPartitions(commits) {
      validateCommits(commits);
      table.assertOpen("commitPartitions");
      const shards = groupByShard(commits, (c) => c.head);
      const outcomes = new Array<CommitOutcome>(commits.length);
      await mapLimit([...shards.values()], SHARD_CONCURRENCY, async (group) => {
        const results = await logs.commit(group.topicId, group.shard, group.items);
        for (const [j, index] of group.indexes.entries()) outcomes[index] = results[j];
      });
      return outcomes;
    },
    async deleteChunksBelow(key, offset) {
      table.assertOpen("deleteChunksBelow");
      const outcome = await logs.raiseFloor(key, offset, shardOf(key.partition));
      if (!outcome.raised) return 0;
      const below = await entriesBelow(table, key, outcome.stored, outcome.oldFloor, offset);
      await deletePages(table, key, below.doomed);
      return below.count;
    },
    async dropTopic(topic) {
      const shardCount = Math.ceil(topic.partitionCount / SHARD_PARTITIONS);
      const pks = [
        ...Array.from({ length: shardCount }, (_, shard) => shardPk(topic.topicId, shard)),
        ...partitionsOf(topic).map((partition) => partitionPk(topic.topicId, partition)),
      ];
      await mapLimit(pks, DELETE_CONCURRENCY, (pk) => deleteAllUnder(table, pk));
      logs.forget(topic.topicId);
    },
    settle: () => logs.settle(),
  };
}

function partitionsOf(topic: TopicRecord): number[] {
  return Array.from({ length: topic.partitionCount }, (_, partition) => partition);
}

function shardIdOf(key: PartitionKey): string {
  return shardId(key.topicId, shardOf(key.partition));
}

interface ShardGroup<T> {
  topicId: string;
  shard: number;
  items: T[];
  indexes: number[];
}

function groupByShard<T>(
  items: readonly T[],
  keyOf: (item: T) => PartitionKey,
): Map<string, ShardGroup<T>> {
  const groups = new Map<string, ShardGroup<T>>();
  for (const [index, item] of items.entries()) {
    const key = keyOf(item);
    const id = shardIdOf(key);
    let group = groups.get(id);
    if (group === undefined) {
      group = { topicId: key.topicId, shard: shardOf(key.partition), items: [], indexes: [] };
      groups.set(id, group);
    }
    group.items.push(item);
    group.indexes.push(index);
  }
  return groups;
}
