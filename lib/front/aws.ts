/**
 * A front on the AWS backend: segment objects in S3, metadata in DynamoDB, registered with the
 * other fronts through front leases (several fronts share one bucket and one table). What
 * `floe front` runs in ECS and `floe dev --backend aws` runs against the emulators or
 * LocalStack; the endpoints come from the standard AWS settings (lib/config/aws-config.ts).
 */
import type { LogConfig } from "../broker/log/log-config.ts";
import type { AwsConfig } from "../config/aws-config.ts";
import { type Logger, silentLogger } from "../logger.ts";
import { createAwsStores } from "../storage/aws-stores.ts";
import type { StorageCounters } from "../storage/counters.ts";
import { type RunningFront, startFront } from "./node.ts";

/**
 * Log engine settings an AWS front starts from. Every idle long-poll is a DynamoDB read per
 * waited-on partition: back off up to 1 s while nothing changes (this front's own commits
 * still wake fetches at once).
 */
export const AWS_FRONT_LOG_DEFAULTS: Readonly<Partial<LogConfig>> = Object.freeze({
  maxPollIntervalMs: 1_000,
});

export interface AwsFrontOptions {
  aws: AwsConfig;
  broker?: Record<string, unknown>;
  log?: Partial<LogConfig>;
  logger?: Logger;
  /** Create the bucket and table when missing (emulators, a fresh dev account); CDK owns them in AWS. */
  createResources?: boolean;
  /** Both adapters count into this (S3 requests, DynamoDB units): the front's cost counters. */
  counters?: StorageCounters;
}

export interface RunningAwsFront extends RunningFront {
  readonly counters: StorageCounters;
}

export async function startAwsFront(options: AwsFrontOptions): Promise<RunningAwsFront> {
  const logger = options.logger ?? silentLogger;
  const stores = await createAwsStores(options.aws, {
    createResources: options.createResources,
    counters: options.counters,
    logger,
  });
  try {
    const front = await startFront({
      objectStore: stores.objectStore,
      metadataStore: stores.metadataStore,
      broker: options.broker,
      log: { ...AWS_FRONT_LOG_DEFAULTS, ...options.log },
      logger,
      cluster: "registry",
      onClose: () => stores.close(),
    });
    return { ...front, counters: stores.counters };
  } catch (err) {
    await stores.close();
    throw err;
  }
}
