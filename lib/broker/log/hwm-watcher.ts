/**
 * Long-poll support: tells waiting fetches when a partition's high watermark moves.
 *
 * This process's own commits are reported at once (`observe`, called by the writer's commit
 * listener and by every head read). Other hosts' commits are only visible in the metadata
 * store, so while anyone waits, one `getHeads` covering every waited-on partition runs every
 * `pollIntervalMs` — one read per interval per host, however many fetches wait. Polls that find
 * nothing new back off, doubling the interval up to `maxPollIntervalMs`; any advance seen (a
 * poll's, or this process's own commit) resets it, so a busy log is polled at full speed.
 */
import type { MetadataStore, PartitionKey } from "../../storage/ports.ts";
import { LogMetrics } from "./metrics.ts";
import { partitionKeyString } from "./partition-key.ts";

interface Waiter {
  /** Per waited-on partition, the HWM the waiter already knows (undefined: not yet known). */
  baselines: Map<string, bigint | undefined>;
  wake: () => void;
}

export interface HwmWatcherDeps {
  metadataStore: MetadataStore;
  pollIntervalMs: number;
  /** Default pollIntervalMs: no back-off. */
  maxPollIntervalMs?: number;
  metrics?: LogMetrics;
}

export class HwmWatcher {
  private readonly metadataStore: MetadataStore;
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  private intervalMs: number;
  /** Bumped whenever a known HWM rises; a poll that leaves it alone found nothing. */
  private advances = 0;
  private readonly metrics: LogMetrics;
  /** The highest HWM this process has seen per partition. */
  private readonly known = new Map<string, bigint>();
  /** The HWM the latest read of each partition answered with. */
  private readonly lastServed = new Map<string, bigint>();
  private readonly keys = new Map<string, PartitionKey>();
  private readonly waiters = new Set<Waiter>();
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private polling = false;
  private closed = false;

  constructor(deps: HwmWatcherDeps) {
    this.metadataStore = deps.metadataStore;
    this.pollIntervalMs = deps.pollIntervalMs;
    this.maxPollIntervalMs = Math.max(deps.pollIntervalMs, deps.maxPollIntervalMs ?? 0);
    this.intervalMs = deps.pollIntervalMs;
    this.metrics = deps.metrics ?? new LogMetrics();
  }

  /** The highest HWM seen for the partition, if any. */
  knownHighWatermark(key: PartitionKey): bigint | undefined {
    return this.known.get(partitionKeyString(key));
  }

  /** Records the HWM a read answered with: the default baseline of the next wait. */
  noteServed(key: PartitionKey, highWatermark: bigint): void {
    this.lastServed.set(partitionKeyString(key), highWatermark);
    this.observe(key, highWatermark);
  }

  /** Records a head this process read or committed; wakes waiters it concerns. */
  observe(key: PartitionKey, highWatermark: bigint): void {
    const pk = partitionKeyString(key);
    const before = this.known.get(pk);
    if (before !== undefined && before >= highWatermark) return;
    this.known.set(pk, highWatermark);
    this.advances++;
    if (this.intervalMs !== this.pollIntervalMs) {
      // Activity: drop the back-off, including a long poll timer already set.
      this.intervalMs = this.pollIntervalMs;
      if (this.pollTimer !== undefined) {
        clearTimeout(this.pollTimer);
        this.pollTimer = undefined;
        this.schedulePoll();
      }
    }
    for (const w of this.waiters) {
      if (!w.baselines.has(pk)) continue;
      const base = w.baselines.get(pk);
      if (base === undefined) w.baselines.set(pk, highWatermark);
      else if (highWatermark > base) w.wake();
    }
  }

  /**
   * Resolves when any partition's HWM rises above `since`, after `timeoutMs`, or on abort —
   * whichever comes first. Never rejects. Without `since`, the baseline is the HWM the latest
   * read of the partition answered with (else the highest seen): a commit that landed after
   * that read wakes the waiter at once.
   */
  wait(
    keys: readonly PartitionKey[],
    timeoutMs: number,
    signal?: AbortSignal,
    since?: readonly bigint[],
  ): Promise<void> {
    if (this.closed || keys.length === 0 || timeoutMs <= 0 || signal?.aborted) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const baselines = new Map<string, bigint | undefined>();
      let advanced = false;
      keys.forEach((key, i) => {
        const pk = partitionKeyString(key);
        this.keys.set(pk, { topicId: key.topicId, partition: key.partition });
        const known = this.known.get(pk);
        const base = since?.[i] ?? this.lastServed.get(pk) ?? known;
        baselines.set(pk, base);
        if (base !== undefined && known !== undefined && known > base) advanced = true;
      });
      if (advanced) {
        resolve();
        return;
      }
      const timer = setTimeout(() => waiter.wake(), timeoutMs);
      const onAbort = () => waiter.wake();
      const waiter: Waiter = {
        baselines,
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
      this.schedulePoll();
    });
  }

  /** Wakes every waiter and stops polling. */
  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) w.wake();
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private schedulePoll(): void {
    if (this.pollTimer !== undefined || this.polling || this.waiters.size === 0 || this.closed) {
      return;
    }
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.poll();
    }, this.intervalMs);
  }

  private async poll(): Promise<void> {
    const wanted = new Set<string>();
    for (const w of this.waiters) for (const pk of w.baselines.keys()) wanted.add(pk);
    const keys = [...wanted].map((pk) => this.keys.get(pk)!);
    // Forget keys no one waits for, so the map does not grow with every partition ever fetched.
    for (const pk of this.keys.keys()) if (!wanted.has(pk)) this.keys.delete(pk);
    if (keys.length === 0) return;
    this.polling = true;
    try {
      this.metrics.headReads++;
      this.metrics.headsRead += keys.length;
      const before = this.advances;
      const heads = await this.metadataStore.getHeads(keys);
      for (let i = 0; i < heads.length; i++) this.observe(keys[i], heads[i].nextOffset);
      if (this.advances === before) {
        this.intervalMs = Math.min(this.maxPollIntervalMs, this.intervalMs * 2);
      }
    } catch {
      // A failed poll only delays wake-ups; the waiters' timeouts still bound them.
    } finally {
      this.polling = false;
      this.schedulePoll();
    }
  }
}
