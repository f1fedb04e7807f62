/**
 * Attribution of the AWS backend's requests to who made them, for the cost benchmark.
 *
 * The stores already count everything in one StorageCounters (lib/storage/counters.ts); that
 * says how much, not why. The meter adds the why without touching lib/storage:
 *  - `attribute(store)` wraps a MetadataStore / ObjectStore so that every port method runs in
 *    an AsyncLocalStorage context named after it (getHeads, commitPartitions, findChunks, …);
 *  - `meterDynamoClient(client)` adds an SDK middleware that books each DynamoDB call, and the
 *    capacity it reports, under (port method, operation). The capacity is read with the store's
 *    own recordCapacity, so the meter's totals must equal the store's counters (checked by the
 *    benchmark: a mismatch means a call was missed).
 * It also sums wall time per port method (on the emulators: where the time goes, not AWS
 * latencies). AsyncLocalStorage follows the awaits, so concurrent calls are attributed exactly.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { StorageCounters } from "../../lib/storage/counters.ts";
import { recordCapacity } from "../../lib/storage/dynamodb/capacity.ts";

/** Calls and capacity of one (port method, DynamoDB operation). */
export interface DynamoTally {
  calls: number;
  rcu: number;
  wcu: number;
}

/** "<port method> <Operation>" → tally, e.g. "commitPartitions UpdateItem". */
export type DynamoBreakdown = Record<string, DynamoTally>;

/** Port method → calls and summed wall time. */
export type TimeBreakdown = Record<string, { calls: number; ms: number }>;

export interface MeterSnapshot {
  dynamo: DynamoBreakdown;
  time: TimeBreakdown;
}

/** The port method of a DynamoDB call that was made outside any (a call the meter missed). */
export const OUTSIDE_PORT_CALL = "(outside a port call)";

export class Meter {
  private readonly context = new AsyncLocalStorage<string>();
  private readonly dynamo = new Map<string, DynamoTally>();
  private readonly time = new Map<string, { calls: number; ms: number }>();

  /** Adds the booking middleware to a DynamoDB client (the store must be given this client). */
  meterDynamoClient(client: DynamoDBClient): DynamoDBClient {
    client.middlewareStack.add(
      (next, ctx) => async (args) => {
        const operation = String(ctx.commandName ?? "Unknown").replace(/Command$/, "");
        const key = `${this.context.getStore() ?? OUTSIDE_PORT_CALL} ${operation}`;
        const tally = this.tally(key);
        tally.calls++;
        const out = await next(args);
        const scratch = new StorageCounters();
        recordCapacity(scratch, operation, out.output, args.input);
        tally.rcu += scratch.get("dynamodb.rcu");
        tally.wcu += scratch.get("dynamodb.wcu");
        return out;
      },
      { step: "initialize", name: "floeBenchMeter" },
    );
    return client;
  }

  /** The same store, with every method call named and timed. */
  attribute<T extends object>(store: T): T {
    return new Proxy(store, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function" || typeof prop !== "string") return value;
        return (...args: unknown[]) =>
          this.context.run(prop, () => {
            const t0 = performance.now();
            const result = (value as (...a: unknown[]) => unknown).apply(target, args);
            if (result instanceof Promise) {
              return result.finally(() => this.book(prop, performance.now() - t0));
            }
            this.book(prop, performance.now() - t0);
            return result;
          });
      },
    });
  }

  snapshot(): MeterSnapshot {
    const dynamo: DynamoBreakdown = {};
    for (const [k, v] of [...this.dynamo].sort(([a], [b]) => a.localeCompare(b))) {
      dynamo[k] = { ...v };
    }
    const time: TimeBreakdown = {};
    for (const [k, v] of [...this.time].sort(([a], [b]) => a.localeCompare(b))) {
      time[k] = { ...v };
    }
    return { dynamo, time };
  }

  private tally(key: string): DynamoTally {
    let t = this.dynamo.get(key);
    if (t === undefined) {
      t = { calls: 0, rcu: 0, wcu: 0 };
      this.dynamo.set(key, t);
    }
    return t;
  }

  private book(method: string, ms: number): void {
    const t = this.time.get(method) ?? { calls: 0, ms: 0 };
    t.calls++;
    t.ms += ms;
    this.time.set(method, t);
  }
}

/** after − before, dropping entries that did not move. */
export function meterDelta(before: MeterSnapshot, after: MeterSnapshot): MeterSnapshot {
  const dynamo: DynamoBreakdown = {};
  for (const [k, v] of Object.entries(after.dynamo)) {
    const b = before.dynamo[k] ?? { calls: 0, rcu: 0, wcu: 0 };
    if (v.calls === b.calls) continue;
    dynamo[k] = { calls: v.calls - b.calls, rcu: v.rcu - b.rcu, wcu: v.wcu - b.wcu };
  }
  const time: TimeBreakdown = {};
  for (const [k, v] of Object.entries(after.time)) {
    const b = before.time[k] ?? { calls: 0, ms: 0 };
    if (v.calls === b.calls) continue;
    time[k] = { calls: v.calls - b.calls, ms: v.ms - b.ms };
  }
  return { dynamo, time };
}

/** StorageCounters snapshot difference (after − before), dropping zeros. */
export function countersDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}
