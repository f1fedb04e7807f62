/**
 * FloeConsumer: a member of an HTTP consumer group, balancing a topic's partitions with the
 * other members through partition leases (lib/http/consumers.ts; the KCL's worker loop).
 *
 * Every leaseDurationMs / 3 it lists the group's leases, renews its own (a lease it cannot
 * renew for a whole lease duration it gives up locally, since others may already have taken
 * it), adopts leases the listing says are its own (a take whose answer was lost), and takes
 * or steals per ./lease-balancer.ts. Each owned partition runs a PartitionWorker (long-poll
 * fetch → handler → checkpoint). lease_lost from any call stops that partition at once.
 *
 * stop() ends the loop, stops the workers, and releases the leases, so the other members take
 * them at their next round instead of after a lease duration. A consumer killed without stop()
 * is taken over once its leases' counters have stood still for a lease duration.
 */
import { randomUUID } from "node:crypto";
import { isLeaseLost } from "./errors.ts";
import { LeaseObserver, planTakes } from "./lease-balancer.ts";
import { CONSUMER_SCHEMA, sdkConfig } from "./options.ts";
import { PartitionWorker, type RecordHandler, type WorkerEvent } from "./partition-worker.ts";
import { FloeTransport, sleep, type TransportOptions } from "./transport.ts";

export interface FloeConsumerOptions extends TransportOptions {
  group: string;
  topic: string;
  handler: RecordHandler;
  /** Unique per process (default a random UUID): the lease owner. */
  workerId?: string;
  leaseDurationMs?: number;
  fetchMaxWaitMs?: number;
  fetchMaxBytes?: number;
  handlerRetryMs?: number;
  /** Default json (as FloeProducer writes); base64 for arbitrary bytes. */
  valueEncoding?: "json" | "string" | "base64";
  keyEncoding?: "string" | "base64";
  /** Observability: takes, losses, checkpoints, errors. */
  onEvent?(event: ConsumerEvent): void;
}

export type ConsumerEvent =
  | WorkerEvent
  | {
      type: "taken";
      partition: number;
      epoch: number;
      checkpoint: bigint | null;
      startOffset: bigint | null;
      previousOwner: string | null;
    }
  | { type: "released"; partition: number }
  | { type: "loop-error"; error: unknown };

interface ListedLease {
  partition: number;
  owner: string | null;
  counter: number;
  epoch: number;
  checkpoint: number | null;
  kafkaCommittedOffset: number | null;
}

interface Held {
  worker: PartitionWorker;
  /** When this worker last renewed it, on its own monotonic clock. */
  renewedMs: number;
}

export class FloeConsumer {
  readonly workerId: string;
  private readonly o: FloeConsumerOptions;
  private readonly config: ReturnType<typeof sdkConfig<typeof CONSUMER_SCHEMA>>;
  private readonly transport: FloeTransport;
  private readonly observer = new LeaseObserver();
  private readonly held = new Map<number, Held>();
  /** The epoch each partition was last lost in, so a stale listing does not re-adopt it. */
  private readonly lostEpochs = new Map<number, number>();
  private readonly stopping = new AbortController();
  private readonly leasesPath: string;
  private running: Promise<void> | undefined;

  constructor(options: FloeConsumerOptions) {
    this.o = options;
    this.config = sdkConfig("consumer", CONSUMER_SCHEMA, options);
    this.transport = new FloeTransport(options);
    this.workerId = options.workerId ?? randomUUID();
    this.leasesPath = `/v1/groups/${encodeURIComponent(options.group)}/topics/${encodeURIComponent(options.topic)}/leases`;
  }

  /** Starts the lease loop; the promise of run() settles when stop() is done. */
  start(): void {
    this.running ??= this.loop();
  }

  /** Partitions this consumer processes now. */
  ownedPartitions(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    const held = [...this.held.values()];
    for (const h of held) h.worker.stop();
    await Promise.all(held.map((h) => h.worker.done));
    await Promise.all(
      held.map(async (h) => {
        this.held.delete(h.worker.partition);
        try {
          await this.leaseCall(h.worker.partition, "release", { epoch: h.worker.epoch });
          this.emit({ type: "released", partition: h.worker.partition });
        } catch (error) {
          if (!isLeaseLost(error)) this.emit({ type: "loop-error", error });
        }
      }),
    );
  }

  private async loop(): Promise<void> {
    const periodMs = Math.max(1, Math.floor(this.config.leaseDurationMs / 3));
    while (!this.stopping.signal.aborted) {
      try {
        await this.round();
      } catch (error) {
        if (!this.stopping.signal.aborted) this.emit({ type: "loop-error", error });
      }
      await sleep(periodMs, this.stopping.signal);
    }
  }

