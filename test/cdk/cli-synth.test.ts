/**
 * `npx cdk synth` from the repository top works offline: the CLI runs cdk.json's app with
 * Node 24, the app looks nothing up (no account, region or AZ lookups, no cdk.context.json), and
 * nothing needs credentials or the network — the proxy points nowhere and no credentials exist.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { REPO_ROOT } from "./synth.ts";

const outdir = mkdtempSync(join(tmpdir(), "floe-cdk-cli-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The environment minus anything that could reach AWS or the network. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("AWS_") && !key.startsWith("CDK_")) env[key] = value;
  }
  return {
    ...env,
    HTTP_PROXY: "http://127.0.0.1:9",
    HTTPS_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    CDK_DISABLE_CLI_TELEMETRY: "true",
  };
}

it("npx cdk synth produces both templates offline, with no context lookup", () => {
  const hadContextFile = existsSync(join(REPO_ROOT, "cdk.context.json"));
  const synth = spawnSync(
    "npx",
    ["--no-install", "cdk", "synth", "--quiet", "--no-notices", "--output", outdir],
    { cwd: REPO_ROOT, env: offlineEnv(), encoding: "utf8", timeout: 240_000 },
  );
  const output = `${synth.stdout}\n${synth.stderr}`;
  if (/schema version mismatch/i.test(output)) {
    const cli = JSON.parse(
      readFileSync(join(REPO_ROOT, "node_modules/aws-cdk/package.json"), "utf8"),
    );
    throw new Error(
      `the aws-cdk CLI in node_modules (${cli.version}) cannot read the cloud assembly aws-cdk-lib writes; ` +
        `package.json's devDependency aws-cdk must be a 2.x CLI at least as new as aws-cdk-lib ` +
        `(^2.1148.1; aws-cdk 3.0.0 on npm is an April 2025 build). CLI output:\n${output}`,
    );
  }
  expect(synth.error).toBeUndefined();
  expect(synth.status, output).toBe(0);
  expect(
    readdirSync(outdir)
      .filter((f) => f.endsWith(".template.json"))
      .sort(),
  ).toEqual(["FloeData.template.json", "FloeService.template.json"]);
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  expect(manifest.missing).toBeUndefined();
  expect(existsSync(join(REPO_ROOT, "cdk.context.json"))).toBe(hadContextFile);
});
