/**
 * Retention planning (lib/broker/log/retention-plan.ts): Kafka's time and size rules with the
 * chunk as the unit of deletion. Examples pin the boundaries (one millisecond, one byte either
 * side); properties check over random dense logs that the log start never passes the high
 * watermark, never moves back, lands on a chunk boundary, deletes exactly what the two rules
 * allow, and that a second plan right after the first changes nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chunksOverSize,
  planRetention,
  type RetentionChunk,
  type RetentionInput,
  retentionLimitsOf,
} from "../../../../lib/broker/log/retention-plan.ts";

const NOW_MS = 1_700_000_000_000;
const DAY_MS = 86_400_000;

/** Dense chunks from offset `from`: [records, bytes, maxTimestampMs] each. */
function log(from: bigint, specs: readonly [number, number, number][]): RetentionChunk[] {
  const out: RetentionChunk[] = [];
  let next = from;
  for (const [records, byteLength, maxTimestampMs] of specs) {
    out.push({
      baseOffset: next,
      lastOffset: next + BigInt(records) - 1n,
      byteLength,
      maxTimestampMs,
    });
    next += BigInt(records);
  }
  return out;
}

function input(chunks: RetentionChunk[], over: Partial<RetentionInput> = {}): RetentionInput {
  return {
    logStartOffset: chunks[0]?.baseOffset ?? 0n,
    highWatermark: chunks.length > 0 ? chunks[chunks.length - 1].lastOffset + 1n : 0n,
    chunks,
    nowMs: NOW_MS,
    retentionMs: -1,
    retentionBytes: -1,
    ...over,
  };
}

describe("time retention (retention.ms)", () => {
  const chunks = log(0n, [
    [10, 100, NOW_MS - DAY_MS - 1], // one ms past the limit: goes
    [10, 100, NOW_MS - DAY_MS], // exactly at the limit: stays (Kafka: now - ts > retention)
    [10, 100, NOW_MS - 3 * DAY_MS], // older, but behind a retained chunk: stays
  ]);

  it("deletes chunks strictly older than now − retention.ms, up to the first that is not", () => {
    const plan = planRetention(input(chunks, { retentionMs: DAY_MS }));
    expect(plan.newLogStartOffset).toBe(10n);
    expect(plan.byTime).toBe(1);
    expect(plan.chunksExpired).toBe(1);
  });

  it("moves to the high watermark when every chunk expired", () => {
    const plan = planRetention(input(chunks, { retentionMs: DAY_MS, nowMs: NOW_MS + 1 }));
    expect(plan.newLogStartOffset).toBe(30n);
    expect(plan.chunksExpired).toBe(3);
  });

  it("retention.ms = -1 keeps everything, and so does retention.ms = 0 at the same millisecond", () => {
    expect(planRetention(input(chunks, { retentionMs: -1, nowMs: 2 * NOW_MS })).chunksExpired).toBe(
      0,
    );
    const fresh = log(0n, [[5, 10, NOW_MS]]);
    expect(planRetention(input(fresh, { retentionMs: 0 })).chunksExpired).toBe(0);
    expect(planRetention(input(fresh, { retentionMs: 0, nowMs: NOW_MS + 1 })).chunksExpired).toBe(
      1,
    );
  });

  it("never expires a chunk without timestamps (-1)", () => {
    const plan = planRetention(input(log(0n, [[5, 10, -1]]), { retentionMs: 0 }));
    expect(plan.chunksExpired).toBe(0);
  });
});

