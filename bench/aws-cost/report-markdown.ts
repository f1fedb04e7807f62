/**
 * The AWS-backend cost section of docs/benchmarks/README.md: what was measured and how, the per-flush
 * and per-GiB tables with their prices and dates, where the units go, and how far DynamoDB
 * Local's capacity figures are from AWS's. Layout only; the figures come from ./run.ts.
 */

import { DEFAULT_LOG_CONFIG } from "../../lib/broker/log/log-config.ts";
import { AWS_FRONT_LOG_DEFAULTS } from "../../lib/front/aws.ts";
import { CHUNKS_PER_PAGE } from "../../lib/storage/dynamodb/commit.ts";
import { SHARD_PARTITIONS } from "../../lib/storage/dynamodb/keys.ts";
import { SNAPSHOT_EVERY } from "../../lib/storage/dynamodb/shard-state.ts";
import {
  calls,
  commitSplit,
  dollars,
  flushRow,
  gibRows,
  MiB,
  num,
  pct,
  pointLabel,
  table,
} from "./report.ts";
import {
  type AwsCostResult,
  gibLayoutOf,
  layoutOf,
  layoutsOf,
  steadyFlushesOf,
  topicsOf,
} from "./run.ts";

function flushTable(r: AwsCostResult): string {
  return table(
    [
      "Partitions per flush",
      "Layout",
      "S3 PUT",
      "DynamoDB WCU",
      "DynamoDB RCU",
      "WCU per partition",
      "RCU per partition",
      "WCU, commit only",
      "WCU, pages and snapshots",
      "DynamoDB calls per flush",
      "$ per million flushes",
      "Head read share",
    ],
    r.perFlush.map((p) => {
      const row = flushRow(p);
      return [...row.slice(0, 9), calls(p.perFlush.dynamoCalls), ...row.slice(9)];
    }),
    ["r", "l", "r", "r", "r", "r", "r", "r", "r", "l", "r", "r"],
  );
}

function byCallTable(r: AwsCostResult): string {
  const rows: string[][] = [];
  for (const p of r.perFlush) {
    for (const [key, t] of Object.entries(p.byCall)) {
      const [call, op] = key.split(" ");
      rows.push([
        pointLabel(p),
        layoutOf(p),
        `\`${call}\``,
        op,
        num(t.calls),
        num(t.wcu),
        num(t.rcu),
      ]);
    }
  }
  return table(
    ["Partitions", "Layout", "Port call", "DynamoDB operation", "Calls per flush", "WCU", "RCU"],
    rows,
    ["r", "l", "l", "l", "r", "r", "r"],
  );
}

function timeTable(r: AwsCostResult): string {
  const names = [...new Set(r.perFlush.flatMap((p) => Object.keys(p.emulatorMs.calls)))].sort();
  return table(
    ["Partitions", "Layout", "flush (append → answered)", ...names.map((n) => `\`${n}\``)],
    r.perFlush.map((p) => [
      pointLabel(p),
      layoutOf(p),
      num(p.emulatorMs.flush, 0),
      ...names.map((n) => num(p.emulatorMs.calls[n] ?? 0, 0)),
    ]),
    ["r", "l", "r", ...names.map(() => "r" as const)],
  );
}

const LAYOUT_TEXT = {
  shard:
    "**shard** (the default): a flush's commits to the partitions of one shard " +
    `(${SHARD_PARTITIONS} partitions of a topic) are one \`PutItem\` of a compressed record, and every ` +
    `${SNAPSHOT_EVERY} records of a shard a snapshot, the index pages of its partitions and the ` +
    "deletion of older records are written in the background, after the commit is answered",
  partition:
    "**partition**: one conditional `UpdateItem` per partition, and an index page every " +
    `${CHUNKS_PER_PAGE}th commit of a partition`,
};

/** Which layouts of the DynamoDB metadata the points were measured on, and what they are. */
function layoutsText(r: AwsCostResult): string {
  const layouts = layoutsOf(r);
  if (layouts.length === 1) {
    return `Every point is measured on the ${layouts[0]} layout of the DynamoDB metadata (${LAYOUT_TEXT[layouts[0]]}).`;
  }
  return (
    "Every point is measured on each layout of the DynamoDB metadata " +
    "(`lib/storage/dynamodb/log-layout.ts`), each on its own table and bucket: " +
    `${layouts.map((l) => LAYOUT_TEXT[l]).join("; ")}.`
  );
}

