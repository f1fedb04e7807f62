/**
 * What both MetadataStore adapters check and throw for putLease (ports.ts LeaseRecord): a bad
 * argument is a caller bug (RangeError, never a conflict), and a lost compare-and-set carries
 * the stored lease, so the two backends fail alike.
 */
import { VersionConflictError } from "./errors.ts";
import type { LeaseRecord } from "./ports.ts";

/** The argument checks both adapters make: a caller bug is a RangeError, never a conflict. */
export function checkLease(next: LeaseRecord, expectedCounter: number): void {
  const where = `putLease ${next.group}/${next.topic}/${next.partition}`;
  if (!Number.isSafeInteger(expectedCounter) || expectedCounter < 0) {
    throw new RangeError(`${where}: expectedCounter must be a non-negative integer`);
  }
  if (next.counter !== expectedCounter + 1) {
    throw new RangeError(`${where}: counter must be ${expectedCounter + 1}, got ${next.counter}`);
  }
  if (!Number.isSafeInteger(next.epoch) || next.epoch < 0) {
    throw new RangeError(`${where}: epoch must be a non-negative integer, got ${next.epoch}`);
  }
  if (!Number.isSafeInteger(next.partition) || next.partition < 0) {
    throw new RangeError(`${where}: partition must be a non-negative integer`);
  }
}

export function leaseConflict(
  next: LeaseRecord,
  expectedCounter: number,
  current: LeaseRecord | undefined,
): VersionConflictError<LeaseRecord | undefined> {
  return new VersionConflictError(
    `lease ${next.group}/${next.topic}/${next.partition}: expected counter ${expectedCounter}, ` +
      `found ${current ? `counter ${current.counter}` : "no lease"}`,
    current,
  );
}
