/**
 * What every API handler gets: the validated config, the stores behind their services, and the
 * identity this front advertises. Built once per front by the host (lib/front, the CLI, tests).
 */
import type { BrokerConfig } from "../config/broker-config.ts";
import type { MetadataStore } from "../storage/ports.ts";
import type { GroupCoordinator } from "./groups/coordinator.ts";
import type { LogService } from "./log/log-service.ts";
import type { ProduceOrder } from "./produce-order.ts";
import type { Routing } from "./routing.ts";
import type { TopicRegistry } from "./topics/topic-registry.ts";

export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
}

export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly metadata: MetadataStore;
  readonly topics: TopicRegistry;
  readonly log: LogService;
  readonly groups: GroupCoordinator;
  /** This front as clients should reach it (advertised host and port). */
  self(): NodeEndpoint;
  /** Fronts to name in Metadata, ascending by node id; a single front names only itself. */
  liveNodes(): NodeEndpoint[];
  /** Where clients are sent for each partition and group (lib/broker/routing.ts). */
  readonly routing: Routing;
  now(): number;
}

/** Per-request facts a handler may need besides the body. */
export interface RequestInfo {
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** The client's address as Kafka reports it in DescribeGroups ("/127.0.0.1"). */
  clientHost: string;
  /** The connection's Produce line (./produce-order.ts); absent for hosts without connections. */
  produceOrder?: ProduceOrder;
}

export interface ApiHandler {
  readonly apiKey: number;
  /** The versions advertised in ApiVersions (see docs/protocol.md for why each range). */
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Handles one decoded request body. Resolves to the response body, or to null when Kafka
   * sends no response (Produce with acks=0).
   */
  // biome-ignore lint/suspicious/noExplicitAny: bodies are the generated message types
  handle(ctx: BrokerContext, request: any, info: RequestInfo): Promise<unknown | null>;
}

export const LEADER_EPOCH = 0;
