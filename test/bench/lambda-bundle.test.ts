/**
 * bench/lambda-bundle.ts: the produce function bundled as NodejsFunction bundles it has a sane
 * size and init time, and the bundle really runs — loaded in a fresh node process it answers an
 * API Gateway event (unsigned, so the 403 of the IAM check: no storage is reached).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleFunction, measureProduceHandler } from "../../bench/lambda-bundle.ts";

describe("lambda bundle", () => {
  it("measures the produce handler's bundle size and cold init", async () => {
    const { bundleBytes, initMs } = await measureProduceHandler();
    expect(bundleBytes).toBeGreaterThan(50_000);
    expect(bundleBytes).toBeLessThan(10_000_000);
    expect(initMs).toBeGreaterThan(0);
    expect(initMs).toBeLessThan(10_000);
  });

  it("produces a bundle that serves an API Gateway event", async () => {
    const dir = mkdtempSync(join(tmpdir(), "floe-bundle-test-"));
    try {
      const bundle = await bundleFunction("functions/produce.ts", dir);
      const probe = join(dir, "invoke.mjs");
      writeFileSync(
        probe,
        `const { handler } = await import(${JSON.stringify(bundle)});
const event = { version: "2.0", rawPath: "/v1/producers", rawQueryString: "", headers: {},
  requestContext: { http: { method: "POST", path: "/v1/producers" }, stage: "$default" }, isBase64Encoded: false };
const context = { functionName: "floe-produce", awsRequestId: "1", getRemainingTimeInMillis: () => 10000 };
process.stdout.write(JSON.stringify(await handler(event, context)));\n`,
      );
      const res = spawnSync(process.execPath, [probe], {
        encoding: "utf8",
        timeout: 30_000,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "x",
          AWS_SECRET_ACCESS_KEY: "x",
          AWS_ENDPOINT_URL: "http://127.0.0.1:9",
          FLOE_S3_BUCKET: "floe-bundle-test",
          POWERTOOLS_METRICS_DISABLED: "true",
        },
      });
      expect(res.status, res.stderr).toBe(0);
      const result = JSON.parse(res.stdout.slice(res.stdout.lastIndexOf('{"statusCode"')));
      expect(result.statusCode).toBe(403);
      expect(JSON.parse(result.body).error.code).toBe("forbidden");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
