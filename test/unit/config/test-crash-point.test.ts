/**
 * FLOE_TEST_CRASH_POINT, the test-only kill switch of the segment flush: unset means no hook at
 * all; a set value is parsed strictly, so a typo fails loudly instead of silently testing
 * nothing; and the hook built from it fires only at its point and arrival.
 */
import { describe, expect, it } from "vitest";
import { testCrashHook } from "../../../lib/broker/log/test-crash.ts";
import { testCrashPointFromEnv } from "../../../lib/config/test-crash-point.ts";

describe("FLOE_TEST_CRASH_POINT", () => {
  it("is off unless set", () => {
    expect(testCrashPointFromEnv({})).toBeUndefined();
    expect(testCrashPointFromEnv({ FLOE_TEST_CRASH_POINT: " " })).toBeUndefined();
  });

  it("names a point, with the nth arrival (default the first) or a probability", () => {
    expect(testCrashPointFromEnv({ FLOE_TEST_CRASH_POINT: "before-put" })).toEqual({
      at: "before-put",
      nth: 1,
      probability: undefined,
    });
    expect(testCrashPointFromEnv({ FLOE_TEST_CRASH_POINT: "after-put:nth=7" })).toEqual({
      at: "after-put",
      nth: 7,
      probability: undefined,
    });
    expect(testCrashPointFromEnv({ FLOE_TEST_CRASH_POINT: "after-commit:p=0.25" })).toEqual({
      at: "after-commit",
      nth: undefined,
      probability: 0.25,
    });
  });

  it.each([
    "after-flush",
    "after-put:nth=0",
    "after-put:nth=1.5",
    "after-put:p=0",
    "after-put:p=2",
    "after-put:n=3",
  ])("refuses %s, naming the variable", (value) => {
    expect(() => testCrashPointFromEnv({ FLOE_TEST_CRASH_POINT: value })).toThrow(
      /FLOE_TEST_CRASH_POINT/,
    );
  });

  it("builds a hook that does nothing without a point, or at other points and arrivals", () => {
    expect(() => testCrashHook(null)("after-put")).not.toThrow();
    // Fires (SIGKILL) on the third arrival at after-put only: two arrivals and other points pass.
    const hook = testCrashHook(
      testCrashPointFromEnv({ FLOE_TEST_CRASH_POINT: "after-put:nth=3" })!,
    );
    hook("after-put");
    hook("before-put");
    hook("after-commit");
    hook("after-put");
  });
});
