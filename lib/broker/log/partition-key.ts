import type { PartitionKey } from "../../storage/ports.ts";

/** A partition as a map key. */
export function partitionKeyString(key: PartitionKey): string {
  return `${key.topicId}:${key.partition}`;
}
