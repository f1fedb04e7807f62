/**
 * How long a flush may keep trying to commit a segment it wrote. Past the deadline it gives up
 * (the callers get a retriable error and retry into a new segment) and never commits that
 * object, which from then on is an orphan for good. That is what makes the orphan collector
 * (./orphan-gc.ts) safe: it deletes only unreferenced objects older than its grace period, and
 * the grace is far longer than this deadline, so no commit can name an object after the
 * collector judged it unreferenced.
 *
 * The flush checks the deadline right before each commitPartitions call. Elapsed time is the
 * larger of the wall clock's and the monotonic clock's: a process paused for hours (SIGSTOP, a
 * frozen VM or container) wakes up to a wall clock that moved on, and a wall clock stepped back
 * by NTP cannot make an old flush look young. What is left is one call already under way: its
 * effect lands within that call's own bound (DynamoDB: maxAttempts × requestTimeoutMs plus
 * backoff, about two minutes; SQLite: the busy timeout), which the minimum grace allows for.
 */

/** Default of LogConfig.commitDeadlineMs. */
export const DEFAULT_COMMIT_DEADLINE_MS = 120_000;
/** The largest LogConfig.commitDeadlineMs allowed; the orphan collector's minimum grace builds on it. */
export const MAX_COMMIT_DEADLINE_MS = 300_000;

export interface CommitDeadline {
  /** True once the flush has run longer than the deadline, by either clock. */
  passed(): boolean;
  readonly deadlineMs: number;
}

/** Starts the clock of one flush: call it before the segment object is written. */
export function startCommitDeadline(deadlineMs: number, wallNowMs: () => number): CommitDeadline {
  const wallStartMs = wallNowMs();
  const monotonicStartMs = performance.now();
  return {
    deadlineMs,
    passed: () =>
      wallNowMs() - wallStartMs > deadlineMs || performance.now() - monotonicStartMs > deadlineMs,
  };
}
