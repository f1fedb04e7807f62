/**
 * Starts moto's server (PyPI `moto[server]`, installed into .tools/moto-venv by
 * scripts/setup-test-deps.sh) as the S3 endpoint of a test file, through tools/moto/s3_server.py,
 * which makes moto's conditional PUT atomic as S3's is (moto checks, then stores):
 *
 *   const s3 = await startS3Server();   // { endpoint: "http://127.0.0.1:<port>", stop() }
 *
 * One process per caller, on a free loopback port, in its own process group so that `stop()`
 * (or the test process exiting) takes down moto and anything it spawned. moto is in-memory:
 * every start is an empty S3. It enforces PutObject `If-None-Match: *`, one winner among
 * concurrent writers (proved in test/contract/s3-object-store.test.ts); it does not check
 * signatures, so any credentials do.
 * A missing binary is an error with the install hint, never a skipped test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../../..");
export const MOTO_PYTHON_BIN = resolve(ROOT, ".tools/moto-venv/bin/python");
const MOTO_S3_LAUNCHER = resolve(ROOT, "tools/moto/s3_server.py");
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface S3Server {
  /** http://127.0.0.1:<port>; use with forcePathStyle: true. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3Server> {
  if (!existsSync(MOTO_PYTHON_BIN)) {
    throw new Error(
      `moto's Python not found at ${MOTO_PYTHON_BIN}: run: bash scripts/setup-test-deps.sh`,
    );
  }
  // A port taken between probing and binding makes moto exit at once; try a few.
  let lastError: unknown;
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    try {
      return await startOn(port);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function startOn(port: number): Promise<S3Server> {
  const args = [MOTO_S3_LAUNCHER, "-H", "127.0.0.1", "-p", String(port)];
  const child = spawn(MOTO_PYTHON_BIN, args, {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => killGroup("SIGKILL");
  process.once("exit", onExit);

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, child, () => stderr);
  } catch (err) {
    killGroup("SIGKILL");
    process.removeListener("exit", onExit);
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    stop() {
      stopped ??= (async () => {
        process.removeListener("exit", onExit);
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        killGroup("SIGTERM");
        const timer = setTimeout(() => killGroup("SIGKILL"), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `moto's S3 server exited (${child.exitCode ?? child.signalCode}) before answering; stderr:\n${stderr()}`,
      );
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `moto's S3 server did not answer on ${endpoint} in ${START_TIMEOUT_MS} ms:\n${stderr()}`,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === "object" && address !== null) resolvePort(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}
