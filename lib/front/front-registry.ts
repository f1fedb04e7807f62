/**
 * Fronts find each other through the metadata store: each registers under a store-allocated
 * node id and renews a lease by bumping its sequence number every `leaseMs / 3` (at most every
 * second, which is also how often it re-reads the list). A front judges
 * another alive while that front's sequence has moved within `leaseMs` on its OWN clock
 * (DESIGN.md §3: never compare clocks across hosts); one silent for three leases is removed
 * from the store, conditionally on the sequence it last saw, so a front that was only paused
 * and renewed meanwhile stays. A front that finds its own record gone (it was paused past
 * that) registers again under a new node id.
 *
 * Liveness only steers routing (which front a client is told to use); correctness never
 * depends on it: any front serves any partition and any group.
 */
import { type Logger, silentLogger } from "../logger.ts";
import { VersionConflictError } from "../storage/errors.ts";
import type { FrontRecord, MetadataStore } from "../storage/ports.ts";

export interface FrontRegistryOptions {
  store: MetadataStore;
  host: string;
  port: number;
  rack?: string | null;
  leaseMs: number;
  now?: () => number;
  logger?: Logger;
}

interface Observed {
  record: FrontRecord;
  changedAtMs: number;
}

const REMOVE_AFTER_LEASES = 3;
/** New fronts show up in Metadata within about this long, whatever the lease. */
const MAX_REFRESH_MS = 1_000;

export class FrontRegistry {
  private readonly options: FrontRegistryOptions;
  private readonly now: () => number;
  private readonly logger: Logger;
  private self: FrontRecord;
  private readonly observed = new Map<number, Observed>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private busy: Promise<void> = Promise.resolve();

  private constructor(options: FrontRegistryOptions, self: FrontRecord) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.self = self;
  }

  static async start(options: FrontRegistryOptions): Promise<FrontRegistry> {
    const self = await options.store.registerFront({
      host: options.host,
      port: options.port,
      rack: options.rack ?? null,
    });
    const registry = new FrontRegistry(options, self);
    await registry.refresh();
    registry.schedule();
    return registry;
  }

  get nodeId(): number {
    return this.self.nodeId;
  }

  /** Fronts judged alive now, this one always included, ascending by node id. */
  liveFronts(): FrontRecord[] {
    const now = this.now();
    const live = [...this.observed.values()]
      .filter(
        (o) => o.record.nodeId === this.self.nodeId || now - o.changedAtMs < this.options.leaseMs,
      )
      .map((o) => o.record);
    if (!live.some((f) => f.nodeId === this.self.nodeId)) live.push(this.self);
    return live.sort((a, b) => a.nodeId - b.nodeId);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(
      () => {
        this.busy = this.renewAndRefresh().finally(() => this.schedule());
      },
      Math.max(10, Math.min(MAX_REFRESH_MS, Math.floor(this.options.leaseMs / 3))),
    );
    this.timer.unref();
  }

  private async renewAndRefresh(): Promise<void> {
    try {
      await this.renew();
      await this.refresh();
    } catch (err) {
      this.logger.warn("front lease renewal failed", { nodeId: this.self.nodeId, err });
    }
  }

  private async renew(): Promise<void> {
    const { store } = this.options;
    try {
      await store.renewFront(this.self.nodeId, this.self.heartbeatSeq);
      this.self = { ...this.self, heartbeatSeq: this.self.heartbeatSeq + 1 };
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      const current = err.current as FrontRecord | undefined;
      if (current) {
        this.self = current; // our seq moved without us: adopt it and renew next time
        return;
      }
      const previous = this.self.nodeId;
      this.self = await store.registerFront({
        host: this.options.host,
        port: this.options.port,
        rack: this.options.rack ?? null,
      });
      this.logger.warn("front lease was lost; registered again", {
        previousNodeId: previous,
        nodeId: this.self.nodeId,
      });
    }
  }

  private async refresh(): Promise<void> {
    const now = this.now();
    const fronts = await this.options.store.listFronts();
    const seen = new Set<number>();
    for (const f of fronts) {
      seen.add(f.nodeId);
      const prev = this.observed.get(f.nodeId);
      if (!prev || prev.record.heartbeatSeq !== f.heartbeatSeq) {
        this.observed.set(f.nodeId, { record: f, changedAtMs: now });
      }
    }
    for (const id of [...this.observed.keys()]) if (!seen.has(id)) this.observed.delete(id);
    for (const o of this.observed.values()) {
      if (o.record.nodeId === this.self.nodeId) continue;
      if (now - o.changedAtMs >= REMOVE_AFTER_LEASES * this.options.leaseMs) {
        await this.options.store
          .removeFront(o.record.nodeId, o.record.heartbeatSeq)
          .catch((err: unknown) => {
            if (!(err instanceof VersionConflictError)) throw err;
          });
      }
    }
  }

  /** Stops renewing and removes this front's record, so others stop routing to it at once. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.busy.catch(() => undefined);
    await this.options.store
      .removeFront(this.self.nodeId, this.self.heartbeatSeq)
      .catch((err: unknown) => this.logger.warn("could not deregister front", { err }));
  }
}
