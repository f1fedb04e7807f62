/**
 * One client connection: splits the byte stream into size-prefixed frames, dispatches them
 * concurrently, and writes responses strictly in request order (Java fails the connection on
 * any reordering); Produce requests also reach the log in request order (ProduceOrder). A
 * request that closes the connection (unknown API, bad frame) is honoured after the responses
 * before it have been written. Backpressure: reading pauses while too many requests are in
 * flight or the socket's write buffer is full.
 */
import type { Socket } from "node:net";
import type { Dispatcher, DispatchResult } from "../broker/dispatch.ts";
import { ProduceOrder } from "../broker/produce-order.ts";
import type { Logger } from "../logger.ts";

export interface ConnectionLimits {
  maxRequestBytes: number;
  maxInFlightRequests: number;
}

interface Slot {
  result: DispatchResult | undefined;
}

export class Connection {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private readonly queue: Slot[] = [];
  private closed = false;
  private readonly socket: Socket;
  private readonly dispatcher: Dispatcher;
  private readonly limits: ConnectionLimits;
  private readonly logger: Logger;
  private readonly clientHost: string;
  /** Produce requests reach the log in arrival order, though handled concurrently. */
  private readonly produceOrder = new ProduceOrder();

  constructor(socket: Socket, dispatcher: Dispatcher, limits: ConnectionLimits, logger: Logger) {
    this.socket = socket;
    this.dispatcher = dispatcher;
    this.limits = limits;
    this.logger = logger;
    this.clientHost = `/${(socket.remoteAddress ?? "").replace(/^::ffff:/, "")}`;
    socket.setNoDelay(true);
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("drain", () => this.maybeResume());
    socket.on("error", (err) =>
      this.logger.debug("connection error", { remote: socket.remoteAddress, err }),
    );
    socket.on("close", () => {
      this.closed = true;
    });
  }

  private onData(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
    for (;;) {
      if (this.closed || this.buffered < 4) return;
      const size = this.peekInt32();
      if (size < 0 || size > this.limits.maxRequestBytes) {
        this.close(`request size ${size} outside 0..${this.limits.maxRequestBytes}`);
        return;
      }
      if (this.buffered < 4 + size) return;
      const frame = this.take(4 + size).subarray(4);
      this.enqueue(frame);
    }
  }

  private peekInt32(): number {
    if (this.chunks[0].length >= 4) return this.chunks[0].readInt32BE(0);
    return Buffer.concat(this.chunks).readInt32BE(0);
  }

  private take(bytes: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length >= bytes) {
      out = first.subarray(0, bytes);
      if (first.length === bytes) this.chunks.shift();
      else this.chunks[0] = first.subarray(bytes);
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, bytes);
      this.chunks.length = 0;
      if (all.length > bytes) this.chunks.push(all.subarray(bytes));
    }
    this.buffered -= bytes;
    return out;
  }

  private enqueue(frame: Buffer): void {
    const slot: Slot = { result: undefined };
    this.queue.push(slot);
    if (this.queue.length >= this.limits.maxInFlightRequests) this.socket.pause();
    this.dispatcher.dispatch(frame, this.clientHost, this.produceOrder).then(
      (result) => {
        slot.result = result;
        this.flush();
      },
      (err) => {
        this.logger.error("dispatch failed", { err });
        slot.result = { kind: "close", reason: "internal error" };
        this.flush();
      },
    );
  }

  private flush(): void {
    while (this.queue.length > 0 && this.queue[0].result !== undefined) {
      const result = this.queue.shift()!.result!;
      if (this.closed) continue;
      if (result.kind === "close") {
        this.close(result.reason);
        return;
      }
      if (result.kind === "respond") {
        for (let i = 0; i < result.frame.length - 1; i++) this.socket.write(result.frame[i]);
        this.socket.write(result.frame[result.frame.length - 1]);
      }
    }
    this.maybeResume();
  }

  private maybeResume(): void {
    if (this.closed) return;
    if (this.queue.length < this.limits.maxInFlightRequests && !this.socket.writableNeedDrain) {
      this.socket.resume();
    }
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.info("closing connection", { remote: this.socket.remoteAddress, reason });
    this.socket.end();
    this.socket.destroySoon?.();
  }
}
