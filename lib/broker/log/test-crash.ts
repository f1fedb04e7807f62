/**
 * TEST-ONLY: the kill switch of lib/config/test-crash-point.ts. The segment flush calls the
 * returned function at each named point; with no crash point configured (every deployment) it
 * is a no-op that never looks at the name. When it fires, the process SIGKILLs itself and
 * blocks the thread until the signal lands, so nothing after the point (a PUT, a commit, an
 * answer to a producer) can run — exactly what a host dying there looks like.
 */
import type { TestCrashPoint, TestCrashPointName } from "../../config/test-crash-point.ts";

export type CrashHook = (at: TestCrashPointName) => void;

const noCrash: CrashHook = () => {};

export function testCrashHook(point: TestCrashPoint | null | undefined): CrashHook {
  if (!point) return noCrash;
  let arrivals = 0;
  return (at) => {
    if (at !== point.at) return;
    arrivals++;
    const die =
      point.probability !== undefined ? Math.random() < point.probability : arrivals === point.nth;
    if (!die) return;
    process.kill(process.pid, "SIGKILL");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
  };
}
