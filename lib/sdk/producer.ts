/**
 * FloeProducer: records in, offsets out, over POST /v1/topics/{topic}/records.
 *
 * Batching: records wait per topic until `lingerMs` has passed since the first of them or
 * `maxBatchBytes` / `maxBatchRecords` is reached, then go as one request (one record batch per
 * partition on the server, one segment flush). One request per topic is in flight at a time:
 * records queue behind it and form the next batch, so a busy producer batches by itself.
 *
 * Partitioning is client side, with Kafka's default partitioner (lib/client/partitioner.ts:
 * murmur2 of the key, so a key lands where a Java producer puts it) and a sticky partition for
 * key-less records that moves on with every request (KIP-480). The client must know each
 * record's partition because idempotence needs a sequence number per partition.
 *
 * Idempotence (default on): a producer id from POST /v1/producers, and per partition the next
 * sequence number, sent as `baseSequences`. Retries (503, network errors: ./transport.ts)
 * resend the identical body, and the server answers a duplicate inside Kafka's five-batch window
 * with its original offsets, so a retry never writes twice. After a failed batch the producer
 * takes a new producer id (Kafka resets its idempotent state after a fatal error too), so
 * sequence gaps left by the failure never block later batches.
 */
import { partitionForKey } from "../client/partitioner.ts";
import { FloeHttpError } from "./errors.ts";
import { PRODUCER_SCHEMA, sdkConfig } from "./options.ts";
import { FloeTransport, type TransportOptions } from "./transport.ts";

export interface ProducerRecord {
  topic: string;
  /** In keyEncoding; decides the partition unless `partition` is set. */
  key?: string | null;
  /** In valueEncoding (json: any JSON value). */
  value: unknown;
  headers?: { key: string; value?: string | null }[];
  partition?: number;
  timestampMs?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: bigint;
}

export interface FloeProducerOptions extends TransportOptions {
  lingerMs?: number;
  maxBatchBytes?: number;
  maxBatchRecords?: number;
  /** Default true: retries never duplicate. */
  idempotent?: boolean;
  valueEncoding?: "json" | "string" | "base64";
  keyEncoding?: "string" | "base64";
}

/** Sequence numbers are int32 on the wire: a producer id is replaced before they would wrap. */
const MAX_SEQUENCE = 2 ** 31 - 1;

interface Pending {
  /** partition is null for a key-less record until its batch picks the sticky partition. */
  record: Record<string, unknown> & { partition: number | null };
  bytes: number;
  resolve(m: RecordMetadata): void;
  reject(err: unknown): void;
}

interface TopicQueue {
  topic: string;
  partitionCount: Promise<number>;
  /** Known once partitionCount resolves. */
  count: number;
  /** The partition of the next batch's key-less records (KIP-480), moved on per batch. */
  sticky: number;
  pending: Pending[];
  pendingBytes: number;
  inFlight: boolean;
  timer: NodeJS.Timeout | undefined;
}

interface Idempotence {
  producerId: number;
  producerEpoch: number;
  /** Next sequence by partition key `${topic}/${partition}`. */
  sequences: Map<string, number>;
}

type ProduceAnswer = {
  offsets: (
    | { partition: number; offset: number }
    | { partition: number; error: { code: string; message: string } }
  )[];
};

export class FloeProducer {
  private readonly transport: FloeTransport;
  private readonly config: ReturnType<typeof sdkConfig<typeof PRODUCER_SCHEMA>>;
  private readonly idempotent: boolean;
  private readonly valueEncoding: string;
  private readonly keyEncoding: string;
  private readonly queues = new Map<string, TopicQueue>();
  private readonly outstanding = new Set<Promise<unknown>>();
  private idempotence: Promise<Idempotence> | undefined;
  private closed = false;
  private flushing = 0;

  constructor(options: FloeProducerOptions) {
    this.transport = new FloeTransport(options);
    this.config = sdkConfig("producer", PRODUCER_SCHEMA, options);
    this.idempotent = options.idempotent ?? true;
    this.valueEncoding = options.valueEncoding ?? "json";
    this.keyEncoding = options.keyEncoding ?? "string";
  }

