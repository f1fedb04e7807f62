/**
 * Partition leases of HTTP consumer groups over the MetadataStore: the transitions of
 * ./lease-transitions.ts applied by compare-and-set on the lease counter (putLease), plus the
 * offset sharing with Kafka groups of ./kafka-offsets.ts.
 *
 * Leases are created lazily: listing a group's leases on a topic creates the missing ones
 * (unowned, counter 1), so a new partition of a grown topic shows up at the next list.
 *
 * A take is a single compare-and-set on the counter the taker observed: losing it is a
 * LeaseConflictError, never retried here (the lease is alive, or another taker won). Renew,
 * checkpoint and release re-read and retry when the counter moved under them — the owner's own
 * renewals and checkpoints race each other — and fail with LeaseLostError once the owner or
 * epoch is no longer theirs.
 */
import { VersionConflictError } from "../../storage/errors.ts";
import type { LeaseRecord, MetadataStore, TopicRecord } from "../../storage/ports.ts";
import { commitAsKafkaGroup, inactiveKafkaGroup, kafkaCommittedOffsets } from "./kafka-offsets.ts";
import { LeaseConflictError } from "./lease-errors.ts";
import type { LeaseHolder } from "./lease-transitions.ts";
import * as transitions from "./lease-transitions.ts";

/** Attempts of an owner's write whose counter keeps moving (its own renewals racing). */
const MAX_ATTEMPTS = 10;

export interface LeaseView extends LeaseRecord {
  /** The Kafka group's committed offset for the partition (where to start without a checkpoint). */
  kafkaCommittedOffset: bigint | null;
}

export interface LeaseListing {
  /** State of the Kafka group of the same name; null when there is none. */
  kafkaGroupState: string | null;
  leases: LeaseView[];
}

export class LeaseService {
  private readonly store: MetadataStore;
  private readonly now: () => number;

  constructor(store: MetadataStore, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
  }

  async list(group: string, topic: TopicRecord): Promise<LeaseListing> {
    let leases = await this.store.listLeases(group, topic.name);
    const have = new Set(leases.map((l) => l.partition));
    const missing = Array.from({ length: topic.partitionCount }, (_, p) => p).filter(
      (p) => !have.has(p),
    );
    if (missing.length > 0) {
      await Promise.all(missing.map((p) => this.create(group, topic.name, p)));
      leases = await this.store.listLeases(group, topic.name);
    }
    const [kafka, committed] = await Promise.all([
      this.store.getGroup(group),
      kafkaCommittedOffsets(this.store, group, topic.name, topic.partitionCount),
    ]);
    return {
      kafkaGroupState: kafka?.state ?? null,
      leases: leases
        .filter((l) => l.partition < topic.partitionCount)
        .map((l) => ({ ...l, kafkaCommittedOffset: committed.get(l.partition) ?? null })),
    };
  }

  async take(
    group: string,
    topic: string,
    partition: number,
    owner: string,
    expectedCounter: number,
  ): Promise<LeaseRecord> {
    await inactiveKafkaGroup(this.store, group);
    const current = await this.read(group, topic, partition);
    const next = transitions.take(current, owner, expectedCounter);
    try {
      await this.store.putLease(next, current.counter);
      return next;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      throw new LeaseConflictError(
        (err.current as LeaseRecord | undefined) ?? current,
        expectedCounter,
      );
    }
  }

  renew(group: string, topic: string, partition: number, holder: LeaseHolder) {
    return this.update(group, topic, partition, (l) => transitions.renew(l, holder));
  }

  release(group: string, topic: string, partition: number, holder: LeaseHolder) {
    return this.update(group, topic, partition, (l) => transitions.release(l, holder));
  }

  /** Writes the checkpoint under the lease, then as the Kafka group's committed offset. */
  async checkpoint(
    group: string,
    topic: string,
    partition: number,
    holder: LeaseHolder,
    offset: bigint,
    metadata: string | null,
  ): Promise<LeaseRecord> {
    await inactiveKafkaGroup(this.store, group);
    const next = await this.update(group, topic, partition, (l) =>
      transitions.checkpoint(l, holder, offset, metadata),
    );
    // After the lease write: only a holder that passed the fence gets here. A failure leaves
    // the lease ahead of the Kafka offset; the client's retry (same offset) writes both again.
    await commitAsKafkaGroup(this.store, group, {
      topic,
      partition,
      offset,
      metadata,
      commitTimestampMs: this.now(),
    });
    return next;
  }

  /** Removes every lease of the group (the group stops existing for HTTP consumers). */
  deleteGroup(group: string): Promise<number> {
    return this.store.deleteLeases(group);
  }

  private async update(
    group: string,
    topic: string,
    partition: number,
    transition: (current: LeaseRecord) => LeaseRecord,
  ): Promise<LeaseRecord> {
    let current = await this.read(group, topic, partition);
    for (let attempt = 1; ; attempt++) {
      const next = transition(current);
      try {
        await this.store.putLease(next, current.counter);
        return next;
      } catch (err) {
        if (!(err instanceof VersionConflictError) || attempt === MAX_ATTEMPTS) throw err;
        current =
          (err.current as LeaseRecord | undefined) ?? (await this.read(group, topic, partition));
      }
    }
  }

  private async read(group: string, topic: string, partition: number): Promise<LeaseRecord> {
    const found = (await this.store.listLeases(group, topic)).find(
      (l) => l.partition === partition,
    );
    return found ?? this.create(group, topic, partition);
  }

  /** Creates the unowned lease, or returns the one a concurrent creator wrote. */
  private async create(group: string, topic: string, partition: number): Promise<LeaseRecord> {
    const lease = transitions.newLease(group, topic, partition);
    try {
      await this.store.putLease(lease, 0);
      return lease;
    } catch (err) {
      if (!(err instanceof VersionConflictError) || err.current === undefined) throw err;
      return err.current as LeaseRecord;
    }
  }
}
