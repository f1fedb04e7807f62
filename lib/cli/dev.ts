/** `floe dev`: the embedded stack (segments in a directory, metadata in SQLite) on one port. */
import { resolve } from "node:path";
import { startEmbeddedFront } from "../front/node.ts";
import { createLogger, type LogLevel } from "../logger.ts";
import { intOption, type Options } from "./args.ts";

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

export async function runDev(values: Options): Promise<number> {
  const level = String(values["log-level"] ?? process.env.FLOE_LOG_LEVEL ?? "info") as LogLevel;
  if (!LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LEVELS.join(", ")}`);
  const logger = createLogger(level);
  const dataDir = resolve(String(values["data-dir"] ?? "data"));
  const front = await startEmbeddedFront({
    dataDir,
    logger,
    cluster: values.cluster ? "registry" : "single",
    broker: {
      host: String(values.host ?? "127.0.0.1"),
      port: intOption(values, "port", 9092),
      defaultPartitions: intOption(values, "partitions", 1),
      autoCreateTopics: !values["no-auto-create"],
      ...(values["advertised-host"] ? { advertisedHost: String(values["advertised-host"]) } : {}),
      ...(values["shared-address"] ? { sharedAddress: String(values["shared-address"]) } : {}),
    },
  });
  console.log(
    `Floe is serving Kafka on ${front.endpoint.host}:${front.endpoint.port} (data in ${dataDir}). Ctrl-C stops it.`,
  );
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolveStop();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  logger.info("shutting down");
  await front.close();
  return 0;
}
