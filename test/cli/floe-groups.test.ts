// `floe groups` and Kafka's own kafka-consumer-groups tool (list, describe with lag, reset
// offsets) against `floe dev` as a real process: the same suite that passes against the
// reference Apache Kafka broker (floe-groups-reference.test.ts).
import { startFloeProcess } from "../helpers/floe-process.ts";
import { defineGroupsCliSuite } from "./floe-groups-suite.ts";

defineGroupsCliSuite("floe dev", async () => {
  const floe = await startFloeProcess();
  return { bootstrap: floe.bootstrap, stop: () => floe.kill() };
});
