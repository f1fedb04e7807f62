/**
 * `floe dev` as a child process (test/helpers/floe-process.ts) with its HTTP API on an
 * ephemeral port: what the SDK tests run against, so they cross a real socket and a real
 * server, never a mock.
 */
import { type FloeProcess, startFloeProcess } from "../helpers/floe-process.ts";

export interface FloeHttp {
  floe: FloeProcess;
  /** Base URL of the HTTP API, without /v1. */
  endpoint: string;
}

export async function startFloeHttp(args: string[] = []): Promise<FloeHttp> {
  const floe = await startFloeProcess({ args });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /serving its HTTP API on (\S+)\/v1/.exec(floe.stdout());
    if (m) return { floe, endpoint: m[1] };
    if (Date.now() > deadline) {
      await floe.kill();
      throw new Error(`floe dev printed no HTTP listening line:\n${floe.stdout()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Creates a topic over the HTTP API. */
export async function createTopic(endpoint: string, name: string, partitions: number) {
  const res = await fetch(`${endpoint}/v1/topics`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, partitions }),
  });
  if (res.status !== 201)
    throw new Error(`create topic ${name}: ${res.status} ${await res.text()}`);
}
