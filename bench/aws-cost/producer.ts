/**
 * What a Kafka producer hands the log engine, built in-process for the cost benchmark: record
 * batches v2 of `recordsPerBatch` records with `recordBytes`-byte values and no key, from one
 * idempotent producer (the Java client's default with acks=all), with per-partition sequence
 * numbers, exactly as Produce would pass them to LogService.append after validation.
 */
import { randomBytes } from "node:crypto";
import { type BatchView, batchesIn } from "../../lib/protocol/records/batch-header.ts";
import { buildRecordBatch } from "../../lib/protocol/records/build.ts";
import type { PartitionKey } from "../../lib/storage/ports.ts";

export interface ProducedBatch {
  records: Buffer;
  batches: BatchView[];
}

export class IdempotentProducer {
  private readonly producerId: bigint;
  private readonly sequences = new Map<string, number>();
  private readonly value: Buffer;
  private readonly recordsPerBatch: number;

  constructor(options: { producerId: bigint; recordBytes: number; recordsPerBatch: number }) {
    this.producerId = options.producerId;
    this.recordsPerBatch = options.recordsPerBatch;
    // Random bytes: what the log stores does not depend on them (no compression), but a
    // realistic payload costs nothing.
    this.value = randomBytes(options.recordBytes);
  }

  /** The next batch for a partition (its sequence advances by the batch's record count). */
  async next(key: PartitionKey): Promise<ProducedBatch> {
    const pk = `${key.topicId}#${key.partition}`;
    const baseSequence = this.sequences.get(pk) ?? 0;
    this.sequences.set(pk, baseSequence + this.recordsPerBatch);
    const nowMs = BigInt(Date.now());
    const records = await buildRecordBatch({
      records: Array.from({ length: this.recordsPerBatch }, () => ({
        key: null,
        value: this.value,
        timestampMs: nowMs,
      })),
      producerId: this.producerId,
      producerEpoch: 0,
      baseSequence,
    });
    return { records, batches: [...batchesIn(records)] };
  }
}
