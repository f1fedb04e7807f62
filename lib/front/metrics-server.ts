/**
 * A front's counters over HTTP in the Prometheus text format (GET /metrics): the storage cost
 * counters (S3 requests by type, DynamoDB read/write units and calls — lib/storage/counters.ts)
 * and the log engine's (segments, commits, conflicts, cache). One front, one endpoint: a
 * scraper (or the ECS/CloudWatch agent) sums over fronts. Everything else is 404.
 */
import { createServer, type Server } from "node:http";

export type CounterSource = () => Record<string, number>;

/** "s3.bytesPut" → "floe_s3_bytes_put_total". */
export function metricName(prefix: string, name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toLowerCase();
  return `${prefix}_${snake}_total`;
}

export function renderMetrics(sources: Readonly<Record<string, CounterSource>>): string {
  const lines: string[] = [];
  for (const [prefix, read] of Object.entries(sources)) {
    for (const [name, value] of Object.entries(read())) {
      const metric = metricName(prefix, name);
      lines.push(`# TYPE ${metric} counter`, `${metric} ${value}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(
  host: string,
  port: number,
  sources: Readonly<Record<string, CounterSource>>,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(renderMetrics(sources));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found: GET /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
