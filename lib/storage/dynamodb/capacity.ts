/**
 * Recording what a DynamoDB call consumed (ReturnConsumedCapacity=TOTAL) into StorageCounters:
 * dynamodb.rcu, dynamodb.wcu and dynamodb.retries (attempts beyond the first, from the SDK's
 * response metadata). With TOTAL, DynamoDB reports CapacityUnits only, so reads and writes are
 * told apart by the operation; where it splits them (Read/WriteCapacityUnits) that split wins.
 *
 * Reads are booked at no less than AWS's minimum charge, given the request (`input`):
 *  - a Query page that returns nothing still consumes the minimum for its kind of read, 1 RCU
 *    strongly consistent and 0.5 eventually (DynamoDB API reference, Query);
 *  - BatchGetItem reads each key it processed as a GetItem, and a GetItem of a missing item
 *    consumes that minimum too, so a batch costs at least the minimum per processed key;
 *  - a GetItem costs at least the minimum.
 * AWS reports these itself; DynamoDB Local reports 0 for an empty Query and for the missing
 * keys of a BatchGetItem (a GetItem miss it reports right), which made the emulator-measured
 * cost of idle polling read $0. Taking the larger of the reported and the minimum changes
 * nothing on AWS. A batch mixing big hits with misses can still be booked below AWS's figure.
 */
import type { ConsumedCapacity, KeysAndAttributes } from "@aws-sdk/client-dynamodb";
import type { StorageCounters } from "../counters.ts";

const READ_OPERATIONS = new Set(["GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"]);

interface CallOutput {
  ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
  UnprocessedKeys?: Record<string, KeysAndAttributes>;
  $metadata?: { attempts?: number };
}

export function recordCapacity(
  counters: StorageCounters,
  operation: string,
  out: unknown,
  input?: unknown,
): void {
  const shape = out as CallOutput;
  const attempts = shape.$metadata?.attempts;
  if (attempts !== undefined && attempts > 1) counters.add("dynamodb.retries", attempts - 1);
  const consumed = shape.ConsumedCapacity;
  const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
  const isRead = READ_OPERATIONS.has(operation);
  let readUnits = 0;
  for (const c of list) {
    const read = c.ReadCapacityUnits;
    const write = c.WriteCapacityUnits;
    if (read !== undefined || write !== undefined) {
      readUnits += read ?? 0;
      if (write) counters.add("dynamodb.wcu", write);
    } else if (c.CapacityUnits) {
      if (isRead) readUnits += c.CapacityUnits;
      else counters.add("dynamodb.wcu", c.CapacityUnits);
    }
  }
  const booked = Math.max(readUnits, minimumReadUnits(operation, input, shape));
  if (booked > 0) counters.add("dynamodb.rcu", booked);
}

/** The least AWS charges for this read, or 0 when the request is not known. */
function minimumReadUnits(operation: string, input: unknown, out: CallOutput): number {
  if (input === undefined || input === null) return 0;
  const request = input as {
    ConsistentRead?: boolean;
    RequestItems?: Record<string, KeysAndAttributes>;
  };
  const perRead = (consistent: boolean | undefined) => (consistent ? 1 : 0.5);
  switch (operation) {
    case "GetItem":
    case "Query":
      return perRead(request.ConsistentRead);
    case "BatchGetItem": {
      const unprocessed = out.UnprocessedKeys ?? {};
      let units = 0;
      for (const [table, asked] of Object.entries(request.RequestItems ?? {})) {
        const processed = (asked.Keys?.length ?? 0) - (unprocessed[table]?.Keys?.length ?? 0);
        units += Math.max(0, processed) * perRead(asked.ConsistentRead);
      }
      return units;
    }
    default:
      return 0;
  }
}
