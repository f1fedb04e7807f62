/**
 * The text form of a segment receipt's chunks (ports.ts SegmentReceiptChunk), shared by the
 * SQLite and DynamoDB stores: partitions grouped by topic, "<topicId> <partition>:<lastOffset>…"
 * per topic, topics joined by ";". About 10 bytes per partition after the first of a topic: a
 * receipt of 60 partitions of one topic fits in one DynamoDB write unit.
 */
import type { SegmentReceiptChunk } from "./ports.ts";

export function encodeReceiptChunks(chunks: readonly SegmentReceiptChunk[]): string {
  const byTopic = new Map<string, string[]>();
  for (const c of chunks) {
    const parts = byTopic.get(c.topicId) ?? [];
    if (parts.length === 0) byTopic.set(c.topicId, parts);
    parts.push(`${c.partition}:${c.lastOffset}`);
  }
  return [...byTopic].map(([topicId, parts]) => `${topicId} ${parts.join(" ")}`).join(";");
}

export function decodeReceiptChunks(text: string): SegmentReceiptChunk[] {
  const chunks: SegmentReceiptChunk[] = [];
  if (text === "") return chunks;
  for (const group of text.split(";")) {
    const [topicId, ...parts] = group.split(" ");
    for (const part of parts) {
      const at = part.indexOf(":");
      const partition = Number(part.slice(0, at));
      const lastOffset = BigInt(part.slice(at + 1));
      if (at <= 0 || !Number.isSafeInteger(partition) || topicId === "") {
        throw new Error(`malformed segment receipt: ${text}`);
      }
      chunks.push({ topicId, partition, lastOffset });
    }
  }
  return chunks;
}
