import { defineConfig } from "vitest/config";

// One run covers every suite; compat and crash tests spawn real clients and servers, so the
// default timeout is generous and files run in separate processes (2 cores: two at a time).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The compat suite against the reference Apache Kafka broker proves the suite itself;
    // it runs on demand (npm run test:reference), not on every npm test.
    exclude: process.env.FLOE_COMPAT_TARGET?.includes("reference")
      ? ["**/node_modules/**"]
      : [
          "**/node_modules/**",
          "test/compat/reference.test.ts",
          "test/compat/reference-groups.test.ts",
          "test/cli/floe-groups-reference.test.ts",
        ],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ["default"],
  },
});
