/**
 * Row ⇄ record codecs for the SQLite metadata store. The connection reads every INTEGER as
 * bigint (so offsets above 2^53 survive); counters, sizes and timestamps become numbers here.
 */
import type {
  ChunkEntry,
  PartitionHead,
  PartitionKey,
  ProducerPartitionState,
  TopicRecord,
} from "../ports.ts";

export type Row = Record<string, unknown>;

export function implicitHead(key: PartitionKey): PartitionHead {
  return {
    topicId: key.topicId,
    partition: key.partition,
    nextOffset: 0n,
    logStartOffset: 0n,
    maxTimestampMs: -1,
    version: 0,
    producers: [],
  };
}

export function topicFromRow(row: Row): TopicRecord {
  return {
    name: row.name as string,
    topicId: row.topic_id as string,
    partitionCount: Number(row.partition_count),
    configs: JSON.parse(row.configs as string) as Record<string, string>,
    createdAtMs: Number(row.created_at_ms),
    version: Number(row.version),
  };
}

export function topicParams(topic: TopicRecord) {
  return {
    name: topic.name,
    topic_id: topic.topicId,
    partition_count: topic.partitionCount,
    configs: JSON.stringify(topic.configs),
    created_at_ms: topic.createdAtMs,
    version: topic.version,
  };
}

export function headFromRow(row: Row): PartitionHead {
  return {
    topicId: row.topic_id as string,
    partition: Number(row.partition),
    nextOffset: row.next_offset as bigint,
    logStartOffset: row.log_start_offset as bigint,
    maxTimestampMs: Number(row.max_timestamp_ms),
    version: Number(row.version),
    producers: decodeProducers(row.producers as string),
  };
}

export function headParams(head: PartitionHead) {
  return {
    topic_id: head.topicId,
    partition: head.partition,
    next_offset: head.nextOffset,
    log_start_offset: head.logStartOffset,
    max_timestamp_ms: head.maxTimestampMs,
    version: head.version,
    producers: encodeProducers(head.producers),
  };
}

export function chunkFromRow(row: Row): ChunkEntry {
  return {
    topicId: row.topic_id as string,
    partition: Number(row.partition),
    baseOffset: row.base_offset as bigint,
    lastOffset: row.last_offset as bigint,
    segmentKey: row.segment_key as string,
    byteStart: Number(row.byte_start),
    byteLength: Number(row.byte_length),
    batchCount: Number(row.batch_count),
    maxTimestampMs: Number(row.max_timestamp_ms),
    runningMaxTimestampMs: Number(row.running_max_timestamp_ms),
  };
}

export function chunkParams(chunk: ChunkEntry) {
  return {
    topic_id: chunk.topicId,
    partition: chunk.partition,
    base_offset: chunk.baseOffset,
    last_offset: chunk.lastOffset,
    segment_key: chunk.segmentKey,
    byte_start: chunk.byteStart,
    byte_length: chunk.byteLength,
    batch_count: chunk.batchCount,
    max_timestamp_ms: chunk.maxTimestampMs,
    running_max_timestamp_ms: chunk.runningMaxTimestampMs,
  };
}

interface StoredProducer {
  producerId: string;
  producerEpoch: number;
  lastAppendMs: number;
  batches: {
    firstSequence: number;
    lastSequence: number;
    baseOffset: string;
    lastOffset: string;
  }[];
}

export function encodeProducers(producers: readonly ProducerPartitionState[]): string {
  const stored: StoredProducer[] = producers.map((p) => ({
    producerId: p.producerId.toString(),
    producerEpoch: p.producerEpoch,
    lastAppendMs: p.lastAppendMs,
    batches: p.batches.map((b) => ({
      firstSequence: b.firstSequence,
      lastSequence: b.lastSequence,
      baseOffset: b.baseOffset.toString(),
      lastOffset: b.lastOffset.toString(),
    })),
  }));
  return JSON.stringify(stored);
}

export function decodeProducers(json: string): ProducerPartitionState[] {
  return (JSON.parse(json) as StoredProducer[]).map((p) => ({
    producerId: BigInt(p.producerId),
    producerEpoch: p.producerEpoch,
    batches: p.batches.map((b) => ({
      firstSequence: b.firstSequence,
      lastSequence: b.lastSequence,
      baseOffset: BigInt(b.baseOffset),
      lastOffset: BigInt(b.lastOffset),
    })),
    lastAppendMs: p.lastAppendMs,
  }));
}
