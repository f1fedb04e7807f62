import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyBatch,
  checkBatch,
  expireProducers,
  INVALID_PRODUCER_EPOCH,
  incrementSequence,
  isExpired,
  lastSequenceOf,
  NUM_BATCHES_TO_RETAIN,
  OUT_OF_ORDER_SEQUENCE_NUMBER,
  PartitionProducers,
  type ProducerBatchInfo,
} from "../../../../lib/broker/producers/idempotence.ts";
import type { ProducerPartitionState } from "../../../../lib/storage/ports.ts";

const MAX = 0x7fffffff;
const PID = 42n;

function batch(
  baseSequence: number,
  count = 1,
  producerEpoch = 0,
  producerId = PID,
): ProducerBatchInfo {
  return { producerId, producerEpoch, baseSequence, lastOffsetDelta: count - 1 };
}

/** State after appending `batches` (each [firstSeq, count]) from offset 0. */
function stateAfter(specs: [number, number][], epoch = 0): ProducerPartitionState {
  let state: ProducerPartitionState | undefined;
  let offset = 0n;
  for (const [seq, count] of specs) {
    const last = offset + BigInt(count - 1);
    state = applyBatch(state, batch(seq, count, epoch), offset, last, 1000);
    offset = last + 1n;
  }
  return state!;
}

describe("sequence arithmetic", () => {
  it("increments within int32", () => {
    expect(incrementSequence(0, 0)).toBe(0);
    expect(incrementSequence(5, 10)).toBe(15);
    expect(incrementSequence(MAX - 1, 1)).toBe(MAX);
  });
  it("wraps from int32 max to 0, as Kafka's DefaultRecordBatch.incrementSequence", () => {
    expect(incrementSequence(MAX, 1)).toBe(0);
    expect(incrementSequence(MAX - 2, 5)).toBe(2);
    expect(incrementSequence(MAX, MAX)).toBe(MAX - 1);
  });
  it("derives the last sequence from baseSequence + lastOffsetDelta", () => {
    expect(lastSequenceOf(batch(10, 5))).toBe(14);
    expect(lastSequenceOf(batch(MAX, 3))).toBe(1);
    expect(lastSequenceOf(batch(7, 1))).toBe(7);
  });
});

