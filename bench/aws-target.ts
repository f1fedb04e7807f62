/**
 * The third target of the benchmark: `floe front` (the AWS backend) as its own Node process on
 * DynamoDB Local and moto, started by the run itself (test/helpers/aws-cluster.ts's
 * `startAwsEmulators`, as the AWS-backend tests do). Every start gets a fresh bucket and table
 * (`--create-resources`), so no earlier front's lease or data is in the way. S3 goes straight to
 * moto, or through the latency proxy (./s3-latency-proxy.ts) when `s3Endpoint` names it.
 *
 * The front serves its counters on --metrics-port: the latency model reads S3 requests,
 * DynamoDB units and segment flushes from there. Its RSS and CPU are the front process's alone:
 * the emulators (two more processes, a JVM and a Python server) are not counted.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { freePort } from "../test/compat/reference-kafka.ts";
import { ROOT, tail } from "../test/compat/tools.ts";
import { type AwsEmulators, awsFrontEnv } from "../test/helpers/aws-cluster.ts";
import { cleanups, floeTopicCreator, type Target } from "./targets.ts";

const START_TIMEOUT_MS = 60_000;

export interface AwsFrontOptions {
  /** S3 endpoint for the front (default: moto itself). */
  s3Endpoint?: string;
  /** --linger-ms; undefined = the front's default. */
  lingerMs?: number;
}

/** Parses the Prometheus text of GET /metrics into name → value. */
export function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^([a-z_][a-z0-9_]*) (\S+)$/.exec(line.trim());
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

export async function startFloeAws(
  emulators: AwsEmulators,
  options: AwsFrontOptions = {},
): Promise<Target> {
  const id = randomBytes(4).toString("hex");
  const [port, metricsPort] = [await freePort(), await freePort()];
  const args = [
    join(ROOT, "bin/floe.mjs"),
    "front",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--metrics-port",
    String(metricsPort),
    "--create-resources",
    "--log-level",
    "warn",
    ...(options.lingerMs === undefined ? [] : ["--linger-ms", String(options.lingerMs)]),
  ];
  const child = spawn(process.execPath, args, {
    env: awsFrontEnv(
      { ...emulators, s3Endpoint: options.s3Endpoint ?? emulators.s3Endpoint },
      `floe-bench-${id}`,
      `floe-bench-${id}`,
    ),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-64_000);
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  cleanups.push(stop);
  process.on("exit", () => child.kill("SIGKILL"));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => {
      fail(new Error(`floe front did not start in ${START_TIMEOUT_MS} ms:\n${tail(stderr, 20)}`));
    }, START_TIMEOUT_MS);
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (/serving Kafka on /.test(stdout) && /Metrics on /.test(stdout)) {
        clearTimeout(timer);
        ready();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`floe front exited while starting:\n${tail(stderr, 20)}`));
    });
  });
  const linger =
    options.lingerMs === undefined ? "default linger" : `--linger-ms ${options.lingerMs}`;
  const s3 = options.s3Endpoint === undefined ? "moto" : "moto behind the S3 latency proxy";
  return {
    name: "Floe (AWS)",
    bootstrap: `127.0.0.1:${port}`,
    pid: child.pid!,
    describe: `floe front (AWS backend: DynamoDB Local + ${s3}, fresh bucket and table, ${linger}), Node ${process.version}, --log-level warn; RSS and CPU are the front process's, the emulators' are not counted`,
    createTopic: floeTopicCreator(port),
    complaints: () => stderr.split("\n").filter((l) => l.trim() !== ""),
    metrics: async () => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      return parseMetrics(await res.text());
    },
    stop,
  };
}