/** How each layout measured its steady state, in words. */
function steadyText(r: AwsCostResult): string {
  return layoutsOf(r)
    .map((layout) => {
      const p = r.perFlush.find((x) => layoutOf(x) === layout);
      if (p === undefined) return "";
      const n = steadyFlushesOf(r, p);
      const warm = p.warmupFlushes ?? 0;
      return layout === "shard"
        ? `the shard layout averages ${n} flushes (whole windows of ${SNAPSHOT_EVERY} records, so each shard writes ${n / SNAPSHOT_EVERY} snapshot${n === SNAPSHOT_EVERY ? "" : "s"} among them), after the first flush and ${warm} more: a shard's first snapshot has no window before it to delete, every later one does`
        : `the partition layout averages ${n} flushes after the first (a multiple of ${CHUNKS_PER_PAGE}: every ${CHUNKS_PER_PAGE}th commit of a partition also writes an index page)`;
    })
    .join("; ");
}

/** A point's two layouts side by side, where both were measured. */
function sideBySide(r: AwsCostResult): string[] {
  const out: string[] = [];
  for (const p of r.perFlush) {
    if (layoutOf(p) !== "shard") continue;
    const q = r.perFlush.find(
      (x) => layoutOf(x) === "partition" && pointLabel(x) === pointLabel(p),
    );
    if (q === undefined || q.perFlush.wcu === 0) continue;
    out.push(
      `${pointLabel(p)}: ${num(p.perFlush.wcu)} against ${num(q.perFlush.wcu)} WCU (${num(p.perFlush.wcu / q.perFlush.wcu, 2)}×), ${dollars(p.dollarsPerMillionFlushes)} against ${dollars(q.dollarsPerMillionFlushes)} per million flushes`,
    );
  }
  return out;
}

