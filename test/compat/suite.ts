// The Kafka client compatibility suite, written once and run against any target: the reference
// Apache Kafka broker (reference.test.ts) and, later, Floe itself with the same tests unchanged.
//
// What it proves, per client driver (drivers.ts):
// - round trip: the client produces `count` records (record-spec.ts) with every codec it
//   supports to a fresh 3-partition topic and reads them back; verifyRoundTrip finds nothing
//   missing, duplicated, reordered within a partition or altered, and every acked offset is
//   where the record is read back.
// - cross read: every other client reads what this client wrote, per codec, and sees exactly
//   the same rows (offsets, keys, values, headers, timestamps) as the writer's own read-back.
// - seek: one partition read from earliest, from an offset in the middle of a produced batch,
//   from a timestamp between two produce runs, and from latest (nothing) returns exactly the
//   expected records.
// A codec a client cannot produce is listed as an explicitly skipped test with the reason;
// a missing tool fails its tests with the install hint.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_DRIVERS, type ClientDriver, verifyRoundTrip } from "./drivers.ts";
import { CODECS, type ConsumedRow } from "./record-spec.ts";

export interface CompatTarget {
  /** host:port a Kafka client bootstraps from. */
  bootstrap: string;
  createTopic(name: string, partitions: number): Promise<void>;
  stop(): Promise<void>;
}

export interface CompatSuiteOptions {
  /** Shown in the describe block; default "target". */
  name?: string;
  drivers?: readonly ClientDriver[];
  /** Records per round trip; default FLOE_COMPAT_COUNT or 10 000. */
  count?: number;
  /** Run the cross-read matrix (every client reads every other client's topics); default true. */
  crossRead?: boolean;
}

const PARTITIONS = 3;
// Each test spawns a few client processes (a JVM start is ~1 s on 2 cores) and waits for them.
const TEST_TIMEOUT_MS = 180_000;
/** How long a client known not to read some records gets to show it still cannot. */
const LIMITATION_TIMEOUT_MS = 20_000;

