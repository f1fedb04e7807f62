/**
 * Consumer groups and committed offsets on DynamoDB.
 *
 * Items: the group record under pk GROUP (sk G#<groupId>; one partition key for all groups, so
 * listGroups is a Query), and one item per committed offset under the group's own pk
 * O#<groupId> (sk <partition>#<topic>), so fetching all offsets of a group is one Query and
 * committing touches only the partitions committed.
 *
 * Fencing: commitOffsets and deleteOffsets are TransactWriteItems whose first action is a
 * ConditionCheck on the group record (version = expected, not being deleted); DynamoDB applies
 * all actions or none, so a stale member writes nothing. A failed check returns the group's old
 * image, which becomes the VersionConflictError's `current` without another read. Neither call
 * changes the group record, so the members of one generation commit side by side.
 *
 * Deviation (documented in docs/dynamodb-tables.md): a transaction holds at most 100 actions,
 * so a call with more than 99 offsets is written as several transactions, each fenced on its
 * own. If the group changes between two of them, the earlier ones stay applied and the call
 * throws VersionConflictError: those offsets were committed by a member of the then-current
 * generation, for records it had processed, so at-least-once delivery holds; but the call is not
 * all-or-nothing. Calls of ≤ 99 offsets (every test, and nearly every consumer) are.
 *
 * deleteGroup cannot remove an unbounded set of offset items atomically, so it first marks the
 * record deleted (`del`, a conditional write: the linearization point, after which every fence
 * fails and the group reads as absent), then deletes the offsets, then the record. A host dying
 * in between leaves a marked record; whoever next creates the group finishes the deletion first,
 * so a recreated group never sees old offsets.
 */
import { VersionConflictError } from "../errors.ts";
import type { CommittedOffset, GroupPartition, GroupRecord } from "../ports.ts";
import type { DynamoTable, Item, TransactAction, Values } from "./client.ts";
import {
  groupFromItem,
  groupItem,
  isDeletedGroup,
  N,
  offsetFromItem,
  offsetItem,
  S,
} from "./items.ts";
import { GROUP_PK, GROUP_SK_PREFIX, groupKey, offsetKey, offsetsPk } from "./keys.ts";

/** The port's bound on one commitOffsets call. */
export const MAX_OFFSETS_PER_COMMIT = 1_000;
/** One action of each transaction is the fence. */
const WRITES_PER_TRANSACTION = 99;
const FENCE = "v = :ev AND attribute_not_exists(del)";
const CREATE_ATTEMPTS = 5;

export async function getGroup(
  table: DynamoTable,
  groupId: string,
): Promise<GroupRecord | undefined> {
  return groupFromItem(await table.get(groupKey(groupId), "getGroup"));
}

export async function listGroups(table: DynamoTable): Promise<GroupRecord[]> {
  const groups: GroupRecord[] = [];
  const items = table.query(
    {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": S(GROUP_PK), ":prefix": S(GROUP_SK_PREFIX) },
    },
    "listGroups",
  );
  for await (const item of items) {
    const group = groupFromItem(item);
    if (group !== undefined) groups.push(group);
  }
  return groups;
}

export async function putGroup(
  table: DynamoTable,
  next: GroupRecord,
  expectedVersion: number,
): Promise<void> {
  checkVersion(`putGroup ${next.groupId}`, "expectedVersion", expectedVersion);
  if (next.version !== expectedVersion + 1) {
    throw new RangeError(
      `putGroup ${next.groupId}: version must be ${expectedVersion + 1}, got ${next.version}`,
    );
  }
  const condition = expectedVersion === 0 ? "attribute_not_exists(v)" : FENCE;
  const values: Values = expectedVersion === 0 ? {} : { ":ev": N(expectedVersion) };
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    const result = await table.put(groupItem(next), "putGroup", { condition, values });
    if (result.ok) return;
    if (expectedVersion === 0 && result.old !== undefined && isDeletedGroup(result.old)) {
      await finishDelete(table, next.groupId); // a deletion died half-way: complete it first
      continue;
    }
    throw groupConflict(next.groupId, expectedVersion, groupFromItem(result.old));
  }
  throw groupConflict(next.groupId, expectedVersion, await getGroup(table, next.groupId));
}

export async function deleteGroup(
  table: DynamoTable,
  groupId: string,
  expectedVersion: number,
): Promise<void> {
  checkVersion(`deleteGroup ${groupId}`, "expectedVersion", expectedVersion);
  const marked = await table.update(groupKey(groupId), "SET del = :t", "deleteGroup", {
    condition: FENCE,
    values: { ":ev": N(expectedVersion), ":t": { BOOL: true } },
  });
  if (!marked.ok) throw groupConflict(groupId, expectedVersion, groupFromItem(marked.old));
  await finishDelete(table, groupId);
}

