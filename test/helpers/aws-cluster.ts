/**
 * Several real `floe front` processes (the CLI, the AWS backend) over one S3 bucket and one
 * DynamoDB table on the local emulators, behind a round-robin TCP balancer, for the fault
 * tests of the AWS backend:
 *
 *   const emulators = await startAwsEmulators();          // DynamoDB Local + moto, once per file
 *   const cluster = await startAwsCluster(emulators, { fronts: 3, faultProxies: true });
 *   cluster.bootstrap                                      // the balancer: every front's sharedAddress
 *   cluster.front(1).s3Proxy!.inject({ action: faults.slowDown() });
 *   await cluster.kill(0);  await cluster.restart(0);
 *   await cluster.stop();
 *
 * Each front slot keeps one port for all its lives (a new one only if another process took it
 * before the front could listen) and, with `faultProxies`, its own
 * fault proxy (test/helpers/fault-proxy.ts) in front of S3 and of DynamoDB: that front's
 * AWS_ENDPOINT_URL_S3 / _DYNAMODB name its proxies. Fronts run with FLOE_LOG_LEVEL=warn; their
 * stderr (every life) and exits are kept for failure messages (`diagnostics()`). A front that
 * dies on its own (e.g. FLOE_TEST_CRASH_POINT) is restarted after `autoRestartMs` when set.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { dynamoDbLocalCredentials, startDynamoDbLocal } from "./emulators/dynamodb-local.ts";
import { startS3Server } from "./emulators/s3-server.ts";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.ts";
import { startTcpBalancer, type TcpBalancer } from "./tcp-balancer.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const FLOE_BIN = resolve(ROOT, "bin/floe.mjs");
const START_TIMEOUT_MS = 30_000;
/** Starts of one front that may find its port taken by another process before it gives up. */
const PORT_RACE_ATTEMPTS = 3;

export interface AwsEmulators {
  readonly s3Endpoint: string;
  readonly dynamodbEndpoint: string;
  stop(): Promise<void>;
}

/** DynamoDB Local and moto, started side by side; each missing tool fails with its install hint. */
export async function startAwsEmulators(): Promise<AwsEmulators> {
  const [dynamo, s3] = await Promise.allSettled([startDynamoDbLocal(), startS3Server()]);
  if (dynamo.status === "rejected" || s3.status === "rejected") {
    if (dynamo.status === "fulfilled") await dynamo.value.stop();
    if (s3.status === "fulfilled") await s3.value.stop();
    throw dynamo.status === "rejected" ? dynamo.reason : (s3 as PromiseRejectedResult).reason;
  }
  return {
    s3Endpoint: s3.value.endpoint,
    dynamodbEndpoint: dynamo.value.endpoint,
    async stop() {
      await Promise.all([dynamo.value.stop(), s3.value.stop()]);
    },
  };
}

/**
 * The environment of a `floe front` process on the emulators (or proxies in front of them):
 * this process's own, minus every AWS_* and FLOE_* setting of the runner, plus the endpoints,
 * DynamoDB Local's credentials, and the bucket and table.
 */
export function awsFrontEnv(
  endpoints: Pick<AwsEmulators, "s3Endpoint" | "dynamodbEndpoint">,
  bucket: string,
  table: string,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("AWS_") && !k.startsWith("FLOE_")) env[k] = v;
  }
  const credentials = dynamoDbLocalCredentials();
  return {
    ...env,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoints.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodbEndpoint,
    FLOE_S3_BUCKET: bucket,
    FLOE_DYNAMODB_TABLE: table,
  };
}

export interface AwsClusterOptions {
  fronts: number;
  /** Give each front its own fault proxy for S3 and for DynamoDB. Default false. */
  faultProxies?: boolean;
  /** Extra environment of front `index` (e.g. FLOE_TEST_CRASH_POINT), read at every start. */
  env?: (index: number) => Record<string, string>;
  /** Restart a front that died on its own after this long; undefined = leave it down. */
  autoRestartMs?: number;
}