export function defineCompatSuite(
  target: () => Promise<CompatTarget>,
  options: CompatSuiteOptions = {},
): void {
  const drivers = options.drivers ?? ALL_DRIVERS;
  const count = options.count ?? Number(process.env["FLOE_COMPAT_COUNT"] ?? 10_000);
  const run = `${Date.now().toString(36)}`;
  const topicName = (...parts: string[]) =>
    `compat-${run}-${parts.join("-")}`.replace(/[^A-Za-z0-9._-]/g, "_");

  describe(`Kafka client compatibility against ${options.name ?? "target"}`, () => {
    let t: CompatTarget | undefined;
    const target$ = () => {
      if (!t) throw new Error("compat target did not start (see beforeAll)");
      return t;
    };
    // What each (client, codec) round trip wrote, for the cross reads.
    const written = new Map<string, { topic: string; rows: ConsumedRow[]; writer: ClientDriver }>();

    beforeAll(async () => {
      t = await target();
    }, 180_000);
    afterAll(async () => {
      await t?.stop();
    }, 60_000);

    describe("round trip", () => {
      for (const d of drivers) {
        for (const codec of CODECS) {
          const reason = d.unsupportedCodecs[codec];
          if (!d.codecs.includes(codec)) {
            it.skip(`${d.name} ${codec}: unsupported by this client — ${reason ?? "no reason given"}`, () => {});
            continue;
          }
          it(
            `${d.name} produces ${count} records with ${codec} and reads them back`,
            async () => {
              d.requireTools();
              const { bootstrap, createTopic } = target$();
              const topic = topicName("rt", d.name, codec);
              await createTopic(topic, PARTITIONS);
              const produced = await d.produce({
                bootstrap,
                topic,
                count,
                partitions: PARTITIONS,
                compression: codec,
              });
              const consumed = await d.consume({
                bootstrap,
                topic,
                partitions: PARTITIONS,
                expect: count,
              });
              const problems = verifyRoundTrip(
                {
                  count,
                  partitions: PARTITIONS,
                  client: d.name,
                  perRecordHeaders: d.perRecordHeaders,
                },
                produced,
                consumed,
              );
              expect(problems).toEqual([]);
              written.set(`${d.name}/${codec}`, { topic, rows: consumed, writer: d });
            },
            TEST_TIMEOUT_MS,
          );
        }
      }
    });

    if (options.crossRead ?? true) {
      describe("cross read", () => {
        for (const writer of drivers) {
          for (const reader of drivers) {
            if (reader === writer) continue;
            const limits = reader.readLimitations.filter((l) => l.writer === writer.name);
            for (const l of limits) {
              // Asserted, not skipped: when the client learns to read these, this fails and the
              // limitation goes, and the records join the cross read below.
              it(
                `${reader.name} still cannot read ${writer.name}'s ${l.codec} records — ${l.reason}`,
                async () => {
                  reader.requireTools();
                  const { bootstrap } = target$();
                  const w = written.get(`${writer.name}/${l.codec}`);
                  if (!w) {
                    throw new Error(
                      `${l.codec}: no topic, the ${writer.name} ${l.codec} round trip failed`,
                    );
                  }
                  const problems = await reader
                    .consume({
                      bootstrap,
                      topic: w.topic,
                      partitions: PARTITIONS,
                      expect: count,
                      timeoutMs: LIMITATION_TIMEOUT_MS,
                    })
                    .then(
                      (rows) => diffRows(w.rows, rows),
                      (err: unknown) => [String(err)],
                    );
                  expect(problems).not.toEqual([]);
                },
                TEST_TIMEOUT_MS,
              );
            }
            const codecs = writer.codecs.filter((c) => !limits.some((l) => l.codec === c));
            it(
              `${reader.name} reads what ${writer.name} wrote (${codecs.join(", ")})`,
              async () => {
                reader.requireTools();
                const { bootstrap } = target$();
                const problems: string[] = [];
                for (const codec of codecs) {
                  const w = written.get(`${writer.name}/${codec}`);
                  if (!w) {
                    problems.push(
                      `${codec}: no topic, the ${writer.name} ${codec} round trip failed`,
                    );
                    continue;
                  }
                  const rows = await reader.consume({
                    bootstrap,
                    topic: w.topic,
                    partitions: PARTITIONS,
                    expect: count,
                  });
                  problems.push(...diffRows(w.rows, rows).map((p) => `${codec}: ${p}`));
                }
                expect(problems).toEqual([]);
              },
              TEST_TIMEOUT_MS,
            );
          }
        }
      });
    }

    describe("seek", () => {
      for (const d of drivers) {
        it(
          `${d.name} seeks to earliest, an offset mid-batch, a timestamp and latest`,
          async () => {
            d.requireTools();
            const { bootstrap, createTopic } = target$();
            const topic = topicName("seek", d.name);
            await createTopic(topic, PARTITIONS);
            // Two produce runs of 100 records per partition, with a timestamp between them.
            const perRun = 100 * PARTITIONS;
            const first = await d.produce({
              bootstrap,
              topic,
              count: perRun,
              partitions: PARTITIONS,
              compression: "none",
            });
            await sleep(50);
            const between = Date.now();
            await sleep(50);
            const second = await d.produce({
              bootstrap,
              topic,
              count: perRun,
              partitions: PARTITIONS,
              compression: "none",
              start: perRun,
            });
            const all = await d.consume({
              bootstrap,
              topic,
              partitions: PARTITIONS,
              expect: 2 * perRun,
            });
            expect(
              verifyRoundTrip(
                {
                  count: 2 * perRun,
                  partitions: PARTITIONS,
                  client: d.name,
                  perRecordHeaders: d.perRecordHeaders,
                },
                [...first, ...second],
                all,
              ),
            ).toEqual([]);
            const p = 1;
            const truth = all.filter((r) => r.partition === p).sort((a, b) => a.offset - b.offset);
            expect(truth.map((r) => r.offset)).toEqual(range(0, 200));

            const earliest = await d.seek({
              bootstrap,
              topic,
              partition: p,
              seek: "earliest",
              expect: truth.length,
            });
            expect(diffRows(truth, earliest)).toEqual([]);

            // Offset 37 lies inside the first run's batch: the client must drop the records before it.
            const mid = await d.seek({
              bootstrap,
              topic,
              partition: p,
              seek: "offset:37",
              expect: truth.length - 37,
            });
            expect(diffRows(truth.slice(37), mid)).toEqual([]);

            const firstAfter = truth.findIndex((r) => r.timestampMs >= between);
            expect(firstAfter, "the second run's records start at offset 100").toBe(100);
            const byTime = await d.seek({
              bootstrap,
              topic,
              partition: p,
              seek: `timestamp:${between}`,
              expect: truth.length - firstAfter,
            });
            expect(diffRows(truth.slice(firstAfter), byTime)).toEqual([]);

            const latest = await d.seek({
              bootstrap,
              topic,
              partition: p,
              seek: "latest",
              expect: 0,
              idleMs: 3_000,
            });
            expect(latest).toEqual([]);
          },
          TEST_TIMEOUT_MS,
        );
      }
    });
  });
}

/** Differences between two reads of the same data (order-sensitive within a partition). */
export function diffRows(want: readonly ConsumedRow[], got: readonly ConsumedRow[]): string[] {
  const key = (r: ConsumedRow) => `${r.partition}@${r.offset}`;
  const wantBy = new Map(want.map((r) => [key(r), r]));
  const problems: string[] = [];
  const seen = new Set<string>();
  const last = new Map<number, number>();
  for (const r of got) {
    const k = key(r);
    const w = wantBy.get(k);
    if (seen.has(k)) problems.push(`duplicate ${k}`);
    else if (!w) problems.push(`unexpected ${k}`);
    else if (JSON.stringify(normalize(w)) !== JSON.stringify(normalize(r))) {
      problems.push(`${k} differs: want ${JSON.stringify(w)}, got ${JSON.stringify(r)}`);
    }
    seen.add(k);
    if ((last.get(r.partition) ?? -1) >= r.offset) problems.push(`out of order at ${k}`);
    last.set(r.partition, r.offset);
  }
  const missing = want.filter((r) => !seen.has(key(r)));
  if (missing.length > 0) {
    problems.push(
      `missing ${missing.length}: ${missing.slice(0, 10).map(key).join(", ")}${missing.length > 10 ? ", …" : ""}`,
    );
  }
  return problems.slice(0, 20);
}

// Same field order as the drivers print, so JSON.stringify compares values only.
function normalize(r: ConsumedRow): ConsumedRow {
  return {
    partition: r.partition,
    offset: r.offset,
    key: r.key,
    valueSha256: r.valueSha256,
    valueLength: r.valueLength,
    headers: r.headers,
    timestampMs: r.timestampMs,
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
