/**
 * One Floe front with its stores, assembled: the object and metadata stores, the log engine,
 * the topic registry, the dispatcher and the TCP listener. `startEmbeddedFront` is what
 * `floe dev` and the tests run: segments in <dataDir>/segments, metadata in <dataDir>/floe.db.
 */

import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BrokerContext, NodeEndpoint } from "../broker/context.ts";
import { Dispatcher } from "../broker/dispatch.ts";
import { GroupCoordinator } from "../broker/groups/coordinator.ts";
import type { LogConfig } from "../broker/log/log-config.ts";
import { LogService } from "../broker/log/log-service.ts";
import { defaultHandlers } from "../broker/registry.ts";
import { TopicRegistry } from "../broker/topics/topic-registry.ts";
import { type BrokerConfig, brokerConfig } from "../config/broker-config.ts";
import { type Logger, silentLogger } from "../logger.ts";
import { FsObjectStore } from "../storage/fs/object-store.ts";
import type { MetadataStore, ObjectStore } from "../storage/ports.ts";
import { SqliteMetadataStore } from "../storage/sqlite/metadata-store.ts";
import { type FrontServer, listen } from "./server.ts";

export interface RunningFront {
  readonly config: BrokerConfig;
  readonly endpoint: NodeEndpoint;
  readonly log: LogService;
  readonly metadata: MetadataStore;
  close(): Promise<void>;
}

export interface FrontDeps {
  objectStore: ObjectStore;
  metadataStore: MetadataStore;
  broker?: Record<string, unknown>;
  log?: Partial<LogConfig>;
  logger?: Logger;
  /** Called after the listener closed, to release the stores. */
  onClose?: () => Promise<void>;
}

/** Cluster id: 22 characters of base64url, like Kafka's, drawn once per metadata store. */
function newClusterId(): string {
  return Buffer.from(randomUUID().replaceAll("-", ""), "hex").toString("base64url");
}

export async function startFront(deps: FrontDeps): Promise<RunningFront> {
  const config = brokerConfig(deps.broker);
  const logger = deps.logger ?? silentLogger;
  const clusterId = await deps.metadataStore.ensureClusterId(newClusterId());
  const log = new LogService({
    objectStore: deps.objectStore,
    metadataStore: deps.metadataStore,
    config: deps.log,
  });
  const topics = new TopicRegistry(deps.metadataStore, config.metadataCacheMs);
  let endpoint: NodeEndpoint = {
    nodeId: config.nodeId,
    host: config.advertisedHost || config.host,
    port: config.advertisedPort,
  };
  const groups = new GroupCoordinator({
    store: deps.metadataStore,
    limits: {
      minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      maxSize: config.groupMaxSize,
    },
    initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    logger,
  });
  const ctx: BrokerContext = {
    config,
    clusterId,
    metadata: deps.metadataStore,
    topics,
    log,
    groups,
    self: () => endpoint,
    liveNodes: () => [endpoint],
    now: Date.now,
  };
  const dispatcher = new Dispatcher(ctx, defaultHandlers(), logger);
  let server: FrontServer;
  try {
    server = await listen(
      dispatcher,
      {
        host: config.host,
        port: config.port,
        maxConnections: config.maxConnections,
        maxRequestBytes: config.maxRequestBytes,
        maxInFlightRequests: 64,
      },
      logger,
    );
  } catch (err) {
    await groups.close();
    await log.close();
    throw err;
  }
  endpoint = { ...endpoint, port: config.advertisedPort || server.port };
  logger.info("front listening", {
    host: config.host,
    port: server.port,
    clusterId,
    nodeId: config.nodeId,
  });
  return {
    config,
    endpoint,
    log,
    metadata: deps.metadataStore,
    async close() {
      await groups.close();
      await server.close();
      await log.close();
      await deps.onClose?.();
    },
  };
}

export interface EmbeddedOptions {
  dataDir: string;
  broker?: Record<string, unknown>;
  log?: Partial<LogConfig>;
  logger?: Logger;
}

/** A front on the embedded backend: a directory of segment objects and a SQLite file. */
export async function startEmbeddedFront(options: EmbeddedOptions): Promise<RunningFront> {
  mkdirSync(options.dataDir, { recursive: true });
  const objectStore = new FsObjectStore({ rootDir: join(options.dataDir, "objects") });
  const metadataStore = await SqliteMetadataStore.open({ path: join(options.dataDir, "floe.db") });
  try {
    return await startFront({
      objectStore,
      metadataStore,
      broker: options.broker,
      log: options.log,
      logger: options.logger,
      onClose: () => metadataStore.close(),
    });
  } catch (err) {
    await metadataStore.close();
    throw err;
  }
}
