import type { PartitionHead, PartitionKey } from "../../storage/ports.ts";
import { partitionKeyString } from "./partition-key.ts";

/** Coalesces the head reads requested within one tick into one getHeads call. */
export class HeadLoader {
  private readonly fetch: (keys: PartitionKey[]) => Promise<PartitionHead[]>;
  private queue: {
    key: PartitionKey;
    resolve: (h: PartitionHead) => void;
    reject: (e: unknown) => void;
  }[] = [];

  constructor(fetch: (keys: PartitionKey[]) => Promise<PartitionHead[]>) {
    this.fetch = fetch;
  }

  load(key: PartitionKey): Promise<PartitionHead> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) queueMicrotask(() => void this.dispatch());
      this.queue.push({ key, resolve, reject });
    });
  }

  private async dispatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const index = new Map<string, number>();
    const keys: PartitionKey[] = [];
    for (const q of batch) {
      const pk = partitionKeyString(q.key);
      if (!index.has(pk)) {
        index.set(pk, keys.length);
        keys.push({ topicId: q.key.topicId, partition: q.key.partition });
      }
    }
    try {
      const heads = await this.fetch(keys);
      for (const q of batch) q.resolve(heads[index.get(partitionKeyString(q.key))!]);
    } catch (err) {
      for (const q of batch) q.reject(err);
    }
  }
}
