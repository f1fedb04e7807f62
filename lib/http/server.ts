/**
 * The HTTP API on node:http, for `floe dev` (Lambda serves the same HttpApi from API Gateway
 * events). Bodies are counted while they arrive: a Content-Length over maxBodyBytes is refused
 * before a byte is read, a chunked body as soon as it crosses the limit, and the connection is
 * then closed rather than drained. Keep-alive is on; close() stops accepting, ends long polls
 * (their requests answer at once), and waits for in-flight requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../logger.ts";
import { type HttpApi, tooLarge } from "./api.ts";
import { errorResponse, type HttpRequest, type HttpResponse } from "./types.ts";

export interface HttpServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  maxBodyBytes: number;
}

function send(res: ServerResponse, response: HttpResponse, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...response.headers };
  if (close) headers.connection = "close";
  res.writeHead(response.status, headers);
  res.end(response.body);
}

/** The body (undefined when empty), or "too-large" once it crossed `maxBytes` (the caller answers 413). */
function readBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Buffer | undefined | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        req.pause();
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(bytes === 0 ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
    // A client that goes away mid-body never sends "end".
    req.on("close", () => {
      if (!req.complete) reject(new Error("client closed the connection mid-body"));
    });
  });
}

function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) out[k] = v;
  return out;
}

export async function startHttpServer(
  api: HttpApi,
  options: HttpServerOptions,
  logger: Logger,
): Promise<HttpServer> {
  const inFlight = new Set<AbortController>();
  // Once closing, every answer ends its connection, so close() does not wait out keep-alive.
  let closing = false;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > options.maxBodyBytes) {
      send(res, errorResponse(tooLarge(options.maxBodyBytes)), true);
      return;
    }
    const abort = new AbortController();
    inFlight.add(abort);
    res.on("close", () => {
      inFlight.delete(abort);
      abort.abort();
    });
    const body = await readBody(req, options.maxBodyBytes);
    if (body === "too-large") {
      send(res, errorResponse(tooLarge(options.maxBodyBytes)), true);
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    }
    const request: HttpRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: queryOf(url),
      headers,
      body,
      signal: abort.signal,
    };
    const response = await api.handle(request);
    send(res, response, closing);
  };
  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.destroyed) return;
      logger.error("http request failed", { err });
      if (!res.headersSent)
        res.writeHead(500, { "content-type": "application/json", connection: "close" });
      res.end('{"error":{"code":"internal_error","message":"internal error"}}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => logger.error("http listener error", { err }));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const shownHost = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    host: options.host,
    port,
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        // Long polls answer now (with what they have); idle keep-alive sockets go at once.
        for (const a of inFlight) a.abort();
        server.closeIdleConnections();
      }),
  };
}
