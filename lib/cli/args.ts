/** Shared parsing of CLI option values, each failing with a message that names the option. */
import { WireClient } from "../client/wire-client.ts";
import { API_CODECS } from "../protocol/generated/index.ts";

export type Options = Record<string, string | boolean | string[] | undefined>;

export function intOption(values: Options, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || !Number.isSafeInteger(n))
    throw new Error(`--${name} must be an integer, got ${raw}`);
  return n;
}

export function parseBootstrap(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(":");
  const port = Number(value.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`--bootstrap must be HOST:PORT, got ${value}`);
  }
  return { host: value.slice(0, i), port };
}

export async function connectBootstrap(values: Options): Promise<WireClient> {
  const { host, port } = parseBootstrap(String(values.bootstrap));
  try {
    const client = await WireClient.connect(host, port);
    if (values.debug) client.onRequest = traceRequest;
    return client;
  } catch (err) {
    throw new Error(
      `cannot reach a Kafka endpoint at ${host}:${port} (${(err as Error).message}); is \`floe dev\` running?`,
    );
  }
}

/** `--debug`: one stderr line per Kafka request sent, naming the API and version. */
function traceRequest(apiKey: number, version: number): void {
  console.error(
    `floe: > ${API_CODECS.get(apiKey)?.api.name ?? apiKey} (key ${apiKey}) v${version}`,
  );
}
