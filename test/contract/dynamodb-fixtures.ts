/**
 * Fixtures the DynamoDB adapter specs share (./dynamodb-metadata-store.specs.ts,
 * ./dynamodb-shard-layout.specs.ts): stores and raw clients cleaned up after each test, a look
 * at the items under one pk, commits of varied chunks, and a client whose writes can be made to
 * fail, as an IAM denial or a lost answer would.
 */
import { type AttributeValue, DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, expect } from "vitest";
import type { DynamoTableConfig } from "../../lib/storage/dynamodb/connection.ts";
import type { DynamoMetadataStore } from "../../lib/storage/dynamodb/metadata-store.ts";
import type { ChunkEntry, PartitionKey } from "../../lib/storage/ports.ts";
import { appendCommit } from "./metadata-store.contract.ts";

export type Fresh = () => Promise<{
  store: DynamoMetadataStore;
  table: string;
  cleanup(): Promise<void>;
}>;
export type Connection = () => Omit<DynamoTableConfig, "table">;
type Item = Record<string, AttributeValue>;

/** Registers an afterEach that runs the cleanups a test registered, last first. */
export function dynamoFixtures(fresh: Fresh, connection: Connection) {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const rawClient = () => {
    const c = connection();
    const client = new DynamoDBClient({ ...c, credentials: { ...c.credentials! } });
    cleanups.push(async () => client.destroy());
    return client;
  };
  return {
    cleanups,
    rawClient,
    async open() {
      const f = await fresh();
      cleanups.push(f.cleanup);
      return f;
    },
    /** Every item under `pk`, strongly consistent. */
    async itemsUnder(table: string, pk: string): Promise<Item[]> {
      const out = await rawClient().send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: pk } },
          ConsistentRead: true,
        }),
      );
      return out.Items ?? [];
    },
  };
}

/** Appends chunks of varied sizes and timestamps, one commit each; returns them in offset order. */
export async function appendChunks(
  store: DynamoMetadataStore,
  key: PartitionKey,
  count: number,
): Promise<ChunkEntry[]> {
  const chunks: ChunkEntry[] = [];
  let [head] = await store.getHeads([key]);
  for (let i = 0; i < count; i++) {
    const timestampMs = 1_000 + ((i * 7919) % 50) * 10; // jumps around; running max climbs
    const commit = appendCommit(head, BigInt(1 + (i % 5)), {
      timestampMs,
      segmentKey: `seg ${i} with spaces`,
    });
    expect(await store.commitPartitions([commit])).toEqual([{ ok: true }]);
    chunks.push(...commit.chunks);
    head = commit.head;
  }
  return chunks;
}

/**
 * Makes `client` fail every single-item write whose sort key starts with `skPrefix` while
 * `failing()` is true, before it is sent (a refusal, not retried).
 */
export function failPutsOf(client: DynamoDBClient, skPrefix: string, failing: () => boolean) {
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = (args.input ?? {}) as { Item?: { sk?: { S?: string } } };
      if (failing() && input.Item?.sk?.S?.startsWith(skPrefix)) {
        throw Object.assign(new Error("injected"), { name: "ValidationException" });
      }
      return next(args);
    },
    { step: "initialize", name: `fail ${skPrefix} puts` },
  );
}
