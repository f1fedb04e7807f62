/**
 * Typed refusals of the lease transitions (./lease-transitions.ts) and the lease service. Each
 * carries a stable `code` (the HTTP API's error code, docs/http-api.md) and the lease as stored,
 * so a worker learns who holds it now without another read.
 */
import type { LeaseRecord } from "../../storage/ports.ts";

export abstract class LeaseError extends Error {
  abstract readonly code: string;
  /** The lease as stored when the operation was refused (none for group_active). */
  readonly current: LeaseRecord | undefined;
  constructor(message: string, current?: LeaseRecord) {
    super(message);
    this.name = new.target.name;
    this.current = current;
  }
}

function describe(lease: LeaseRecord): string {
  return `${lease.group}/${lease.topic}/${lease.partition}`;
}

/** The writer is not the owner, or owns it in an older epoch: stop processing the partition. */
export class LeaseLostError extends LeaseError {
  readonly code = "lease_lost";
  constructor(current: LeaseRecord, holder: { owner: string; epoch: number }) {
    const now = `held by ${current.owner ?? "nobody"} in epoch ${current.epoch}`;
    super(
      `lease ${describe(current)} is ${now}, not by ${holder.owner} in epoch ${holder.epoch}`,
      current,
    );
  }
}

/** A take lost: the lease was written since the taker observed its counter (it is alive). */
export class LeaseConflictError extends LeaseError {
  readonly code = "lease_conflict";
  constructor(current: LeaseRecord, expectedCounter: number) {
    const moved = `counter is ${current.counter}, not the observed ${expectedCounter}`;
    super(`lease ${describe(current)} moved: ${moved} (owner ${current.owner ?? "none"})`, current);
  }
}

export class CheckpointRegressedError extends LeaseError {
  readonly code = "checkpoint_regressed";
  constructor(current: LeaseRecord, offset: bigint) {
    const behind = `checkpoint ${offset} is behind the stored ${current.checkpoint}`;
    super(`lease ${describe(current)}: ${behind}`, current);
  }
}

/** The lease group's name is a Kafka consumer group with members: the two would both consume. */
export class GroupActiveError extends LeaseError {
  readonly code = "group_active";
  constructor(group: string, state: string) {
    super(
      `${group} is an active Kafka consumer group (state ${state}); an HTTP lease group of the ` +
        "same name would consume the same partitions beside it. Stop its Kafka consumers or use another name",
    );
  }
}
