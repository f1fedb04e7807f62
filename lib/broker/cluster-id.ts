/** The cluster id of a metadata store: drawn once, by whichever host asks first. */
import { randomUUID } from "node:crypto";
import type { MetadataStore } from "../storage/ports.ts";

/** A candidate cluster id: 22 characters of base64url, like Kafka's. */
export function newClusterId(): string {
  return Buffer.from(randomUUID().replaceAll("-", ""), "hex").toString("base64url");
}

/** The store's cluster id, stored now if it has none yet. */
export function clusterIdOf(store: MetadataStore): Promise<string> {
  return store.ensureClusterId(newClusterId());
}