  /** Resolves once the record is committed (acks=all), with its partition and offset. */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(new Error("FloeProducer is closed"));
    const queue = this.queue(record.topic);
    const sent = queue.partitionCount.then(
      (count) =>
        new Promise<RecordMetadata>((resolve, reject) => {
          queue.count = count;
          const partition = this.partitionOf(record, count);
          const wire = {
            value: record.value,
            partition,
            ...(record.key !== undefined ? { key: record.key } : {}),
            ...(record.headers ? { headers: record.headers } : {}),
            ...(record.timestampMs !== undefined ? { timestampMs: record.timestampMs } : {}),
          };
          const bytes = JSON.stringify(wire).length + 1;
          queue.pending.push({ record: wire, bytes, resolve, reject });
          queue.pendingBytes += bytes;
          this.schedule(queue);
        }),
    );
    this.outstanding.add(sent);
    const forget = () => this.outstanding.delete(sent);
    sent.then(forget, forget);
    return sent;
  }

  /** Sends everything queued now (no linger) and waits for every record sent so far. */
  async flush(): Promise<void> {
    // While flushing, records go without linger, including those still waiting for their
    // topic's partition count.
    this.flushing++;
    try {
      for (const q of this.queues.values()) this.sendNow(q);
      await Promise.allSettled([...this.outstanding]);
    } finally {
      this.flushing--;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private queue(topic: string): TopicQueue {
    let q = this.queues.get(topic);
    if (!q) {
      const described = this.transport
        .call<{ partitionCount: number }>("GET", `/v1/topics/${encodeURIComponent(topic)}`)
        .then((t) => t.partitionCount);
      q = {
        topic,
        partitionCount: described,
        count: 0,
        sticky: -1,
        pending: [],
        pendingBytes: 0,
        inFlight: false,
        timer: undefined,
      };
      const created = q;
      // A failed lookup is not cached: the next send asks again.
      described.catch(() => {
        if (this.queues.get(topic) === created) this.queues.delete(topic);
      });
      this.queues.set(topic, q);
    }
    return q;
  }

  private partitionOf(record: ProducerRecord, count: number): number | null {
    if (record.partition !== undefined) return record.partition;
    if (record.key === undefined || record.key === null) return null;
    const bytes = Buffer.from(record.key, this.keyEncoding === "base64" ? "base64" : "utf8");
    return partitionForKey(bytes, count);
  }

  private schedule(q: TopicQueue): void {
    if (q.inFlight) return;
    const full =
      q.pendingBytes >= this.config.maxBatchBytes ||
      q.pending.length >= this.config.maxBatchRecords;
    if (full || this.config.lingerMs === 0 || this.flushing > 0) this.sendNow(q);
    else q.timer ??= setTimeout(() => this.sendNow(q), this.config.lingerMs);
  }

  private sendNow(q: TopicQueue): void {
    if (q.timer) clearTimeout(q.timer);
    q.timer = undefined;
    if (q.inFlight || q.pending.length === 0) return;
    q.inFlight = true;
    const batch = this.takeBatch(q);
    if (q.sticky < 0) q.sticky = Math.floor(Math.random() * q.count);
    const sticky = q.sticky++ % q.count;
    for (const p of batch) p.record.partition ??= sticky;
    void this.sendBatch(q.topic, batch).finally(() => {
      q.inFlight = false;
      // Records that queued meanwhile waited at least one round trip: send them at once.
      if (q.pending.length > 0) this.sendNow(q);
    });
  }

  private takeBatch(q: TopicQueue): Pending[] {
    let bytes = 0;
    let n = 0;
    while (
      n < q.pending.length &&
      n < this.config.maxBatchRecords &&
      (n === 0 || bytes + q.pending[n].bytes <= this.config.maxBatchBytes)
    ) {
      bytes += q.pending[n].bytes;
      n++;
    }
    q.pendingBytes -= bytes;
    return q.pending.splice(0, n);
  }

  private async sendBatch(topic: string, batch: Pending[]): Promise<void> {
    try {
      const body: Record<string, unknown> = {
        records: batch.map((p) => p.record),
        valueEncoding: this.valueEncoding,
        keyEncoding: this.keyEncoding,
      };
      if (this.idempotent) Object.assign(body, await this.sequencesFor(topic, batch));
      const answer = await this.transport.call<ProduceAnswer>(
        "POST",
        `/v1/topics/${encodeURIComponent(topic)}/records`,
        { body },
      );
      let failed = false;
      answer.offsets.forEach((r, i) => {
        if ("offset" in r) {
          batch[i].resolve({ topic, partition: r.partition, offset: BigInt(r.offset) });
        } else {
          failed = true;
          batch[i].reject(new FloeHttpError(207, r.error.code, r.error.message));
        }
      });
      if (failed) this.idempotence = undefined;
    } catch (err) {
      this.idempotence = undefined;
      for (const p of batch) p.reject(err);
    }
  }

  /** Reserves the batch's sequence numbers: producerId, producerEpoch and baseSequences. */
  private async sequencesFor(topic: string, batch: Pending[]): Promise<Record<string, unknown>> {
    const counts = new Map<number, number>();
    for (const { record } of batch) {
      const partition = record.partition as number;
      counts.set(partition, (counts.get(partition) ?? 0) + 1);
    }
    let state = await this.producerState();
    const wraps = [...counts].some(
      ([p, n]) => (state.sequences.get(`${topic}/${p}`) ?? 0) + n > MAX_SEQUENCE,
    );
    if (wraps) {
      this.idempotence = undefined;
      state = await this.producerState();
    }
    const baseSequences: Record<string, number> = {};
    for (const [partition, n] of counts) {
      const key = `${topic}/${partition}`;
      const base = state.sequences.get(key) ?? 0;
      baseSequences[String(partition)] = base;
      state.sequences.set(key, base + n);
    }
    return { producerId: state.producerId, producerEpoch: state.producerEpoch, baseSequences };
  }

  private producerState(): Promise<Idempotence> {
    if (!this.idempotence) {
      const init = this.transport
        .call<{ producerId: number; producerEpoch: number }>("POST", "/v1/producers")
        .then((p) => ({ ...p, sequences: new Map<string, number>() }));
      init.catch(() => {
        if (this.idempotence === init) this.idempotence = undefined;
      });
      this.idempotence = init;
    }
    return this.idempotence;
  }
}