  private async round(): Promise<void> {
    const listing = await this.transport.call<{ leases: ListedLease[] }>("GET", this.leasesPath, {
      signal: this.stopping.signal,
    });
    const nowMs = performance.now();
    this.observer.observe(listing.leases, nowMs);
    await Promise.all([...this.held.values()].map((h) => this.renew(h)));
    for (const [partition, h] of this.held) {
      if (performance.now() - h.renewedMs > this.config.leaseDurationMs) {
        this.drop(partition, "not renewed for a lease duration");
      }
    }
    if (this.stopping.signal.aborted) return;
    // Renewals ran after the listing was read, so for held leases they, not the listing, are
    // the truth. A lease listed as ours but not held is a take whose answer was lost: adopt
    // it, unless it is one this round just lost (its epoch is not newer).
    for (const l of listing.leases) {
      const lostEpoch = this.lostEpochs.get(l.partition) ?? -1;
      if (l.owner === this.workerId && !this.held.has(l.partition) && l.epoch > lostEpoch) {
        this.own(l, l.epoch, null);
      }
    }
    const plan = planTakes(
      listing.leases.map((l) => (this.held.has(l.partition) ? { ...l, owner: this.workerId } : l)),
      this.workerId,
      (l) => this.observer.expired(l, nowMs, this.config.leaseDurationMs),
    );
    for (const l of plan.steal ? [plan.steal] : plan.take) await this.take(l);
  }

  private async take(l: ListedLease): Promise<void> {
    try {
      const lease = await this.leaseCall<ListedLease>(l.partition, "take", {
        expectedCounter: l.counter,
      });
      this.own(l, lease.epoch, l.owner, lease.checkpoint);
    } catch (error) {
      // lease_conflict: it is alive or someone else won; the next round sees who.
      if ((error as { code?: string }).code !== "lease_conflict") {
        this.emit({ type: "loop-error", error });
      }
    }
  }

  private own(
    l: ListedLease,
    epoch: number,
    previousOwner: string | null,
    checkpoint = l.checkpoint,
  ): void {
    const startOffset = checkpoint ?? l.kafkaCommittedOffset;
    const toBig = (n: number | null) => (n === null ? null : BigInt(n));
    this.emit({
      type: "taken",
      partition: l.partition,
      epoch,
      checkpoint: toBig(checkpoint),
      startOffset: toBig(startOffset),
      previousOwner,
    });
    const worker = new PartitionWorker({
      transport: this.transport,
      group: this.o.group,
      topic: this.o.topic,
      partition: l.partition,
      owner: this.workerId,
      epoch,
      startOffset: toBig(startOffset),
      handler: this.o.handler,
      fetchMaxWaitMs: this.config.fetchMaxWaitMs,
      fetchMaxBytes: this.config.fetchMaxBytes,
      handlerRetryMs: this.config.handlerRetryMs,
      valueEncoding: this.o.valueEncoding ?? "json",
      keyEncoding: this.o.keyEncoding ?? "string",
      emit: (e) => this.emit(e),
      onLost: (p) => {
        if (this.held.get(p)?.worker !== worker) return;
        this.held.delete(p);
        this.lostEpochs.set(p, epoch);
      },
    });
    this.held.set(l.partition, { worker, renewedMs: performance.now() });
  }

  private async renew(h: Held): Promise<void> {
    const { partition, epoch } = h.worker;
    try {
      await this.leaseCall(partition, "renew", { epoch }, false);
      h.renewedMs = performance.now();
    } catch (error) {
      if (isLeaseLost(error)) this.drop(partition, (error as Error).message);
      else this.emit({ type: "loop-error", error });
    }
  }

  private drop(partition: number, reason: string): void {
    const h = this.held.get(partition);
    if (!h) return;
    this.held.delete(partition);
    this.lostEpochs.set(partition, h.worker.epoch);
    if (!h.worker.stopped) this.emit({ type: "lost", partition, reason });
    h.worker.stop();
  }

  private leaseCall<T>(
    partition: number,
    action: string,
    body: Record<string, unknown>,
    retry = true,
  ): Promise<T> {
    return this.transport.call<T>("POST", `${this.leasesPath}/${partition}/${action}`, {
      body: { owner: this.workerId, ...body },
      retry,
    });
  }

  private emit(event: ConsumerEvent): void {
    this.o.onEvent?.(event);
  }
}