export interface FrontSlot {
  readonly index: number;
  readonly port: number;
  readonly s3Proxy: FaultProxy | undefined;
  readonly dynamoProxy: FaultProxy | undefined;
  /** The running process, undefined while down. */
  readonly child: ChildProcess | undefined;
  /** Times this slot was started. */
  readonly lives: number;
}

export interface FrontExit {
  index: number;
  life: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the test asked for it (kill/stop), false when the front died on its own. */
  requested: boolean;
}

export interface AwsCluster {
  /** host:port of the balancer, which every front names as its sharedAddress. */
  readonly bootstrap: string;
  readonly balancer: TcpBalancer;
  readonly bucket: string;
  readonly table: string;
  readonly exits: readonly FrontExit[];
  front(index: number): FrontSlot;
  /** Every fault proxy of every front (empty without `faultProxies`). */
  proxies(kind: "s3" | "dynamodb"): FaultProxy[];
  /** SIGKILLs front `index` (if up) and waits for it to be gone. */
  kill(index: number): Promise<void>;
  /** Starts front `index` again on its port; resolves once it serves Kafka. */
  restart(index: number): Promise<void>;
  /** Resolves once every front is up (auto-restarts included). */
  waitAllUp(timeoutMs?: number): Promise<void>;
  setAutoRestart(ms: number | undefined): void;
  /** Front stderr of every life and the exits so far, for failure messages. */
  diagnostics(): string;
  stop(): Promise<void>;
}

interface Slot extends FrontSlot {
  port: number;
  child: ChildProcess | undefined;
  lives: number;
  stderr: string;
  starting: Promise<void> | undefined;
  killRequested: boolean;
}

