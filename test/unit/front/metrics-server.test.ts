// A front's counters in the Prometheus text format.
import { afterEach, describe, expect, it } from "vitest";
import {
  type MetricsServer,
  metricName,
  startMetricsServer,
} from "../../../lib/front/metrics-server.ts";
import { StorageCounters } from "../../../lib/storage/counters.ts";

describe("metrics endpoint", () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it("names counters in Prometheus style", () => {
    expect(metricName("floe", "s3.bytesPut")).toBe("floe_s3_bytes_put_total");
    expect(metricName("floe_log", "segmentPuts")).toBe("floe_log_segment_puts_total");
    expect(metricName("floe", "dynamodb.calls.UpdateItem")).toBe(
      "floe_dynamodb_calls_update_item_total",
    );
  });

  it("serves live counter values on GET /metrics and 404 elsewhere", async () => {
    const counters = new StorageCounters();
    server = await startMetricsServer("127.0.0.1", 0, { floe: () => counters.snapshot() });
    counters.add("s3.put", 3);
    counters.add("dynamodb.wcu", 1.5);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain("# TYPE floe_s3_put_total counter\nfloe_s3_put_total 3\n");
    expect(body).toContain("floe_dynamodb_wcu_total 1.5");
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });
});
