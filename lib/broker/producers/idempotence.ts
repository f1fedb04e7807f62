/**
 * Idempotent-producer checks (KIP-98), as pure functions over one partition's producer state.
 *
 * Mirrors Apache Kafka's ProducerAppendInfo.checkProducerEpoch/checkSequence and
 * ProducerStateEntry.findDuplicateBatch (client-origin appends, data batches):
 *
 *  1. producerId < 0: not idempotent, always appended.
 *  2. A producer with no state may start at any sequence (Kafka accepts an unknown producer
 *     anywhere, e.g. after its state expired or its records were deleted).
 *  3. Same epoch and the exact (firstSeq, lastSeq) of one of the retained batches → duplicate,
 *     answered with the original offsets and not appended again.
 *  4. An older epoch → INVALID_PRODUCER_EPOCH (47).
 *  5. A newer epoch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER (45).
 *  6. Same epoch: the first sequence must follow the last retained one (int32 wrap to 0), else 45.
 *     Kafka no longer answers DUPLICATE_SEQUENCE_NUMBER (KIP-192); neither does Floe.
 *
 * Appending keeps the last NUM_BATCHES_TO_RETAIN batches, oldest first; a new epoch clears them.
 * Floe differs from Kafka in one place: expiry is judged on `lastAppendMs`, the wall-clock time
 * of the last append, where Kafka uses the batch's max record timestamp (which a producer
 * controls and may set far in the past).
 */
import type { ProducerBatchRecord, ProducerPartitionState } from "../../storage/ports.ts";

export const NUM_BATCHES_TO_RETAIN = 5;
/** Kafka's producer.id.expiration.ms default: one day. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
const INT32_MAX = 0x7fffffff;

export const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
export const INVALID_PRODUCER_EPOCH = 47;

/** The producer fields of one record batch header. */
export interface ProducerBatchInfo {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
}

export type IdempotenceDecision =
  | { kind: "append" }
  | { kind: "duplicate"; baseOffset: bigint; lastOffset: bigint }
  | { kind: "error"; errorCode: number; errorMessage: string };

const APPEND: IdempotenceDecision = Object.freeze({ kind: "append" });

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from int32 max to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

/** The sequence of the batch's last record. */
export function lastSequenceOf(batch: ProducerBatchInfo): number {
  return incrementSequence(batch.baseSequence, batch.lastOffsetDelta);
}

