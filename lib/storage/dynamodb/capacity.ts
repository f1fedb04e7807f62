/**
 * Recording what a DynamoDB call consumed (ReturnConsumedCapacity=TOTAL) into StorageCounters:
 * dynamodb.rcu, dynamodb.wcu and dynamodb.retries (attempts beyond the first, from the SDK's
 * response metadata). With TOTAL, DynamoDB reports CapacityUnits only, so reads and writes are
 * told apart by the operation; where it splits them (Read/WriteCapacityUnits) that split wins.
 */
import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import type { StorageCounters } from "../counters.ts";

const READ_OPERATIONS = new Set(["GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"]);

export function recordCapacity(counters: StorageCounters, operation: string, out: unknown): void {
  const shape = out as {
    ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
    $metadata?: { attempts?: number };
  };
  const attempts = shape.$metadata?.attempts;
  if (attempts !== undefined && attempts > 1) counters.add("dynamodb.retries", attempts - 1);
  const consumed = shape.ConsumedCapacity;
  const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
  const isRead = READ_OPERATIONS.has(operation);
  for (const c of list) {
    const read = c.ReadCapacityUnits;
    const write = c.WriteCapacityUnits;
    if (read !== undefined || write !== undefined) {
      if (read) counters.add("dynamodb.rcu", read);
      if (write) counters.add("dynamodb.wcu", write);
    } else if (c.CapacityUnits) {
      counters.add(isRead ? "dynamodb.rcu" : "dynamodb.wcu", c.CapacityUnits);
    }
  }
}
