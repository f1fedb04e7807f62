/**
 * The receipt of one flush's segment object (ports.ts putSegmentReceipt): which partitions it
 * committed there, each with the last offset of its chunk. The orphan collector judges an object
 * with a receipt by looking those chunks up — a few head reads — instead of searching every
 * partition's index for the object (./orphan-gc.ts), which grows with the square of the log.
 *
 * A receipt must name every chunk of the object that can be in the index, or the collector
 * could delete an object still referenced. So it is written only after the flush's last commit
 * settled, and not at all when a commit call failed without an outcome (a timeout or reset:
 * any of its partitions may have committed). A crash before the receipt, a failed receipt write
 * or an outcome in doubt leave the object without one, and the collector falls back to the
 * search for it. Neither the producers' answers nor the next flush wait for it; closing the
 * writer does.
 */
import type { ChunkEntry, MetadataStore, SegmentReceiptChunk } from "../../storage/ports.ts";
import type { LogMetrics } from "./metrics.ts";

/** What a flush's commits established so far. */
export interface ReceiptDraft {
  chunks: SegmentReceiptChunk[];
  /** A commit call failed without telling which of its partitions committed. */
  inDoubt: boolean;
}

export function newReceiptDraft(): ReceiptDraft {
  return { chunks: [], inDoubt: false };
}

/** Adds a successful partition commit's chunks (one partition's) to the draft. */
export function noteCommitted(draft: ReceiptDraft, entries: readonly ChunkEntry[]): void {
  let last: ChunkEntry | undefined;
  for (const e of entries) if (last === undefined || e.lastOffset > last.lastOffset) last = e;
  if (last === undefined) return; // a commit without chunks names no object
  draft.chunks.push({
    topicId: last.topicId,
    partition: last.partition,
    lastOffset: last.lastOffset,
  });
}

/** Writes the receipt if the draft is certain and names anything; never throws. */
export async function writeSegmentReceipt(
  metadataStore: MetadataStore,
  metrics: LogMetrics,
  segmentKey: string,
  draft: ReceiptDraft,
): Promise<void> {
  if (draft.inDoubt) {
    metrics.segmentReceiptsInDoubt++;
    return;
  }
  if (draft.chunks.length === 0) return; // nothing committed: an orphan, found as such
  try {
    await metadataStore.putSegmentReceipt(segmentKey, draft.chunks);
    metrics.segmentReceipts++;
  } catch {
    // Harmless: without a receipt the collector searches for the object instead.
    metrics.segmentReceiptFailures++;
  }
}

/**
 * Whether a chunk the receipt names is still in the index: the chunk holding its last offset
 * must be that chunk, in this object. One lookup per partition, stopping at the first found.
 */
export async function receiptChunksIndexed(
  store: MetadataStore,
  segmentKey: string,
  receipt: readonly SegmentReceiptChunk[],
): Promise<boolean> {
  for (const chunk of receipt) {
    const [found] = await store.findChunks(chunk, chunk.lastOffset, 1);
    if (found?.segmentKey === segmentKey && found.lastOffset === chunk.lastOffset) return true;
  }
  return false;
}