describe("checkBatch", () => {
  it("always appends non-idempotent batches (producerId −1)", () => {
    const state = stateAfter([[0, 5]]);
    expect(checkBatch(undefined, batch(-1, 3, -1, -1n))).toEqual({ kind: "append" });
    expect(checkBatch(state, batch(-1, 3, -1, -1n))).toEqual({ kind: "append" });
  });

  it("lets a producer without state start at any sequence and epoch", () => {
    for (const seq of [0, 1, 17, MAX]) {
      for (const epoch of [0, 3, 32767]) {
        expect(checkBatch(undefined, batch(seq, 4, epoch))).toEqual({ kind: "append" });
      }
    }
  });

  it("appends the next sequence in the same epoch", () => {
    const state = stateAfter([
      [0, 5],
      [5, 3],
    ]);
    expect(checkBatch(state, batch(8, 10))).toEqual({ kind: "append" });
  });

  it("rejects a gap with OUT_OF_ORDER_SEQUENCE_NUMBER", () => {
    const state = stateAfter([[0, 5]]);
    const d = checkBatch(state, batch(6, 1));
    expect(d).toMatchObject({ kind: "error", errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it("answers a retry of each of the last five batches as a duplicate with its original offsets", () => {
    const specs: [number, number][] = [
      [0, 2],
      [2, 3],
      [5, 1],
      [6, 4],
      [10, 2],
      [12, 5],
      [17, 1],
    ];
    const state = stateAfter(specs);
    expect(state.batches).toHaveLength(NUM_BATCHES_TO_RETAIN);
    let offset = 0n;
    specs.forEach(([seq, count], i) => {
      const last = offset + BigInt(count - 1);
      const d = checkBatch(state, batch(seq, count));
      if (i < specs.length - NUM_BATCHES_TO_RETAIN) {
        // Fell out of the window: neither next nor retained.
        expect(d).toMatchObject({ kind: "error", errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER });
      } else {
        expect(d).toEqual({ kind: "duplicate", baseOffset: offset, lastOffset: last });
      }
      offset = last + 1n;
    });
  });

  it("treats a partial overlap with a retained batch as out of order, not a duplicate", () => {
    const state = stateAfter([
      [0, 5],
      [5, 5],
    ]);
    expect(checkBatch(state, batch(5, 3))).toMatchObject({
      errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
    expect(checkBatch(state, batch(4, 6))).toMatchObject({
      errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
    expect(checkBatch(state, batch(0, 10))).toMatchObject({
      errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
  });

  it("rejects an older epoch with INVALID_PRODUCER_EPOCH, even for an exact retry", () => {
    const state = stateAfter([[0, 5]], 3);
    expect(checkBatch(state, batch(5, 1, 2))).toMatchObject({
      kind: "error",
      errorCode: INVALID_PRODUCER_EPOCH,
    });
    expect(checkBatch(state, batch(0, 5, 2))).toMatchObject({ errorCode: INVALID_PRODUCER_EPOCH });
    expect(checkBatch(state, batch(0, 1, 0))).toMatchObject({ errorCode: INVALID_PRODUCER_EPOCH });
  });

  it("accepts a newer epoch only from sequence 0", () => {
    const state = stateAfter([[0, 5]], 3);
    expect(checkBatch(state, batch(0, 7, 4))).toEqual({ kind: "append" });
    expect(checkBatch(state, batch(0, 1, 9))).toEqual({ kind: "append" });
    expect(checkBatch(state, batch(5, 1, 4))).toMatchObject({
      kind: "error",
      errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
    // A retained range under a newer epoch is not a duplicate.
    expect(checkBatch(state, batch(0, 5, 4))).toEqual({ kind: "append" });
  });

  it("requires sequence 0 when the epoch is known but no batch is retained", () => {
    const state: ProducerPartitionState = {
      producerId: PID,
      producerEpoch: 2,
      batches: [],
      lastAppendMs: 0,
    };
    expect(checkBatch(state, batch(0, 1, 2))).toEqual({ kind: "append" });
    expect(checkBatch(state, batch(3, 1, 2))).toMatchObject({
      errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
  });

  it("continues across the int32 sequence wrap", () => {
    const state = stateAfter([[MAX - 4, 5]]);
    expect(state.batches[0].lastSequence).toBe(MAX);
    expect(checkBatch(state, batch(0, 3))).toEqual({ kind: "append" });
    expect(checkBatch(state, batch(1, 3))).toMatchObject({
      errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
    });

    const spanning = stateAfter([[MAX - 1, 4]]); // MAX-1, MAX, 0, 1
    expect(spanning.batches[0]).toMatchObject({ firstSequence: MAX - 1, lastSequence: 1 });
    expect(checkBatch(spanning, batch(2, 1))).toEqual({ kind: "append" });
    expect(checkBatch(spanning, batch(MAX - 1, 4))).toEqual({
      kind: "duplicate",
      baseOffset: 0n,
      lastOffset: 3n,
    });
  });

  it("judges producers independently", () => {
    const producers = new PartitionProducers([stateAfter([[0, 5]])]);
    expect(producers.check(batch(9, 1, 0, 7n))).toEqual({ kind: "append" });
    expect(producers.check(batch(9, 1, 0, PID))).toMatchObject({ kind: "error" });
  });
});

describe("applyBatch", () => {
  it("keeps the last five batches, oldest first", () => {
    const state = stateAfter([
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
      [6, 2],
    ]);
    expect(state.batches.map((b) => [b.firstSequence, b.lastSequence])).toEqual([
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
      [6, 7],
    ]);
    expect(state.batches.map((b) => b.baseOffset)).toEqual([2n, 3n, 4n, 5n, 6n]);
    expect(state.batches.at(-1)!.lastOffset).toBe(7n);
  });

  it("clears retained batches on a new epoch", () => {
    const old = stateAfter([
      [0, 5],
      [5, 5],
    ]);
    const next = applyBatch(old, batch(0, 2, 1), 10n, 11n, 2000)!;
    expect(next.producerEpoch).toBe(1);
    expect(next.batches).toEqual([
      { firstSequence: 0, lastSequence: 1, baseOffset: 10n, lastOffset: 11n },
    ]);
    expect(next.lastAppendMs).toBe(2000);
  });

  it("never modifies its input", () => {
    const old = stateAfter([[0, 5]]);
    const copy = structuredClone(old);
    applyBatch(old, batch(5, 1), 5n, 5n, 9);
    applyBatch(old, batch(0, 1, 1), 5n, 5n, 9);
    expect(old).toEqual(copy);
  });

  it("leaves state alone for non-idempotent batches", () => {
    const old = stateAfter([[0, 5]]);
    expect(applyBatch(old, batch(-1, 1, -1, -1n), 5n, 5n, 9)).toBe(old);
    expect(applyBatch(undefined, batch(-1, 1, -1, -1n), 5n, 5n, 9)).toBeUndefined();
  });
});

describe("expiry (producer.id.expiration.ms)", () => {
  const s = (producerId: bigint, lastAppendMs: number): ProducerPartitionState => ({
    producerId,
    producerEpoch: 0,
    batches: [],
    lastAppendMs,
  });

  it("forgets producers idle for at least the expiration", () => {
    expect(isExpired(s(1n, 0), 999, 1000)).toBe(false);
    expect(isExpired(s(1n, 0), 1000, 1000)).toBe(true);
    const live = expireProducers([s(1n, 0), s(2n, 501), s(3n, 1500)], 1500, 1000);
    expect(live.map((p) => p.producerId)).toEqual([2n, 3n]);
  });

  it("defaults to one day", () => {
    const day = 86_400_000;
    expect(expireProducers([s(1n, 0)], day - 1)).toHaveLength(1);
    expect(expireProducers([s(1n, 0)], day)).toHaveLength(0);
  });

  it("makes an expired producer unknown again, so any sequence is accepted", () => {
    const state = { ...stateAfter([[0, 5]]), lastAppendMs: 0 };
    const producers = new PartitionProducers(expireProducers([state], 10_000, 1000));
    expect(producers.check(batch(77, 1))).toEqual({ kind: "append" });
  });
});

describe("PartitionProducers", () => {
  it("applies batches one after another and lists states by producer id", () => {
    const p = new PartitionProducers([]);
    p.apply(batch(0, 2, 0, 9n), 0n, 1n, 5);
    p.apply(batch(0, 1, 0, 3n), 2n, 2n, 5);
    expect(p.check(batch(2, 1, 0, 9n))).toEqual({ kind: "append" });
    expect(p.check(batch(0, 2, 0, 9n))).toEqual({
      kind: "duplicate",
      baseOffset: 0n,
      lastOffset: 1n,
    });
    expect(p.toList().map((s) => s.producerId)).toEqual([3n, 9n]);
  });

  it("forks copy-on-write", () => {
    const base = [stateAfter([[0, 1]])];
    const p = new PartitionProducers(base);
    const f = p.fork();
    f.apply(batch(1, 1), 1n, 1n, 5);
    expect(p.get(PID)!.batches).toHaveLength(1);
    expect(f.get(PID)!.batches).toHaveLength(2);
    expect(base[0].batches).toHaveLength(1);
  });
});

describe("a producer retrying within its window (model)", () => {
  it("appends each batch once and answers retries with the original offsets", () => {
    // Events: -1 sends the next batch; k ≥ 0 retries the k-th most recent batch sent.
    const events = fc.array(fc.oneof(fc.constant(-1), fc.nat(8)), { maxLength: 60 });
    const sizes = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 60, maxLength: 60 });
    fc.assert(
      fc.property(events, sizes, fc.integer({ min: 0, max: MAX }), (evs, counts, startSeq) => {
        const p = new PartitionProducers([]);
        const sent: { seq: number; count: number; base: bigint; last: bigint }[] = [];
        let nextSeq = startSeq;
        let nextOffset = 0n;
        for (const e of evs) {
          if (e < 0 || e >= sent.length) {
            const count = counts[sent.length];
            const b = batch(nextSeq, count);
            expect(p.check(b)).toEqual({ kind: "append" });
            const last = nextOffset + BigInt(count - 1);
            p.apply(b, nextOffset, last, 0);
            sent.push({ seq: nextSeq, count, base: nextOffset, last });
            nextSeq = incrementSequence(nextSeq, count);
            nextOffset = last + 1n;
          } else {
            const s = sent[sent.length - 1 - e];
            const d = p.check(batch(s.seq, s.count));
            if (e < NUM_BATCHES_TO_RETAIN) {
              expect(d).toEqual({ kind: "duplicate", baseOffset: s.base, lastOffset: s.last });
            } else {
              expect(d).toMatchObject({ kind: "error", errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER });
            }
          }
        }
      }),
    );
  });
});
