/**
 * The servers the benchmark compares, as started, measured and stopped by ./main.ts: the
 * reference Apache Kafka broker and `floe dev` (embedded backend), each its own process, plus
 * the cleanups that stop whatever the run started, also on Ctrl-C. The third target, `floe
 * front` on the AWS backend, is in ./aws-target.ts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTopic as floeCreateTopic } from "../lib/client/admin.ts";
import { WireClient } from "../lib/client/wire-client.ts";
import { startReferenceKafka } from "../test/compat/reference-kafka.ts";
import { startFloeProcess } from "../test/helpers/floe-process.ts";

export type TargetName = "Floe" | "Kafka" | "Floe (AWS)";

export interface Target {
  name: TargetName;
  bootstrap: string;
  pid: number;
  describe: string;
  createTopic(name: string, partitions: number): Promise<void>;
  /** Server stderr/log lines worth reporting (warnings, errors). */
  complaints(): string[];
  /** The server's counters (Floe's --metrics-port), where it has them. */
  metrics?: () => Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export const cleanups: Array<() => Promise<void>> = [];
export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    await fn().catch((e) => console.error(`cleanup: ${String(e)}`));
  }
}
/** On Ctrl-C or SIGTERM, stop the servers and remove the directories the run started. */
export function cleanUpOnSignals(): void {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      console.error(`\n${sig}: stopping everything the benchmark started…`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
}

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Peak resident set size in MiB (VmHWM). */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export async function startKafka(): Promise<Target> {
  const kafka = await startReferenceKafka({ heap: "1g" });
  const stop = () => kafka.stop();
  cleanups.push(stop);
  return {
    name: "Kafka",
    bootstrap: kafka.bootstrap,
    pid: kafka.pid,
    describe:
      "Apache Kafka 4.1.1, single-node KRaft (combined broker+controller), -Xms1g -Xmx1g G1",
    createTopic: (name, partitions) => kafka.createTopic(name, partitions),
    complaints: () => {
      try {
        return readFileSync(join(kafka.dir, "server.log"), "utf8")
          .split("\n")
          .filter((l) => /\] (WARN|ERROR) /.test(l));
      } catch {
        return [];
      }
    },
    stop,
  };
}

/** A Floe target's createTopic: CreateTopics over our own wire client, on 127.0.0.1:port. */
export function floeTopicCreator(port: number): Target["createTopic"] {
  return async (name, partitions) => {
    const client = await WireClient.connect("127.0.0.1", port, "floe-bench-admin");
    try {
      await floeCreateTopic(client, name, partitions);
    } finally {
      client.close();
    }
  };
}

export async function startFloe(): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), "floe-bench-"));
  const floe = await startFloeProcess({ dataDir });
  const stop = async () => {
    const exited = floe.kill("SIGTERM");
    const timer = setTimeout(() => floe.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  process.on("exit", () => floe.child.kill("SIGKILL"));
  return {
    name: "Floe",
    bootstrap: floe.bootstrap,
    pid: floe.child.pid!,
    describe: `floe dev (embedded backend, data dir on ${tmpdir()}), Node ${process.version}, --log-level warn`,
    createTopic: floeTopicCreator(floe.port),
    complaints: () =>
      floe
        .stderr()
        .split("\n")
        .filter((l) => l.trim() !== ""),
    stop,
  };
}
