/**
 * The Kafka TCP listener: accepts connections, hands each to a Connection, and shuts down
 * cleanly (stop accepting, end connections, wait). Nothing here knows Kafka semantics.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Dispatcher } from "../broker/dispatch.ts";
import type { Logger } from "../logger.ts";
import { Connection, type ConnectionLimits } from "./connection.ts";

export interface FrontServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface FrontServerOptions extends ConnectionLimits {
  host: string;
  port: number;
  maxConnections: number;
}

export async function listen(
  dispatcher: Dispatcher,
  options: FrontServerOptions,
  logger: Logger,
): Promise<FrontServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    new Connection(socket, dispatcher, options, logger);
  });
  server.maxConnections = options.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => logger.error("listener error", { err }));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    host: options.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
