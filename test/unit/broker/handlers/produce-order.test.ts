/**
 * Produce requests pipelined on one connection reach the log in the order they arrived, as
 * on a Kafka broker (which handles one request per connection at a time). Idempotent
 * producers depend on it: with five requests in flight, batch n+1 handed to the log before
 * batch n is accepted first when the producer is new to the partition, batch n then gets
 * OUT_OF_ORDER_SEQUENCE_NUMBER, and the Java client bumps its epoch and re-sends it — behind
 * its successor. A front whose topic lookups answer out of order (a cold cache after a
 * restart, two reads of the metadata store racing) must still keep them in line.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTopic } from "../../../../lib/client/admin.ts";
import { fetchOnce } from "../../../../lib/client/records-io.ts";
import { WireClient } from "../../../../lib/client/wire-client.ts";
import { type RunningFront, startFront } from "../../../../lib/front/node.ts";
import type {
  InitProducerIdResponse,
  ProduceResponse,
} from "../../../../lib/protocol/generated/index.ts";
import { buildRecordBatch } from "../../../../lib/protocol/records/index.ts";
import { FsObjectStore } from "../../../../lib/storage/fs/object-store.ts";
import type { MetadataStore } from "../../../../lib/storage/ports.ts";
import { SqliteMetadataStore } from "../../../../lib/storage/sqlite/metadata-store.ts";
import { tempDataDir } from "../../../helpers/floe-process.ts";

let front: RunningFront;
let client: WireClient;
/** getTopic answers take this long, in call order; later calls answer at once. */
const topicLookupDelaysMs: number[] = [];

beforeAll(async () => {
  const dir = tempDataDir();
  const sqlite = await SqliteMetadataStore.open({ path: `${dir}/floe.db` });
  const metadataStore = new Proxy(sqlite, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (name !== "getTopic") return typeof value === "function" ? value.bind(target) : value;
      return async (topic: string) => {
        const delayMs = topicLookupDelaysMs.shift() ?? 0;
        const record = await target.getTopic(topic);
        await new Promise((r) => setTimeout(r, delayMs));
        return record;
      };
    },
  }) as MetadataStore;
  front = await startFront({
    objectStore: new FsObjectStore({ rootDir: `${dir}/objects` }),
    metadataStore,
    // Every request reads the topic from the store: nothing is cached to hide the race.
    broker: { port: 0, metadataCacheMs: 0 },
    onClose: () => sqlite.close(),
  });
  client = await WireClient.connect("127.0.0.1", front.endpoint.port);
  await createTopic(client, "ordered", 1);
});

afterAll(async () => {
  client.close();
  await front.close();
});

describe("Produce requests pipelined on one connection", () => {
  it("are appended in arrival order even when their topic lookups finish in reverse", async () => {
    const init = await client.request<InitProducerIdResponse>(22, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    const producer = { producerId: init.producerId!, producerEpoch: init.producerEpoch! };
    const produce = async (values: string[], baseSequence: number) => {
      const records = await buildRecordBatch({
        records: values.map((v) => ({ key: null, value: Buffer.from(v) })),
        ...producer,
        baseSequence,
      });
      return client.request<ProduceResponse>(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: "ordered", partitionData: [{ index: 0, records }] }],
      });
    };
    // The first request's lookup is slow, the second's is not.
    topicLookupDelaysMs.push(200, 0);
    const [first, second] = await Promise.all([produce(["a", "b"], 0), produce(["c"], 2)]);
    const p1 = first.responses![0].partitionResponses![0];
    const p2 = second.responses![0].partitionResponses![0];
    expect([p1.errorCode, p2.errorCode]).toEqual([0, 0]);
    expect([p1.baseOffset, p2.baseOffset]).toEqual([0n, 2n]);
    const read = await fetchOnce(client, "ordered", 0, 0n, 0);
    expect(read.records.map((r) => r.value!.toString())).toEqual(["a", "b", "c"]);
  });
});