/** Deletes the offsets of a group marked deleted, then its record. */
async function finishDelete(table: DynamoTable, groupId: string): Promise<void> {
  const pk = offsetsPk(groupId);
  const doomed: { delete: { pk: string; sk: string } }[] = [];
  const items = table.query(
    {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": S(pk) },
      ProjectionExpression: "pk, sk",
    },
    "deleteGroup",
  );
  for await (const item of items) doomed.push({ delete: { pk, sk: item.sk.S ?? "" } });
  await table.batchWrite(doomed, "deleteGroup");
  await table.delete(groupKey(groupId), "deleteGroup", { condition: "attribute_exists(del)" });
}

export async function commitOffsets(
  table: DynamoTable,
  groupId: string,
  expectedGroupVersion: number,
  offsets: readonly CommittedOffset[],
): Promise<void> {
  const where = `commitOffsets ${groupId}`;
  checkVersion(where, "expectedGroupVersion", expectedGroupVersion);
  if (offsets.length > MAX_OFFSETS_PER_COMMIT) {
    throw new RangeError(
      `${where}: at most ${MAX_OFFSETS_PER_COMMIT} offsets per call, got ${offsets.length}`,
    );
  }
  checkDistinct(where, offsets);
  await fencedWrites(
    table,
    groupId,
    expectedGroupVersion,
    offsets.map((o) => ({ put: offsetItem(groupId, o) })),
    "commitOffsets",
  );
}

export async function deleteOffsets(
  table: DynamoTable,
  groupId: string,
  expectedGroupVersion: number,
  partitions: readonly GroupPartition[],
): Promise<void> {
  checkVersion(`deleteOffsets ${groupId}`, "expectedGroupVersion", expectedGroupVersion);
  await fencedWrites(
    table,
    groupId,
    expectedGroupVersion,
    distinct(partitions).map((p) => ({ delete: offsetKey(groupId, p.topic, p.partition) })),
    "deleteOffsets",
  );
}

export async function fetchOffsets(
  table: DynamoTable,
  groupId: string,
  partitions?: readonly GroupPartition[],
): Promise<CommittedOffset[]> {
  // The record is read beside the offsets: a group being deleted (or gone) has none.
  const [record, items] = await Promise.all([
    table.get(groupKey(groupId), "fetchOffsets"),
    partitions === undefined
      ? allOffsetItems(table, groupId)
      : table.batchGet(
          distinct(partitions).map((p) => offsetKey(groupId, p.topic, p.partition)),
          "fetchOffsets",
        ),
  ]);
  if (groupFromItem(record) === undefined) return [];
  return items.map(offsetFromItem);
}

async function allOffsetItems(table: DynamoTable, groupId: string): Promise<Item[]> {
  const found: Item[] = [];
  const items = table.query(
    {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": S(offsetsPk(groupId)) },
    },
    "fetchOffsets",
  );
  for await (const item of items) found.push(item);
  return found;
}

/** Writes in transactions of ≤ 99, each fenced on the group; see the header for > 99. */
async function fencedWrites(
  table: DynamoTable,
  groupId: string,
  expectedVersion: number,
  writes: readonly TransactAction[],
  what: string,
): Promise<void> {
  const fence: TransactAction = {
    conditionCheck: groupKey(groupId),
    condition: FENCE,
    values: { ":ev": N(expectedVersion) },
  };
  if (writes.length === 0) {
    const current = await getGroup(table, groupId);
    if (current?.version !== expectedVersion)
      throw groupConflict(groupId, expectedVersion, current);
    return;
  }
  for (let at = 0; at < writes.length; at += WRITES_PER_TRANSACTION) {
    const chunk = writes.slice(at, at + WRITES_PER_TRANSACTION);
    const result = await table.transactWrite([fence, ...chunk], what);
    if (result.ok) continue;
    const [fenceReason] = result.reasons;
    if (fenceReason?.Code !== "ConditionalCheckFailed") {
      throw new Error(
        `${what} ${groupId}: transaction cancelled: ${result.reasons.map((r) => r.Code).join(", ")}`,
      );
    }
    throw groupConflict(
      groupId,
      expectedVersion,
      groupFromItem(fenceReason.Item as Item | undefined),
    );
  }
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

function distinct(partitions: readonly GroupPartition[]): GroupPartition[] {
  const byId = new Map<string, GroupPartition>();
  for (const p of partitions) byId.set(JSON.stringify([p.topic, p.partition]), p);
  return [...byId.values()];
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
