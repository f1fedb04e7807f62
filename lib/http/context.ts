/**
 * What every HTTP route gets: the validated configs and the engine it runs over — the same
 * LogService and TopicRegistry a Kafka front in the same process uses, so both ports see one
 * log and one topic cache. Built once per host (a Lambda at cold start, `floe dev` at start).
 */
import type { LogService } from "../broker/log/log-service.ts";
import type { TopicRegistry } from "../broker/topics/topic-registry.ts";
import type { BrokerConfig } from "../config/broker-config.ts";
import type { HttpConfig } from "../config/http-config.ts";
import type { MetadataStore } from "../storage/ports.ts";

export interface HttpContext {
  /** autoCreateTopics, defaultPartitions, maxMessageBytes, fetchMaxWaitCapMs. */
  readonly broker: BrokerConfig;
  readonly http: HttpConfig;
  readonly log: LogService;
  readonly topics: TopicRegistry;
  readonly metadata: MetadataStore;
  now(): number;
  /** Uniform in [0, 1): the partition of key-less records (tests inject one). */
  random(): number;
}

export interface HttpContextDeps {
  broker: BrokerConfig;
  http: HttpConfig;
  log: LogService;
  topics: TopicRegistry;
  metadata: MetadataStore;
  now?: () => number;
  random?: () => number;
}

export function createHttpContext(deps: HttpContextDeps): HttpContext {
  return {
    broker: deps.broker,
    http: deps.http,
    log: deps.log,
    topics: deps.topics,
    metadata: deps.metadata,
    now: deps.now ?? Date.now,
    random: deps.random ?? Math.random,
  };
}
