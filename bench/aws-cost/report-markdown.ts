/**
 * The AWS-backend cost section of docs/benchmarks/README.md: what was measured and how, the per-flush
 * and per-GiB tables with their prices and dates, where the units go, and how far DynamoDB
 * Local's capacity figures are from AWS's. Layout only; the figures come from ./run.ts.
 */

import { DEFAULT_LOG_CONFIG } from "../../lib/broker/log/log-config.ts";
import { AWS_FRONT_LOG_DEFAULTS } from "../../lib/front/aws.ts";
import { calls, dollars, flushRow, gibRows, MiB, num, pct, table } from "./report.ts";
import type { AwsCostResult } from "./run.ts";

function flushTable(r: AwsCostResult): string {
  return table(
    [
      "Partitions per flush",
      "S3 PUT",
      "DynamoDB WCU",
      "DynamoDB RCU",
      "WCU per partition",
      "RCU per partition",
      "DynamoDB calls per flush",
      "$ per million flushes",
      "Head read share",
    ],
    r.perFlush.map((p) => {
      const row = flushRow(p);
      return [...row.slice(0, 6), calls(p.perFlush.dynamoCalls), ...row.slice(6)];
    }),
    ["r", "r", "r", "r", "r", "r", "l", "r", "r"],
  );
}

function byCallTable(r: AwsCostResult): string {
  const rows: string[][] = [];
  for (const p of r.perFlush) {
    for (const [key, t] of Object.entries(p.byCall)) {
      const [call, op] = key.split(" ");
      rows.push([String(p.partitions), `\`${call}\``, op, num(t.calls), num(t.wcu), num(t.rcu)]);
    }
  }
  return table(
    ["Partitions", "Port call", "DynamoDB operation", "Calls per flush", "WCU", "RCU"],
    rows,
    ["r", "l", "l", "r", "r", "r"],
  );
}

function timeTable(r: AwsCostResult): string {
  const names = [...new Set(r.perFlush.flatMap((p) => Object.keys(p.emulatorMs.calls)))].sort();
  return table(
    ["Partitions", "flush (append → answered)", ...names.map((n) => `\`${n}\``)],
    r.perFlush.map((p) => [
      String(p.partitions),
      num(p.emulatorMs.flush, 0),
      ...names.map((n) => num(p.emulatorMs.calls[n] ?? 0, 0)),
    ]),
    ["r", "r", ...names.map(() => "r" as const)],
  );
}

function segmentSizeTable(r: AwsCostResult): string {
  return table(
    ["Average segment", "Flushes per GiB", "$ per GiB written (requests)"],
    r.perGib.bySegmentSize.map((x) => [
      x.segmentBytes >= MiB
        ? `${num(x.segmentBytes / MiB, 2)} MiB`
        : `${num(x.segmentBytes / 1024, 0)} KiB`,
      num(x.flushesPerGib, 0),
      dollars(x.dollarsPerGib),
    ]),
    ["r", "r", "r"],
  );
}

function gibTable(r: AwsCostResult): string {
  return table(
    [
      "Item",
      "Per GiB written",
      "Per GiB read",
      "Price (us-east-1)",
      "$ per GiB written",
      "$ per GiB read",
    ],
    gibRows(r).map((row) =>
      row[0].startsWith("total") ? row.map((c, i) => (c === "" || i === 0 ? c : `**${c}**`)) : row,
    ),
    ["l", "r", "r", "l", "r", "r"],
  );
}

