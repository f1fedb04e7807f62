// Kafka client compatibility against Floe on the embedded backend: the very suite that passes
// against the reference Apache Kafka broker (reference.test.ts, `npm run test:reference`),
// unchanged. The front runs in this process; every client talks to it over TCP.
import { createTopic } from "../../lib/client/admin.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import { startEmbeddedFront } from "../../lib/front/node.ts";
import { tempDataDir } from "../helpers/floe-process.ts";
import { defineCompatSuite } from "./suite.ts";

defineCompatSuite(
  async () => {
    const front = await startEmbeddedFront({
      dataDir: tempDataDir("floe-compat-"),
      broker: { port: 0 },
    });
    const bootstrap = `127.0.0.1:${front.endpoint.port}`;
    return {
      bootstrap,
      async createTopic(name: string, partitions: number) {
        const client = await WireClient.connect("127.0.0.1", front.endpoint.port);
        try {
          await createTopic(client, name, partitions);
        } finally {
          client.close();
        }
      },
      stop: () => front.close(),
    };
  },
  { name: "Floe (embedded backend)" },
);
