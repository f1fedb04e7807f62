/**
 * Reads committed chunks through a byte-bounded LRU cache. A chunk enters the cache with every
 * batch's BaseOffset rewritten to its assigned offset (bytes 0–7, outside the CRC), so fetch
 * serves subarrays of cached buffers without copying again. Cached buffers are never mutated
 * after they are inserted: readers may hold subarrays of them long after eviction.
 *
 * Concurrent misses for one chunk share one ranged GET. Misses for chunks of one segment that
 * arrive in the same turn of the event loop share one too, when their byte ranges lie close
 * (gaps of at most COALESCE_MAX_GAP_BYTES, the whole range at most COALESCE_MAX_SPAN_BYTES): a
 * Fetch reads all its partitions at once, and the chunks one flush wrote for them sit side by
 * side in its segment. A segment's chunks then cost one GET per fetch instead of one per
 * partition; the bytes between wanted chunks are read and dropped.
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

/** Bytes of unwanted chunks a shared GET may read between two wanted ones. */
export const COALESCE_MAX_GAP_BYTES = 1024 * 1024;
/** The longest range one shared GET reads. */
export const COALESCE_MAX_SPAN_BYTES = 16 * 1024 * 1024;

/** A miss waiting for the GET that will carry its chunk. */
interface Waiter {
  entry: ChunkEntry;
  resolve(buf: Buffer): void;
  reject(err: unknown): void;
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
  /** Misses of this turn of the event loop, by segment key, until the GETs are sent. */
  private readonly queued = new Map<string, Waiter[]>();
  private sendScheduled = false;

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
    const load = new Promise<Buffer>((resolve, reject) =>
      this.enqueue({ entry, resolve, reject }),
    ).finally(() => this.loading.delete(key));
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

  private enqueue(waiter: Waiter): void {
    const segmentKey = waiter.entry.segmentKey;
    const waiting = this.queued.get(segmentKey);
    if (waiting) waiting.push(waiter);
    else this.queued.set(segmentKey, [waiter]);
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    // After every read started in this turn has reached here (their awaits on cached heads and
    // index entries are microtasks, which all run before an immediate).
    setImmediate(() => {
      this.sendScheduled = false;
      const segments = [...this.queued.values()];
      this.queued.clear();
      for (const waiters of segments) {
        for (const run of coalescedRuns(waiters)) void this.load(run);
      }
    });
  }

  /** One ranged GET for `run` (chunks of one segment, by byteStart), shared out. */
  private async load(run: readonly Waiter[]): Promise<void> {
    const first = run[0].entry;
    const endByte = Math.max(...run.map((w) => w.entry.byteStart + w.entry.byteLength));
    let raw: Buffer;
    try {
      raw = await this.objectStore.getRange(
        first.segmentKey,
        first.byteStart,
        endByte - first.byteStart,
      );
    } catch (err) {
      for (const w of run) w.reject(err);
      return;
    }
    this.metrics.rangeGets++;
    this.metrics.rangeGetBytes += raw.length;
    for (const { entry, resolve, reject } of run) {
      try {
        const at = entry.byteStart - first.byteStart;
        if (raw.length < at + entry.byteLength) {
          throw new ChunkCorruptError(
            `segment ${entry.segmentKey} gave ${raw.length} bytes from ${first.byteStart}, short of chunk @${entry.byteStart}+${entry.byteLength}`,
          );
        }
        // Copy out of the store's buffer (it may be shared: an in-memory adapter, a pool) into
        // one only the cache owns, before rewriting offsets.
        const buf = Buffer.allocUnsafe(entry.byteLength);
        raw.copy(buf, 0, at, at + entry.byteLength);
        assignOffsets(buf, entry);
        this.insert(cacheKey(entry), buf);
        resolve(buf);
      } catch (err) {
        reject(err);
      }
    }
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

/**
 * The waiters of one segment in runs that one GET each can serve: by byteStart, a new run where
 * the gap to the previous chunk or the run's length would pass the limits.
 */
export function coalescedRuns<T extends { entry: ChunkEntry }>(waiters: readonly T[]): T[][] {
  const sorted = [...waiters].sort((a, b) => a.entry.byteStart - b.entry.byteStart);
  const runs: T[][] = [];
  let run: T[] = [];
  let runStart = 0;
  let runEnd = 0;
  for (const w of sorted) {
    const { byteStart, byteLength } = w.entry;
    const end = byteStart + byteLength;
    if (
      run.length > 0 &&
      (byteStart - runEnd > COALESCE_MAX_GAP_BYTES || end - runStart > COALESCE_MAX_SPAN_BYTES)
    ) {
      runs.push(run);
      run = [];
    }
    if (run.length === 0) {
      runStart = byteStart;
      runEnd = end;
    }
    run.push(w);
    runEnd = Math.max(runEnd, end);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
