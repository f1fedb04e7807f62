// Starts the reference Apache Kafka 4.1.1 broker (from Maven Central, installed into
// .tools/kafka/libs by scripts/setup-test-deps.sh) as a single-node KRaft cluster in combined
// mode on 127.0.0.1, with random free ports and its own temporary log dir. The compat suite
// and the benchmarks run the same clients against it and against Floe.
//
// Config follows shared/reference/test-infrastructure.md §4 (static quorum). Topics are created
// through the Admin API (kafkajs admin), which is faster than starting TopicCommand's JVM.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { requireCommand, requireTool, runProcess, TOOL_PATHS, tail } from "./tools.ts";

const { Kafka, logLevel } = kafkajs;

export interface ReferenceKafka {
  /** host:port of the PLAINTEXT listener. */
  bootstrap: string;
  /** Temporary directory holding config, data and server.log. */
  dir: string;
  pid: number;
  createTopic(name: string, partitions: number, configs?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

export interface ReferenceKafkaOptions {
  /** Java heap (-Xmx); default 1g. */
  heap?: string;
  /** How long to wait for the broker to answer the Admin API; default 90 s. */
  startTimeoutMs?: number;
  /** Extra or overriding server.properties entries. */
  properties?: Record<string, string>;
}

export function kafkaClasspath(): string {
  requireTool(
    join(TOOL_PATHS.kafkaLibs, "kafka_2.13-4.1.1.jar"),
    "Apache Kafka 4.1.1 (.tools/kafka/libs)",
    false,
  );
  return join(TOOL_PATHS.kafkaLibs, "*");
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const LOG4J2 = (dir: string) => `status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${join(dir, "server.log")}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
`;

// Live brokers, killed if the test process exits without calling stop().
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // the whole process group (detached spawn)
  } catch {
    // already gone
  }
}

export async function startReferenceKafka(
  opts: ReferenceKafkaOptions = {},
): Promise<ReferenceKafka> {
  const java = requireCommand("java", "java (JDK >= 17)");
  const cp = kafkaClasspath();
  const dir = mkdtempSync(join(tmpdir(), "floe-ref-kafka-"));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const bootstrap = `127.0.0.1:${port}`;
  const properties: Record<string, string> = {
    "process.roles": "broker,controller",
    "node.id": "1",
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${port}`,
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "controller.quorum.voters": `1@127.0.0.1:${controllerPort}`,
    "log.dirs": join(dir, "data"),
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    "group.initial.rebalance.delay.ms": "0",
    "num.partitions": "4",
    // Tests create their topics; a typo must fail rather than create a topic silently.
    "auto.create.topics.enable": "false",
    ...opts.properties,
  };
  const propsFile = join(dir, "server.properties");
  writeFileSync(
    propsFile,
    `${Object.entries(properties)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
  );
  const log4jFile = join(dir, "log4j2.properties");
  writeFileSync(log4jFile, LOG4J2(dir));

  // Kafka's Uuid: 16 random bytes, URL-safe base64 without padding (what `random-uuid` prints).
  // Like Uuid.randomUuid(), never one starting with "-": StorageTool would parse it as an option.
  let clusterId = randomBytes(16).toString("base64url");
  while (clusterId.startsWith("-")) clusterId = randomBytes(16).toString("base64url");
  const jvmLog = `-Dlog4j2.configurationFile=${log4jFile}`;
  const format = await runProcess(
    java,
    [
      jvmLog,
      "-Xshare:auto",
      "-XX:TieredStopAtLevel=1",
      "-cp",
      cp,
      "kafka.tools.StorageTool",
      "format",
      "-t",
      clusterId,
      "-c",
      propsFile,
    ],
    { timeoutMs: 60_000 },
  );
  if (format.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `kafka StorageTool format failed (exit ${format.code}):\n${tail(format.stderr + format.stdout)}`,
    );
  }

  const outFd = openSync(join(dir, "stdout.log"), "a");
  const child = spawn(
    java,
    [
      `-Xmx${opts.heap ?? "1g"}`,
      `-Xms${opts.heap ?? "1g"}`,
      "-XX:+UseG1GC",
      jvmLog,
      "-cp",
      cp,
      "kafka.Kafka",
      propsFile,
    ],
    { cwd: dir, detached: true, stdio: ["ignore", outFd, outFd] },
  );
  closeSync(outFd);
  live.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const c of live) killGroup(c, "SIGKILL");
    });
  }
  let exited: string | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.on("exit", (code, signal) => {
      exited = `exit ${code ?? signal}`;
      live.delete(child);
      resolve();
    });
  });

  const admin = new Kafka({
    clientId: "floe-ref-admin",
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
  }).admin();
  const stop = async () => {
    await admin.disconnect().catch(() => {});
    if (exited === null) {
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  for (;;) {
    if (exited !== null) {
      const log = readLog(dir);
      await stop();
      throw new Error(`reference Kafka exited during start-up (${exited}):\n${log}`);
    }
    try {
      await admin.connect();
      await admin.describeCluster();
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        const log = readLog(dir);
        await stop();
        throw new Error(`reference Kafka did not become ready in time: ${String(e)}\n${log}`);
      }
      await admin.disconnect().catch(() => {});
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  return {
    bootstrap,
    dir,
    pid: child.pid!,
    async createTopic(name, partitions, configs = {}) {
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: name,
            numPartitions: partitions,
            replicationFactor: 1,
            configEntries: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
          },
        ],
      });
      if (!created) throw new Error(`topic ${name} already exists`);
    },
    stop,
  };
}

function readLog(dir: string): string {
  let text = "";
  for (const f of ["stdout.log", "server.log"]) {
    try {
      text += `--- ${f}\n${tail(readFileSync(join(dir, f), "utf8"), 20)}\n`;
    } catch {
      // not written yet
    }
  }
  return text;
}
