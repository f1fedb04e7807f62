/**
 * Settings of one Floe front (the Kafka-protocol host). Validated once by `brokerConfig()`;
 * everything below lib/config receives the frozen result, never process.env.
 */
import { type ConfigOf, validateConfig } from "./validate.ts";

export const BROKER_CONFIG_SCHEMA = {
  host: { type: "string", default: "127.0.0.1", doc: "Address the Kafka listener binds to." },
  port: {
    type: "int",
    default: 9092,
    min: 0,
    max: 65535,
    doc: "Kafka listener port (0 = any free port).",
  },
  advertisedHost: {
    type: "string",
    default: "",
    doc: "Host clients are told to connect to in Metadata; empty = the bind host.",
  },
  advertisedPort: {
    type: "int",
    default: 0,
    min: 0,
    max: 65535,
    doc: "Port clients are told to connect to; 0 = the bound port.",
  },
  nodeId: { type: "int", default: 1, min: 0, max: 2147483647, doc: "Kafka node id of this front." },
  autoCreateTopics: {
    type: "bool",
    default: true,
    doc: "Create unknown topics named in Metadata requests (Kafka's auto.create.topics.enable).",
  },
  defaultPartitions: {
    type: "int",
    default: 1,
    min: 1,
    max: 100000,
    doc: "Partitions of auto-created topics and CreateTopics with -1 (Kafka's num.partitions).",
  },
  maxRequestBytes: {
    type: "int",
    default: 100 * 1024 * 1024,
    min: 1024,
    max: 2 ** 31 - 1,
    doc: "Largest request frame accepted; larger frames close the connection (socket.request.max.bytes).",
  },
  maxMessageBytes: {
    type: "int",
    default: 1048588,
    min: 1024,
    max: 2 ** 31 - 1,
    doc: "Largest record batch accepted, unless a topic overrides max.message.bytes (message.max.bytes).",
  },
  maxConnections: {
    type: "int",
    default: 10000,
    min: 1,
    doc: "Connections beyond this are refused.",
  },
  fetchMaxWaitCapMs: {
    type: "int",
    default: 30000,
    min: 0,
    doc: "Upper bound on a Fetch long-poll, whatever MaxWaitMs the client asks for.",
  },
  metadataCacheMs: {
    type: "int",
    default: 1000,
    min: 0,
    doc: "How long a front trusts its cached topic records before re-reading the metadata store.",
  },
  sharedAddress: {
    type: "string",
    default: "",
    pattern: /^$|^[^\s:]+:\d{1,5}$/,
    doc: "host:port of a load balancer in front of every front; when set, Metadata names only that address (node id = nodeId). Empty: each front names itself and the other live fronts.",
  },
  frontLeaseMs: {
    type: "int",
    default: 10000,
    min: 100,
    doc: "Lease of a front registered in the metadata store: renewed every third of it; a front silent for this long is no longer named in Metadata.",
  },
  groupMinSessionTimeoutMs: {
    type: "int",
    default: 6000,
    min: 1,
    doc: "Smallest session timeout a group member may ask for (group.min.session.timeout.ms).",
  },
  groupMaxSessionTimeoutMs: {
    type: "int",
    default: 1800000,
    min: 1,
    doc: "Largest session timeout a group member may ask for (group.max.session.timeout.ms).",
  },
  groupInitialRebalanceDelayMs: {
    type: "int",
    default: 3000,
    min: 0,
    doc: "How long the first rebalance of an empty group waits for more members (group.initial.rebalance.delay.ms).",
  },
  groupMaxSize: {
    type: "int",
    default: 2147483647,
    min: 1,
    doc: "Most members one group may have (group.max.size).",
  },
} as const;

export type BrokerConfig = ConfigOf<typeof BROKER_CONFIG_SCHEMA>;

export function brokerConfig(input: Record<string, unknown> = {}): BrokerConfig {
  return validateConfig("broker", BROKER_CONFIG_SCHEMA, input);
}
