// The group-capable clients and how to start one member of each: the out-of-process drivers'
// `--mode group` (Java, franz-go, confluent-kafka-python/librdkafka) and kafkajs-group.ts run as
// its own Node process (so it can be SIGTERMed, SIGKILLed and SIGSTOPped like the others).
// Each entry pins the assignor the scenarios use; the label names the client and protocol.
import { fileURLToPath } from "node:url";
import { requireTool, TOOL_PATHS } from "../tools.ts";

export type GroupDriverName = "java" | "franz-go" | "librdkafka" | "kafkajs";

export interface GroupClient {
  /** Shown in test names, e.g. "java (cooperative-sticky)". */
  readonly label: string;
  readonly driver: GroupDriverName;
  /** --assignor passed to the driver; undefined = the client's default. */
  readonly assignor: string | undefined;
  /** Cooperative (incremental) rebalancing, as opposed to eager revoke-everything. */
  readonly cooperative: boolean;
  /** Supports group.instance.id (KIP-345). */
  readonly staticMembership: boolean;
  /** Throws the install hint when the client's binary or runtime is missing. */
  requireTools(): void;
  /** The command line for one member with the given driver arguments. */
  command(args: readonly string[]): { cmd: string; args: string[] };
}

const KAFKAJS_GROUP_SCRIPT = fileURLToPath(new URL("../kafkajs-group.ts", import.meta.url));

function javaClient(assignor: string, cooperative: boolean): GroupClient {
  return {
    label: `java (${assignor})`,
    driver: "java",
    assignor,
    cooperative,
    staticMembership: true,
    requireTools: () =>
      void requireTool(TOOL_PATHS.javaDriver, "Java kafka-clients driver (.tools/bin/java-driver)"),
    command: (args) => ({ cmd: TOOL_PATHS.javaDriver, args: [...args] }),
  };
}

export const JAVA_EAGER: GroupClient = javaClient("range", false);
export const JAVA_COOPERATIVE: GroupClient = javaClient("cooperative-sticky", true);

/** librdkafka's default strategy list is "range,roundrobin"; range is what gets chosen. */
export const LIBRDKAFKA: GroupClient = {
  label: "librdkafka (range)",
  driver: "librdkafka",
  assignor: "range",
  cooperative: false,
  staticMembership: true,
  requireTools: () => {
    requireTool(TOOL_PATHS.python, "confluent-kafka-python venv (.tools/venv)");
    requireTool(TOOL_PATHS.pythonDriver, "test/compat/python/driver.py", false);
  },
  command: (args) => ({ cmd: TOOL_PATHS.python, args: [TOOL_PATHS.pythonDriver, ...args] }),
};

/** kafkajs ships only its round-robin assignor (eager) and has no static membership. */
export const KAFKAJS: GroupClient = {
  label: "kafkajs (roundrobin)",
  driver: "kafkajs",
  assignor: "roundrobin",
  cooperative: false,
  staticMembership: false,
  requireTools: () => void requireTool(KAFKAJS_GROUP_SCRIPT, "test/compat/kafkajs-group.ts", false),
  // process.execPath is the Node 24 that runs vitest (type stripping for the .ts script).
  // --no-warnings: kafkajs trips Node's TimeoutNegativeWarning on every start.
  command: (args) => ({
    cmd: process.execPath,
    args: ["--no-warnings", KAFKAJS_GROUP_SCRIPT, ...args],
  }),
};

/** franz-go's default balancer is cooperative-sticky. */
export const FRANZ_GO: GroupClient = {
  label: "franz-go (cooperative-sticky)",
  driver: "franz-go",
  assignor: "cooperative-sticky",
  cooperative: true,
  staticMembership: true,
  requireTools: () =>
    void requireTool(TOOL_PATHS.franzgoDriver, "franz-go driver (.tools/bin/franzgo-driver)"),
  command: (args) => ({ cmd: TOOL_PATHS.franzgoDriver, args: [...args] }),
};

export const ALL_GROUP_CLIENTS: readonly GroupClient[] = [
  JAVA_EAGER,
  JAVA_COOPERATIVE,
  LIBRDKAFKA,
  KAFKAJS,
  FRANZ_GO,
];
