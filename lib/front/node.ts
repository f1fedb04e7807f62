/**
 * One Floe front with its stores, assembled: the object and metadata stores, the log engine,
 * the topic registry, the dispatcher and the TCP listener. `startEmbeddedFront` is what
 * `floe dev` and the tests run: segments in <dataDir>/segments, metadata in <dataDir>/floe.db.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { clusterIdOf } from "../broker/cluster-id.ts";
import type { BrokerContext, NodeEndpoint } from "../broker/context.ts";
import { Dispatcher } from "../broker/dispatch.ts";
import { GroupCoordinator } from "../broker/groups/coordinator.ts";
import type { LogConfig } from "../broker/log/log-config.ts";
import { LogService } from "../broker/log/log-service.ts";
import { defaultHandlers } from "../broker/registry.ts";
import { hashRouting } from "../broker/routing.ts";
import { TopicRegistry } from "../broker/topics/topic-registry.ts";
import { type BrokerConfig, brokerConfig } from "../config/broker-config.ts";
import { type Logger, silentLogger } from "../logger.ts";
import { FsObjectStore } from "../storage/fs/object-store.ts";
import type { MetadataStore, ObjectStore } from "../storage/ports.ts";
import { SqliteMetadataStore } from "../storage/sqlite/metadata-store.ts";
import { FrontRegistry } from "./front-registry.ts";
import { type FrontServer, listen } from "./server.ts";

export interface RunningFront {
  readonly config: BrokerConfig;
  readonly endpoint: NodeEndpoint;
  readonly log: LogService;
  readonly metadata: MetadataStore;
  /** The segment store the log engine writes to (maintenance runs over it and `metadata`). */
  readonly objectStore: ObjectStore;
  /** The topic cache the Kafka handlers use; the HTTP API in the same process shares it. */
  readonly topics: TopicRegistry;
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
  /**
   * "registry": register in the metadata store under an allocated node id and name every live
   * front in Metadata (several fronts over one store). "single" (default): this front alone,
   * under config.nodeId.
   */
  cluster?: "single" | "registry";
}

export async function startFront(deps: FrontDeps): Promise<RunningFront> {
  const config = brokerConfig(deps.broker);
  const logger = deps.logger ?? silentLogger;
  const clusterId = await clusterIdOf(deps.metadataStore);
  const log = new LogService({
    objectStore: deps.objectStore,
    metadataStore: deps.metadataStore,
    config: deps.log,
    logger,
  });
  // Appends claim the segment prefix anyway; a front claims it first, so that a prefix another
  // cluster owns stops it here rather than failing every produce (lib/broker/log/prefix-owner.ts).
  try {
    await log.claimSegmentPrefix(clusterId);
  } catch (err) {
    await log.close();
    throw err;
  }
  const topics = new TopicRegistry(deps.metadataStore, config.metadataCacheMs);
  let endpoint: NodeEndpoint = {
    nodeId: config.nodeId,
    host: config.advertisedHost || config.host,
    port: config.advertisedPort,
  };
  let registry: FrontRegistry | undefined;
  const shared = sharedEndpoint(config);
  const liveNodes = (): NodeEndpoint[] => {
    if (shared) return [shared];
    if (!registry) return [endpoint];
    return registry.liveFronts().map((f) => ({ nodeId: f.nodeId, host: f.host, port: f.port }));
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
    // A re-registration after a long pause changes the node id; `self` follows it.
    self: () => shared ?? (registry ? { ...endpoint, nodeId: registry.nodeId } : endpoint),
    liveNodes,
    routing: hashRouting(liveNodes, deps.metadataStore.partitionsPerShard),
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
  if (deps.cluster === "registry") {
    try {
      registry = await FrontRegistry.start({
        store: deps.metadataStore,
        host: endpoint.host,
        port: endpoint.port,
        leaseMs: config.frontLeaseMs,
        logger,
      });
    } catch (err) {
      await server.close();
      await groups.close();
      await log.close();
      throw err;
    }
    endpoint = { ...endpoint, nodeId: registry.nodeId };
  }
  logger.info("front listening", {
    host: config.host,
    port: server.port,
    clusterId,
    nodeId: endpoint.nodeId,
  });
  return {
    config,
    endpoint,
    log,
    metadata: deps.metadataStore,
    objectStore: deps.objectStore,
    topics,
    async close() {
      await registry?.close();
      await groups.close();
      await server.close();
      await log.close();
      await deps.onClose?.();
    },
  };
}

function sharedEndpoint(config: BrokerConfig): NodeEndpoint | undefined {
  if (config.sharedAddress === "") return undefined;
  const at = config.sharedAddress.lastIndexOf(":");
  return {
    nodeId: config.nodeId,
    host: config.sharedAddress.slice(0, at),
    port: Number(config.sharedAddress.slice(at + 1)),
  };
}

export interface EmbeddedOptions {
  dataDir: string;
  /** "registry": several fronts (processes) share one data directory; see FrontDeps.cluster. */
  cluster?: "single" | "registry";
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
      cluster: options.cluster,
      onClose: () => metadataStore.close(),
    });
  } catch (err) {
    await metadataStore.close();
    throw err;
  }
}