function layoutBullets(r: AwsCostResult): string {
  const bullets: string[] = [];
  const oneTopic = (layout: string) =>
    r.perFlush
      .filter((p) => layoutOf(p) === layout && topicsOf(p) === 1)
      .sort((a, b) => b.partitions - a.partitions)[0];
  const shard = oneTopic("shard");
  if (shard !== undefined) {
    const puts = shard.byCall["commitPartitions PutItem"]?.calls ?? 0;
    const split = commitSplit(shard);
    bullets.push(
      `**Shard layout: a flush costs per shard, plus an index page per partition per window.** ` +
        `At ${pointLabel(shard)} partitions (${shard.commitPoints ?? "?"} shards): ${num(puts)} \`PutItem\` per flush ` +
        `(one commit record per shard, and the snapshots: ${num(shard.shardSnapshots ?? 0, 3)} per flush on average); the flushes ` +
        `that wrote only their records cost ${split.commit} WCU, and the snapshot windows add ` +
        `${split.occasional} WCU per flush on average: each partition's index page once per window, ` +
        "the snapshot, and deleting the records and snapshot of the window before (`BatchWriteItem`, " +
        "after two `Query` calls for their keys, which read the whole items). These are written " +
        "in the background after the commit is answered; the run waits for them (`settled()`) " +
        "before it counts a flush.",
    );
  }
  const partition = r.perFlush.find((p) => layoutOf(p) === "partition" && p.partitions === 100);
  if (partition !== undefined) {
    bullets.push(
      "**Partition layout: a flush costs per partition.** One conditional `UpdateItem` per " +
        `partition (1 WCU while the head item stays under 1 KB) plus an index-page put per partition every ${CHUNKS_PER_PAGE}th ` +
        `commit: ${num(partition.perPartition.wcu, 3)} WCU per partition in all at 100 partitions, ` +
        "the segment receipt included.",
    );
  }
  const pairs = sideBySide(r);
  if (pairs.length > 0) {
    bullets.push(
      `**Side by side (shard against partition layout, per flush):** ${pairs.join("; ")}. ` +
        "A shard never spans topics, so a flush holding one partition of each of 100 topics " +
        "writes 100 records, each later deleted with its window: that, and a flush of a single " +
        "partition, are where the shard layout costs more.",
    );
  }
  bullets.push(
    "**One segment receipt per flush** (`putSegmentReceipt`, 1 WCU per KB of receipt, written " +
      "after the producers are answered; it keeps the orphan collector's judgment cheap), and " +
      "one S3 PUT per flush whatever N is, in both layouts.",
  );
  const headline = r.perFlush.find((p) => p.partitions === 100 && topicsOf(p) === 1);
  if (headline !== undefined) {
    bullets.push(
      "**No head read before a commit in steady state**: the flush commits on the head it " +
        "remembers from its own last commit (`lib/broker/log/segment-flush.ts`); a head another " +
        "front moved is learnt from the failed condition at no extra read. Head reads per " +
        `100-partition flush (${layoutOf(headline)} layout): ${num(headline.headReadRcu)} RCU ` +
        `(${pct(headline.headReadShare)} of that flush's request cost).`,
    );
  }
  return bullets.map((b) => `- ${b}`).join("\n");
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
each of N partitions — of one topic, or of N topics of one partition each where the table says
so — so one flush = one segment PUT + one commit of N partitions. ${layoutsText(r)} Steady state, over whole periods of
each layout's occasional writes: ${steadyText(r)}. "WCU, commit only" averages the flushes that
wrote no index page and no snapshot; "WCU, pages and snapshots" is what the others add, spread
over every flush. "Head read share" is the part of the flush's request cost spent on the
broker's head read before the commit.

${flushTable(r)}

The first flush into fresh partitions: ${r.perFlush
    .map(
      (p) =>
        `${pointLabel(p)} (${layoutOf(p)}) → ${num(p.first.perFlush.s3Put)} PUT, ${num(p.first.perFlush.wcu)} WCU, ${num(p.first.perFlush.rcu)} RCU`,
    )
    .join("; ")} (reads of absent items booked at AWS's minimum; see the last part).

Where the units go (steady state, per flush; the shard layout's background writes are booked
under the \`commitPartitions\` call that started them):

${byCallTable(r)}

${layoutBullets(r)}

Time per flush on the emulators, in ms (loopback, in-memory emulators: where the time goes
here, not what AWS would take; times of concurrent calls overlap):

${timeTable(r)}

### Per GiB written and read

On the ${gibLayoutOf(r)} layout${gibLayoutOf(r) === "shard" ? " (the default; the per-flush table above prices the other one)" : ""}. Write: ${num(w.bytes / MiB, 0)} MiB of record batches (${s.recordsPerBatch} × ${s.recordBytes}-byte records per batch, as the Java
producer's 16 KiB batch.size packs them; one idempotent producer) to ${s.partitions} partitions, one batch per
partition per produce request, ${num(s.outstandingBytes / MiB, 0)} MiB kept in flight so that segments are full:
${w.flushes} segments of ${num(w.avgSegmentBytes / MiB, 2)} MiB on average, ${w.partitionCommits} partition commits. Read: a second front
with a cold cache (one that did not write the data) reads all ${s.partitions} partitions from offset 0 to
the end as Fetch does (${num(s.maxPartitionBytes / MiB, 0)} MiB per partition per fetch): ${rd.fetches} fetches, ${rd.readCalls} \`LogService.read\`
calls, ${num(rd.totals.s3Get, 0)} ranged GETs for ${w.partitionCommits} chunks (the chunks of one segment that one fetch asks for share a
GET; ${rd.cacheHits} chunk reads were answered by the cache). "GiB" is 2^30 bytes of record batches.

${gibTable(r)}
${snapshotWindowNote(r)}
DynamoDB calls per GiB written: ${calls(g.written.dynamoCalls, 0)}; per GiB read: ${calls(g.read.dynamoCalls, 0)}.

Prices: ${r.prices.source}. S3 Standard requests: ${r.prices.asOf.s3}; DynamoDB
on-demand: ${r.prices.asOf.dynamodb}. Requests only: storage, compute and the idle floors
are added by the cost model (last section).

- **Segment size sets the write cost.** A front whose traffic arrives slower than it can flush
  writes one segment per linger period (\`lingerMs\` = ${DEFAULT_LOG_CONFIG.lingerMs} ms by default), and each flush costs the
  same whatever its size: ${dollars(g.dollarsPerWriteFlush * 1e6)} per million flushes of ${s.partitions} partitions here. The same GiB
  in smaller segments:

${segmentSizeTable(r)}

- **GETs per GiB read follow segments, not partitions.** The chunks of one segment that a
  fetch asks for (${num(chunkKiB, 0)} KiB each here) share one ranged GET, so a consumer that fetches
  every partition pays about one GET per segment: ${num(rd.totals.s3Get / w.flushes, 2)} per segment in this run, the
  excess being segments that a fetch's ${num(s.maxPartitionBytes / MiB, 0)} MiB per-partition limit splits. A group whose
  members split the partitions pays up to one GET per member per segment; with a GET per chunk,
  the same segments shared by 1,000 partitions would be ${num(manyGets, 0)} GETs ≈ ${dollars((manyGets * r.prices.s3GetPer1000) / 1000)} per GiB read (arithmetic, not measured).
- ${gibLayoutOf(r) === "shard" ? shardReads(r) : headReread(g.readHeadRereadRcu, g.read.rcu, readRcuShare)}
- **Idle consumers cost by the second.** The caught-up consumer then long-polled the idle topic
  for ${num(g.raw.idle.seconds, 1)} s: the front's watcher read the ${r.idlePoll.partitions} partitions' heads (\`getHeads\`) ${num(r.idlePoll.getHeadsPerSecond, 1)} times a second
  (\`pollIntervalMs\` = ${DEFAULT_LOG_CONFIG.pollIntervalMs}, backing off to \`maxPollIntervalMs\` = ${AWS_FRONT_LOG_DEFAULTS.maxPollIntervalMs} as AWS fronts do),
  ${num(r.idlePoll.rcuPerSecond, 1)} RCU/s ≈ ${dollars(r.idlePoll.dollarsPerMonth)} per 30-day month per front with waiting consumers, whether or
  not anything is written.

### How far DynamoDB Local's units are from AWS's

- Single-item reads and writes (\`GetItem\`, \`BatchGetItem\`, \`Query\`, \`PutItem\`,
  \`UpdateItem\`, \`BatchWriteItem\` — everything on these paths) are charged from the item sizes
  as AWS does. A \`Query\` with a projection is charged for the whole items it reads, as on AWS.
- Transactions are reported as 2 units whatever their size (docs/dynamodb-tables.md); no
  transaction runs on the flush, write or read path, so this does not affect these figures.
- DynamoDB Local reports a \`Query\` that finds nothing, and the absent keys of a
  \`BatchGetItem\`, as 0 RCU. AWS charges such reads the minimum for their kind (1 RCU
  strongly consistent: the API reference for \`Query\`; a \`BatchGetItem\` reads each key as a
  \`GetItem\`, and a \`GetItem\` of an absent item pays the minimum). The store books every read
  at no less than that minimum (lib/storage/dynamodb/capacity.ts), so these figures include
  them: the first flush's reads of absent heads, and the shard layout's Query of a shard that
  did not move since the reader last looked (every idle long-poll).
- DynamoDB does not report the units of failed conditional writes (Local or AWS); none happened
  in this run (${num(conditionFailures, 0)} counted).
`;
}

/**
 * The shard layout writes a snapshot (and pages, and cleanup) every SNAPSHOT_EVERY flushes: a
 * write phase of fewer flushes, or not a whole number of windows, has less or more than its
 * share of them. Said next to the per-GiB table; the per-flush table has the steady state.
 */
function snapshotWindowNote(r: AwsCostResult): string {
  const w = r.perGib.raw.write;
  if (gibLayoutOf(r) !== "shard" || w.shardSnapshots === undefined) return "";
  const shards = Math.ceil(r.perGib.raw.settings.partitions / SHARD_PARTITIONS);
  const due = (w.flushes * shards) / SNAPSHOT_EVERY;
  if (w.shardSnapshots === due) return "";
  return `
The write phase's ${w.flushes} flushes to ${shards} shard${shards === 1 ? "" : "s"} wrote ${w.shardSnapshots} snapshot${w.shardSnapshots === 1 ? "" : "s"} (steady state: one per shard
per ${SNAPSHOT_EVERY} flushes, ${num(due, 2)} here), so its DynamoDB write units hold ${w.shardSnapshots < due ? "less" : "more"} than their share
of the snapshots, index pages and cleanup; the per-flush table (and the cost model, which prices
flushes from it) has them at their steady rate.
`;
}

/** The shard layout's read path: one refresh per shard per fetch, and the chunk lookups. */
function shardReads(r: AwsCostResult): string {
  const g = r.perGib;
  const perGib = (prefix: string) => {
    let rcu = 0;
    let n = 0;
    for (const [k, v] of Object.entries(g.raw.read.byCall)) {
      if (!k.startsWith(prefix)) continue;
      rcu += v.rcu;
      n += v.calls;
    }
    const scale = (1024 * MiB) / g.raw.read.bytes;
    return { rcu: rcu * scale, calls: n * scale };
  };
  const heads = perGib("getHeads ");
  const chunks = perGib("findChunks ");
  return (
    "**Reads in the shard layout:** `getHeads` brings the reader's shard state up to date " +
    `(${num(heads.calls, 0)} \`Query\` calls, ${num(heads.rcu, 0)} RCU per GiB read: the snapshot and the ` +
    "records after it when the shard is new to the front, then only the records it has not " +
    `seen), and \`findChunks\` answers from that state or from index pages (${num(chunks.calls, 0)} calls, ` +
    `${num(chunks.rcu, 0)} RCU per GiB read).`
  );
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
