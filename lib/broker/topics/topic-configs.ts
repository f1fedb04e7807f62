/**
 * Kafka topic-level configs Floe knows, with Kafka 4.x defaults. Every known name is accepted
 * and described, so admin tools and Kafka Streams see familiar values; the ones Floe acts on are
 * marked `enforced`. Values Floe cannot honour (compaction, LogAppendTime) are refused with
 * INVALID_CONFIG rather than stored and silently ignored.
 */
export interface TopicConfigSpec {
  default: string;
  kind: "long" | "int" | "double" | "bool" | "string" | "list";
  enforced: boolean;
  /** Returns an error message for a value Floe refuses, or undefined. */
  refuse?: (value: string) => string | undefined;
}

const LONG_MAX = "9223372036854775807";

export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigSpec>> = {
  "cleanup.policy": {
    default: "delete",
    kind: "list",
    enforced: true,
    refuse: (v) =>
      v.split(",").every((p) => p.trim() === "delete")
        ? undefined
        : "Floe supports cleanup.policy=delete only (no compaction yet)",
  },
  "compression.type": { default: "producer", kind: "string", enforced: false },
  "delete.retention.ms": { default: "86400000", kind: "long", enforced: false },
  "file.delete.delay.ms": { default: "60000", kind: "long", enforced: false },
  "flush.messages": { default: LONG_MAX, kind: "long", enforced: false },
  "flush.ms": { default: LONG_MAX, kind: "long", enforced: false },
  "index.interval.bytes": { default: "4096", kind: "int", enforced: false },
  "local.retention.bytes": { default: "-2", kind: "long", enforced: false },
  "local.retention.ms": { default: "-2", kind: "long", enforced: false },
  "max.compaction.lag.ms": { default: LONG_MAX, kind: "long", enforced: false },
  "max.message.bytes": { default: "1048588", kind: "int", enforced: true },
  "message.timestamp.after.max.ms": { default: "3600000", kind: "long", enforced: false },
  "message.timestamp.before.max.ms": { default: LONG_MAX, kind: "long", enforced: false },
  "message.timestamp.type": {
    default: "CreateTime",
    kind: "string",
    enforced: true,
    refuse: (v) =>
      v === "CreateTime" ? undefined : "Floe supports message.timestamp.type=CreateTime only",
  },
  "min.cleanable.dirty.ratio": { default: "0.5", kind: "double", enforced: false },
  "min.compaction.lag.ms": { default: "0", kind: "long", enforced: false },
  "min.insync.replicas": { default: "1", kind: "int", enforced: false },
  preallocate: { default: "false", kind: "bool", enforced: false },
  "remote.storage.enable": { default: "false", kind: "bool", enforced: false },
  "retention.bytes": { default: "-1", kind: "long", enforced: true },
  "retention.ms": { default: "604800000", kind: "long", enforced: true },
  "segment.bytes": { default: "1073741824", kind: "int", enforced: false },
  "segment.index.bytes": { default: "10485760", kind: "int", enforced: false },
  "segment.jitter.ms": { default: "0", kind: "long", enforced: false },
  "segment.ms": { default: "604800000", kind: "long", enforced: false },
  "unclean.leader.election.enable": { default: "false", kind: "bool", enforced: false },
};

/** Validates one config value; returns an error message or undefined. */
export function checkTopicConfig(name: string, value: string | null): string | undefined {
  const spec = TOPIC_CONFIGS[name];
  if (!spec) return `Unknown topic config name: ${name}`;
  if (value === null) return `Null value not supported for topic config ${name}`;
  const bad = `Invalid value ${value} for configuration ${name}`;
  switch (spec.kind) {
    case "long":
    case "int":
      if (!/^-?\d+$/.test(value)) return bad;
      if (spec.kind === "int" && Math.abs(Number(value)) > 2 ** 31 - 1) return bad;
      break;
    case "double":
      if (Number.isNaN(Number(value))) return bad;
      break;
    case "bool":
      if (value !== "true" && value !== "false") return bad;
      break;
  }
  return spec.refuse?.(value);
}

/** The effective value of a config for a topic: the override, else the default. */
export function topicConfigValue(configs: Record<string, string>, name: string): string {
  return configs[name] ?? TOPIC_CONFIGS[name]?.default ?? "";
}
