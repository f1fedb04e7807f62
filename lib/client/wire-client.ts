/**
 * A minimal Kafka wire client over Floe's own generated codec: one connection, pipelined
 * requests, responses matched by correlation id. It backs the `floe` CLI and the protocol
 * tests; applications use a real Kafka client or lib/sdk.
 */
import { connect, type Socket } from "node:net";
import { API_CODECS, writeRequestHeader } from "../protocol/generated/index.ts";
import { Reader } from "../protocol/primitives/reader.ts";
import { Writer } from "../protocol/primitives/writer.ts";

interface Pending {
  apiKey: number;
  version: number;
  resolve(body: unknown): void;
  reject(err: Error): void;
}

export class WireClient {
  private readonly socket: Socket;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private buffer: Buffer = Buffer.alloc(0);
  private failure: Error | undefined;
  readonly clientId: string;
  /** Called with each request's API key and version before it is sent (`floe --debug`). */
  onRequest: ((apiKey: number, version: number) => void) | undefined;

  private constructor(socket: Socket, clientId: string) {
    this.socket = socket;
    this.clientId = clientId;
    socket.on("data", (d: Buffer) => this.onData(d));
    const fail = (err: Error): void => {
      this.failure ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("connection closed by the broker")));
  }

  static async connect(host: string, port: number, clientId = "floe-cli"): Promise<WireClient> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new WireClient(socket, clientId);
  }

  private frame(apiKey: number, version: number, body: unknown, correlationId: number): Buffer {
    const codec = API_CODECS.get(apiKey);
    if (!codec) throw new Error(`no codec for API ${apiKey}`);
    this.onRequest?.(apiKey, version);
    const flexMin = codec.api.request.flexibleMin;
    const w = new Writer(256);
    w.int32(0);
    writeRequestHeader(w, flexMin !== null && version >= flexMin ? 2 : 1, {
      requestApiKey: apiKey,
      requestApiVersion: version,
      correlationId,
      clientId: this.clientId,
    });
    codec.writeRequest(w, version, body);
    const frame = w.toBuffer();
    frame.writeInt32BE(frame.length - 4, 0);
    return frame;
  }

  /** Sends a request and resolves with the decoded response body. */
  request<T = unknown>(apiKey: number, version: number, body: unknown): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const correlationId = this.nextCorrelationId++;
    const frame = this.frame(apiKey, version, body, correlationId);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(correlationId, {
        apiKey,
        version,
        resolve: resolve as (b: unknown) => void,
        reject,
      });
      this.socket.write(frame);
    });
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  send(apiKey: number, version: number, body: unknown): void {
    this.socket.write(this.frame(apiKey, version, body, this.nextCorrelationId++));
  }

  private onData(data: Buffer): void {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    while (this.buffer.length >= 4) {
      const size = this.buffer.readInt32BE(0);
      if (this.buffer.length < 4 + size) return;
      const frame = this.buffer.subarray(4, 4 + size);
      this.buffer = this.buffer.subarray(4 + size);
      const correlationId = frame.readInt32BE(0);
      const p = this.pending.get(correlationId);
      if (!p) continue;
      this.pending.delete(correlationId);
      try {
        const codec = API_CODECS.get(p.apiKey)!;
        const flexMin = codec.api.response.flexibleMin;
        const r = new Reader(frame, 4);
        if (p.apiKey !== 18 && flexMin !== null && p.version >= flexMin) r.taggedFields();
        p.resolve(codec.readResponse(r, p.version));
      } catch (err) {
        p.reject(err as Error);
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