export async function startAwsCluster(
  emulators: AwsEmulators,
  options: AwsClusterOptions,
): Promise<AwsCluster> {
  const id = randomBytes(4).toString("hex");
  const bucket = `floe-fronts-${id}`;
  const table = `floe-fronts-${id}`;
  const balancer = await startTcpBalancer();
  const exits: FrontExit[] = [];
  let autoRestartMs = options.autoRestartMs;
  let stopping = false;
  const slots: Slot[] = [];
  for (let index = 0; index < options.fronts; index++) {
    slots.push({
      index,
      port: await freePort(),
      s3Proxy: options.faultProxies ? await startFaultProxy(emulators.s3Endpoint) : undefined,
      dynamoProxy: options.faultProxies
        ? await startFaultProxy(emulators.dynamodbEndpoint)
        : undefined,
      child: undefined,
      lives: 0,
      stderr: "",
      starting: undefined,
      killRequested: false,
    });
  }

  const envOf = (slot: Slot): NodeJS.ProcessEnv => ({
    ...awsFrontEnv(
      {
        s3Endpoint: slot.s3Proxy?.endpoint ?? emulators.s3Endpoint,
        dynamodbEndpoint: slot.dynamoProxy?.endpoint ?? emulators.dynamodbEndpoint,
      },
      bucket,
      table,
    ),
    FLOE_LOG_LEVEL: "warn",
    ...options.env?.(slot.index),
  });

  /**
   * Starts a front; if another process took its port between freePort() and the front's
   * listen (parallel test files), the slot moves to a new free port and tries again.
   */
  const start = async (slot: Slot, createResources: boolean): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const lifeStart = slot.stderr.length;
      try {
        return await startOnce(slot, createResources);
      } catch (err) {
        const lostPort = slot.stderr.slice(lifeStart).includes("EADDRINUSE");
        if (!lostPort || attempt >= PORT_RACE_ATTEMPTS || stopping) throw err;
        slot.port = await freePort();
      }
    }
  };

  const startOnce = (slot: Slot, createResources: boolean): Promise<void> => {
    if (slot.starting) return slot.starting;
    if (slot.child) return Promise.resolve();
    slot.lives++;
    const life = slot.lives;
    slot.killRequested = false;
    const child = spawn(
      process.execPath,
      [
        FLOE_BIN,
        "front",
        "--host",
        "127.0.0.1",
        "--port",
        String(slot.port),
        "--shared-address",
        balancer.address,
        ...(createResources ? ["--create-resources"] : []),
      ],
      { env: envOf(slot), stdio: ["ignore", "pipe", "pipe"] },
    );
    slot.child = child;
    slot.stderr += `--- front ${slot.index}, life ${life} ---\n`;
    child.stderr!.on("data", (d: Buffer) => {
      slot.stderr += d.toString();
    });
    const exited = new Promise<void>((done) => {
      child.once("exit", (code, signal) => {
        exits.push({ index: slot.index, life, code, signal, requested: slot.killRequested });
        slot.stderr += `--- front ${slot.index}, life ${life}: exit ${code ?? signal} ---\n`;
        if (slot.child === child) {
          slot.child = undefined;
          balancer.markDown(slot.index);
          if (!slot.killRequested && !stopping && autoRestartMs !== undefined) {
            setTimeout(() => {
              if (stopping || slot.child) return;
              start(slot, false).catch((err: unknown) => {
                slot.stderr += `--- automatic restart failed: ${String(err)} ---\n`;
              });
            }, autoRestartMs);
          }
        }
        done();
      });
    });
    slot.starting = new Promise<void>((ready, fail) => {
      let out = "";
      const timer = setTimeout(
        () => fail(new Error(`front ${slot.index} did not start in ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (/serving Kafka on /.test(out)) {
          clearTimeout(timer);
          balancer.setBackend(slot.index, slot.port);
          ready();
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        fail(new Error(`front ${slot.index} exited while starting:\n${tail(slot.stderr)}`));
      });
      child.once("error", (err) => {
        clearTimeout(timer);
        if (slot.child === child) slot.child = undefined;
        fail(new Error(`front ${slot.index} could not be spawned: ${err.message}`));
      });
    }).finally(() => {
      slot.starting = undefined;
    });
    return slot.starting;
  };

  const kill = async (slot: Slot): Promise<void> => {
    const child = slot.child;
    if (!child) return;
    slot.killRequested = true;
    balancer.markDown(slot.index);
    await new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once("exit", () => done());
      child.kill("SIGKILL");
    });
  };

  const stopAll = async (): Promise<void> => {
    stopping = true;
    await Promise.all(slots.map((s) => kill(s)));
    await balancer.close();
    await Promise.all(slots.flatMap((s) => [s.s3Proxy?.close(), s.dynamoProxy?.close()]));
  };

  try {
    await start(slots[0], true); // creates the bucket and the table
    await Promise.all(slots.slice(1).map((s) => start(s, false)));
  } catch (err) {
    const stderr = slots.map((s) => s.stderr).join("");
    await stopAll();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail(stderr, 40)}`);
  }

  const slot = (index: number): Slot => {
    const s = slots[index];
    if (s === undefined) throw new RangeError(`no front ${index}`);
    return s;
  };

  return {
    bootstrap: balancer.address,
    balancer,
    bucket,
    table,
    exits,
    front: slot,
    proxies: (kind) =>
      slots.flatMap((s) => {
        const p = kind === "s3" ? s.s3Proxy : s.dynamoProxy;
        return p ? [p] : [];
      }),
    kill: (index) => kill(slot(index)),
    restart: async (index) => {
      const s = slot(index);
      await kill(s);
      await start(s, false);
    },
    async waitAllUp(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const down = slots.filter((s) => !s.child || s.starting);
        if (down.length === 0) return;
        if (Date.now() > deadline) {
          throw new Error(`fronts ${down.map((s) => s.index).join(", ")} are not up`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    setAutoRestart(ms) {
      autoRestartMs = ms;
    },
    diagnostics() {
      const lines = exits.map(
        (e) =>
          `front ${e.index} life ${e.life}: ${e.code ?? e.signal}${e.requested ? " (killed by the test)" : ""}`,
      );
      return [
        `exits:\n${lines.join("\n") || "(none)"}`,
        ...slots.map((s) => `front ${s.index} stderr:\n${tail(s.stderr, 40)}`),
      ].join("\n");
    },
    stop: stopAll,
  };
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

function tail(text: string, lines = 20): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