export function isIdempotent(batch: ProducerBatchInfo): boolean {
  return batch.producerId > NO_PRODUCER_ID;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/**
 * Decides what to do with one batch given its producer's current state on the partition
 * (undefined when the partition has none for this producer id).
 */
export function checkBatch(
  state: ProducerPartitionState | undefined,
  batch: ProducerBatchInfo,
): IdempotenceDecision {
  if (!isIdempotent(batch) || state === undefined) return APPEND;
  const firstSeq = batch.baseSequence;
  const lastSeq = lastSequenceOf(batch);

  if (batch.producerEpoch === state.producerEpoch) {
    const dup = state.batches.find(
      (b) => b.firstSequence === firstSeq && b.lastSequence === lastSeq,
    );
    if (dup) return { kind: "duplicate", baseOffset: dup.baseOffset, lastOffset: dup.lastOffset };
  }
  if (batch.producerEpoch < state.producerEpoch) {
    return {
      kind: "error",
      errorCode: INVALID_PRODUCER_EPOCH,
      errorMessage: `epoch ${batch.producerEpoch} of producer ${batch.producerId} is older than the last seen epoch ${state.producerEpoch}`,
    };
  }
  if (batch.producerEpoch !== state.producerEpoch) {
    if (firstSeq !== 0 && state.producerEpoch !== NO_PRODUCER_EPOCH) {
      return {
        kind: "error",
        errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
        errorMessage: `new epoch ${batch.producerEpoch} of producer ${batch.producerId} starts at sequence ${firstSeq}, not 0`,
      };
    }
    return APPEND;
  }
  if (state.producerEpoch === NO_PRODUCER_EPOCH) return APPEND;
  const currentLastSeq = lastRetainedSequence(state);
  if (!inSequence(currentLastSeq, firstSeq)) {
    return {
      kind: "error",
      errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER,
      errorMessage: `out of order sequence for producer ${batch.producerId}: got ${firstSeq}, expected ${incrementSequence(currentLastSeq, 1)}`,
    };
  }
  return APPEND;
}

/** The last sequence written in the current epoch, or NO_SEQUENCE when none is retained. */
export function lastRetainedSequence(state: ProducerPartitionState): number {
  const last = state.batches.at(-1);
  return last === undefined ? NO_SEQUENCE : last.lastSequence;
}

/**
 * The state after appending `batch` at [baseOffset, lastOffset]. Returns a new object; the
 * input is not modified. Non-idempotent batches leave the state as it was.
 */
export function applyBatch(
  state: ProducerPartitionState | undefined,
  batch: ProducerBatchInfo,
  baseOffset: bigint,
  lastOffset: bigint,
  nowMs: number,
): ProducerPartitionState | undefined {
  if (!isIdempotent(batch)) return state;
  const record: ProducerBatchRecord = {
    firstSequence: batch.baseSequence,
    lastSequence: lastSequenceOf(batch),
    baseOffset,
    lastOffset,
  };
  const sameEpoch = state !== undefined && state.producerEpoch === batch.producerEpoch;
  const kept = sameEpoch ? state.batches.slice(-(NUM_BATCHES_TO_RETAIN - 1)) : [];
  return {
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    batches: [...kept, record],
    lastAppendMs: nowMs,
  };
}

/** Producers idle for at least `expirationMs` are forgotten (Kafka: producer.id.expiration.ms). */
export function isExpired(
  state: ProducerPartitionState,
  nowMs: number,
  expirationMs: number,
): boolean {
  return nowMs - state.lastAppendMs >= expirationMs;
}

export function expireProducers(
  states: readonly ProducerPartitionState[],
  nowMs: number,
  expirationMs: number = DEFAULT_PRODUCER_ID_EXPIRATION_MS,
): ProducerPartitionState[] {
  return states.filter((s) => !isExpired(s, nowMs, expirationMs));
}

/**
 * The producer states of one partition while a commit is being planned: check and apply
 * batches one after the other, then `toList()` for the new head. Copy-on-write: the list it was
 * built from is never modified, so a plan can be thrown away when its commit loses a race.
 * Build it from `expireProducers(head.producers, …)` so idle producers are judged as unknown.
 */
export class PartitionProducers {
  private readonly byId: Map<bigint, ProducerPartitionState>;

  constructor(states: readonly ProducerPartitionState[]) {
    this.byId = new Map(states.map((s) => [s.producerId, s]));
  }

  get(producerId: bigint): ProducerPartitionState | undefined {
    return this.byId.get(producerId);
  }

  check(batch: ProducerBatchInfo): IdempotenceDecision {
    return checkBatch(this.byId.get(batch.producerId), batch);
  }

  apply(batch: ProducerBatchInfo, baseOffset: bigint, lastOffset: bigint, nowMs: number): void {
    if (!isIdempotent(batch)) return;
    const next = applyBatch(this.byId.get(batch.producerId), batch, baseOffset, lastOffset, nowMs);
    if (next) this.byId.set(batch.producerId, next);
  }

  /** A copy that can be changed without affecting this one (to try a multi-batch request). */
  fork(): PartitionProducers {
    return new PartitionProducers([...this.byId.values()]);
  }

  /** The states in ascending producer id order, so equal states serialize equally. */
  toList(): ProducerPartitionState[] {
    return [...this.byId.values()].sort((a, b) =>
      a.producerId < b.producerId ? -1 : a.producerId > b.producerId ? 1 : 0,
    );
  }
}
