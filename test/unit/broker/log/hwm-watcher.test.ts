// The long-poll watcher: waiters wake when another host's commit shows up in the store, and
// an idle watcher backs off its polling (each poll is a read per waited-on partition).
import { describe, expect, it } from "vitest";
import { HwmWatcher } from "../../../../lib/broker/log/hwm-watcher.ts";
import type { MetadataStore, PartitionHead, PartitionKey } from "../../../../lib/storage/ports.ts";

const KEY: PartitionKey = { topicId: "00000000-0000-0000-0000-000000000001", partition: 0 };

/** A store whose only used method, getHeads, answers a settable high watermark and counts calls. */
function storeWith(hwm: { value: bigint }, calls: { n: number }): MetadataStore {
  const getHeads = async (keys: readonly PartitionKey[]): Promise<PartitionHead[]> => {
    calls.n++;
    return keys.map((k) => ({
      ...k,
      nextOffset: hwm.value,
      logStartOffset: 0n,
      maxTimestampMs: -1,
      version: 1,
      producers: [],
    }));
  };
  return { getHeads } as unknown as MetadataStore;
}

describe("HwmWatcher", () => {
  it("wakes a waiter when a poll finds another host's commit", async () => {
    const hwm = { value: 5n };
    const calls = { n: 0 };
    const w = new HwmWatcher({ metadataStore: storeWith(hwm, calls), pollIntervalMs: 20 });
    w.noteServed(KEY, 5n);
    const started = Date.now();
    setTimeout(() => {
      hwm.value = 6n;
    }, 100);
    await w.wait([KEY], 5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    w.close();
  });

  it("polls at a fixed interval without back-off", async () => {
    const calls = { n: 0 };
    const w = new HwmWatcher({
      metadataStore: storeWith({ value: 5n }, calls),
      pollIntervalMs: 20,
    });
    w.noteServed(KEY, 5n);
    await w.wait([KEY], 500);
    expect(calls.n).toBeGreaterThanOrEqual(8);
    w.close();
  });

  it("backs off while nothing changes, and polls fast again after an advance", async () => {
    const hwm = { value: 5n };
    const calls = { n: 0 };
    const w = new HwmWatcher({
      metadataStore: storeWith(hwm, calls),
      pollIntervalMs: 20,
      maxPollIntervalMs: 320,
    });
    w.noteServed(KEY, 5n);
    await w.wait([KEY], 1_000);
    // 20 + 40 + 80 + 160 + 320 + 320 ≈ 940 ms: about 6 polls instead of 50.
    expect(calls.n).toBeLessThanOrEqual(8);
    w.observe(KEY, 6n); // this process committed: back to full speed
    calls.n = 0;
    await w.wait([KEY], 200, undefined, [6n]);
    // Polls at 20, 60 and 140 ms (backing off again from the full speed), not one at 320.
    expect(calls.n).toBeGreaterThanOrEqual(2);
    w.close();
  });
});
