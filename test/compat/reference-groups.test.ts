// The consumer-group compatibility suite (groups/suite.ts) against the reference Apache Kafka
// 4.1.1 broker, which proves the suite itself; Floe runs the same suite unchanged. Runs when
// FLOE_COMPAT_TARGET includes "reference" (vitest.config.ts leaves the file out otherwise):
//   npm run test:reference
//   FLOE_COMPAT_TARGET=reference npx vitest run test/compat/reference-groups.test.ts
//   FLOE_COMPAT_TARGET=reference FLOE_GROUP_RECORDS=4000 npx vitest run test/compat/reference-groups.test.ts
// The broker runs with group.initial.rebalance.delay.ms=0 (reference-kafka.ts) and Kafka's
// default group.min.session.timeout.ms of 6 s, the suite's session timeout.
import { describe, it } from "vitest";
import { defineGroupSuite } from "./groups/suite.ts";
import { startReferenceKafka } from "./reference-kafka.ts";

const targets = (process.env["FLOE_COMPAT_TARGET"] ?? "reference").split(",").map((s) => s.trim());

if (targets.includes("reference")) {
  defineGroupSuite(() => startReferenceKafka(), { name: "reference Apache Kafka 4.1.1" });
} else {
  describe.skip(`reference Kafka group compat: FLOE_COMPAT_TARGET=${targets.join(",")} does not include "reference"`, () => {
    it("not selected", () => {});
  });
}
