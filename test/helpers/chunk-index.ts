/**
 * Writes a partition's chunk index directly through MetadataStore.commitPartitions — no
 * segment objects — for tests of what reads the index (retention, maintenance) on logs far
 * longer than producing real batches would make practical. Each chunk holds two offsets.
 */
import type { ChunkEntry, MetadataStore, PartitionKey } from "../../lib/storage/ports.ts";

/**
 * Appends one chunk per timestamp to `key`'s log, `perCommit` chunks per conditional commit
 * (1 lays the index out as a producing front would: pages of old entries, the newest inline).
 */
export async function commitChunks(
  store: MetadataStore,
  key: PartitionKey,
  timestampsMs: readonly number[],
  options: { bytes?: number; perCommit?: number } = {},
): Promise<ChunkEntry[]> {
  const perCommit = options.perCommit ?? timestampsMs.length;
  const all: ChunkEntry[] = [];
  for (let at = 0; at < timestampsMs.length; at += perCommit) {
    const [head] = await store.getHeads([key]);
    let next = head.nextOffset;
    let runningMax = head.maxTimestampMs;
    const chunks = timestampsMs.slice(at, at + perCommit).map((ts): ChunkEntry => {
      runningMax = Math.max(runningMax, ts);
      const entry = {
        ...key,
        baseOffset: next,
        lastOffset: next + 1n,
        segmentKey: `segments/00/${key.topicId}-${next}.seg`,
        byteStart: 0,
        byteLength: options.bytes ?? 10,
        batchCount: 1,
        maxTimestampMs: ts,
        runningMaxTimestampMs: runningMax,
      };
      next += 2n;
      return entry;
    });
    const [outcome] = await store.commitPartitions([
      {
        expectedVersion: head.version,
        head: { ...head, nextOffset: next, maxTimestampMs: runningMax, version: head.version + 1 },
        chunks,
      },
    ]);
    if (!outcome.ok) throw new Error(`commitChunks: ${key.topicId} moved under the test`);
    all.push(...chunks);
  }
  return all;
}
