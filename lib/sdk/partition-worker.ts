/**
 * One owned partition of a FloeConsumer: long-poll fetch from the start offset, hand each
 * non-empty answer to the handler, then checkpoint `nextOffset` under the lease (owner +
 * epoch). At-least-once: a checkpoint follows the handler's success, so a crash re-delivers
 * only what came after the last checkpoint. A handler failure re-delivers the same records
 * after handlerRetryMs.
 *
 * A lease_lost answer (another worker took the partition) stops the worker at once: its
 * fetch is aborted and nothing more is handed to the handler or checkpointed. The start
 * offset is the lease's checkpoint, else the Kafka group's committed offset, else the log
 * start (earliest); an offset the log no longer holds (retention) resets to the log start.
 */
import { FloeHttpError, isLeaseLost } from "./errors.ts";
import { type FloeTransport, sleep } from "./transport.ts";

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestampMs: number;
  key: unknown;
  value: unknown;
  headers: { key: string; value: unknown }[];
}

export interface PartitionContext {
  topic: string;
  partition: number;
  /** Aborted when the lease is lost or the consumer stops. */
  signal: AbortSignal;
}

export type RecordHandler = (
  records: ConsumedRecord[],
  context: PartitionContext,
) => Promise<void> | void;

export type WorkerEvent =
  | { type: "records"; partition: number; firstOffset: bigint; lastOffset: bigint; count: number }
  | { type: "checkpoint"; partition: number; offset: bigint }
  | { type: "checkpointed"; partition: number; offset: bigint }
  | { type: "lost"; partition: number; reason: string }
  | { type: "error"; partition: number; error: unknown };

export interface PartitionWorkerOptions {
  transport: FloeTransport;
  group: string;
  topic: string;
  partition: number;
  owner: string;
  epoch: number;
  /** null: the log start. */
  startOffset: bigint | null;
  handler: RecordHandler;
  fetchMaxWaitMs: number;
  fetchMaxBytes: number;
  handlerRetryMs: number;
  valueEncoding: string;
  keyEncoding: string;
  emit(event: WorkerEvent): void;
  /** Called once when the lease turns out lost (not on stop). */
  onLost(partition: number): void;
}

interface FetchAnswer {
  records: {
    offset: number;
    timestampMs: number;
    key: unknown;
    value: unknown;
    headers: { key: string; value: unknown }[];
  }[];
  nextOffset: number;
}

export class PartitionWorker {
  readonly partition: number;
  readonly epoch: number;
  readonly done: Promise<void>;
  private readonly o: PartitionWorkerOptions;
  private readonly abort = new AbortController();
  private readonly base: string;

  constructor(options: PartitionWorkerOptions) {
    this.o = options;
    this.partition = options.partition;
    this.epoch = options.epoch;
    const topic = encodeURIComponent(options.topic);
    this.base = `/v1/topics/${topic}/partitions/${options.partition}`;
    this.done = this.run();
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  stop(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    let offset = this.o.startOffset;
    while (!signal.aborted) {
      try {
        offset ??= await this.earliest();
        const answer = await this.o.transport.call<FetchAnswer>("GET", `${this.base}/records`, {
          query: {
            offset: Number(offset),
            maxWaitMs: this.o.fetchMaxWaitMs,
            maxBytes: this.o.fetchMaxBytes,
            valueEncoding: this.o.valueEncoding,
            keyEncoding: this.o.keyEncoding,
          },
          signal,
        });
        const next = BigInt(answer.nextOffset);
        if (answer.records.length > 0 && !(await this.handle(answer))) continue;
        if (next > offset) await this.checkpoint(next);
        offset = next;
      } catch (err) {
        if (signal.aborted) break;
        if (isLeaseLost(err)) {
          this.lost((err as Error).message);
          break;
        }
        if (err instanceof FloeHttpError && err.code === "offset_out_of_range") {
          offset = null;
          continue;
        }
        this.o.emit({ type: "error", partition: this.partition, error: err });
        await sleep(this.o.handlerRetryMs, signal);
      }
    }
  }

  /** Runs the handler; false (after the retry wait) when it failed. */
  private async handle(answer: FetchAnswer): Promise<boolean> {
    const records = answer.records.map((r) => ({
      topic: this.o.topic,
      partition: this.partition,
      offset: BigInt(r.offset),
      timestampMs: r.timestampMs,
      key: r.key,
      value: r.value,
      headers: r.headers,
    }));
    try {
      await this.o.handler(records, {
        topic: this.o.topic,
        partition: this.partition,
        signal: this.abort.signal,
      });
    } catch (error) {
      this.o.emit({ type: "error", partition: this.partition, error });
      await sleep(this.o.handlerRetryMs, this.abort.signal);
      return false;
    }
    this.o.emit({
      type: "records",
      partition: this.partition,
      firstOffset: records[0].offset,
      lastOffset: records[records.length - 1].offset,
      count: records.length,
    });
    return true;
  }

  private async checkpoint(offset: bigint): Promise<void> {
    // Lost while the handler ran: the lease's new owner starts from our last checkpoint.
    if (this.abort.signal.aborted) return;
    this.o.emit({ type: "checkpoint", partition: this.partition, offset });
    const path = `/v1/groups/${encodeURIComponent(this.o.group)}/topics/${encodeURIComponent(this.o.topic)}/leases/${this.partition}/checkpoint`;
    await this.o.transport.call("POST", path, {
      body: { owner: this.o.owner, epoch: this.o.epoch, offset: Number(offset) },
    });
    this.o.emit({ type: "checkpointed", partition: this.partition, offset });
  }

  private async earliest(): Promise<bigint> {
    const offsets = await this.o.transport.call<{ logStartOffset: number }>(
      "GET",
      `${this.base}/offsets`,
      { signal: this.abort.signal },
    );
    return BigInt(offsets.logStartOffset);
  }

  private lost(reason: string): void {
    this.o.emit({ type: "lost", partition: this.partition, reason });
    this.abort.abort();
    this.o.onLost(this.partition);
  }
}
