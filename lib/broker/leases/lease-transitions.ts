/**
 * The partition-lease transitions of HTTP consumer groups, as pure functions from the stored
 * lease to the next one (the Kinesis Client Library's lease pattern; DESIGN.md §3):
 *
 *  - take: conditional on the counter the taker observed. The taker alone decides that a lease
 *    is expired — it saw the counter stand still for the lease duration on its OWN clock — so
 *    the rule here is only "nobody wrote it since you looked". Every take is a new epoch.
 *  - renew, checkpoint, release: only the owner, in the epoch it took the lease in. The epoch
 *    is the fencing token: a worker paused past its lease (GC, a frozen Lambda) comes back with
 *    an old epoch and is refused, even if it reuses its worker id.
 *  - checkpoints never go backwards: a late, retried checkpoint cannot undo a newer one.
 *
 * Every transition bumps `counter` (the store's compare-and-set condition, and what observers
 * watch for liveness); a change of owner also bumps `epoch`. No clock is read here.
 */
import type { LeaseRecord } from "../../storage/ports.ts";
import { CheckpointRegressedError, LeaseConflictError, LeaseLostError } from "./lease-errors.ts";

/** Who holds a lease and since which take: what a worker sends with every write. */
export interface LeaseHolder {
  owner: string;
  epoch: number;
}

export function newLease(group: string, topic: string, partition: number): LeaseRecord {
  return {
    group,
    topic,
    partition,
    owner: null,
    counter: 1,
    epoch: 0,
    checkpoint: null,
    checkpointMetadata: null,
  };
}

export function take(current: LeaseRecord, owner: string, expectedCounter: number): LeaseRecord {
  if (current.counter !== expectedCounter) throw new LeaseConflictError(current, expectedCounter);
  return { ...current, owner, counter: current.counter + 1, epoch: current.epoch + 1 };
}

function checkHolder(current: LeaseRecord, holder: LeaseHolder): void {
  if (current.owner !== holder.owner || current.epoch !== holder.epoch) {
    throw new LeaseLostError(current, holder);
  }
}

export function renew(current: LeaseRecord, holder: LeaseHolder): LeaseRecord {
  checkHolder(current, holder);
  return { ...current, counter: current.counter + 1 };
}

export function checkpoint(
  current: LeaseRecord,
  holder: LeaseHolder,
  offset: bigint,
  metadata: string | null,
): LeaseRecord {
  checkHolder(current, holder);
  if (current.checkpoint !== null && offset < current.checkpoint) {
    throw new CheckpointRegressedError(current, offset);
  }
  return {
    ...current,
    counter: current.counter + 1,
    checkpoint: offset,
    checkpointMetadata: metadata,
  };
}

export function release(current: LeaseRecord, holder: LeaseHolder): LeaseRecord {
  checkHolder(current, holder);
  return { ...current, owner: null, counter: current.counter + 1, epoch: current.epoch + 1 };
}
