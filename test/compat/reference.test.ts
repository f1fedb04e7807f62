// Kafka client compatibility against the reference Apache Kafka 4.1.1 broker (from Maven
// Central; install with `bash scripts/setup-test-deps.sh`). The same suite (suite.ts) targets
// Floe in floe.test.ts. FLOE_COMPAT_TARGET selects targets as a comma-separated list; this file
// runs when it includes "reference" (vitest.config.ts leaves the file out of plain runs
// otherwise) and is skipped by name if it is run directly with another target.
//   npm run test:reference
//   FLOE_COMPAT_TARGET=reference npx vitest run test/compat/reference.test.ts
//   FLOE_COMPAT_TARGET=reference FLOE_COMPAT_COUNT=1000 npx vitest run test/compat/reference.test.ts
import { describe, it } from "vitest";
import { startReferenceKafka } from "./reference-kafka.ts";
import { defineCompatSuite } from "./suite.ts";

const targets = (process.env["FLOE_COMPAT_TARGET"] ?? "reference").split(",").map((s) => s.trim());

if (targets.includes("reference")) {
  defineCompatSuite(() => startReferenceKafka(), { name: "reference Apache Kafka 4.1.1" });
} else {
  describe.skip(`reference Kafka compat: FLOE_COMPAT_TARGET=${targets.join(",")} does not include "reference"`, () => {
    it("not selected", () => {});
  });
}
