/**
 * The HTTP API next to a Kafka front in one process (`floe dev`): the same LogService, topic
 * cache and metadata store, so a record produced on either port is at once readable on both.
 */
import { httpConfig } from "../config/http-config.ts";
import type { RunningFront } from "../front/node.ts";
import type { Logger } from "../logger.ts";
import { createHttpApi } from "./api.ts";
import { createHttpContext } from "./context.ts";
import { type HttpServer, startHttpServer } from "./server.ts";

export interface LocalHttpOptions {
  host: string;
  port: number;
  /** HttpConfig overrides (lib/config/http-config.ts); auth does not apply to node:http. */
  http?: Record<string, unknown>;
}

export function serveFrontOverHttp(
  front: RunningFront,
  options: LocalHttpOptions,
  logger: Logger,
): Promise<HttpServer> {
  const http = httpConfig(options.http);
  const ctx = createHttpContext({
    broker: front.config,
    http,
    log: front.log,
    topics: front.topics,
    metadata: front.metadata,
  });
  return startHttpServer(
    createHttpApi(ctx, undefined, logger),
    { host: options.host, port: options.port, maxBodyBytes: http.maxBodyBytes },
    logger,
  );
}