describe("size retention (retention.bytes)", () => {
  const chunks = log(100n, [
    [10, 300, NOW_MS],
    [10, 200, NOW_MS],
    [10, 500, NOW_MS],
  ]); // 1,000 bytes

  it("deletes the oldest chunks while the rest still holds retention.bytes", () => {
    expect(planRetention(input(chunks, { retentionBytes: 700 })).newLogStartOffset).toBe(110n);
    expect(planRetention(input(chunks, { retentionBytes: 701 })).newLogStartOffset).toBe(100n);
    expect(planRetention(input(chunks, { retentionBytes: 500 })).newLogStartOffset).toBe(120n);
    expect(planRetention(input(chunks, { retentionBytes: 499 })).newLogStartOffset).toBe(120n);
  });

  it("deletes nothing when the log is smaller than retention.bytes, everything at 0", () => {
    expect(planRetention(input(chunks, { retentionBytes: 1_001 })).chunksExpired).toBe(0);
    expect(planRetention(input(chunks, { retentionBytes: 1_000 })).chunksExpired).toBe(0);
    expect(planRetention(input(chunks, { retentionBytes: 0 })).newLogStartOffset).toBe(130n);
    expect(planRetention(input(chunks, { retentionBytes: -1 })).chunksExpired).toBe(0);
  });

  it("counts a chunk the log start cuts through whole, as Kafka counts a segment", () => {
    const plan = planRetention(input(chunks, { logStartOffset: 105n, retentionBytes: 700 }));
    expect(plan.sizeBytes).toBe(1_000);
    expect(plan.newLogStartOffset).toBe(110n);
  });
});

describe("both rules and the head", () => {
  it("applies the size rule, then the time rule to what is left (Kafka's order)", () => {
    const chunks = log(0n, [
      [1, 100, NOW_MS - 2 * DAY_MS],
      [1, 100, NOW_MS],
      [1, 100, NOW_MS],
    ]);
    const plan = planRetention(input(chunks, { retentionMs: DAY_MS, retentionBytes: 100 }));
    expect([plan.byBytes, plan.byTime, plan.newLogStartOffset]).toEqual([2, 0, 2n]);
    // A chunk without timestamps shields the expired ones behind it from the time rule, until
    // the size rule removes it.
    const shielded = log(0n, [
      [1, 100, -1],
      [1, 100, NOW_MS - 2 * DAY_MS],
      [1, 100, NOW_MS],
    ]);
    expect(planRetention(input(shielded, { retentionMs: DAY_MS })).chunksExpired).toBe(0);
    const both = planRetention(input(shielded, { retentionMs: DAY_MS, retentionBytes: 200 }));
    expect([both.byBytes, both.byTime, both.newLogStartOffset]).toEqual([1, 1, 2n]);
  });

  it("ignores entries below the log start and at or past the high watermark", () => {
    const chunks = log(0n, [
      [10, 100, 0],
      [10, 100, 0],
      [10, 100, 0],
    ]);
    const plan = planRetention(
      input(chunks, { logStartOffset: 10n, highWatermark: 20n, retentionMs: 0 }),
    );
    expect(plan.newLogStartOffset).toBe(20n);
    expect(plan.chunksExpired).toBe(1);
    expect(plan.sizeBytes).toBe(100);
  });

  it("reads the limits from topic configs", () => {
    const configs: Record<string, string> = { "retention.ms": "60000", "retention.bytes": "-1" };
    expect(retentionLimitsOf((n) => configs[n])).toEqual({
      retentionMs: 60_000,
      retentionBytes: -1,
    });
    expect(() => retentionLimitsOf(() => "1e3")).toThrow(/retention.ms/);
  });
});

// -- properties --------------------------------------------------------------------------------

const chunkSpec = fc.tuple(
  fc.integer({ min: 1, max: 5 }),
  fc.integer({ min: 1, max: 1_000 }),
  fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 100 })),
);

const scenario = fc
  .record({
    from: fc.bigInt({ min: 0n, max: 1_000n }),
    specs: fc.array(chunkSpec, { minLength: 0, maxLength: 30 }),
    startInto: fc.nat({ max: 4 }),
    hwmShort: fc.nat({ max: 3 }),
    nowMs: fc.integer({ min: 0, max: 120 }),
    retentionMs: fc.integer({ min: -1, max: 100 }),
    retentionBytes: fc.integer({ min: -1, max: 20_000 }),
  })
  .map(({ from, specs, startInto, hwmShort, nowMs, retentionMs, retentionBytes }) => {
    const chunks = log(from, specs);
    // The head read may predate the last few chunks (committed while we listed); the log
    // start may sit inside the first chunk (DeleteRecords).
    const visible = chunks.slice(0, Math.max(0, chunks.length - hwmShort));
    const first = visible[0];
    const highWatermark =
      first === undefined
        ? (chunks[0]?.baseOffset ?? from)
        : visible[visible.length - 1].lastOffset + 1n;
    const logStartOffset =
      first === undefined
        ? highWatermark
        : first.baseOffset + (BigInt(startInto) % (first.lastOffset - first.baseOffset + 1n));
    return { chunks, visible, logStartOffset, highWatermark, nowMs, retentionMs, retentionBytes };
  });

