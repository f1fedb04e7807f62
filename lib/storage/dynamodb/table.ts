/**
 * Creating the metadata table: used by tests (a fresh table per test) and by the setup command
 * for deployments without CDK. The CDK data stack declares the same table from TABLE_KEY.
 *
 * One table, string `pk` (HASH) and `sk` (RANGE), on-demand billing (PAY_PER_REQUEST: no
 * capacity to size, cost strictly per request — DESIGN.md §2), no secondary index and no TTL:
 * the store never relies on TTL deletion for correctness (reliability-and-cost.md §4 rule 4)
 * and deletes what it no longer needs itself.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import { errorName, translate } from "./errors.ts";
import { TABLE_KEY } from "./keys.ts";

const WAIT_SECONDS = 120;

/** Creates the table and waits until it is ACTIVE. Throws if it exists. */
export async function createTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: TABLE_KEY.partitionKey, AttributeType: "S" },
          { AttributeName: TABLE_KEY.sortKey, AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: TABLE_KEY.partitionKey, KeyType: "HASH" },
          { AttributeName: TABLE_KEY.sortKey, KeyType: "RANGE" },
        ],
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: WAIT_SECONDS }, { TableName: table });
  } catch (err) {
    throw translate(err, "CreateTable", table);
  }
}

/**
 * Creates the table unless it exists; checks that an existing one has the expected key schema.
 * Returns whether it created the table.
 */
export async function ensureTable(client: DynamoDBClient, table: string): Promise<boolean> {
  let description: Awaited<ReturnType<typeof describe>>;
  try {
    description = await describe(client, table);
  } catch (err) {
    if (errorName(err) !== "ResourceNotFoundException")
      throw translate(err, "DescribeTable", table);
    try {
      await createTable(client, table);
      return true;
    } catch (createErr) {
      // Another process created it first: fine, as long as it is the right shape.
      if (errorName((createErr as Error).cause) !== "ResourceInUseException") throw createErr;
      await waitUntilTableExists({ client, maxWaitTime: WAIT_SECONDS }, { TableName: table });
      description = await describe(client, table);
    }
  }
  const keys = description.Table?.KeySchema ?? [];
  const hash = keys.find((k) => k.KeyType === "HASH")?.AttributeName;
  const range = keys.find((k) => k.KeyType === "RANGE")?.AttributeName;
  if (hash !== TABLE_KEY.partitionKey || range !== TABLE_KEY.sortKey || keys.length !== 2) {
    throw new Error(
      `DynamoDB table ${table} exists but its key is ${JSON.stringify(keys)}; Floe needs ` +
        `${TABLE_KEY.partitionKey} (HASH, S) and ${TABLE_KEY.sortKey} (RANGE, S)`,
    );
  }
  return false;
}

/** Deletes the table (tests) and waits until it is gone. A missing table is not an error. */
export async function deleteTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: table }));
    await waitUntilTableNotExists({ client, maxWaitTime: WAIT_SECONDS }, { TableName: table });
  } catch (err) {
    if (errorName(err) === "ResourceNotFoundException") return;
    throw translate(err, "DeleteTable", table);
  }
}

async function describe(client: DynamoDBClient, table: string) {
  return client.send(new DescribeTableCommand({ TableName: table }));
}
