/**
 * The `floe` command line.
 *
 *   floe dev [--host H] [--port P] [--data-dir D] [--partitions N] [--no-auto-create] [--log-level L]
 *            [--cluster] [--advertised-host H] [--shared-address HOST:PORT] [--backend embedded|aws]
 *            [--create-resources] [--linger-ms N] [--http-port P] [--no-http]
 *   floe front [options of dev]     (= floe dev --backend aws)
 *   floe topics create NAME [--partitions N] [--config k=v ...]
 *   floe topics list | describe NAME | delete NAME
 *   floe produce TOPIC [--partition P] [--key K] [--compression none|gzip|snappy|lz4|zstd]   (values from stdin, one per line)
 *   floe consume TOPIC [--partition P] [--from earliest|latest|OFFSET] [--count N] [--follow]
 *   floe groups list | describe GROUP | delete GROUP...   [--json]
 *   floe gc [--data-dir D | --backend aws] [--grace-ms N] [--dry-run] [--json]
 *   floe maintenance [--data-dir D | --backend aws] [--grace-ms N] [--deadline-ms N] [--json]
 *
 * Admin and data commands take --bootstrap HOST:PORT (default 127.0.0.1:9092) and --debug
 * (log each Kafka request's API and version to stderr).
 */
import { parseArgs } from "node:util";
import { runConsume, runProduce } from "./data.ts";
import { runDev } from "./dev.ts";
import { runGc } from "./gc.ts";
import { runGroups } from "./groups.ts";
import { runMaintenance } from "./maintenance.ts";
import { runTopics } from "./topics.ts";

const USAGE = `usage:
  floe dev [--host 127.0.0.1] [--port 9092] [--data-dir ./data] [--partitions 1] [--no-auto-create] [--log-level info]
      [--cluster]                  several floe dev processes share one --data-dir, each on its own port;
                                   Metadata names every live one and spreads partitions and groups over them
      [--advertised-host H]        the host clients are told to connect to (default: --host)
      [--shared-address HOST:PORT] a load balancer in front of all of them: Metadata names only this address
      [--backend embedded|aws]     aws: S3 + DynamoDB from the standard AWS environment (AWS_REGION,
                                   AWS_ENDPOINT_URL[_S3|_DYNAMODB], credentials) plus FLOE_S3_BUCKET and
                                   FLOE_DYNAMODB_TABLE; always several-front (--cluster) mode
      [--create-resources]         aws: create the bucket and table when missing (emulators, LocalStack)
      [--linger-ms N]              flush a segment at the latest N ms after its oldest append (default 5):
                                   longer = fewer, larger S3 PUTs (cheaper), higher produce latency
      [--metrics-port N]           serve counters on http://HOST:N/metrics (Prometheus text): S3 requests by
                                   type, DynamoDB units and calls (aws), segments, commits, cache (both)
      [--emf-interval-ms N]        aws: every N ms print S3 requests, DynamoDB units, retries and shard
                                   snapshot failures as CloudWatch embedded-metric lines (0 = off, default)
      [--maintenance-interval-ms N] run maintenance (retention, orphan segments) every N ms; default
                                   60000 (floe front: 0, the scheduled function does it), 0 = off;
                                   [--grace-ms N] the orphan grace (default 3600000)
      [--http-port N]              the HTTP API (docs/http-api.md) on this port; default 8092, or any free
                                   port when --port is given; 0 = any free port
      [--no-http]                  do not serve the HTTP API (floe front serves none unless --http-port)
  floe front [same options]        floe dev --backend aws: one stateless front of a deployment
  floe topics create NAME [--partitions N] [--config k=v ...] [--bootstrap HOST:PORT]
  floe topics list|describe NAME|delete NAME [--bootstrap HOST:PORT]
  floe produce TOPIC [--partition P] [--key K] [--compression none|gzip|snappy|lz4|zstd] [--bootstrap HOST:PORT]
  floe consume TOPIC [--partition P] [--from earliest|latest|OFFSET] [--count N] [--follow] [--bootstrap HOST:PORT]
  floe groups list [--json] [--bootstrap HOST:PORT]
      consumer groups with their state, protocol type and member count
  floe groups describe GROUP [--json] [--bootstrap HOST:PORT]
      per partition: committed offset, end offset, lag and the owning member (client id, host)
  floe groups delete GROUP... [--bootstrap HOST:PORT]
      deletes groups that have no active members, with their committed offsets
  floe gc [--data-dir ./data | --backend aws] [--grace-ms 3600000] [--dry-run] [--json]
      deletes segment objects no index entry references (failed flushes, deleted topics) once
      older than --grace-ms (at least 900000); --dry-run lists them and deletes nothing
  floe maintenance [--data-dir ./data | --backend aws] [--grace-ms 3600000] [--deadline-ms 600000] [--json]
      one maintenance run (docs/retention.md): retention.ms / retention.bytes move log starts,
      stale index entries go, then floe gc's orphan collection; what floe dev does every
      --maintenance-interval-ms (default 60000, 0 = off) and the scheduled Lambda every 5 minutes
  --debug on any command that talks to a server logs each Kafka request (API, version) to stderr`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "data-dir": { type: "string" },
      partitions: { type: "string" },
      "no-auto-create": { type: "boolean" },
      cluster: { type: "boolean" },
      backend: { type: "string" },
      "create-resources": { type: "boolean" },
      "metrics-port": { type: "string" },
      "emf-interval-ms": { type: "string" },
      "http-port": { type: "string" },
      "no-http": { type: "boolean" },
      "advertised-host": { type: "string" },
      "shared-address": { type: "string" },
      "log-level": { type: "string" },
      bootstrap: { type: "string", default: "127.0.0.1:9092" },
      config: { type: "string", multiple: true },
      partition: { type: "string" },
      key: { type: "string" },
      compression: { type: "string", default: "none" },
      from: { type: "string", default: "earliest" },
      count: { type: "string" },
      follow: { type: "boolean" },
      json: { type: "boolean" },
      debug: { type: "boolean" },
      "grace-ms": { type: "string" },
      "dry-run": { type: "boolean" },
      "deadline-ms": { type: "string" },
      "maintenance-interval-ms": { type: "string" },
      "linger-ms": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || !command || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  switch (command) {
    case "dev":
      return runDev(values);
    case "front":
      return runDev(values, "aws");
    case "topics":
      return runTopics(positionals, values);
    case "produce":
      return runProduce(positionals, values);
    case "consume":
      return runConsume(positionals, values);
    case "groups":
      return runGroups(positionals, values);
    case "gc":
      return runGc(values);
    case "maintenance":
      return runMaintenance(values);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`floe: ${message}`);
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      console.error(USAGE);
    }
    process.exitCode = 1;
  },
);
