/**
 * Produce through the Kafka port: idempotent retries are answered with their original offsets
 * and stored once; sequence gaps and stale epochs are refused; acks=0 stores without answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTopic } from "../../../../lib/client/admin.ts";
import { fetchOnce, listOffset } from "../../../../lib/client/records-io.ts";
import { WireClient } from "../../../../lib/client/wire-client.ts";
import { type RunningFront, startEmbeddedFront } from "../../../../lib/front/node.ts";
import type {
  InitProducerIdResponse,
  ProduceResponse,
} from "../../../../lib/protocol/generated/index.ts";
import { buildRecordBatch } from "../../../../lib/protocol/records/index.ts";
import { tempDataDir } from "../../../helpers/floe-process.ts";

let front: RunningFront;
let client: WireClient;

beforeAll(async () => {
  front = await startEmbeddedFront({ dataDir: tempDataDir(), broker: { port: 0 } });
  client = await WireClient.connect("127.0.0.1", front.endpoint.port);
  await createTopic(client, "idem", 1);
});
afterAll(async () => {
  client.close();
  await front.close();
});

async function initProducer(): Promise<{ producerId: bigint; producerEpoch: number }> {
  const res = await client.request<InitProducerIdResponse>(22, 4, {
    transactionalId: null,
    transactionTimeoutMs: 60000,
    producerId: -1n,
    producerEpoch: -1,
  });
  expect(res.errorCode).toBe(0);
  return { producerId: res.producerId!, producerEpoch: res.producerEpoch! };
}

async function send(batch: Buffer, acks = -1): Promise<{ errorCode: number; baseOffset: bigint }> {
  const body = {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: "idem", partitionData: [{ index: 0, records: batch }] }],
  };
  const res = await client.request<ProduceResponse>(0, 9, body);
  const p = res.responses![0].partitionResponses![0];
  return { errorCode: p.errorCode!, baseOffset: p.baseOffset! };
}

function batchOf(
  values: string[],
  producer: { producerId: bigint; producerEpoch: number },
  baseSequence: number,
): Promise<Buffer> {
  return buildRecordBatch({
    records: values.map((v) => ({ key: null, value: Buffer.from(v) })),
    ...producer,
    baseSequence,
  });
}

describe("idempotent produce", () => {
  it("hands out distinct producer ids", async () => {
    const a = await initProducer();
    const b = await initProducer();
    expect(a.producerId).not.toBe(b.producerId);
  });

  it("answers a retried batch with its original offset and stores it once", async () => {
    const producer = await initProducer();
    const first = await batchOf(["a", "b", "c"], producer, 0);
    const original = await send(first);
    expect(original.errorCode).toBe(0);
    const second = await send(await batchOf(["d"], producer, 3));
    expect(second.baseOffset).toBe(original.baseOffset + 3n);

    const retry = await send(first);
    expect(retry).toEqual(original);
    const hwm = await listOffset(client, "idem", 0, -1n);
    expect(hwm).toBe(original.baseOffset + 4n);
    const read = await fetchOnce(client, "idem", 0, original.baseOffset, 0);
    expect(read.records.map((r) => r.value!.toString())).toEqual(["a", "b", "c", "d"]);
  });

  it("refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER", async () => {
    const producer = await initProducer();
    expect((await send(await batchOf(["x"], producer, 0))).errorCode).toBe(0);
    expect((await send(await batchOf(["y"], producer, 5))).errorCode).toBe(45);
  });

  it("refuses an older epoch with INVALID_PRODUCER_EPOCH", async () => {
    const producer = await initProducer();
    expect((await send(await batchOf(["x"], { ...producer, producerEpoch: 1 }, 0))).errorCode).toBe(
      0,
    );
    expect((await send(await batchOf(["y"], { ...producer, producerEpoch: 0 }, 1))).errorCode).toBe(
      47,
    );
  });
});

describe("acks", () => {
  it("stores acks=0 records without sending a response, keeping later responses in order", async () => {
    const before = await listOffset(client, "idem", 0, -1n);
    const batch = await buildRecordBatch({
      records: [{ key: null, value: Buffer.from("fire-and-forget") }],
    });
    client.send(0, 9, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 5000,
      topicData: [{ name: "idem", partitionData: [{ index: 0, records: batch }] }],
    });
    const next = await send(
      await buildRecordBatch({ records: [{ key: null, value: Buffer.from("acked") }] }),
      1,
    );
    expect(next.baseOffset).toBe(before + 1n);
    const read = await fetchOnce(client, "idem", 0, before, 0);
    expect(read.records.map((r) => r.value!.toString())).toEqual(["fire-and-forget", "acked"]);
  });

  it("refuses acks outside -1, 0, 1 with INVALID_REQUIRED_ACKS", async () => {
    const batch = await buildRecordBatch({ records: [{ key: null, value: Buffer.from("z") }] });
    expect((await send(batch, 2)).errorCode).toBe(21);
  });
});
