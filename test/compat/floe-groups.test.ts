// The consumer-group compatibility suite (groups/suite.ts) against Floe: three fronts in
// several-front mode sharing one embedded store, members spread over them (each member
// bootstraps from a different front; the group's coordinator is whichever front the group id
// hashes to). The same suite, unchanged, passes against the reference Kafka broker
// (reference-groups.test.ts).
import { createTopic } from "../../lib/client/admin.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import { type RunningFront, startEmbeddedFront } from "../../lib/front/node.ts";
import { tempDataDir } from "../helpers/floe-process.ts";
import { defineGroupSuite } from "./groups/suite.ts";

const FRONTS = 3;

defineGroupSuite(
  async () => {
    const dataDir = tempDataDir("floe-groups-compat-");
    const fronts: RunningFront[] = [];
    for (let i = 0; i < FRONTS; i++) {
      fronts.push(
        await startEmbeddedFront({
          dataDir,
          cluster: "registry",
          broker: { port: 0, groupInitialRebalanceDelayMs: 0 },
        }),
      );
    }
    const address = (i: number) => `127.0.0.1:${fronts[i % FRONTS].endpoint.port}`;
    return {
      bootstrap: address(0),
      bootstrapFor: address,
      async createTopic(name: string, partitions: number) {
        const client = await WireClient.connect("127.0.0.1", fronts[0].endpoint.port);
        try {
          await createTopic(client, name, partitions);
        } finally {
          client.close();
        }
      },
      async stop() {
        for (const f of fronts) await f.close();
      },
    };
  },
  { name: "Floe (3 fronts, embedded backend)" },
);
