// `--mode group` for kafkajs 2.2.4 as its own process (so a test can SIGTERM, SIGKILL or
// SIGSTOP it like the other drivers): `node test/compat/kafkajs-group.ts --mode group ...`.
//
//   --bootstrap B --topic T --group G [--assignor roundrobin] [--session-timeout-ms N]
//   [--expect-total N] [--idle-ms N] [--commit auto|sync]
//
// Prints the event lines of test/compat/groups/events.ts. kafkajs quirks:
// - Only its round-robin assignor exists and it has no static membership: any other --assignor
//   or an --instance-id is a usage error (exit 2).
// - No rebalance callbacks: "assigned" comes from the GROUP_JOIN event (the full assignment;
//   kafkajs is eager), "revoked" (everything owned) from the REBALANCING event, which the runner
//   emits after the batch in flight finished and before it rejoins. A rejoin without
//   REBALANCING (UNKNOWN_MEMBER_ID: the member was expired) prints "lost" for what was owned
//   just before the new "assigned".
// - The generation is not in any public payload; it is read from kafkajs' own debug log entry
//   "Received assignment" (logged in SyncGroup just before GROUP_JOIN), with the HEARTBEAT
//   event's groupGenerationId as a fallback.
// - Sync commits: after each batch the position reached is committed with commitOffsets; a
//   failed commit stays pending and is retried every 500 ms while the partition is owned.
//   Pending offsets of revoked partitions are dropped (REBALANCING gives no chance to commit
//   before the rejoin), so the new owner re-reads from the last commit (at least once).
//   Auto mode prints successful auto-commits from the COMMIT_OFFSETS event.
// SIGTERM (or --expect-total / --idle-ms reached): stop() the runner, print "revoked" for what
// is owned, disconnect() (LeaveGroup), print "closed", exit 0.
import kafkajs from "kafkajs";
import { registerKafkajsCodecs } from "./kafkajs.ts";

const { Kafka, logLevel } = kafkajs;

function usage(msg: string): never {
  process.stderr.write(`kafkajs group driver: ${msg}\n`);
  process.exit(2);
}

const args = new Map<string, string>();
const argv = process.argv.slice(2);
for (let k = 0; k < argv.length; k += 2) {
  if (!argv[k]!.startsWith("--") || k + 1 >= argv.length) usage(`bad argument ${argv[k]}`);
  args.set(argv[k]!.slice(2), argv[k + 1]!);
}
const req = (k: string): string => args.get(k) ?? usage(`missing --${k}`);
if (req("mode") !== "group") usage(`unsupported --mode ${args.get("mode")} (only group)`);
const topic = req("topic");
const commitMode = args.get("commit") ?? "sync";
if (commitMode !== "sync" && commitMode !== "auto") usage(`bad --commit ${commitMode}`);
const assignor = args.get("assignor") ?? "roundrobin";
if (assignor !== "roundrobin") usage(`kafkajs has only the roundrobin assignor, not ${assignor}`);
if (args.has("instance-id")) usage("kafkajs has no static membership (--instance-id)");
const sessionTimeoutMs = Number(args.get("session-timeout-ms") ?? 10_000);
const expectTotal = Number(args.get("expect-total") ?? 0);
const idleMs = Number(args.get("idle-ms") ?? 0);

const line = (ev: object): void => void process.stdout.write(`${JSON.stringify(ev)}\n`);

let generation: number | null = null;
let memberId: string | null = null;
registerKafkajsCodecs();
const kafka = new Kafka({
  clientId: `floe-group-kafkajs-${process.pid}`,
  brokers: [req("bootstrap")],
  logLevel: logLevel.DEBUG,
  logCreator:
    () =>
    ({ level, log }) => {
      if (log.message === "Received assignment" && typeof log["generationId"] === "number") {
        generation = log["generationId"] as number;
        memberId = (log["memberId"] as string) ?? memberId;
      } else if (level <= logLevel.ERROR && !log.message.startsWith("Response ")) {
        // Error responses ("Response Heartbeat … rebalancing") are handled by kafkajs itself.
        process.stderr.write(`kafkajs: ${log.message} ${JSON.stringify(log)}\n`);
      }
    },
});
const consumer = kafka.consumer({
  groupId: req("group"),
  sessionTimeout: sessionTimeoutMs,
  heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 6)),
  maxWaitTimeInMs: 500,
});

