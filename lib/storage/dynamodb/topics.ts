/**
 * Cluster id, topics and producer ids on DynamoDB.
 *
 * A topic is two items under pk TOPIC: the record by name (N#<name>) and a pointer from its id
 * (I#<topicId> → name), created together by one TransactWriteItems so that neither a name nor
 * an id can be taken twice; getTopicById follows the pointer and checks the id it finds.
 * Listing is a Query of the TOPIC partition, never a Scan. Topic changes are rare, so the 2×
 * cost of a transaction does not matter here.
 *
 * deleteTopic removes the two records (conditional on the version read, so a concurrent update
 * is not silently lost), then eagerly deletes the items of its partition logs (heads, shard
 * records and snapshots, index pages: ./log-layout.ts). Topic ids are never reused, so if the
 * host dies between the two steps the leftovers are unreachable garbage (no name leads to
 * them), not a wrong answer for a new topic of the same name; a sweeper can find them as
 * P#<id> or S#<id> items whose id has no I#<id> record.
 *
 * Counters (producer ids, node ids) are single items bumped with UpdateItem ADD, which DynamoDB
 * applies atomically: no two callers ever see the same value.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { LogLayoutName } from "../../config/aws-config.ts";
import {
  StorageRejectedError,
  TopicExistsError,
  UnknownTopicError,
  VersionConflictError,
} from "../errors.ts";
import type { TopicRecord } from "../ports.ts";
import type { DynamoTable } from "./client.ts";
import { keyAttributes, N, S, str, topicFromItem, topicItem } from "./items.ts";
import {
  CLUSTER_KEY,
  type Key,
  TOPIC_NAME_PREFIX,
  TOPIC_PK,
  topicIdKey,
  topicNameKey,
} from "./keys.ts";

const DELETE_ATTEMPTS = 10;

/**
 * The cluster item: the cluster id (stored as `candidate` unless one exists) and the table's log
 * layout (./log-layout.ts), recorded by the first store to ask and compared by every other.
 * Throws StorageRejectedError when the table holds the other layout.
 */
export async function claimCluster(
  table: DynamoTable,
  layout: LogLayoutName,
  candidate?: string,
): Promise<string | undefined> {
  const values: Record<string, AttributeValue> = { ":l": S(layout) };
  let update = "SET l = if_not_exists(l, :l)";
  if (candidate !== undefined) {
    values[":c"] = S(candidate);
    update += ", cid = if_not_exists(cid, :c)";
  }
  const result = await table.update(CLUSTER_KEY, update, "ensureClusterId", {
    values,
    returnNew: true,
  });
  if (!result.ok || result.attributes === undefined) {
    throw new Error("ensureClusterId: DynamoDB returned no cluster item");
  }
  refuseOtherLayout(table, str(result.attributes, "l"), layout);
  return candidate === undefined ? undefined : str(result.attributes, "cid");
}

/**
 * The check a store that only reads makes instead (the fetch function may not write): one
 * GetItem; a table no store has written yet passes.
 */
export async function checkLayout(table: DynamoTable, layout: LogLayoutName): Promise<void> {
  const item = await table.get(CLUSTER_KEY, "checkLayout");
  const stored = item?.l?.S;
  if (stored !== undefined) refuseOtherLayout(table, stored, layout);
}

function refuseOtherLayout(table: DynamoTable, stored: string, layout: LogLayoutName): void {
  if (stored === layout) return;
  throw new StorageRejectedError(
    `DynamoDB table ${table.name} holds partition logs in the "${stored}" layout; this store ` +
      `is configured for "${layout}" (FLOE_DYNAMODB_LAYOUT). Use "${stored}", or a new table.`,
  );
}

/** The next value of a counter item, from `first` on: first, first + 1, … */
export async function nextCounterValue(
  table: DynamoTable,
  key: Key,
  first: bigint,
  what: string,
): Promise<bigint> {
  const result = await table.update(key, "ADD n :one", what, {
    values: { ":one": N(1) },
    returnNew: true,
  });
  if (!result.ok || result.attributes?.n?.N === undefined) {
    throw new Error(`${what}: DynamoDB returned no counter value`);
  }
  return first + BigInt(result.attributes.n.N) - 1n;
}

