// `floe groups` and kafka-consumer-groups against the reference Apache Kafka 4.1.1 broker
// (install with `bash scripts/setup-test-deps.sh`), which proves the suite itself until Floe
// serves consumer groups. Like test/compat/reference.test.ts it runs on demand, when
// FLOE_COMPAT_TARGET includes "reference" (vitest.config.ts leaves it out of plain runs):
//   npm run test:reference
//   FLOE_COMPAT_TARGET=reference npx vitest run test/cli/floe-groups-reference.test.ts
import { startReferenceKafka } from "../compat/reference-kafka.ts";
import { defineGroupsCliSuite } from "./floe-groups-suite.ts";

defineGroupsCliSuite("reference Apache Kafka 4.1.1", () => startReferenceKafka());
