/**
 * Request counts of a stretch of work (one flush, one phase), taken from the stores'
 * StorageCounters differences, plus the helpers that average, add and cross-check them against
 * the Meter's attribution.
 */
import { type MeterSnapshot, OUTSIDE_PORT_CALL } from "./meter.ts";

export interface RequestCounts {
  s3Put: number;
  s3Get: number;
  s3List: number;
  s3BytesPut: number;
  s3BytesGot: number;
  rcu: number;
  wcu: number;
  /** DynamoDB calls by operation (UpdateItem, BatchGetItem, …). */
  dynamoCalls: Record<string, number>;
  /** Retries and failed conditions: expected 0 here, reported when not. */
  retries: number;
  conditionFailures: number;
}

export function requestCounts(delta: Record<string, number>, divisor = 1): RequestCounts {
  const g = (k: string) => (delta[k] ?? 0) / divisor;
  const dynamoCalls: Record<string, number> = {};
  for (const [k, v] of Object.entries(delta)) {
    if (k.startsWith("dynamodb.calls."))
      dynamoCalls[k.slice("dynamodb.calls.".length)] = v / divisor;
  }
  return {
    s3Put: g("s3.put"),
    s3Get: g("s3.get"),
    s3List: g("s3.list"),
    s3BytesPut: g("s3.bytesPut"),
    s3BytesGot: g("s3.bytesGot"),
    rcu: g("dynamodb.rcu"),
    wcu: g("dynamodb.wcu"),
    dynamoCalls,
    retries: g("s3.retries") + g("dynamodb.retries"),
    conditionFailures: g("dynamodb.conditionFailures"),
  };
}

export function scaleMeter(snapshot: MeterSnapshot, divisor: number): MeterSnapshot {
  const dynamo: MeterSnapshot["dynamo"] = {};
  for (const [k, v] of Object.entries(snapshot.dynamo)) {
    dynamo[k] = { calls: v.calls / divisor, rcu: v.rcu / divisor, wcu: v.wcu / divisor };
  }
  const time: MeterSnapshot["time"] = {};
  for (const [k, v] of Object.entries(snapshot.time)) {
    time[k] = { calls: v.calls / divisor, ms: v.ms / divisor };
  }
  return { dynamo, time };
}

/**
 * The meter's DynamoDB totals must be the store's own, and every call must belong to a port
 * call (background writes run in the context of the call that started them): otherwise a call
 * escaped attribution.
 */
export function checkAttribution(
  what: string,
  meter: MeterSnapshot,
  counters: Record<string, number>,
): void {
  const outside = Object.keys(meter.dynamo).filter((k) => k.startsWith(OUTSIDE_PORT_CALL));
  if (outside.length > 0) {
    throw new Error(`${what}: DynamoDB calls made outside any port call: ${outside.join(", ")}`);
  }
  let rcu = 0;
  let wcu = 0;
  let calls = 0;
  for (const t of Object.values(meter.dynamo)) {
    rcu += t.rcu;
    wcu += t.wcu;
    calls += t.calls;
  }
  let counted = 0;
  for (const [k, v] of Object.entries(counters)) if (k.startsWith("dynamodb.calls.")) counted += v;
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;
  if (
    !near(rcu, counters["dynamodb.rcu"] ?? 0) ||
    !near(wcu, counters["dynamodb.wcu"] ?? 0) ||
    calls !== counted
  ) {
    throw new Error(
      `${what}: the meter saw ${calls} calls, ${rcu} RCU, ${wcu} WCU but the store counted ` +
        `${counted} calls, ${counters["dynamodb.rcu"] ?? 0} RCU, ${counters["dynamodb.wcu"] ?? 0} WCU`,
    );
  }
}

export function addMeter(a: MeterSnapshot, b: MeterSnapshot): MeterSnapshot {
  const dynamo = { ...a.dynamo };
  for (const [k, v] of Object.entries(b.dynamo)) {
    const x = dynamo[k] ?? { calls: 0, rcu: 0, wcu: 0 };
    dynamo[k] = { calls: x.calls + v.calls, rcu: x.rcu + v.rcu, wcu: x.wcu + v.wcu };
  }
  const time = { ...a.time };
  for (const [k, v] of Object.entries(b.time)) {
    const x = time[k] ?? { calls: 0, ms: 0 };
    time[k] = { calls: x.calls + v.calls, ms: x.ms + v.ms };
  }
  return { dynamo, time };
}

/** Every count times `factor` (e.g. per GiB). */
export function scaleCounts(c: RequestCounts, factor: number): RequestCounts {
  const dynamoCalls: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.dynamoCalls)) dynamoCalls[k] = v * factor;
  return {
    s3Put: c.s3Put * factor,
    s3Get: c.s3Get * factor,
    s3List: c.s3List * factor,
    s3BytesPut: c.s3BytesPut * factor,
    s3BytesGot: c.s3BytesGot * factor,
    rcu: c.rcu * factor,
    wcu: c.wcu * factor,
    dynamoCalls,
    retries: c.retries * factor,
    conditionFailures: c.conditionFailures * factor,
  };
}