describe("properties", () => {
  it("stays within [log start, high watermark] and lands on a chunk boundary", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const plan = planRetention(s);
        expect(plan.newLogStartOffset >= s.logStartOffset).toBe(true);
        expect(plan.newLogStartOffset <= s.highWatermark).toBe(true);
        if (plan.chunksExpired > 0) {
          expect(plan.newLogStartOffset).toBe(s.visible[plan.chunksExpired - 1].lastOffset + 1n);
        } else {
          expect(plan.newLogStartOffset).toBe(s.logStartOffset);
        }
      }),
    );
  });

  it("deletes a chunk only if a rule allows it, and stops where both rules stop", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const plan = planRetention(s);
        const sizes = s.visible.map((c) => c.byteLength);
        const total = sizes.reduce((a, b) => a + b, 0);
        const expired = (c: RetentionChunk) =>
          s.retentionMs >= 0 && c.maxTimestampMs >= 0 && s.nowMs - c.maxTimestampMs > s.retentionMs;
        // Size: what remains still holds retention.bytes, and one chunk fewer would not.
        const kept = (k: number) => sizes.slice(k).reduce((a, b) => a + b, 0);
        if (s.retentionBytes < 0 || total < s.retentionBytes) {
          expect(plan.byBytes).toBe(0);
        } else {
          expect(kept(plan.byBytes) >= s.retentionBytes).toBe(true);
          if (plan.byBytes < sizes.length) {
            expect(kept(plan.byBytes + 1) < s.retentionBytes).toBe(true);
          }
        }
        // Time, after size: exactly the run of expired chunks that follows.
        for (let i = plan.byBytes; i < plan.byBytes + plan.byTime; i++) {
          expect(expired(s.visible[i])).toBe(true);
        }
        const stop = s.visible[plan.byBytes + plan.byTime];
        if (stop !== undefined) expect(expired(stop)).toBe(false);
        expect(plan.chunksExpired).toBe(plan.byBytes + plan.byTime);
      }),
    );
  });

  it("is idempotent: planning again from the new log start moves nothing", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const first = planRetention(s);
        const again = planRetention({ ...s, logStartOffset: first.newLogStartOffset });
        expect(again.newLogStartOffset).toBe(first.newLogStartOffset);
      }),
    );
  });

  it("is monotone: a later clock or tighter limits never keep more", () => {
    fc.assert(
      fc.property(scenario, fc.nat({ max: 50 }), fc.nat({ max: 500 }), (s, laterMs, fewerBytes) => {
        const base = planRetention(s).newLogStartOffset;
        const later = planRetention({ ...s, nowMs: s.nowMs + laterMs }).newLogStartOffset;
        expect(later >= base).toBe(true);
        if (s.retentionBytes >= 0) {
          const tighter = Math.max(0, s.retentionBytes - fewerBytes);
          const smaller = planRetention({ ...s, retentionBytes: tighter }).newLogStartOffset;
          expect(smaller >= base).toBe(true);
        }
      }),
    );
  });

  it("chunksOverSize matches Kafka's loop over remaining sizes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 20 }),
        fc.integer({ min: -1, max: 2_000 }),
        (sizes, retentionBytes) => {
          // Kafka: if (retention < 0 || size < retention) 0; diff = size - retention; delete
          // while diff - segment.size >= 0.
          let size = 0;
          for (const x of sizes) size += x;
          let expected = 0;
          if (retentionBytes >= 0 && size >= retentionBytes) {
            let diff = size - retentionBytes;
            for (const x of sizes) {
              if (diff - x < 0) break;
              diff -= x;
              expected++;
            }
          }
          expect(chunksOverSize(sizes, retentionBytes)).toBe(expected);
        },
      ),
    );
  });
});
