/**
 * The report sections on latency against the goals: the S3 latency model and its batching
 * trade-off (./latency-model.ts), and the Goals rows of issue 6 that come from the three-target
 * run (embedded throughput ≥ Kafka's in every matrix cell, produce and end-to-end p99 on the
 * S3-Standard model). Rendered from a results file alone; older files render "not measured".
 */
import { totalDollars } from "./aws-cost/prices.ts";
import { GiB } from "./cost-model/bill.ts";
import { costModel } from "./cost-model/model.ts";
import { fmt } from "./kafka-report.ts";
import type { LatencyPoint } from "./latency-model.ts";
import type { BenchResults } from "./results.ts";
import { lognormalSigma } from "./s3-latency-proxy.ts";
import { cellOf, cells, mbps, NOT_MEASURED, ratioText } from "./target-report.ts";

export const LATENCY_GOALS = Object.freeze({ produceP99Ms: 300, endToEndP99Ms: 600 });

/** What one latency point costs: measured request $ per GiB, and the model's all-in at 10 MiB/s. */
export interface PointCost {
  avgSegmentBytes: number;
  flushesPerSec: number;
  s3PutPerGib: number;
  wcuPerGib: number;
  rcuPerGib: number;
  requestUsdPerGib: number;
  modelledUsdPerGib: number;
}

export function pointCost(doc: BenchResults, p: LatencyPoint): PointCost {
  const c = p.counters;
  const gib = c.bytesAppended / GiB;
  const model = costModel(doc.costModel.measured, {
    ...doc.costModel.assumptions,
    lingerMs: p.lingerMs,
  });
  return {
    avgSegmentBytes: c.segmentPuts > 0 ? c.segmentPutBytes / c.segmentPuts : Number.NaN,
    flushesPerSec: c.flushes / p.wallSec,
    s3PutPerGib: c.s3Put / gib,
    wcuPerGib: c.wcu / gib,
    rcuPerGib: c.rcu / gib,
    requestUsdPerGib:
      totalDollars({ s3Put: c.s3Put, s3Get: c.s3Get, s3List: 0, wcu: c.wcu, rcu: c.rcu }) / gib,
    modelledUsdPerGib: model.goal.floeUsdPerGib,
  };
}

/** The S3-Standard point at the front's default linger: what the latency goals are judged on. */
export function standardPoint(doc: BenchResults): LatencyPoint | undefined {
  const lm = doc.results.latencyModel;
  return lm?.points.find((p) => p.model === lm.models[0].name && p.endToEnd !== null);
}

