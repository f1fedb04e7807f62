/**
 * The parts every loopback HTTP proxy of the tests and the benchmark shares
 * (test/helpers/fault-proxy.ts, bench/s3-latency-proxy.ts): forwarding a request to one
 * upstream over a keep-alive agent, hop-by-hop headers dropped both ways; and a server on a
 * free loopback port whose close() also cuts its open client connections.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";

const HOP_BY_HOP_REQUEST = ["connection", "keep-alive", "expect", "proxy-connection"];
const HOP_BY_HOP_RESPONSE = ["connection", "keep-alive", "transfer-encoding"];

export interface Forwarder {
  /**
   * Sends `req` upstream and its answer back. With `resetAfter`, the upstream exchange runs to
   * its end (the request takes effect) and the client's connection is then reset unanswered.
   */
  forward(req: IncomingMessage, res: ServerResponse, resetAfter?: boolean): void;
  /** Closes the agent's pooled upstream connections. */
  destroy(): void;
}

/** `name` prefixes the 502 body sent when the upstream fails. */
export function httpForwarder(upstream: string, name: string): Forwarder {
  const up = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  return {
    forward(req, res, resetAfter = false) {
      const headers = { ...req.headers };
      for (const h of HOP_BY_HOP_REQUEST) delete headers[h];
      const out = httpRequest(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers, agent },
        (upRes) => {
          if (resetAfter) {
            // Let the upstream finish (the request has taken effect), then cut the client off.
            upRes.resume();
            upRes.once("end", () => req.socket.resetAndDestroy());
            return;
          }
          const h = { ...upRes.headers };
          for (const k of HOP_BY_HOP_RESPONSE) delete h[k];
          res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, h);
          upRes.pipe(res);
        },
      );
      if (!resetAfter) {
        // The client gave up (timeout, reset): stop the upstream exchange as well.
        res.once("close", () => {
          if (!res.writableFinished) out.destroy();
        });
      }
      out.on("error", (err) => {
        if (res.destroyed) return;
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(`${name}: upstream error: ${err.message}`);
      });
      req.pipe(out);
    },
    destroy() {
      agent.destroy();
    },
  };
}

export interface LoopbackServer {
  readonly endpoint: string;
  /** Stops listening and destroys every open client connection. */
  close(): Promise<void>;
}

/** An HTTP server on a free 127.0.0.1 port; malformed client requests just drop the socket. */
export async function listenLoopback(
  name: string,
  handler: RequestListener,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error(`${name}: no address`);
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
