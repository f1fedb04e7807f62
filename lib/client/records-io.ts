/** Producing and fetching records over the wire client (CLI and tests; not a full Kafka client). */
import type {
  FetchResponse,
  ListOffsetsResponse,
  ProduceResponse,
} from "../protocol/generated/index.ts";
import type { CodecId } from "../protocol/records/batch-header.ts";
import { batchesIn } from "../protocol/records/batch-header.ts";
import { buildRecordBatch, type DecodedRecord, decodeRecords } from "../protocol/records/index.ts";
import { KafkaError } from "./admin.ts";
import type { WireClient } from "./wire-client.ts";

export interface OutgoingRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: { key: string; value: Buffer | null }[];
  timestampMs?: bigint;
}

/** Produces one batch to one partition with acks=all; resolves with the base offset. */
export async function produceBatch(
  client: WireClient,
  topic: string,
  partition: number,
  records: OutgoingRecord[],
  codec: CodecId = 0,
): Promise<bigint> {
  const batch = await buildRecordBatch({ records, codec });
  const res = await client.request<ProduceResponse>(0, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
  const p = res.responses![0].partitionResponses![0];
  if (p.errorCode) throw new KafkaError(p.errorCode!, p.errorMessage ?? "produce failed");
  return p.baseOffset!;
}

/** Resolves the offset for −1 (latest), −2 (earliest) or a timestamp. */
export async function listOffset(
  client: WireClient,
  topic: string,
  partition: number,
  timestamp: bigint,
): Promise<bigint> {
  const res = await client.request<ListOffsetsResponse>(2, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [
      {
        name: topic,
        partitions: [
          { partitionIndex: partition, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 },
        ],
      },
    ],
    timeoutMs: 30000,
  });
  const p = res.topics![0].partitions![0];
  if (p.errorCode) throw new KafkaError(p.errorCode!, "list offsets failed");
  return p.offset!;
}

export interface FetchedRecords {
  records: DecodedRecord[];
  highWatermark: bigint;
  nextOffset: bigint;
}

/** One Fetch of one partition from `offset`; records before `offset` in the first batch are dropped. */
export async function fetchOnce(
  client: WireClient,
  topic: string,
  partition: number,
  offset: bigint,
  maxWaitMs = 500,
  maxBytes = 1 << 20,
): Promise<FetchedRecords> {
  const res = await client.request<FetchResponse>(1, 12, {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        topicId: "00000000-0000-0000-0000-000000000000",
        partitions: [
          {
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: offset,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: maxBytes,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: "",
  });
  const p = res.responses![0].partitions![0];
  if (p.errorCode) throw new KafkaError(p.errorCode!, "fetch failed");
  const bytes = (p.records ?? Buffer.alloc(0)) as Buffer;
  const records: DecodedRecord[] = [];
  let nextOffset = offset;
  for (const b of batchesIn(bytes)) {
    const batch = bytes.subarray(b.byteOffset, b.byteOffset + b.byteLength);
    for (const r of await decodeRecords(batch)) if (r.offset >= offset) records.push(r);
    nextOffset = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
  }
  return { records, highWatermark: p.highWatermark!, nextOffset };
}
