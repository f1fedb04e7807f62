/**
 * Front leases on DynamoDB: one item per live front under pk FRONT (listFronts is one Query),
 * node ids from an atomic counter (UpdateItem ADD), so an id is never handed out twice — not
 * even the id of a removed front.
 *
 * Renewal and removal are single conditional writes on `s` (heartbeatSeq): exactly one of
 * "the front renewed" and "an observer removed it" wins, and the loser gets the current record
 * from the failed condition's old image. Expiry is never judged here: an observer removes a
 * front whose seq it has watched stand still, by its own clock (DESIGN.md §3).
 */
import { VersionConflictError } from "../errors.ts";
import type { FrontRecord } from "../ports.ts";
import type { DynamoTable } from "./client.ts";
import { frontFromItem, frontItem, N, S } from "./items.ts";
import { FRONT_PK, frontKey, NODE_ID_COUNTER_KEY } from "./keys.ts";
import { nextCounterValue } from "./topics.ts";

/** Kafka node ids are int32; the store hands out 1 … 2^31 - 1. */
export const MAX_NODE_ID = 2 ** 31 - 1;

export async function registerFront(
  table: DynamoTable,
  front: Omit<FrontRecord, "nodeId" | "heartbeatSeq">,
): Promise<FrontRecord> {
  const nodeId = Number(await nextCounterValue(table, NODE_ID_COUNTER_KEY, 1n, "registerFront"));
  if (nodeId > MAX_NODE_ID) throw new Error(`registerFront: all ${MAX_NODE_ID} node ids used`);
  const record: FrontRecord = {
    nodeId,
    host: front.host,
    port: front.port,
    rack: front.rack,
    heartbeatSeq: 0,
  };
  const result = await table.put(frontItem(record), "registerFront", {
    condition: "attribute_not_exists(pk)",
  });
  if (!result.ok) throw new Error(`registerFront: node id ${nodeId} is already registered`);
  return record;
}

export async function renewFront(
  table: DynamoTable,
  nodeId: number,
  expectedSeq: number,
): Promise<void> {
  checkSeq(`renewFront ${nodeId}`, expectedSeq);
  const result = await table.update(frontKey(nodeId), "SET s = :next", "renewFront", {
    condition: "s = :s",
    values: { ":s": N(expectedSeq), ":next": N(expectedSeq + 1) },
  });
  if (!result.ok) throw frontConflict(nodeId, expectedSeq, frontFromItem(result.old));
}

export async function listFronts(table: DynamoTable): Promise<FrontRecord[]> {
  const fronts: FrontRecord[] = [];
  const items = table.query(
    { KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S(FRONT_PK) } },
    "listFronts",
  );
  for await (const item of items) fronts.push(frontFromItem(item)!);
  return fronts;
}

export async function removeFront(
  table: DynamoTable,
  nodeId: number,
  expectedSeq: number,
): Promise<void> {
  checkSeq(`removeFront ${nodeId}`, expectedSeq);
  // A missing record passes the condition: already gone is what the caller wanted.
  const result = await table.delete(frontKey(nodeId), "removeFront", {
    condition: "attribute_not_exists(s) OR s = :s",
    values: { ":s": N(expectedSeq) },
  });
  if (!result.ok) throw frontConflict(nodeId, expectedSeq, frontFromItem(result.old));
}

function checkSeq(where: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${where}: expectedSeq must be a non-negative integer, got ${value}`);
  }
}

function frontConflict(
  nodeId: number,
  expectedSeq: number,
  current: FrontRecord | undefined,
): VersionConflictError<FrontRecord | undefined> {
  return new VersionConflictError(
    `front ${nodeId}: expected heartbeat seq ${expectedSeq}, found ` +
      (current ? `seq ${current.heartbeatSeq}` : "no front"),
    current,
  );
}
