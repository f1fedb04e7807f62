/**
 * Topic records as seen by one front: the metadata store is the truth, this is a short-lived
 * read cache (metadataCacheMs) so hot paths (produce, fetch) do not read the store per request.
 * A front's own changes are visible to it at once; other fronts' changes within the cache time.
 */
import { randomUUID } from "node:crypto";
import { TopicExistsError, VersionConflictError } from "../../storage/errors.ts";
import type { MetadataStore, TopicRecord } from "../../storage/ports.ts";
import { forgetDeletedTopic } from "../groups/deleted-topic.ts";

interface Cached {
  record: TopicRecord;
  expiresAtMs: number;
}

export class TopicRegistry {
  private readonly byNameCache = new Map<string, Cached>();
  private readonly byIdCache = new Map<string, Cached>();
  private readonly metadata: MetadataStore;
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(metadata: MetadataStore, cacheMs: number, now: () => number = Date.now) {
    this.metadata = metadata;
    this.cacheMs = cacheMs;
    this.now = now;
  }

  async byName(name: string): Promise<TopicRecord | undefined> {
    const hit = this.byNameCache.get(name);
    if (hit && hit.expiresAtMs > this.now()) return hit.record;
    const record = await this.metadata.getTopic(name);
    if (record) this.remember(record);
    else this.forget(name);
    return record;
  }

  async byId(topicId: string): Promise<TopicRecord | undefined> {
    const hit = this.byIdCache.get(topicId);
    if (hit && hit.expiresAtMs > this.now()) return hit.record;
    const record = await this.metadata.getTopicById(topicId);
    if (record) this.remember(record);
    return record;
  }

  async list(): Promise<TopicRecord[]> {
    const records = await this.metadata.listTopics();
    for (const r of records) this.remember(r);
    return records;
  }

  /** Creates a topic; throws TopicExistsError when the name is taken. */
  async create(
    name: string,
    partitionCount: number,
    configs: Record<string, string>,
  ): Promise<TopicRecord> {
    const record: TopicRecord = {
      name,
      topicId: randomUUID(),
      partitionCount,
      configs,
      createdAtMs: this.now(),
      version: 1,
    };
    await this.metadata.createTopic(record);
    this.remember(record);
    return record;
  }

  /** The named topic, created with `partitionCount` if absent (auto-creation; races resolved by the store). */
  async ensure(name: string, partitionCount: number): Promise<TopicRecord> {
    const existing = await this.byName(name);
    if (existing) return existing;
    try {
      return await this.create(name, partitionCount, {});
    } catch (err) {
      if (!(err instanceof TopicExistsError)) throw err;
      const winner = await this.metadata.getTopic(name);
      if (!winner) throw err;
      this.remember(winner);
      return winner;
    }
  }

  /**
   * Deletes the topic, then every group's committed offsets and leases on it
   * (../groups/deleted-topic.ts). If that second step fails, the topic is gone all the same and
   * the call rejects; what is left behind is what a recreated topic would inherit.
   */
  async delete(name: string): Promise<TopicRecord> {
    const removed = await this.metadata.deleteTopic(name);
    this.forget(name, removed.topicId);
    await forgetDeletedTopic(this.metadata, name);
    return removed;
  }

  /** Applies `change` with a version-conditional write, retrying on conflicts with fresh state. */
  async update(name: string, change: (current: TopicRecord) => TopicRecord): Promise<TopicRecord> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.metadata.getTopic(name);
      if (!current) throw new Error(`unknown topic ${name}`);
      const next = { ...change(current), version: current.version + 1 };
      try {
        await this.metadata.updateTopic(next, current.version);
        this.remember(next);
        return next;
      } catch (err) {
        if (!(err instanceof VersionConflictError) || attempt >= 5) throw err;
      }
    }
  }

  private remember(record: TopicRecord): void {
    const entry = { record, expiresAtMs: this.now() + this.cacheMs };
    this.byNameCache.set(record.name, entry);
    this.byIdCache.set(record.topicId, entry);
  }

  private forget(name: string, topicId?: string): void {
    const hit = this.byNameCache.get(name);
    this.byNameCache.delete(name);
    if (hit) this.byIdCache.delete(hit.record.topicId);
    if (topicId) this.byIdCache.delete(topicId);
  }
}
