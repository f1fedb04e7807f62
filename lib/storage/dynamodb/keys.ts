/**
 * The single-table key layout of the DynamoDB metadata store (docs/dynamodb-tables.md has the
 * whole picture: item shapes, access patterns, capacity per operation). Every item has a string
 * partition key `pk` and a string sort key `sk`; nothing else is indexed (no GSI, no LSI), so
 * every read the store makes can be strongly consistent.
 *
 *   pk                        sk                      item
 *   CLUSTER                   ID                      cluster id, the table's log layout
 *   COUNTER                   PRODUCER_ID | NODE_ID   atomic counters (UpdateItem ADD)
 *   TOPIC                     N#<name>                topic record, by name
 *   TOPIC                     I#<topicId>             name of a topic id (getTopicById)
 *   P#<topicId>#<partition>   H                       partition head + recent chunk entries
 *   P#<topicId>#<partition>   C#<lastOffset, 20 dig>  index page: older chunk entries
 *   S#<topicId>#<shard>       R#<seq, 20 digits>      shard layout: one commit record
 *   S#<topicId>#<shard>       N#<seq, 20>#<part, 3>   shard layout: snapshot of the shard's heads
 *   GROUP                     G#<groupId>             consumer group record
 *   O#<groupId>               <partition>#<topic>     committed offset
 *   FRONT                     N#<nodeId, 10 digits>   front lease
 *   L#<group>                 <topic>#<partition, 10> partition lease of an HTTP consumer group
 *   R#<segment key>           R                       segment receipt: the chunks a flush committed
 *
 * Everything a partition owns lives under its own pk, so partitions spread over DynamoDB's
 * physical partitions and a flush touching many partitions is not a hot key. Topic, group and
 * front records share one pk each so that listing them is a Query, not a Scan of the table.
 *
 * TABLE_KEY is for cdk/ (DESIGN.md §4: it imports shared names from lib/), so the deployed table
 * and the adapter agree on the key names.
 */

export const TABLE_KEY = Object.freeze({ partitionKey: "pk", sortKey: "sk" });

/**
 * The table's TTL attribute (epoch seconds), enabled by the CDK data stack. An item carrying it
 * may be deleted by DynamoDB TTL at any time after that second (typically within days, never
 * exactly on time), so it is only for housekeeping: the store never relies on TTL for
 * correctness and deletes whatever it must itself. No item carries it today.
 */
export const TTL_ATTRIBUTE = "expiresAtSec";

/** Offsets are 0 … 2^63 - 1: 19 decimal digits; 20 keeps every offset the same width. */
const OFFSET_DIGITS = 20;
const MAX_OFFSET_TEXT = "9".repeat(OFFSET_DIGITS);

export interface Key {
  pk: string;
  sk: string;
}

export const CLUSTER_KEY: Key = { pk: "CLUSTER", sk: "ID" };
export const PRODUCER_ID_COUNTER_KEY: Key = { pk: "COUNTER", sk: "PRODUCER_ID" };
export const NODE_ID_COUNTER_KEY: Key = { pk: "COUNTER", sk: "NODE_ID" };

export const TOPIC_PK = "TOPIC";
export const TOPIC_NAME_PREFIX = "N#";
export const topicNameKey = (name: string): Key => ({ pk: TOPIC_PK, sk: `N#${name}` });
export const topicIdKey = (topicId: string): Key => ({ pk: TOPIC_PK, sk: `I#${topicId}` });

export const partitionPk = (topicId: string, partition: number): string =>
  `P#${topicId}#${partition}`;
export const HEAD_SK = "H";
export const headKey = (topicId: string, partition: number): Key => ({
  pk: partitionPk(topicId, partition),
  sk: HEAD_SK,
});

/**
 * The shard layout (./shard-log.ts): partitions ⌊p / SHARD_PARTITIONS⌋ of one topic share one
 * pk, whose commit records and snapshots are ordered by a sequence number. A format constant.
 */