export function latencyModelMarkdown(doc: BenchResults): string {
  const lm = doc.results.latencyModel;
  if (lm === undefined) {
    return "## Object-store latency model\n\nNot measured in this run (it predates the S3 latency model).\n";
  }
  const s = doc.settings;
  const dist = lm.models
    .flatMap((m) =>
      (["put", "get"] as const).map(
        (op) =>
          `| ${m.name} | ${op === "put" ? "PUT, POST, DELETE" : "GET, HEAD (incl. LIST)"} | ${m[op].p50Ms} | ${m[op].p99Ms} | ${fmt(Math.log(m[op].p50Ms), 3)} | ${fmt(lognormalSigma(m[op]), 3)} |`,
      ),
    )
    .join("\n");
  const rows = lm.points.map((p) => {
    const e = p.endToEnd;
    const c = pointCost(doc, p);
    const k = doc.results.kafka.endToEnd;
    const lat =
      e === null
        ? `failed: ${p.error ?? "?"} | | | | | | `
        : `${fmt(e.ack.p50Ms, 0)} | ${fmt(e.ack.p99Ms, 0)} | ${fmt(e.ack.p999Ms, 0)} | ${fmt(e.e2e.p50Ms, 0)} | ${fmt(e.e2e.p99Ms, 0)} | ${ratioText(e.ack.p99Ms, k?.ack.p99Ms ?? Number.NaN)} | ${ratioText(e.e2e.p99Ms, k?.e2e.p99Ms ?? Number.NaN)}`;
    return `| ${p.model} | ${p.lingerMs} | ${lat} | ${fmt(c.avgSegmentBytes / 1024, 1)} | ${fmt(c.flushesPerSec, 1)} | ${fmt(c.s3PutPerGib, 0)} | ${fmt(c.wcuPerGib, 0)} | ${fmt(c.rcuPerGib, 0)} | $${fmt(c.requestUsdPerGib, 4)} | $${c.modelledUsdPerGib.toPrecision(3)} |`;
  });
  const segmentBytes = doc.costModel.assumptions.maxSegmentBytes;
  const largestKiB = Math.max(
    ...lm.points.map((p) => pointCost(doc, p).avgSegmentBytes / 1024).filter(Number.isFinite),
  );
  const check = lm.points
    .map(
      (p) =>
        `| ${p.model}, linger ${p.lingerMs} ms | ${p.injectedPut.count} | ${fmt(p.injectedPut.p50Ms, 0)} / ${fmt(p.injectedPut.p99Ms, 0)} | ${p.injectedGet.count} | ${fmt(p.injectedGet.p50Ms, 0)} / ${fmt(p.injectedGet.p99Ms, 0)} |`,
    )
    .join("\n");
  return `## Object-store latency model

The AWS-backend front runs again with a latency-injecting proxy (bench/s3-latency-proxy.ts)
between it and moto: every S3 request is held for a delay drawn from a log-normal distribution
fitted to published S3 latency (median m and 99th percentile q give mu = ln m,
sigma = ln(q/m) / 2.3263), added before the request is forwarded (time to first byte).
DynamoDB Local is not slowed down (its own latency on this machine stands in for DynamoDB's).
So produce and end-to-end latency below read as a user on AWS would see them, within the limits
of that model.

| Model | Requests | p50 ms | p99 ms | mu | sigma |
|---|---|--:|--:|--:|--:|
${dist}

Sources: ${lm.models.map((m) => `${m.name}: ${m.source}`).join("; ")}.

Each row is a fresh \`floe front\` (fresh bucket and table) at the given \`--linger-ms\` (the segment
linger: how long the front waits to fill a segment before flushing it; ${s.lingerPointsMs?.[0] ?? 5} ms is the
default), measured with bench/EndToEndLatency.java: ${s.e2eRecords ?? "?"} records of ${s.recordSize} bytes at
${s.e2eRate ?? "?"} records/s over ${s.partitions} partitions (${fmt(((s.e2eRate ?? 0) * s.recordSize) / 2 ** 20, 2)} MiB/s). Ack latency is
the produce latency (send → acknowledgement, acks=all). Segment size, flushes and requests are
the front's own counters (--metrics-port) over the run; per GiB is per GiB of record batches
appended. "Requests $/GiB" prices the counted S3 requests and DynamoDB units at list prices
(writes, and the tailing consumer's long-polls), S3 requests at S3 Standard prices in every row
(S3 Express One Zone charges less per request but adds per-GB upload and retrieval charges,
which are not modelled here). "Modelled all-in" is the cost model's $ per GiB
at 10 MiB/s, read once (section "Cost model") with its lingerMs set to the row's linger. The
Kafka ratios are against Kafka's own run of the same tool and settings (section "End-to-end
latency"), which has no object store to wait for: they show what the S3 round trip costs.

| Model | linger ms | ack p50 ms | ack p99 ms | ack p99.9 ms | e2e p50 ms | e2e p99 ms | ack p99 / Kafka | e2e p99 / Kafka | avg segment KiB | flushes/s | S3 PUT per GiB | WCU per GiB | RCU per GiB | requests $/GiB | modelled all-in $/GiB at 10 MiB/s |
|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|
${rows.join("\n")}

The batching trade-off: a longer linger makes fewer, larger segments (fewer S3 PUTs and DynamoDB
commits per GiB, so a lower bill) and adds up to the linger to every produce's latency. At this
run's ${fmt(((s.e2eRate ?? 0) * s.recordSize) / 2 ** 20, 2)} MiB/s the largest average segment was ${fmt(largestKiB, 1)} KiB
(${fmt((100 * largestKiB * 1024) / segmentBytes, 1)} % of the ${fmt(segmentBytes / 2 ** 20, 0)} MiB a busy front fills), which is why the measured request cost per GiB is
above the cost model's figure at 10 MiB/s.

The injected delays, as drawn (count, p50 / p99 ms), to check the model:

| Run | PUT-class requests | PUT delay p50 / p99 ms | GET-class requests | GET delay p50 / p99 ms |
|---|--:|--:|--:|--:|
${check}
`;
}

