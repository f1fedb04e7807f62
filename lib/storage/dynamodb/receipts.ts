/**
 * Segment receipts on DynamoDB (ports.ts putSegmentReceipt): one item per segment object,
 * pk R#<segment key>, sk R, attribute `c` in lib/storage/receipt-text.ts's form. One pk per
 * receipt spreads their writes (one per flush) over the table; a plain PutItem (1 WCU up to
 * about 60 partitions of one topic) because a receipt is only ever written whole, and again
 * identically at worst. The orphan collector reads them in BatchGetItems of 100 (consistent,
 * like every read the store makes) and deletes them in BatchWriteItems of 25.
 */
import type { SegmentReceiptChunk } from "../ports.ts";
import { decodeReceiptChunks, encodeReceiptChunks } from "../receipt-text.ts";
import type { DynamoTable } from "./client.ts";
import { keyAttributes, S } from "./items.ts";
import { RECEIPT_PK_PREFIX, receiptKey } from "./keys.ts";

export async function putSegmentReceipt(
  table: DynamoTable,
  segmentKey: string,
  chunks: readonly SegmentReceiptChunk[],
): Promise<void> {
  table.assertOpen("putSegmentReceipt");
  await table.put(
    { ...keyAttributes(receiptKey(segmentKey)), c: S(encodeReceiptChunks(chunks)) },
    "putSegmentReceipt",
  );
}

export async function getSegmentReceipts(
  table: DynamoTable,
  segmentKeys: readonly string[],
): Promise<Map<string, SegmentReceiptChunk[]>> {
  table.assertOpen("getSegmentReceipts");
  const found = new Map<string, SegmentReceiptChunk[]>();
  const unique = [...new Set(segmentKeys)];
  if (unique.length === 0) return found;
  const items = await table.batchGet(unique.map(receiptKey), "getSegmentReceipts");
  for (const item of items) {
    const pk = item.pk?.S ?? "";
    if (!pk.startsWith(RECEIPT_PK_PREFIX)) continue;
    found.set(pk.slice(RECEIPT_PK_PREFIX.length), decodeReceiptChunks(item.c?.S ?? ""));
  }
  return found;
}

export async function deleteSegmentReceipts(
  table: DynamoTable,
  segmentKeys: readonly string[],
): Promise<void> {
  table.assertOpen("deleteSegmentReceipts");
  const unique = [...new Set(segmentKeys)];
  if (unique.length === 0) return;
  await table.batchWrite(
    unique.map((k) => ({ delete: receiptKey(k) })),
    "deleteSegmentReceipts",
  );
}
