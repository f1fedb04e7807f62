/**
 * The AWS backend's two stores, built once per host from the validated AWS config: segment
 * objects in S3, metadata in DynamoDB, both counting requests and capacity into one
 * StorageCounters (cost is measured). What `floe front`, the Lambda functions and the CLI's
 * `--backend aws` commands start from, so the wiring exists once.
 */
import type { AwsConfig } from "../config/aws-config.ts";
import { type Logger, silentLogger } from "../logger.ts";
import { StorageCounters } from "./counters.ts";
import { createDynamoClient, tableConfigOf } from "./dynamodb/client.ts";
import { DynamoMetadataStore } from "./dynamodb/metadata-store.ts";
import { ensureTable } from "./dynamodb/table.ts";
import { S3ObjectStore } from "./s3/object-store.ts";

export interface AwsStoresOptions {
  /** Create the bucket and table when missing (emulators, a fresh dev account); CDK owns them in AWS. */
  createResources?: boolean;
  /** Both adapters count into this; a fresh one by default. */
  counters?: StorageCounters;
  logger?: Logger;
}

export interface AwsStores {
  readonly objectStore: S3ObjectStore;
  readonly metadataStore: DynamoMetadataStore;
  readonly counters: StorageCounters;
  /** Closes the metadata store and releases both SDK clients. */
  close(): Promise<void>;
}

export async function createAwsStores(
  aws: AwsConfig,
  options: AwsStoresOptions = {},
): Promise<AwsStores> {
  const logger = options.logger ?? silentLogger;
  const counters = options.counters ?? new StorageCounters();
  const objectStore = S3ObjectStore.fromAwsConfig(aws, { counters });
  const dynamo = createDynamoClient(tableConfigOf(aws));
  try {
    if (options.createResources) {
      await objectStore.ensureBucket();
      if (await ensureTable(dynamo, aws.table)) {
        logger.info("created DynamoDB table", { table: aws.table });
      }
    }
    const metadataStore = await DynamoMetadataStore.open({ config: aws, client: dynamo, counters });
    return {
      objectStore,
      metadataStore,
      counters,
      async close() {
        await metadataStore.close();
        dynamo.destroy();
        objectStore.destroy();
      },
    };
  } catch (err) {
    dynamo.destroy();
    objectStore.destroy();
    throw err;
  }
}