export const SHARD_PARTITIONS = 32;
export const shardOf = (partition: number): number => Math.floor(partition / SHARD_PARTITIONS);
export const shardPk = (topicId: string, shard: number): string => `S#${topicId}#${shard}`;
export const RECORD_SK_PREFIX = "R#";
export const SNAPSHOT_SK_PREFIX = "N#";
const SEQ_DIGITS = 20;
export const recordSk = (seq: number): string =>
  `${RECORD_SK_PREFIX}${String(seq).padStart(SEQ_DIGITS, "0")}`;
/** The prefix of every part of snapshot `seq`; below every part of any later snapshot. */
export const snapshotSk = (seq: number): string =>
  `${SNAPSHOT_SK_PREFIX}${String(seq).padStart(SEQ_DIGITS, "0")}`;
export const snapshotPartSk = (seq: number, part: number): string =>
  `${snapshotSk(seq)}#${String(part).padStart(3, "0")}`;
/** The sequence number of a record or snapshot-part sort key. */
export const seqOfSk = (sk: string): number => Number(sk.slice(2, 2 + SEQ_DIGITS));
/** The part number of a snapshot-part sort key. */
export const partOfSk = (sk: string): number => Number(sk.slice(3 + SEQ_DIGITS));

/** Index pages sort by the last offset they hold, so "pages with an offset ≥ X" is one range. */
export const PAGE_SK_PREFIX = "C#";
export function pageSk(lastOffset: bigint): string {
  if (lastOffset < 0n) return `${PAGE_SK_PREFIX}${"0".repeat(OFFSET_DIGITS)}`;
  const text = lastOffset.toString();
  if (text.length > OFFSET_DIGITS) return `${PAGE_SK_PREFIX}${MAX_OFFSET_TEXT}`;
  return `${PAGE_SK_PREFIX}${text.padStart(OFFSET_DIGITS, "0")}`;
}
export function offsetOfPageSk(sk: string): bigint {
  return BigInt(sk.slice(PAGE_SK_PREFIX.length));
}

export const GROUP_PK = "GROUP";
export const GROUP_SK_PREFIX = "G#";
export const groupKey = (groupId: string): Key => ({ pk: GROUP_PK, sk: `G#${groupId}` });
export const groupIdOfSk = (sk: string): string => sk.slice(GROUP_SK_PREFIX.length);

export const offsetsPk = (groupId: string): string => `O#${groupId}`;
export const offsetKey = (groupId: string, topic: string, partition: number): Key => ({
  pk: offsetsPk(groupId),
  sk: `${partition}#${topic}`,
});
/** Inverse of offsetKey's sk: the partition is the digits before the first '#'. */
export function partitionOfOffsetSk(sk: string): { topic: string; partition: number } {
  const at = sk.indexOf("#");
  return { partition: Number(sk.slice(0, at)), topic: sk.slice(at + 1) };
}

export const FRONT_PK = "FRONT";
export const frontKey = (nodeId: number): Key => ({
  pk: FRONT_PK,
  sk: `N#${String(nodeId).padStart(10, "0")}`,
});

/**
 * Partition leases: one pk per group, so a group's leases on a topic are one Query (begins_with
 * on `<topic>#`: topic names have no '#') and deleting a group's leases needs no Scan.
 */
export const leasesPk = (group: string): string => `L#${group}`;
export const leaseSkPrefix = (topic: string): string => `${topic}#`;
export const leaseKey = (group: string, topic: string, partition: number): Key => ({
  pk: leasesPk(group),
  sk: `${leaseSkPrefix(topic)}${String(partition).padStart(10, "0")}`,
});

/** Segment receipts: one pk per segment object, so their writes spread over the table. */
export const RECEIPT_PK_PREFIX = "R#";
export const receiptKey = (segmentKey: string): Key => ({
  pk: `${RECEIPT_PK_PREFIX}${segmentKey}`,
  sk: "R",
});
