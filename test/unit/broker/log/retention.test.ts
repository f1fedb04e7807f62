/**
 * Retention of one partition (lib/broker/log/retention.ts) over the real SQLite store, with
 * long indexes committed directly (several pages of READ_PAGE entries), to pin what it reads:
 * retention.ms alone stops at the first unexpired chunk (one page when the oldest chunk is
 * recent), retention.bytes reads the whole index below the high watermark, and a deadline cuts
 * the reading short, leaving only the time rule to act on the prefix read.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LogService } from "../../../../lib/broker/log/log-service.ts";
import {
  applyRetention,
  FIRST_READ_PAGE,
  READ_PAGE,
} from "../../../../lib/broker/log/retention.ts";
import type { MetadataStore, PartitionKey, TopicRecord } from "../../../../lib/storage/ports.ts";
import { commitChunks } from "../../../helpers/chunk-index.ts";
import { newKey, openStores, type Stores } from "./helpers.ts";

const NOW_MS = 1_700_000_000_000;
const DAY_MS = 86_400_000;

let stores: Stores | undefined;
const logs: LogService[] = [];
afterEach(async () => {
  for (const l of logs.splice(0)) await l.close();
  await stores?.cleanup();
  stores = undefined;
});

function topicOf(key: PartitionKey, configs: Record<string, string>): TopicRecord {
  return {
    name: "t",
    topicId: key.topicId,
    partitionCount: 1,
    configs,
    createdAtMs: 0,
    version: 1,
  };
}

async function setup() {
  stores = await openStores();
  const s = stores;
  const calls = { findChunks: 0 };
  const metadataStore = new Proxy(s.metadataStore, {
    get(target, prop, receiver) {
      if (prop === "findChunks") calls.findChunks++;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as MetadataStore;
  const log = new LogService({ objectStore: s.objectStore, metadataStore });
  logs.push(log);
  const key = newKey();
  return {
    key,
    calls,
    deps: { metadataStore, log, nowMs: () => NOW_MS },
    commit: (ts: number[], bytes?: number) => commitChunks(s.metadataStore, key, ts, { bytes }),
  };
}

const old = NOW_MS - 2 * DAY_MS;
const recent = NOW_MS - 1_000;
const timeOnly = { "retention.ms": String(DAY_MS) };

describe("applyRetention", () => {
  it("reads one page when only the oldest few chunks expired", async () => {
    const { key, calls, deps, commit } = await setup();
    await commit([old, old, old, ...Array(2 * READ_PAGE).fill(recent)]);
    const r = await applyRetention(deps, topicOf(key, timeOnly), 0);
    expect(r).toMatchObject({ logStartOffset: 0n, newLogStartOffset: 6n, chunksExpired: 3 });
    expect(calls.findChunks).toBe(1);
  });

  it("pages on while every chunk read expired, up to the high watermark", async () => {
    const { key, calls, deps, commit } = await setup();
    await commit(Array(2 * READ_PAGE + 50).fill(old));
    const r = await applyRetention(deps, topicOf(key, timeOnly), 0);
    expect(r.newLogStartOffset).toBe(r.highWatermark);
    expect(r.chunksExpired).toBe(2 * READ_PAGE + 50);
    // FIRST_READ_PAGE, then pages of READ_PAGE until one comes back short.
    expect(calls.findChunks).toBe(4);
  });

  it("reads the whole index for retention.bytes and keeps the newest chunks that fill it", async () => {
    const { key, calls, deps, commit } = await setup();
    await commit(Array(2 * READ_PAGE + 50).fill(recent), 10);
    const r = await applyRetention(deps, topicOf(key, { "retention.bytes": "1000" }), 0);
    // 250 chunks of 10 bytes, 100 of them kept.
    expect(r.chunksExpired).toBe(150);
    expect(r.newLogStartOffset).toBe(300n);
    expect(calls.findChunks).toBe(4);
  });

  it("acts only on the time rule over what it read when the deadline cuts the reading", async () => {
    const { key, deps, commit } = await setup();
    await commit([...Array(READ_PAGE + 20).fill(old), ...Array(READ_PAGE).fill(recent)]);
    const topic = topicOf(key, { "retention.ms": String(DAY_MS), "retention.bytes": "10" });
    const r = await applyRetention({ ...deps, expired: () => true }, topic, 0);
    expect(r.complete).toBe(false);
    expect(r.chunksExpired).toBe(FIRST_READ_PAGE);
    expect(r.newLogStartOffset).toBe(BigInt(2 * FIRST_READ_PAGE));
    // The next run finishes the job, size rule included.
    const again = await applyRetention(deps, topic, 0);
    expect(again.complete).toBe(true);
    expect(again.newLogStartOffset).toBe(again.highWatermark - 2n);
  });

  it("reads nothing without limits, one entry once DeleteRecords moved the start", async () => {
    const { key, calls, deps, commit } = await setup();
    await commit(Array(20).fill(old));
    const forever = topicOf(key, { "retention.ms": "-1", "retention.bytes": "-1" });
    expect((await applyRetention(deps, forever, 0)).newLogStartOffset).toBe(0n);
    expect(calls.findChunks).toBe(0);
    expect((await deps.log.deleteRecords(key, 5n)).lowWatermark).toBe(5n);
    const r = await applyRetention(deps, forever, 0);
    expect(r).toMatchObject({ newLogStartOffset: 5n, chunksExpired: 0, chunksDropped: 0 });
    expect(calls.findChunks).toBe(1);
  });

  it("leaves a partition never written alone", async () => {
    const { key, calls, deps } = await setup();
    const r = await applyRetention(deps, topicOf(key, timeOnly), 0);
    expect(r).toMatchObject({ logStartOffset: -1n, newLogStartOffset: -1n, chunksExpired: 0 });
    expect(calls.findChunks).toBe(0);
  });
});
