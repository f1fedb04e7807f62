/**
 * A tiny round-robin TCP load balancer (node:net) for tests of several fronts behind one
 * address — what an AWS NLB does in a deployment with `sharedAddress`. Each new client
 * connection goes to the next live backend; a backend that refuses the connection is skipped
 * (it may have died a moment ago); when either side of a pair closes, the other is destroyed,
 * so a killed front's clients see their connection drop and reconnect through the balancer to
 * another front. Per backend it counts connections and bytes, so a test can tell which fronts
 * actually served traffic.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

export interface BackendStats {
  /** Client connections handed to this backend so far. */
  connections: number;
  /** Bytes forwarded from clients to this backend (requests: produce data shows up here). */
  bytesIn: number;
  /** Bytes forwarded from this backend to clients. */
  bytesOut: number;
}

interface Backend {
  port: number;
  live: boolean;
  readonly stats: BackendStats;
  readonly pairs: Set<Socket>;
}

export interface TcpBalancer {
  readonly port: number;
  /** "127.0.0.1:<port>": the shared address clients bootstrap from. */
  readonly address: string;
  /** Adds or replaces backend `index` (a front's port) and marks it live. */
  setBackend(index: number, port: number): void;
  /** Stops routing to backend `index` and drops its open connections. */
  markDown(index: number): void;
  stats(index: number): BackendStats;
  close(): Promise<void>;
}

const HOST = "127.0.0.1";

export async function startTcpBalancer(): Promise<TcpBalancer> {
  const backends: Backend[] = [];
  const clients = new Set<Socket>();
  let next = 0;

  /** Live backends in round-robin order from the cursor, each tried once. */
  const candidates = (): Backend[] => {
    const out: Backend[] = [];
    for (let k = 0; k < backends.length; k++) {
      const b = backends[(next + k) % backends.length];
      if (b?.live) out.push(b);
    }
    next = (next + 1) % Math.max(1, backends.length);
    return out;
  };

  const attach = (client: Socket, order: Backend[]): void => {
    const backend = order.shift();
    if (backend === undefined || client.destroyed) {
      client.destroy();
      return;
    }
    const upstream = tcpConnect({ host: HOST, port: backend.port });
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      if (client.destroyed || !backend.live) {
        upstream.destroy();
        client.destroy();
        return;
      }
      backend.stats.connections++;
      backend.pairs.add(client);
      client.on("data", (d: Buffer) => {
        backend.stats.bytesIn += d.length;
      });
      upstream.on("data", (d: Buffer) => {
        backend.stats.bytesOut += d.length;
      });
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on("error", () => {
      // A refused connect: try the next backend; a broken pair: the close handler cleans up.
      if (!connected) attach(client, order);
    });
    upstream.on("close", () => {
      if (connected) client.destroy();
    });
    client.on("close", () => {
      backend.pairs.delete(client);
      upstream.destroy();
    });
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    clients.add(client);
    client.on("error", () => {});
    client.once("close", () => clients.delete(client));
    attach(client, candidates());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => resolve());
  });
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("balancer: no address");
  const port = address.port;

  const backend = (index: number): Backend => {
    const b = backends[index];
    if (b === undefined) throw new RangeError(`balancer: no backend ${index}`);
    return b;
  };

  return {
    port,
    address: `${HOST}:${port}`,
    setBackend(index, backendPort) {
      const b = backends[index];
      if (b === undefined) {
        backends[index] = {
          port: backendPort,
          live: true,
          stats: { connections: 0, bytesIn: 0, bytesOut: 0 },
          pairs: new Set(),
        };
      } else {
        b.port = backendPort;
        b.live = true;
      }
    },
    markDown(index) {
      // A front that died before it ever served has no backend yet: it is down already.
      const b = backends[index];
      if (b === undefined) return;
      b.live = false;
      for (const client of b.pairs) client.destroy();
      b.pairs.clear();
    },
    stats: (index) => ({ ...backend(index).stats }),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of clients) c.destroy();
      await closed;
    },
  };
}
