/**
 * Hostile and broken input at the Kafka port: every case gets the right Kafka error or a closed
 * connection, the process keeps serving, other connections are unaffected, and nothing
 * acknowledged is lost.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTopic } from "../../lib/client/admin.ts";
import { fetchOnce, produceBatch } from "../../lib/client/records-io.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import { type RunningFront, startEmbeddedFront } from "../../lib/front/node.ts";
import type { ApiVersionsResponse, ProduceResponse } from "../../lib/protocol/generated/index.ts";
import { readApiVersionsResponse } from "../../lib/protocol/generated/index.ts";
import { Reader } from "../../lib/protocol/primitives/reader.ts";
import { buildRecordBatch } from "../../lib/protocol/records/index.ts";
import { tempDataDir } from "../helpers/floe-process.ts";

const MAX_REQUEST_BYTES = 64 * 1024;
let front: RunningFront;
let port: number;

beforeAll(async () => {
  front = await startEmbeddedFront({
    dataDir: tempDataDir(),
    broker: { port: 0, maxRequestBytes: MAX_REQUEST_BYTES },
  });
  port = front.endpoint.port;
  const c = await WireClient.connect("127.0.0.1", port);
  await createTopic(c, "good", 2);
  c.close();
});
afterAll(() => front.close());

/** Sends raw bytes; resolves with what came back before the broker closed (or 2 s passed). */
function exchange(bytes: Buffer, waitMs = 2000): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let closed = false;
    const timer = setTimeout(() => finish(), waitMs);
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed });
    };
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("close", () => {
      closed = true;
      finish();
    });
    socket.on("error", () => undefined);
    socket.write(bytes);
  });
}

function frame(apiKey: number, version: number, body: Buffer, correlationId = 7): Buffer {
  const clientId = Buffer.from("bad-input-test");
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const payload = Buffer.concat([header, clientId, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

async function stillServes(): Promise<void> {
  const c = await WireClient.connect("127.0.0.1", port);
  try {
    const offset = await produceBatch(c, "good", 0, [{ key: null, value: Buffer.from("alive") }]);
    const read = await fetchOnce(c, "good", 0, offset, 0);
    expect(read.records[0].value!.toString()).toBe("alive");
  } finally {
    c.close();
  }
}

describe("malformed frames", () => {
  it("closes a connection whose frame size exceeds maxRequestBytes", async () => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(MAX_REQUEST_BYTES + 1);
    const r = await exchange(size);
    expect(r.closed).toBe(true);
    expect(r.data.length).toBe(0);
    await stillServes();
  });

  it("closes a connection with a negative frame size", async () => {
    expect((await exchange(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).closed).toBe(true);
    await stillServes();
  });

  it("closes a connection for an unknown API key", async () => {
    expect((await exchange(frame(999, 0, Buffer.alloc(0)))).closed).toBe(true);
    await stillServes();
  });

  it("closes a connection for an unsupported version of a non-ApiVersions API", async () => {
    expect((await exchange(frame(3, 99, Buffer.alloc(0)))).closed).toBe(true);
  });

  it("answers an unsupported ApiVersions version in the v0 format with UNSUPPORTED_VERSION", async () => {
    const r = await exchange(frame(18, 99, Buffer.alloc(0), 42), 500);
    expect(r.data.readInt32BE(0)).toBe(r.data.length - 4);
    expect(r.data.readInt32BE(4)).toBe(42);
    const body = readApiVersionsResponse(new Reader(r.data, 8), 0) as ApiVersionsResponse;
    expect(body.errorCode).toBe(35);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
  });

  it("closes a connection whose body is truncated", async () => {
    // Metadata v1: topics array claims 3 entries, then nothing.
    expect((await exchange(frame(3, 1, Buffer.from([0, 0, 0, 3])))).closed).toBe(true);
    await stillServes();
  });

  it("closes a connection whose arrays claim 2^31-1 elements, without allocating them", async () => {
    // Produce v3: transactional id null, acks 1, timeout, topics array length int32 max.
    const body = Buffer.from([0xff, 0xff, 0, 1, 0, 0, 0x75, 0x30, 0x7f, 0xff, 0xff, 0xff]);
    expect((await exchange(frame(0, 3, body))).closed).toBe(true);
    await stillServes();
  });

  it("survives a burst of random garbage on many connections while a producer keeps working", async () => {
    const garbage = Array.from({ length: 50 }, (_, i) => {
      const b = Buffer.alloc(64 + i * 7);
      for (let j = 0; j < b.length; j++) b[j] = (j * 131 + i * 17) & 0xff;
      b.writeInt32BE(b.length - 4, 0);
      return exchange(b, 300);
    });
    const producer = (async () => {
      const c = await WireClient.connect("127.0.0.1", port);
      const offsets: bigint[] = [];
      for (let i = 0; i < 20; i++)
        offsets.push(
          await produceBatch(c, "good", 1, [{ key: null, value: Buffer.from(`r${i}`) }]),
        );
      c.close();
      return offsets;
    })();
    await Promise.all(garbage);
    const offsets = await producer;
    const c = await WireClient.connect("127.0.0.1", port);
    const read = await fetchOnce(c, "good", 1, offsets[0], 0);
    expect(read.records.map((r) => r.value!.toString())).toEqual(offsets.map((_, i) => `r${i}`));
    c.close();
  });
});

describe("corrupt record batches", () => {
  async function produceRaw(records: Buffer[]): Promise<ProduceResponse> {
    const c = await WireClient.connect("127.0.0.1", port);
    try {
      return await c.request<ProduceResponse>(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [
          { name: "good", partitionData: records.map((r, index) => ({ index, records: r })) },
        ],
      });
    } finally {
      c.close();
    }
  }

  it("rejects a bad CRC with CORRUPT_MESSAGE for that partition only", async () => {
    const bad = await buildRecordBatch({ records: [{ key: null, value: Buffer.from("x") }] });
    bad[bad.length - 1] ^= 0xff;
    const good = await buildRecordBatch({ records: [{ key: null, value: Buffer.from("y") }] });
    const res = await produceRaw([bad, good]);
    const [p0, p1] = res.responses![0].partitionResponses!;
    expect(p0.errorCode).toBe(2);
    expect(p1.errorCode).toBe(0);
  });

  it("rejects an unknown compression codec with UNSUPPORTED_COMPRESSION_TYPE or CORRUPT_MESSAGE", async () => {
    const batch = await buildRecordBatch({ records: [{ key: null, value: Buffer.from("x") }] });
    batch.writeInt16BE(batch.readInt16BE(21) | 0x07, 21);
    const res = await produceRaw([batch]);
    expect([2, 76]).toContain(res.responses![0].partitionResponses![0].errorCode);
  });

  it("rejects a batch whose length field disagrees with its bytes", async () => {
    const batch = await buildRecordBatch({ records: [{ key: null, value: Buffer.from("x") }] });
    const res = await produceRaw([batch.subarray(0, batch.length - 3)]);
    expect(res.responses![0].partitionResponses![0].errorCode).toBe(2);
  });
});