export function latencyModelConsole(doc: BenchResults): string {
  const lm = doc.results.latencyModel;
  if (lm === undefined) return "latency model: not measured";
  return [
    "latency model              ack p50   ack p99  ack p99.9  e2e p50  e2e p99  seg KiB  flush/s  req $/GiB",
    ...lm.points.map((p) => {
      const e = p.endToEnd;
      const c = pointCost(doc, p);
      const f = (x: number | undefined, d = 0) => fmt(x ?? Number.NaN, d).padStart(8);
      return `${`${p.model}, ${p.lingerMs} ms`.padEnd(26)} ${f(e?.ack.p50Ms)}  ${f(e?.ack.p99Ms)}  ${f(e?.ack.p999Ms)}  ${f(e?.e2e.p50Ms)} ${f(e?.e2e.p99Ms)} ${f(c.avgSegmentBytes / 1024, 1)} ${f(c.flushesPerSec, 1)}  ${fmt(c.requestUsdPerGib, 4)}`;
    }),
  ].join("\n");
}

function shortBy(x: number, goal: number, unit: string, digits: number): string {
  return x <= goal
    ? "meets it"
    : `**misses it by ${fmt(x - goal, digits)} ${unit}** (${fmt(x / goal, 2)}× the target)`;
}

/** Goals rows: embedded throughput ≥ Kafka (every matrix cell), and the S3-Standard latency goals. */
export function latencyGoalRows(doc: BenchResults): string[] {
  const { kafka, floe } = doc.results;
  const pairs = cells(doc).map(([size, p]) => ({
    size,
    p,
    q: mbps(cellOf(floe, size, p)) / mbps(cellOf(kafka, size, p)),
  }));
  const measured = pairs.filter((x) => Number.isFinite(x.q));
  let throughput: string;
  if (measured.length === 0) {
    const q = floe.produce.mbPerSec / kafka.produce.mbPerSec;
    throughput = `| embedded produce throughput (${doc.settings.recordSize} B × ${doc.settings.partitions} partitions; matrix ${NOT_MEASURED}) | ≥ Kafka's (ratio ≥ 1) | ${fmt(q, 2)}× Kafka | ${q >= 1 ? "meets it" : `**misses it by ${fmt((1 - q) * 100, 0)} %** of Kafka's throughput`} |`;
  } else {
    const worst = measured.reduce((a, b) => (b.q < a.q ? b : a));
    const met = measured.filter((x) => x.q >= 1).length;
    const all = measured.map((x) => `${x.size} B × ${x.p}: ${fmt(x.q, 2)}`).join("; ");
    const s = doc.settings;
    const headline = `${s.recordSize} B × ${s.partitions}, median of ${s.repeats} round(s): ${fmt(floe.produce.mbPerSec / kafka.produce.mbPerSec, 2)}`;
    throughput = `| embedded produce throughput, every matrix cell (and the headline rounds, not counted) | ≥ Kafka's (ratio ≥ 1) | ${all} (${headline}) | ${met === measured.length ? "meets it in every cell" : `meets it in ${met} of ${measured.length} cells; **worst cell (${worst.size} B × ${worst.p} partitions) misses it by ${fmt((1 - worst.q) * 100, 0)} %** of Kafka's throughput`} |`;
  }
  const sp = standardPoint(doc);
  const where =
    sp?.endToEnd == null ? "" : ` (linger ${sp.lingerMs} ms, ${sp.endToEnd.rate} rec/s)`;
  const produce =
    sp?.endToEnd == null
      ? `| produce p99 on the S3-Standard model | ≤ ${LATENCY_GOALS.produceP99Ms} ms | – | ${NOT_MEASURED} |`
      : `| produce p99 on the S3-Standard model${where} | ≤ ${LATENCY_GOALS.produceP99Ms} ms | ${fmt(sp.endToEnd.ack.p99Ms, 0)} ms | ${shortBy(sp.endToEnd.ack.p99Ms, LATENCY_GOALS.produceP99Ms, "ms", 0)} |`;
  const e2e =
    sp?.endToEnd == null
      ? `| end-to-end p99 on the S3-Standard model | ≤ ${LATENCY_GOALS.endToEndP99Ms} ms | – | ${NOT_MEASURED} |`
      : `| end-to-end p99 on the S3-Standard model${where} | ≤ ${LATENCY_GOALS.endToEndP99Ms} ms | ${fmt(sp.endToEnd.e2e.p99Ms, 0)} ms | ${shortBy(sp.endToEnd.e2e.p99Ms, LATENCY_GOALS.endToEndP99Ms, "ms", 0)} |`;
  return [throughput, produce, e2e];
}
