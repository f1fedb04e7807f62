/**
 * Partition leases of HTTP consumer groups on DynamoDB (ports.ts LeaseRecord): one item per
 * (group, topic, partition) under the group's own pk L#<group>, sk <topic>#<partition>, so
 * listing a group's leases on a topic is one Query and deleting them needs no Scan.
 *
 * putLease is one conditional PutItem: `attribute_not_exists(pk)` to create, `c = :expected`
 * to replace — the KCL's compare-and-set on the lease counter. A failed condition returns the
 * old image, which becomes the VersionConflictError's `current` without another read. Nothing
 * here knows about time: expiry is judged by observers on their own clocks (DESIGN.md §3).
 */

import { checkLease, leaseConflict } from "../lease-checks.ts";
import type { LeaseRecord } from "../ports.ts";
import type { DynamoTable, Item } from "./client.ts";
import { big, keyAttributes, N, num, optStr, S, str } from "./items.ts";
import { leaseKey, leaseSkPrefix, leasesPk } from "./keys.ts";

function leaseItem(lease: LeaseRecord): Item {
  return {
    ...keyAttributes(leaseKey(lease.group, lease.topic, lease.partition)),
    g: S(lease.group),
    t: S(lease.topic),
    p: N(lease.partition),
    ...(lease.owner !== null ? { o: S(lease.owner) } : {}),
    c: N(lease.counter),
    e: N(lease.epoch),
    ...(lease.checkpoint !== null ? { cp: N(lease.checkpoint) } : {}),
    ...(lease.checkpointMetadata !== null ? { cm: S(lease.checkpointMetadata) } : {}),
  };
}

function leaseFromItem(item: Item): LeaseRecord {
  return {
    group: str(item, "g"),
    topic: str(item, "t"),
    partition: num(item, "p"),
    owner: optStr(item, "o") ?? null,
    counter: num(item, "c"),
    epoch: num(item, "e"),
    checkpoint: item.cp === undefined ? null : big(item, "cp"),
    checkpointMetadata: optStr(item, "cm") ?? null,
  };
}

export async function listLeases(
  table: DynamoTable,
  group: string,
  topic: string,
): Promise<LeaseRecord[]> {
  const leases: LeaseRecord[] = [];
  const items = table.query(
    {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": S(leasesPk(group)), ":prefix": S(leaseSkPrefix(topic)) },
    },
    "listLeases",
  );
  for await (const item of items) leases.push(leaseFromItem(item));
  return leases.sort((a, b) => a.partition - b.partition);
}

export async function putLease(
  table: DynamoTable,
  next: LeaseRecord,
  expectedCounter: number,
): Promise<void> {
  checkLease(next, expectedCounter);
  const result = await table.put(
    leaseItem(next),
    "putLease",
    expectedCounter === 0
      ? { condition: "attribute_not_exists(pk)" }
      : { condition: "c = :c", values: { ":c": N(expectedCounter) } },
  );
  if (!result.ok) {
    throw leaseConflict(next, expectedCounter, result.old && leaseFromItem(result.old));
  }
}

export async function deleteLeases(
  table: DynamoTable,
  group: string,
  topic?: string,
): Promise<number> {
  const keys: { pk: string; sk: string }[] = [];
  const items = table.query(
    {
      KeyConditionExpression:
        topic === undefined ? "pk = :pk" : "pk = :pk AND begins_with(sk, :topic)",
      ExpressionAttributeValues: {
        ":pk": S(leasesPk(group)),
        ...(topic === undefined ? {} : { ":topic": S(leaseSkPrefix(topic)) }),
      },
      ProjectionExpression: "pk, sk",
    },
    "deleteLeases",
  );
  for await (const item of items) keys.push({ pk: str(item, "pk"), sk: str(item, "sk") });
  await table.batchWrite(
    keys.map((key) => ({ delete: key })),
    "deleteLeases",
  );
  return keys.length;
}