let owned: number[] = [];
let revokedSinceJoin = true;
const pending = new Map<number, number>(); // partition → next offset to commit
let printed = 0;
let lastNew = 0; // ms of the last record or the first assignment; 0 before either
let commitChain: Promise<void> = Promise.resolve();

// The generation an event belongs to: the one of the assignment it adds or removes ("lost" is
// printed after the new SyncGroup, so it gets null rather than the new generation).
let ownedGeneration: number | null = null;
const rebalanceEvent = (ev: "assigned" | "revoked" | "lost", partitions: number[]): void =>
  line({
    ev,
    partitions: [...partitions].sort((a, b) => a - b),
    generation: ev === "lost" ? null : ownedGeneration,
    memberId,
    t: Date.now(),
  });

/** Commits what is pending for owned partitions; serialised so retries never overlap. */
function commitPending(): Promise<void> {
  commitChain = commitChain.then(async () => {
    const sent = [...pending].filter(([q]) => owned.includes(q));
    if (sent.length === 0) return;
    let error: string | null = null;
    const issuedAt = Date.now();
    try {
      await consumer.commitOffsets(
        sent.map(([partition, offset]) => ({ topic, partition, offset: String(offset) })),
      );
      for (const [q, o] of sent) if (pending.get(q) === o) pending.delete(q);
    } catch (e) {
      const err = e as { type?: string; name?: string; message?: string };
      error = `${err.type ?? err.name}: ${err.message}`;
    }
    line({
      ev: "commit",
      offsets: Object.fromEntries(sent.map(([q, o]) => [String(q), o])),
      ok: error === null,
      ...(error === null ? {} : { error }),
      generation,
      t0: issuedAt,
      t: Date.now(),
    });
  });
  return commitChain;
}

consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
  if (!revokedSinceJoin && owned.length > 0) rebalanceEvent("lost", owned);
  memberId = payload.memberId;
  owned = [...(payload.memberAssignment[topic] ?? [])];
  // After every join kafkajs restarts each partition from its committed offset (a new
  // OffsetManager), so positions reached in an earlier generation are void.
  pending.clear();
  revokedSinceJoin = false;
  ownedGeneration = generation;
  if (lastNew === 0) lastNew = Date.now();
  rebalanceEvent("assigned", owned);
});
consumer.on(consumer.events.REBALANCING, () => {
  for (const q of owned) pending.delete(q);
  rebalanceEvent("revoked", owned);
  owned = [];
  revokedSinceJoin = true;
});
consumer.on(consumer.events.HEARTBEAT, ({ payload }) => {
  generation ??= payload.groupGenerationId;
});
consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
  if (commitMode !== "auto") return;
  const offsets: Record<string, number> = {};
  for (const t of payload.topics)
    for (const p of t.partitions) offsets[String(p.partition)] = Number(p.offset);
  line({ ev: "commit", offsets, ok: true, generation, t: Date.now() });
});
consumer.on(consumer.events.CRASH, ({ payload }) => {
  line({ ev: "error", error: String(payload.error), t: Date.now() });
});

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(retry);
  clearInterval(idleCheck);
  await consumer.stop();
  if (commitMode === "sync") await commitPending();
  rebalanceEvent("revoked", owned);
  owned = [];
  await consumer.disconnect();
  line({ ev: "closed", t: Date.now() });
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown());

const retry = setInterval(() => {
  if (commitMode === "sync" && pending.size > 0) void commitPending();
}, 500);
const idleCheck = setInterval(() => {
  if (idleMs > 0 && lastNew > 0 && Date.now() - lastNew >= idleMs) void shutdown();
}, 100);

await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
line({ ev: "started", t: Date.now() });
await consumer.run({
  autoCommit: commitMode === "auto",
  autoCommitInterval: 1000,
  eachBatch: async ({ batch }) => {
    if (batch.messages.length === 0) return;
    const rows: string[] = [];
    for (const m of batch.messages) {
      const key = m.key?.toString("utf8") ?? "";
      const i = /^k-\d+$/.test(key) ? Number(key.slice(2)) : null;
      rows.push(
        JSON.stringify({
          ev: "record",
          partition: batch.partition,
          offset: Number(m.offset),
          i,
          t: Date.now(),
        }),
      );
    }
    process.stdout.write(`${rows.join("\n")}\n`);
    printed += rows.length;
    lastNew = Date.now();
    pending.set(batch.partition, Number(batch.messages.at(-1)!.offset) + 1);
    if (commitMode === "sync") await commitPending();
    if (expectTotal > 0 && printed >= expectTotal) void shutdown();
  },
});
