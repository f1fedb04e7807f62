/**
 * Retention planning, sans I/O: given a partition's head (log start, high watermark) and its
 * oldest chunk index entries, where the log start should move. Kafka deletes whole segments;
 * Floe's unit of deletion is the chunk (one partition's run of batches inside one segment
 * object), so "segment" in Kafka's rules reads "chunk" here:
 *
 *  - time (retention.ms ≥ 0): the oldest chunks whose largest timestamp is more than
 *    retention.ms before now are deleted, stopping at the first one that is not
 *    (Kafka: `startMs - segment.largestTimestamp > retentionMs`);
 *  - bytes (retention.bytes ≥ 0): the oldest chunks are deleted while the log would still hold
 *    at least retention.bytes without them (Kafka: `size - segment.size >= retentionBytes`,
 *    nothing at all when `size < retentionBytes`);
 *  - −1 (any negative value) switches a rule off. Kafka applies the size rule first, then the
 *    time rule to what is left (UnifiedLog.deleteOldSegments), so a chunk without timestamps
 *    that size retention removed no longer shields the expired chunks behind it; the plan is
 *    the same, and a second plan right after it deletes nothing more.
 *
 * The new log start is one past the last deleted chunk (offsets are dense: DESIGN.md
 * invariant 2), never beyond the high watermark and never below the current log start. A chunk
 * whose records carry no timestamp (largest −1) never expires by time: Kafka falls back to the
 * segment file's mtime there, which Floe's index does not keep, and deleting on a guess could
 * drop live data. Chunks at or past the high watermark (committed after the head was read) are
 * never considered.
 */

/** What the planner needs of a chunk index entry (a ChunkEntry has all of it). */
export interface RetentionChunk {
  baseOffset: bigint;
  lastOffset: bigint;
  byteLength: number;
  maxTimestampMs: number;
}

export interface RetentionLimits {
  /** retention.ms; negative = no time limit. */
  retentionMs: number;
  /** retention.bytes; negative = no size limit. */
  retentionBytes: number;
}

export interface RetentionInput extends RetentionLimits {
  logStartOffset: bigint;
  highWatermark: bigint;
  /**
   * The oldest retained entries, ascending, from the one holding the log start. With a size
   * limit they must be ALL entries below the high watermark (the rule needs the log's size);
   * with a time limit alone, any prefix that ends at an unexpired chunk or at the end of the log.
   */
  chunks: readonly RetentionChunk[];
  nowMs: number;
}

export interface RetentionPlan {
  /** Where the log start goes: ≥ the current log start, ≤ the high watermark. */
  newLogStartOffset: bigint;
  /** Leading chunks deleted by the plan: byBytes + byTime. */
  chunksExpired: number;
  /** Leading chunks the size rule deletes, and the time rule after it. */
  byBytes: number;
  byTime: number;
  /** Size of the listed chunks (the log's size when the list is complete). */
  sizeBytes: number;
}

/** Whether one chunk is past retention.ms at `nowMs` (strictly, as Kafka). */
export function expiredByTime(chunk: RetentionChunk, nowMs: number, retentionMs: number): boolean {
  if (retentionMs < 0 || chunk.maxTimestampMs < 0) return false;
  return nowMs - chunk.maxTimestampMs > retentionMs;
}

/** Leading chunks past retention.ms. */
export function chunksExpiredByTime(
  chunks: readonly RetentionChunk[],
  nowMs: number,
  retentionMs: number,
): number {
  let n = 0;
  while (n < chunks.length && expiredByTime(chunks[n], nowMs, retentionMs)) n++;
  return n;
}

/** Leading chunks whose removal keeps at least `retentionBytes` of `sizesBytes` (Kafka's rule). */
export function chunksOverSize(sizesBytes: readonly number[], retentionBytes: number): number {
  if (retentionBytes < 0) return 0;
  let sizeBytes = 0;
  for (const s of sizesBytes) sizeBytes += s;
  if (sizeBytes < retentionBytes) return 0;
  let excessBytes = sizeBytes - retentionBytes;
  let n = 0;
  while (n < sizesBytes.length && excessBytes - sizesBytes[n] >= 0) {
    excessBytes -= sizesBytes[n];
    n++;
  }
  return n;
}

export function planRetention(input: RetentionInput): RetentionPlan {
  const { logStartOffset, highWatermark } = input;
  // Entries already below the log start (left by DeleteRecords) or committed after the head
  // was read take no part: the first is not in the log any more, the second not yet.
  const chunks = input.chunks.filter(
    (c) => c.lastOffset >= logStartOffset && c.baseOffset < highWatermark,
  );
  const sizes = chunks.map((c) => c.byteLength);
  const byBytes = chunksOverSize(sizes, input.retentionBytes);
  const byTime = chunksExpiredByTime(chunks.slice(byBytes), input.nowMs, input.retentionMs);
  const chunksExpired = byBytes + byTime;
  let newLogStartOffset = logStartOffset;
  if (chunksExpired > 0) {
    const end = chunks[chunksExpired - 1].lastOffset + 1n;
    const capped = end < highWatermark ? end : highWatermark;
    if (capped > newLogStartOffset) newLogStartOffset = capped;
  }
  return {
    newLogStartOffset,
    chunksExpired,
    byTime,
    byBytes,
    sizeBytes: sizes.reduce((a, b) => a + b, 0),
  };
}

/**
 * retention.ms and retention.bytes from a topic's effective configs (Kafka longs as text).
 * Values beyond 2^53 lose precision as numbers, which no comparison with a size or a clock
 * can notice.
 */
export function retentionLimitsOf(configValue: (name: string) => string): RetentionLimits {
  return {
    retentionMs: longOf(configValue("retention.ms"), "retention.ms"),
    retentionBytes: longOf(configValue("retention.bytes"), "retention.bytes"),
  };
}

function longOf(text: string, name: string): number {
  if (!/^-?\d+$/.test(text))
    throw new RangeError(`${name}: not an integer: ${JSON.stringify(text)}`);
  return Number(text);
}
