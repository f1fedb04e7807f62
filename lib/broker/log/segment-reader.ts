/**
 * Reads committed chunks through a byte-bounded LRU cache. A chunk enters the cache with every
 * batch's BaseOffset rewritten to its assigned offset (bytes 0–7, outside the CRC), so fetch
 * serves subarrays of cached buffers without copying again. Cached buffers are never mutated
 * after they are inserted: readers may hold subarrays of them long after eviction.
 *
 * Concurrent misses for one chunk share one ranged GET.
 */
import { batchesIn, writeBaseOffset } from "../../protocol/records/batch-header.ts";
import type { ChunkEntry, ObjectStore } from "../../storage/ports.ts";
import { LogMetrics } from "./metrics.ts";

export class ChunkCorruptError extends Error {
  override readonly name = "ChunkCorruptError";
}

export interface SegmentReaderDeps {
  objectStore: ObjectStore;
  cacheBytes: number;
  metrics?: LogMetrics;
}

function cacheKey(entry: ChunkEntry): string {
  return `${entry.segmentKey}\u0000${entry.byteStart}`;
}

/**
 * Rewrites the BaseOffset of each batch in `buf` (exactly the bytes of `entry`) so the batches
 * carry offsets from entry.baseOffset on. Checks the batches against the entry.
 */
export function assignOffsets(buf: Buffer, entry: ChunkEntry): void {
  let next = entry.baseOffset;
  let count = 0;
  for (const v of batchesIn(buf)) {
    writeBaseOffset(buf, v.byteOffset, next);
    next += BigInt(v.header.lastOffsetDelta) + 1n;
    count++;
  }
  if (count !== entry.batchCount || next - 1n !== entry.lastOffset) {
    throw new ChunkCorruptError(
      `chunk ${entry.segmentKey}@${entry.byteStart} holds ${count} batches ending at offset ${next - 1n}, index says ${entry.batchCount} ending at ${entry.lastOffset}`,
    );
  }
}

export class SegmentReader {
  readonly metrics: LogMetrics;
  private readonly objectStore: ObjectStore;
  private readonly cacheBytes: number;
  /** Insertion order = recency order (a hit moves the entry to the end). */
  private readonly cache = new Map<string, Buffer>();
  private cachedBytes = 0;
  private readonly loading = new Map<string, Promise<Buffer>>();

  constructor(deps: SegmentReaderDeps) {
    this.objectStore = deps.objectStore;
    this.cacheBytes = deps.cacheBytes;
    this.metrics = deps.metrics ?? new LogMetrics();
  }

  /** Bytes currently held by the cache. */
  get sizeBytes(): number {
    return this.cachedBytes;
  }

  /** The chunk's batches with their offsets assigned. Callers must not modify the buffer. */
  async read(entry: ChunkEntry): Promise<Buffer> {
    const key = cacheKey(entry);
    const hit = this.cache.get(key);
    if (hit) {
      this.metrics.cacheHits++;
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const inFlight = this.loading.get(key);
    if (inFlight) {
      this.metrics.cacheHits++;
      return inFlight;
    }
    this.metrics.cacheMisses++;
    const load = this.load(entry).finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load;
  }

  /**
   * Puts a chunk this process just committed into the cache, saving a GET for consumers that
   * tail the log. `bytes` are the chunk as written (producer offsets); with `owned` the reader
   * may rewrite them in place, otherwise it copies first.
   */
  prime(entry: ChunkEntry, bytes: Buffer, owned: boolean): void {
    if (entry.byteLength > this.cacheBytes || bytes.length !== entry.byteLength) return;
    const key = cacheKey(entry);
    if (this.cache.has(key)) return;
    const buf = owned ? bytes : Buffer.from(bytes);
    assignOffsets(buf, entry);
    this.insert(key, buf);
  }

  clear(): void {
    this.cache.clear();
    this.cachedBytes = 0;
  }

  private async load(entry: ChunkEntry): Promise<Buffer> {
    const raw = await this.objectStore.getRange(
      entry.segmentKey,
      entry.byteStart,
      entry.byteLength,
    );
    this.metrics.rangeGets++;
    this.metrics.rangeGetBytes += raw.length;
    // The store's buffer may be shared with the store (an in-memory adapter, a pool): copy once
    // into a buffer only the cache owns before rewriting offsets.
    const buf = Buffer.allocUnsafe(raw.length);
    raw.copy(buf);
    assignOffsets(buf, entry);
    this.insert(cacheKey(entry), buf);
    return buf;
  }

  private insert(key: string, buf: Buffer): void {
    if (buf.length > this.cacheBytes) return;
    const old = this.cache.get(key);
    if (old) {
      this.cache.delete(key);
      this.cachedBytes -= old.length;
    }
    this.cache.set(key, buf);
    this.cachedBytes += buf.length;
    for (const [k, v] of this.cache) {
      if (this.cachedBytes <= this.cacheBytes) break;
      this.cache.delete(k);
      this.cachedBytes -= v.length;
    }
  }
}