export function awsCostMarkdown(r: AwsCostResult): string {
  const g = r.perGib;
  const w = g.raw.write;
  const rd = g.raw.read;
  const s = g.raw.settings;
  const p100 = r.perFlush.find((p) => p.partitions === 100) ?? r.perFlush[0];
  const readRcuShare = g.read.rcu === 0 ? 0 : g.readHeadRereadRcu / g.read.rcu;
  const conditionFailures =
    r.perFlush.reduce((n, p) => n + p.perFlush.conditionFailures, 0) +
    w.totals.conditionFailures +
    rd.totals.conditionFailures;
  const chunkKiB = w.avgSegmentBytes / s.partitions / 1024;
  const manyGets = ((1024 * MiB) / w.avgSegmentBytes) * 1000;
  return `## AWS backend: requests and cost per flush and per GiB

What the AWS backend (segments in S3, metadata in DynamoDB) asks of AWS, counted by the stores
themselves (\`StorageCounters\`: every S3 request, every DynamoDB call and the capacity units it
reports) while the log engine (\`LogService\`, default settings) runs in-process against
${r.emulators}. Request counts do not depend on the emulators' speed; dollar figures are the
counts times the ${r.prices.region} list prices below. This part of the run took ${num(r.durationSec, 0)} s
(\`npm run bench -- --aws-only [--quick]\` runs it alone, printing only).

### Per flush

Each flush carries one 1-record append (${r.settings.flushRecordBytes}-byte value, one idempotent producer) for
each of N partitions, so one flush = one segment PUT + one commit of N partitions. Steady state:
the average of ${r.settings.flushRounds} flushes into partitions that already hold data (a multiple of 4, because
every 4th commit of a partition also writes an index page). "Head read share" is the part of
the flush's request cost spent on the broker's head read before the commit.

${flushTable(r)}

The first flush into fresh partitions: ${r.perFlush
    .map(
      (p) =>
        `${p.partitions} → ${num(p.first.perFlush.s3Put)} PUT, ${num(p.first.perFlush.wcu)} WCU, ${num(p.first.perFlush.rcu)} RCU`,
    )
    .join("; ")} (DynamoDB Local reports reads of absent heads as 0 RCU; see the last part).

Where the units go (steady state, per flush):

${byCallTable(r)}

- **A flush costs per partition, not per byte.** One conditional \`UpdateItem\` per partition
  (1 WCU while the head item stays under 1 KB) plus one index-page put per partition every 4th
  commit, and one segment receipt per flush (\`putSegmentReceipt\`, 1 WCU up to ≈ 60
  partitions, written after the producers are answered; it keeps the orphan collector's
  judgment cheap) — ${num(p100.perPartition.wcu, 3)} WCU per partition in all at 100 partitions — and the broker's
  head read. The S3 side is one PUT per flush whatever N is.
- **No head read before a commit in steady state**: the flush commits on the head it remembers
  from its own last commit (\`lib/broker/log/segment-flush.ts\`); a head another front moved is
  learnt from the failed condition at no extra read. Head reads per 100-partition flush:
  ${num(p100.headReadRcu)} RCU (${pct(p100.headReadShare)} of that flush's request cost).
- DynamoDB calls of one flush: ⌈N/100⌉ \`BatchGetItem\`, N \`UpdateItem\` (64 in flight), and
  ⌈pages/25⌉ \`BatchWriteItem\`.

Time per flush on the emulators, in ms (loopback, in-memory emulators: where the time goes
here, not what AWS would take; times of concurrent calls overlap):

${timeTable(r)}

### Per GiB written and read

Write: ${num(w.bytes / MiB, 0)} MiB of record batches (${s.recordsPerBatch} × ${s.recordBytes}-byte records per batch, as the Java
producer's 16 KiB batch.size packs them; one idempotent producer) to ${s.partitions} partitions, one batch per
partition per produce request, ${num(s.outstandingBytes / MiB, 0)} MiB kept in flight so that segments are full:
${w.flushes} segments of ${num(w.avgSegmentBytes / MiB, 2)} MiB on average, ${w.partitionCommits} partition commits. Read: a second front
with a cold cache (one that did not write the data) reads all ${s.partitions} partitions from offset 0 to
the end as Fetch does (${num(s.maxPartitionBytes / MiB, 0)} MiB per partition per fetch): ${rd.fetches} fetches, ${rd.readCalls} \`LogService.read\`
calls, ${num(rd.totals.s3Get, 0)} ranged GETs (one per chunk, i.e. per partition per segment; ${rd.cacheHits} chunk reads
were answered by the cache). "GiB" is 2^30 bytes of record batches.

${gibTable(r)}

DynamoDB calls per GiB written: ${calls(g.written.dynamoCalls, 0)}; per GiB read: ${calls(g.read.dynamoCalls, 0)}.

Prices: ${r.prices.source}. S3 Standard requests: ${r.prices.asOf.s3}; DynamoDB
on-demand: ${r.prices.asOf.dynamodb}. Requests only: storage, compute and the idle floors
are added by the cost model (last section).

- **Segment size sets the write cost.** A front whose traffic arrives slower than it can flush
  writes one segment per linger period (\`lingerMs\` = ${DEFAULT_LOG_CONFIG.lingerMs} ms by default), and each flush costs the
  same whatever its size: ${dollars(g.dollarsPerWriteFlush * 1e6)} per million flushes of ${s.partitions} partitions here. The same GiB
  in smaller segments:

${segmentSizeTable(r)}

- **GETs per GiB read grow with partitions per segment.** A consumer reads each partition's
  chunk with its own ranged GET, so GETs per GiB = segments per GiB × partitions per segment
  (${num(chunkKiB, 0)} KiB chunks here). The same segments shared by 1,000 partitions would be
  ${num(manyGets, 0)} GETs ≈ ${dollars((manyGets * r.prices.s3GetPer1000) / 1000)} per GiB read (arithmetic, not measured).
- ${headReread(g.readHeadRereadRcu, g.read.rcu, readRcuShare)}
- **Idle consumers cost by the second.** The caught-up consumer then long-polled the idle topic
  for ${num(g.raw.idle.seconds, 1)} s: the front's watcher read the ${r.idlePoll.partitions} heads ${num(r.idlePoll.getHeadsPerSecond, 1)} times a second
  (\`pollIntervalMs\` = ${DEFAULT_LOG_CONFIG.pollIntervalMs}, backing off to \`maxPollIntervalMs\` = ${AWS_FRONT_LOG_DEFAULTS.maxPollIntervalMs} as AWS fronts do),
  ${num(r.idlePoll.rcuPerSecond, 1)} RCU/s ≈ ${dollars(r.idlePoll.dollarsPerMonth)} per 30-day month per front with waiting consumers, whether or
  not anything is written.

### How far DynamoDB Local's units are from AWS's

- Single-item reads and writes (\`GetItem\`, \`BatchGetItem\`, \`Query\`, \`UpdateItem\`,
  \`BatchWriteItem\` — everything on these paths) are charged from the item sizes as AWS does.
- Transactions are reported as 2 units whatever their size (docs/dynamodb-tables.md); no
  transaction runs on the flush, write or read path, so this does not affect these figures.
- Reads of absent items are reported as 0 RCU; AWS charges a strongly consistent read of an
  absent item 1 RCU (unverified). Only the first flush into fresh partitions reads absent heads:
  on AWS it costs about N RCU more than shown above.
- DynamoDB does not report the units of failed conditional writes (Local or AWS); none happened
  in this run (${num(conditionFailures, 0)} counted).
`;
}

/** The read path's head reads: one per fetch (getHeads), and whether findChunks read it again. */
function headReread(rereadRcu: number, readRcu: number, share: number): string {
  if (rereadRcu === 0) {
    return (
      "**One head read per `LogService.read`**: `getHeads` (batched per fetch) reads it, and " +
      "`findChunks` answers from that head (its adapter cache) instead of reading it again."
    );
  }
  return (
    "**`LogService.read` read the partition's head twice**: once in `getHeads` (batched per " +
    `fetch) and again as a \`GetItem\` in \`findChunks\` (the head moved in between): ${num(rereadRcu, 0)} of the ` +
    `${num(readRcu, 0)} RCU per GiB read (${pct(share)}) are that second read.`
  );
}
