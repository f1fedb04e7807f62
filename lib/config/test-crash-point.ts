/**
 * TEST-ONLY: a kill switch inside the segment flush, so fault tests can SIGKILL a front at an
 * exact point of the write path (reliability-and-cost.md §6, T1) instead of hoping a random
 * kill lands there. Read once, here, from one variable; unset (every deployment) = no hook:
 *
 *   FLOE_TEST_CRASH_POINT=<point>[:nth=N | :p=P]
 *
 *   point   before-put    after the segment is laid out, before its S3 PUT
 *           after-put     after the PUT succeeded, before the metadata commit (an orphan object)
 *           after-commit  after the commit, before any producer is answered
 *   nth=N   die the N-th time this process reaches the point (default 1)
 *   p=P     die each time with probability P (0 < P ≤ 1)
 *
 * Anything else is a ConfigError naming the variable, so a typo cannot silently disable it.
 */
import { ConfigError } from "./validate.ts";

export const TEST_CRASH_POINTS = ["before-put", "after-put", "after-commit"] as const;
export type TestCrashPointName = (typeof TEST_CRASH_POINTS)[number];

export interface TestCrashPoint {
  readonly at: TestCrashPointName;
  /** Die on the nth arrival (1-based); undefined when `probability` is set. */
  readonly nth: number | undefined;
  /** Die on each arrival with this probability; undefined when `nth` is set. */
  readonly probability: number | undefined;
}

const VARIABLE = "FLOE_TEST_CRASH_POINT";

export function testCrashPointFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): TestCrashPoint | undefined {
  const raw = env[VARIABLE]?.trim();
  if (raw === undefined || raw === "") return undefined;
  const m = /^([a-z-]+)(?::(nth|p)=([0-9.]+))?$/.exec(raw);
  const at = m?.[1] as TestCrashPointName | undefined;
  if (!m || !at || !TEST_CRASH_POINTS.includes(at)) {
    throw new ConfigError(
      `${VARIABLE}: expected <${TEST_CRASH_POINTS.join("|")}>[:nth=N|:p=P], got ${JSON.stringify(raw)}`,
    );
  }
  if (m[2] === "p") {
    const probability = Number(m[3]);
    if (!(probability > 0 && probability <= 1)) {
      throw new ConfigError(`${VARIABLE}: p must be within (0, 1], got ${m[3]}`);
    }
    return Object.freeze({ at, nth: undefined, probability });
  }
  const nth = m[2] === "nth" ? Number(m[3]) : 1;
  if (!Number.isSafeInteger(nth) || nth < 1) {
    throw new ConfigError(`${VARIABLE}: nth must be a positive integer, got ${m[3]}`);
  }
  return Object.freeze({ at, nth, probability: undefined });
}
