/**
 * The orphan collector's fast path for segment objects retention has just released
 * (./retention.ts releasedSegments): judged by their receipts (./segment-receipt.ts), deleted
 * once no chunk a receipt names is still indexed. Storage then goes with the retention run that
 * expired it, instead of waiting for a pass over every object to reach it.
 *
 * No grace period is needed: a receipt is written only after its flush's last commit settled,
 * so no commit can still add a reference to a receipted object. An object without a receipt is
 * left alone here; only the search of a pass can prove it unreferenced. Receipts go before
 * their objects, so a failure between the two leaves an object the passes search for, never a
 * receipt that hides one.
 */
import type { MetadataStore, ObjectStore } from "../../storage/ports.ts";
import { receiptChunksIndexed } from "./segment-receipt.ts";

export interface ReleasedReport {
  /** Keys given (deduplicated, under the prefix). */
  candidates: number;
  /** Judged by a receipt; the others had none and are left to the passes. */
  judged: number;
  withoutReceipt: number;
  /** Still named by an indexed chunk of another partition. */
  referenced: number;
  deleted: number;
  /** Could not be judged or deleted (storage errors); the passes will see them again. */
  failed: number;
}

export interface ReleasedDeps {
  objectStore: ObjectStore;
  metadataStore: MetadataStore;
  prefix: string;
  concurrency: number;
  dryRun: boolean;
}

const RECEIPT_BATCH = 100;

export async function collectReleasedSegments(
  deps: ReleasedDeps,
  segmentKeys: readonly string[],
): Promise<ReleasedReport> {
  const keys = [...new Set(segmentKeys)].filter((k) => k.startsWith(deps.prefix));
  const report: ReleasedReport = {
    candidates: keys.length,
    judged: 0,
    withoutReceipt: 0,
    referenced: 0,
    deleted: 0,
    failed: 0,
  };
  for (let at = 0; at < keys.length; at += RECEIPT_BATCH) {
    const batch = keys.slice(at, at + RECEIPT_BATCH);
    let receipts: Awaited<ReturnType<MetadataStore["getSegmentReceipts"]>>;
    try {
      receipts = await deps.metadataStore.getSegmentReceipts(batch);
    } catch {
      report.failed += batch.length;
      continue;
    }
    const doomed: string[] = [];
    const judge = async (key: string): Promise<void> => {
      const receipt = receipts.get(key);
      if (receipt === undefined) {
        report.withoutReceipt++;
        return;
      }
      try {
        report.judged++;
        if (await receiptChunksIndexed(deps.metadataStore, key, receipt)) report.referenced++;
        else doomed.push(key);
      } catch {
        report.failed++;
      }
    };
    for (let i = 0; i < batch.length; i += deps.concurrency) {
      await Promise.all(batch.slice(i, i + deps.concurrency).map(judge));
    }
    if (doomed.length === 0 || deps.dryRun) continue;
    try {
      await deps.metadataStore.deleteSegmentReceipts(doomed);
      await deps.objectStore.deleteMany(doomed);
      report.deleted += doomed.length;
    } catch {
      report.failed += doomed.length;
    }
  }
  return report;
}
