/**
 * `npm test`: the whole suite, as CI runs it. Installs or verifies the test prerequisites
 * (real Kafka clients, kcat, Java/Go/Python drivers — cached under .tools/), checks lint and
 * types, then runs every vitest suite. Any missing prerequisite fails here with an install
 * hint; no test is skipped because something is absent.
 *
 *   npm test                 everything
 *   npm test -- <filter>     only vitest files matching <filter> (setup and lint still run)
 */
import { spawnSync } from "node:child_process";

function run(label: string, cmd: string, args: string[]): void {
  console.log(`\n== ${label}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: process.env });
  if (r.status !== 0) {
    console.error(`\n${label} failed (exit ${r.status ?? r.signal}).`);
    if (label === "test prerequisites") {
      console.error("Install hint: run `bash scripts/setup-test-deps.sh` and read its message.");
    }
    process.exit(r.status ?? 1);
  }
}

const filters = process.argv.slice(2);
run("test prerequisites", "bash", ["scripts/setup-test-deps.sh"]);
run("codegen check", process.execPath, ["scripts/codegen/main.ts", "--check"]);
run("lint", "npx", ["biome", "check", "."]);
run("types", "npx", ["tsc", "--noEmit", "-p", "."]);
run("tests", "npx", ["vitest", "run", ...filters]);
