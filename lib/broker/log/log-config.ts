/**
 * Configuration of the log engine (segment writer, segment reader, long-poll watcher). One
 * closed object, validated once by `resolveLogConfig`, which names the offending key.
 */
import { TEST_CRASH_POINTS, type TestCrashPoint } from "../../config/test-crash-point.ts";
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS } from "../producers/idempotence.ts";
import { DEFAULT_COMMIT_DEADLINE_MS, MAX_COMMIT_DEADLINE_MS } from "./commit-deadline.ts";
import { SEGMENT_KEY_PREFIX } from "./segment-format.ts";

export interface LogConfig {
  /**
   * Flush a segment object once this many bytes of batches are buffered. A segment holds at
   * most this much plus the one append that crossed the line.
   */
  maxSegmentBytes: number;
  /** Flush at the latest this long after the oldest buffered append arrived; 0 = next tick. */
  lingerMs: number;
  /** Segment flushes (PUT + commit) running at once; more appends wait in the buffer. */
  maxInFlightFlushes: number;
  /** Bytes buffered or being flushed; beyond it appends wait (backpressure). */
  maxBufferedBytes: number;
  /** How long an append may wait for buffer space before failing with REQUEST_TIMED_OUT. */
  bufferWaitTimeoutMs: number;
  /** Conditional-commit attempts per partition per flush before giving up (retriable error). */
  maxCommitAttempts: number;
  /**
   * A flush that has not committed this long after it began writing its segment gives up
   * (retriable error) and never commits that object: the orphan collector relies on it
   * (./commit-deadline.ts). At most MAX_COMMIT_DEADLINE_MS.
   */
  commitDeadlineMs: number;
  /** Idempotent producers idle this long are forgotten (Kafka producer.id.expiration.ms). */
  producerIdExpirationMs: number;
  /** Byte budget of the read cache of chunks (offsets already rewritten). */
  cacheBytes: number;
  /** Put chunks this process just committed into the read cache (tailing consumers skip a GET). */
  cacheOnAppend: boolean;
  /** While a long poll waits, how often heads are polled for other hosts' commits. */
  pollIntervalMs: number;
  /**
   * Polls that find nothing new double the interval up to this (any new commit seen resets it
   * to pollIntervalMs): an idle consumer costs a DynamoDB read per interval per partition it
   * waits on. Equal to pollIntervalMs: no back-off.
   */
  maxPollIntervalMs: number;
  /** Object key prefix of segment objects. */
  segmentKeyPrefix: string;
  /** TEST-ONLY: SIGKILL this process at a point of the flush (./test-crash.ts); null = never. */
  testCrashPoint: TestCrashPoint | null;
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  maxSegmentBytes: 8 * 1024 * 1024,
  lingerMs: 5,
  maxInFlightFlushes: 4,
  maxBufferedBytes: 64 * 1024 * 1024,
  bufferWaitTimeoutMs: 30_000,
  maxCommitAttempts: 16,
  commitDeadlineMs: DEFAULT_COMMIT_DEADLINE_MS,
  producerIdExpirationMs: DEFAULT_PRODUCER_ID_EXPIRATION_MS,
  cacheBytes: 256 * 1024 * 1024,
  cacheOnAppend: true,
  pollIntervalMs: 100,
  maxPollIntervalMs: 100,
  segmentKeyPrefix: SEGMENT_KEY_PREFIX,
  testCrashPoint: null,
});

type Check = (v: unknown) => string | undefined;

const positiveInt: Check = (v) =>
  typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? undefined : "a positive integer";
const nonNegativeInt: Check = (v) =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? undefined : "an integer ≥ 0";
const bool: Check = (v) => (typeof v === "boolean" ? undefined : "a boolean");
const keyPrefix: Check = (v) =>
  typeof v === "string" && v.length > 0 && v.endsWith("/") && !v.startsWith("/")
    ? undefined
    : "a relative prefix ending in '/'";
const crashPoint: Check = (v) =>
  v === null || (typeof v === "object" && TEST_CRASH_POINTS.includes((v as TestCrashPoint).at))
    ? undefined
    : "null or a TestCrashPoint (lib/config/test-crash-point.ts)";

const CHECKS: Record<keyof LogConfig, Check> = {
  maxSegmentBytes: positiveInt,
  lingerMs: nonNegativeInt,
  maxInFlightFlushes: positiveInt,
  maxBufferedBytes: positiveInt,
  bufferWaitTimeoutMs: nonNegativeInt,
  maxCommitAttempts: positiveInt,
  commitDeadlineMs: (v) =>
    positiveInt(v) ??
    ((v as number) > MAX_COMMIT_DEADLINE_MS ? `≤ ${MAX_COMMIT_DEADLINE_MS}` : undefined),
  producerIdExpirationMs: positiveInt,
  cacheBytes: nonNegativeInt,
  cacheOnAppend: bool,
  pollIntervalMs: positiveInt,
  maxPollIntervalMs: positiveInt,
  segmentKeyPrefix: keyPrefix,
  testCrashPoint: crashPoint,
};

/** Defaults overlaid with `overrides`; throws an Error naming the first bad key. */
export function resolveLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  for (const key of Object.keys(overrides)) {
    if (!(key in CHECKS)) throw new Error(`LogConfig: unknown key "${key}"`);
  }
  const config: LogConfig = { ...DEFAULT_LOG_CONFIG };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of Object.keys(CHECKS) as (keyof LogConfig)[]) {
    const problem = CHECKS[key](config[key]);
    if (problem) throw new Error(`LogConfig.${key} must be ${problem}, got ${String(config[key])}`);
  }
  if (config.maxPollIntervalMs < config.pollIntervalMs) {
    throw new Error(
      `LogConfig.maxPollIntervalMs (${config.maxPollIntervalMs}) must be ≥ pollIntervalMs (${config.pollIntervalMs})`,
    );
  }
  if (config.maxBufferedBytes < config.maxSegmentBytes) {
    throw new Error(
      `LogConfig.maxBufferedBytes (${config.maxBufferedBytes}) must be ≥ maxSegmentBytes (${config.maxSegmentBytes})`,
    );
  }
  return Object.freeze(config);
}
