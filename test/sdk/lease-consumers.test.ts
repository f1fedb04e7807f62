/**
 * Acceptance (issue 5): an SDK producer writes 100,000 records through the local HTTP API
 * (`floe dev` as a child process); two SDK consumers of one group, each in its own process
 * (./consumer-driver.ts), split the 6 partitions by leases (3 each); one is SIGKILLed; the
 * other takes its partitions over once their lease counters have stood still for the lease
 * duration, and continues from the last checkpoint. At the end every record was consumed at
 * least once, and re-consumption after the takeover starts exactly at the checkpoint the
 * killed worker last wrote — duplicates only after it, nothing lost before it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "../../lib/client/cluster.ts";
import { describeGroupLag } from "../../lib/client/group-lag.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import { FloeProducer } from "../../lib/sdk/producer.ts";
import { createTopic, type FloeHttp, startFloeHttp } from "./floe-http.ts";

const DRIVER = resolve(import.meta.dirname, "consumer-driver.ts");
const TOPIC = "events";
const PARTITIONS = 6;
const RECORDS = 100_000;
const LEASE_DURATION_MS = 2_000;

// biome-ignore lint/suspicious/noExplicitAny: driver events are JSON lines
type Event = any & { type: string; atMs: number };

interface Worker {
  id: string;
  child: ChildProcess;
  events: Event[];
}

let server: FloeHttp;
const workers: Worker[] = [];

beforeAll(async () => {
  server = await startFloeHttp();
  await createTopic(server.endpoint, TOPIC, PARTITIONS);
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  await server?.floe.kill();
});

function startWorker(id: string): Worker {
  const settings = {
    endpoint: server.endpoint,
    group: "billing",
    topic: TOPIC,
    workerId: id,
    leaseDurationMs: LEASE_DURATION_MS,
    // Slow enough that the kill lands mid-partition: ~36 batches of ~460 records per partition.
    handlerDelayMs: 150,
    fetchMaxBytes: 1024,
  };
  const child = spawn(process.execPath, [DRIVER, JSON.stringify(settings)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const worker: Worker = { id, child, events: [] };
  createInterface({ input: child.stdout! }).on("line", (line) => {
    worker.events.push({ ...JSON.parse(line), atMs: performance.now() });
  });
  workers.push(worker);
  return worker;
}

/** Partitions the worker owns after its events so far (taken minus lost/released). */
function owned(w: Worker): Set<number> {
  const set = new Set<number>();
  for (const e of w.events) {
    if (e.type === "taken") set.add(e.partition);
    if (e.type === "lost" || e.type === "released") set.delete(e.partition);
  }
  return set;
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Per partition, the offsets some worker's handler completed, as a sorted list of ranges. */
function covered(events: Event[], partition: number): [number, number][] {
  return events
    .filter((e) => e.type === "records" && e.partition === partition)
    .map((e): [number, number] => [e.firstOffset, e.lastOffset + 1])
    .sort((a, b) => a[0] - b[0]);
}

function coversAll(ranges: [number, number][], end: number): boolean {
  let next = 0;
  for (const [from, to] of ranges) {
    if (from > next) return false;
    next = Math.max(next, to);
  }
  return next >= end;
}

describe("SDK: lease-based consumers", () => {
  it("split the partitions, take over a killed worker's at its last checkpoint, lose nothing", async () => {
    const producer = new FloeProducer({ endpoint: server.endpoint, maxBatchBytes: 16 * 1024 });
    const sent = [];
    for (let n = 0; n < RECORDS; n++) sent.push(producer.send({ topic: TOPIC, value: { n } }));
    const acks = await Promise.all(sent);
    const highWatermarks = new Array<number>(PARTITIONS).fill(0);
    for (const a of acks) highWatermarks[a.partition]++;
    expect(highWatermarks.reduce((x, y) => x + y)).toBe(RECORDS);
    // Idempotent and ordered: each partition's offsets are exactly 0 … count - 1.
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = acks.filter((a) => a.partition === p).map((a) => Number(a.offset));
      expect(new Set(offsets).size).toBe(offsets.length);
      expect(Math.max(...offsets)).toBe(highWatermarks[p] - 1);
    }

    const a = startWorker("worker-a");
    const b = startWorker("worker-b");
    await until(
      "the partitions split 3/3 with a checkpoint from A on each of its partitions",
      () => {
        const mineA = owned(a);
        if (mineA.size !== 3 || owned(b).size !== 3) return false;
        return [...mineA].every((p) =>
          a.events.some((e) => e.type === "checkpointed" && e.partition === p),
        );
      },
      30_000,
    );
    const killed = owned(a);
    const before = a.events.slice();
    a.child.kill("SIGKILL");
    const killedAtMs = performance.now();
    await new Promise((r) => a.child.once("exit", r));

    await until(
      "B to own every partition and every record to be consumed",
      () =>
        owned(b).size === PARTITIONS &&
        highWatermarks.every((hw, p) => coversAll(covered([...before, ...b.events], p), hw)),
      45_000,
    );

    const resumed: number[] = [];
    for (const p of killed) {
      const takeover = b.events.find(
        (e) => e.type === "taken" && e.partition === p && e.atMs > killedAtMs,
      );
      expect(takeover, `B takes partition ${p} after the kill`).toBeDefined();
      expect(takeover.previousOwner).toBe("worker-a");
      // Expiry was judged on B's clock: the counter had to stand still for a lease duration
      // (less the up-to-a-third A may have renewed before dying).
      expect(takeover.atMs - killedAtMs).toBeGreaterThan(LEASE_DURATION_MS / 2);
      // B starts at the lease's checkpoint: the last one written before the kill — at least
      // the last one A saw acknowledged, at most the last one it sent (the kill may land
      // between the store's write and A's reading of the answer).
      const beforeKill = [...before, ...b.events.filter((e) => e.atMs < killedAtMs)];
      const offsetsOf = (type: string) =>
        beforeKill.filter((e) => e.type === type && e.partition === p).map((e) => e.offset);
      expect(offsetsOf("checkpoint")).toContain(takeover.checkpoint);
      expect(takeover.checkpoint).toBeGreaterThanOrEqual(Math.max(...offsetsOf("checkpointed")));
      expect(takeover.startOffset).toBe(takeover.checkpoint);
      // Everything before the checkpoint was handled before the kill (by A, or by B before A
      // stole the partition while they balanced): nothing lost.
      expect(coversAll(covered(beforeKill, p), takeover.checkpoint)).toBe(true);
      // Re-consumption starts exactly at the checkpoint: no record before it is re-read.
      const after = b.events.filter(
        (e) => e.type === "records" && e.partition === p && e.atMs > takeover.atMs,
      );
      if (takeover.checkpoint < highWatermarks[p]) {
        resumed.push(p);
        expect(after[0].firstOffset).toBe(takeover.checkpoint);
      } else {
        expect(after).toEqual([]);
      }
    }
    // The kill landed mid-way: B really continued A's partitions, not just found them done.
    expect(resumed.length).toBe(killed.size);
    for (const e of [...before, ...b.events].filter((e) => e.type === "records")) {
      expect(e.count).toBe(e.lastOffset - e.firstOffset + 1);
    }

    // The checkpoints are the Kafka group's committed offsets too: a Kafka admin tool sees the
    // HTTP group caught up (OffsetFetch over the Kafka protocol, as `floe groups describe`).
    const cluster = new Cluster(
      await WireClient.connect("127.0.0.1", server.floe.port),
      "127.0.0.1",
      server.floe.port,
    );
    try {
      const lag = await describeGroupLag(cluster, "billing");
      expect(lag.group.groupState).toBe("Empty");
      const committed = lag.partitions.map((p) => [p.partition, p.committedOffset, p.lag]);
      expect(committed.sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual(
        highWatermarks.map((hw, p) => [p, BigInt(hw), 0n]),
      );
    } finally {
      cluster.close();
    }

    b.child.kill("SIGTERM");
    await until("B to stop", () => b.events.some((e) => e.type === "stopped"), 15_000);
    const released = b.events.filter((e) => e.type === "released").map((e) => e.partition);
    expect(released.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
