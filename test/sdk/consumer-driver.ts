/**
 * A FloeConsumer in its own process, for tests that must kill one (SIGKILL: no release, no
 * last checkpoint). Settings come as one JSON argument; every consumer event is printed as a
 * JSON line on stdout (bigints as numbers), which is what the test checks. SIGTERM stops it
 * gracefully (leases released).
 *
 *   node test/sdk/consumer-driver.ts '{"endpoint":…,"group":…,"topic":…,"workerId":…,
 *     "leaseDurationMs":…,"handlerDelayMs":…,"fetchMaxBytes":…}'
 */
import { FloeConsumer } from "../../lib/sdk/consumer.ts";

const settings = JSON.parse(process.argv[2]) as {
  endpoint: string;
  group: string;
  topic: string;
  workerId: string;
  leaseDurationMs: number;
  handlerDelayMs: number;
  fetchMaxBytes: number;
};

function print(event: object): void {
  process.stdout.write(
    `${JSON.stringify(event, (_, v) => (typeof v === "bigint" ? Number(v) : v instanceof Error ? v.message : v))}\n`,
  );
}

const consumer = new FloeConsumer({
  endpoint: settings.endpoint,
  group: settings.group,
  topic: settings.topic,
  workerId: settings.workerId,
  leaseDurationMs: settings.leaseDurationMs,
  fetchMaxBytes: settings.fetchMaxBytes,
  fetchMaxWaitMs: 500,
  handler: async () => {
    await new Promise((r) => setTimeout(r, settings.handlerDelayMs));
  },
  onEvent: (event) => print(event),
});
consumer.start();
print({ type: "started", workerId: consumer.workerId });
process.once("SIGTERM", () => {
  void consumer.stop().then(() => {
    print({ type: "stopped" });
    process.exit(0);
  });
});
