/**
 * Runs `floe dev` as a child process (the real CLI, the real embedded backend) on a free port,
 * for tests that need to kill it. Resolves once the server prints its listening line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export interface FloeProcess {
  readonly port: number;
  readonly dataDir: string;
  readonly child: ChildProcess;
  readonly bootstrap: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Everything the process wrote to stdout so far (its listening lines). */
  stdout(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function tempDataDir(prefix = "floe-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startFloeProcess(
  options: { dataDir?: string; port?: number; args?: string[] } = {},
): Promise<FloeProcess> {
  const dataDir = options.dataDir ?? tempDataDir();
  const child = spawn(
    process.execPath,
    [
      join(ROOT, "lib/cli/main.ts"),
      "dev",
      "--port",
      String(options.port ?? 0),
      "--data-dir",
      dataDir,
      "--log-level",
      "warn",
      ...(options.args ?? []),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  let out = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`floe dev did not start in 30 s; stderr:\n${err}`)),
      30_000,
    );
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /serving Kafka on [^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`floe dev exited with ${code}; stderr:\n${err}`));
    });
  });
  return {
    port,
    dataDir,
    child,
    bootstrap: `127.0.0.1:${port}`,
    stderr: () => err,
    stdout: () => out,
    kill: (signal = "SIGTERM") =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", () => done());
        child.kill(signal);
      }),
  };
}
