/**
 * Shared fixtures for the log engine tests: real batches (buildRecordBatch), the real embedded
 * adapters (FsObjectStore over a temp directory, SqliteMetadataStore), and thin ObjectStore /
 * MetadataStore wrappers that inject faults and delays around the real adapters.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BatchView, batchesIn } from "../../../../lib/protocol/records/batch-header.ts";
import { buildRecordBatch } from "../../../../lib/protocol/records/build.ts";
import { StorageUnavailableError } from "../../../../lib/storage/errors.ts";
import { FsObjectStore } from "../../../../lib/storage/fs/object-store.ts";
import type {
  CommitOutcome,
  MetadataStore,
  ObjectInfo,
  ObjectStore,
  PartitionCommit,
  PartitionKey,
} from "../../../../lib/storage/ports.ts";
import { SqliteMetadataStore } from "../../../../lib/storage/sqlite/metadata-store.ts";

export interface BatchSpec {
  /** Record values; their count is the batch's record count. */
  values: string[];
  /** One per record; defaults to 1000, 1001, … */
  timestampsMs?: bigint[];
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

export async function batch(spec: BatchSpec): Promise<Buffer> {
  const idempotent = spec.producerId !== undefined && spec.producerId >= 0n;
  return buildRecordBatch({
    records: spec.values.map((v, i) => ({
      key: null,
      value: Buffer.from(v),
      timestampMs: spec.timestampsMs?.[i] ?? 1000n + BigInt(i),
    })),
    producerId: spec.producerId ?? -1n,
    producerEpoch: idempotent ? (spec.producerEpoch ?? 0) : -1,
    baseSequence: idempotent ? (spec.baseSequence ?? 0) : -1,
  });
}

/** Values v-0 … v-(n-1) with a prefix. */
export function values(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
}

/** A produce request's Records field: the batches back to back, and their views. */
export interface ProduceRecords {
  records: Buffer;
  batches: BatchView[];
}

export function request(...batches: Buffer[]): ProduceRecords {
  const records = Buffer.concat(batches);
  return { records, batches: [...batchesIn(records)] };
}

export function newKey(partition = 0): PartitionKey {
  return { topicId: randomUUID(), partition };
}

export interface Stores {
  dir: string;
  dbPath: string;
  objectStore: FsObjectStore;
  metadataStore: SqliteMetadataStore;
  /** Another pair of adapter instances over the same directory and database file. */
  openSecond(): Promise<{ objectStore: FsObjectStore; metadataStore: SqliteMetadataStore }>;
  cleanup(): Promise<void>;
}

export async function openStores(): Promise<Stores> {
  const dir = await mkdtemp(join(tmpdir(), "floe-log-"));
  const dbPath = join(dir, "meta.sqlite");
  const objectStore = new FsObjectStore({ rootDir: join(dir, "objects") });
  const metadataStore = await SqliteMetadataStore.open({ path: dbPath });
  const extra: SqliteMetadataStore[] = [];
  return {
    dir,
    dbPath,
    objectStore,
    metadataStore,
    async openSecond() {
      const m = await SqliteMetadataStore.open({ path: dbPath });
      extra.push(m);
      return {
        objectStore: new FsObjectStore({ rootDir: join(dir, "objects") }),
        metadataStore: m,
      };
    },
    async cleanup() {
      await metadataStore.close();
      for (const m of extra) await m.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function listKeys(store: ObjectStore, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out;
}

/** Wraps a real ObjectStore to fail or delay puts and count calls. */
export class FaultyObjectStore implements ObjectStore {
  readonly inner: ObjectStore;
  /** The next `failPuts` putNew calls throw StorageUnavailableError without writing. */
  failPuts = 0;
  /** Runs before each putNew (e.g. a gate or a random delay). */
  beforePut: (() => Promise<void>) | undefined;
  /** Runs before each getRange. */
  beforeGet: (() => Promise<void>) | undefined;
  puts = 0;
  rangeGets = 0;
  getsInFlight = 0;
  maxGetsInFlight = 0;
  putsInFlight = 0;
  maxPutsInFlight = 0;

  constructor(inner: ObjectStore) {
    this.inner = inner;
  }

  async putNew(key: string, body: Buffer | readonly Buffer[]): Promise<void> {
    this.putsInFlight++;
    this.maxPutsInFlight = Math.max(this.maxPutsInFlight, this.putsInFlight);
    try {
      if (this.beforePut) await this.beforePut();
      if (this.failPuts > 0) {
        this.failPuts--;
        throw new StorageUnavailableError(`injected put failure for ${key}`);
      }
      this.puts++;
      await this.inner.putNew(key, body);
    } finally {
      this.putsInFlight--;
    }
  }
  async getRange(key: string, startByte: number, lengthBytes: number): Promise<Buffer> {
    this.rangeGets++;
    this.getsInFlight++;
    this.maxGetsInFlight = Math.max(this.maxGetsInFlight, this.getsInFlight);
    try {
      if (this.beforeGet) await this.beforeGet();
      return await this.inner.getRange(key, startByte, lengthBytes);
    } finally {
      this.getsInFlight--;
    }
  }
  get(key: string): Promise<Buffer> {
    return this.inner.get(key);
  }
  list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, startAfter);
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.inner.deleteMany(keys);
  }
}

/**
 * Wraps a real MetadataStore to fail or delay commits. Every other method is forwarded as is (a
 * Proxy, so the wrapper follows the port as it grows).
 */
export function faultyMetadataStore(
  inner: MetadataStore,
  beforeCommit?: () => Promise<void>,
): MetadataStore & { failCommits: number } {
  const state = { failCommits: 0 };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "failCommits") return state.failCommits;
      if (prop === "commitPartitions") {
        return async (commits: readonly PartitionCommit[]): Promise<CommitOutcome[]> => {
          if (beforeCommit) await beforeCommit();
          if (state.failCommits > 0) {
            state.failCommits--;
            throw new StorageUnavailableError("injected commit failure");
          }
          return target.commitPartitions(commits);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
    set(_target, prop, value) {
      if (prop === "failCommits") {
        state.failCommits = value;
        return true;
      }
      return false;
    },
  }) as MetadataStore & { failCommits: number };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Base offsets of the batches in fetched buffers, in order. */
export function baseOffsetsOf(buffers: readonly Buffer[]): bigint[] {
  const out: bigint[] = [];
  for (const b of buffers) for (const v of batchesIn(b)) out.push(v.header.baseOffset);
  return out;
}