export async function createTopic(table: DynamoTable, topic: TopicRecord): Promise<void> {
  if (topic.version !== 1) {
    throw new RangeError(`createTopic: a new topic starts at version 1, got ${topic.version}`);
  }
  const result = await table.transactWrite(
    [
      { put: topicItem(topic), condition: "attribute_not_exists(pk)" },
      {
        put: { ...keyAttributes(topicIdKey(topic.topicId)), n: S(topic.name) },
        condition: "attribute_not_exists(pk)",
      },
    ],
    "createTopic",
  );
  if (result.ok) return;
  if (result.reasons[0]?.Code === "ConditionalCheckFailed") throw new TopicExistsError(topic.name);
  throw new Error(`createTopic ${topic.name}: topic id ${topic.topicId} is already used`);
}

export async function getTopic(table: DynamoTable, name: string): Promise<TopicRecord | undefined> {
  const item = await table.get(topicNameKey(name), "getTopic");
  return item === undefined ? undefined : topicFromItem(item);
}

export async function getTopicById(
  table: DynamoTable,
  topicId: string,
): Promise<TopicRecord | undefined> {
  const pointer = await table.get(topicIdKey(topicId), "getTopicById");
  if (pointer === undefined) return undefined;
  const topic = await getTopic(table, str(pointer, "n"));
  return topic?.topicId === topicId ? topic : undefined;
}

export async function listTopics(table: DynamoTable): Promise<TopicRecord[]> {
  const topics: TopicRecord[] = [];
  const items = table.query(
    {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": S(TOPIC_PK), ":prefix": S(TOPIC_NAME_PREFIX) },
    },
    "listTopics",
  );
  for await (const item of items) topics.push(topicFromItem(item));
  return topics;
}

export async function updateTopic(
  table: DynamoTable,
  next: TopicRecord,
  expectedVersion: number,
): Promise<void> {
  if (next.version !== expectedVersion + 1) {
    throw new RangeError(
      `updateTopic ${next.name}: version must be ${expectedVersion + 1}, got ${next.version}`,
    );
  }
  // Same name, other id: the topic was deleted and recreated since the caller read it.
  const result = await table.put(topicItem(next), "updateTopic", {
    condition: "v = :ev AND tid = :tid",
    values: { ":ev": N(expectedVersion), ":tid": S(next.topicId) },
  });
  if (result.ok) return;
  const current = result.old === undefined ? undefined : topicFromItem(result.old);
  throw new VersionConflictError<TopicRecord | undefined>(
    `topic ${next.name} (${next.topicId}): expected version ${expectedVersion}, found ` +
      (current ? `version ${current.version} of ${current.topicId}` : "no topic"),
    current,
  );
}

export async function deleteTopic(
  table: DynamoTable,
  name: string,
  dropLogs: (topic: TopicRecord) => Promise<void>,
): Promise<TopicRecord> {
  for (let attempt = 0; attempt < DELETE_ATTEMPTS; attempt++) {
    const item = await table.get(topicNameKey(name), "deleteTopic");
    if (item === undefined) throw new UnknownTopicError(name);
    const topic = topicFromItem(item);
    const result = await table.transactWrite(
      [
        {
          delete: topicNameKey(name),
          condition: "v = :v AND tid = :tid",
          values: { ":v": N(topic.version), ":tid": S(topic.topicId) },
        },
        { delete: topicIdKey(topic.topicId) },
      ],
      "deleteTopic",
    );
    if (!result.ok) continue; // updated or deleted meanwhile: read again
    await dropLogs(topic);
    return topic;
  }
  throw new VersionConflictError<TopicRecord | undefined>(
    `deleteTopic ${name}: the topic kept changing (${DELETE_ATTEMPTS} attempts)`,
    undefined,
  );
}
