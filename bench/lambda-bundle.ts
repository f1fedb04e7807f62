/**
 * Size and cold initialisation of the produce Lambda, bundled as CDK's NodejsFunction bundles
 * it: esbuild, platform node, target node24, ESM, minified, `@aws-sdk/*` external (the
 * nodejs24.x runtime provides SDK v3). Powertools is bundled: the runtime does not ship it, and
 * a layer would only move the bytes. ESM (what lib/ is written in) rather than NodejsFunction's
 * CJS default; the banner gives bundled CommonJS dependencies the `require` they expect.
 *
 * Init is timed in a fresh `node` process with the AWS environment pointed at local emulator
 * endpoints: from process start (performance.timeOrigin) until the module has loaded and
 * `handler` is a function — what Lambda's init phase runs. Clients connect lazily, at the first
 * invocation, so no emulator needs to be up.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BuildOptions, build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");

/** The esbuild options NodejsFunction derives from the service stack's bundling settings. */
export const NODEJS_FUNCTION_BUILD: Readonly<BuildOptions> = Object.freeze({
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  minify: true,
  mainFields: ["module", "main"],
  external: ["@aws-sdk/*"],
  banner: {
    js: "import { createRequire as __floeCreateRequire } from 'node:module'; const require = __floeCreateRequire(import.meta.url);",
  },
  logLevel: "error",
});

const INIT_RUNS = 3;

export async function bundleFunction(entry: string, outDir: string): Promise<string> {
  const outfile = join(outDir, "index.mjs");
  await build({ ...NODEJS_FUNCTION_BUILD, entryPoints: [join(ROOT, entry)], outfile });
  mkdirSync(join(outDir, "node_modules"), { recursive: true });
  // The runtime's own SDK v3, as /var/runtime provides it.
  symlinkSync(join(ROOT, "node_modules/@aws-sdk"), join(outDir, "node_modules/@aws-sdk"), "dir");
  return outfile;
}

function timeInit(bundle: string, dir: string): number {
  const probe = join(dir, "probe.mjs");
  writeFileSync(
    probe,
    `const { handler } = await import(${JSON.stringify(bundle)});
if (typeof handler !== "function") throw new Error("no handler export");
process.stdout.write(String(performance.now()));\n`,
  );
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "floetest",
    AWS_SECRET_ACCESS_KEY: "floetest",
    AWS_ENDPOINT_URL_S3: "http://127.0.0.1:4566",
    AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000",
    FLOE_S3_BUCKET: "floe-bench",
    FLOE_DYNAMODB_TABLE: "floe-bench",
    AWS_LAMBDA_FUNCTION_NAME: "floe-produce",
    NODE_OPTIONS: "",
  };
  const res = spawnSync(process.execPath, [probe], { env, encoding: "utf8", timeout: 30_000 });
  if (res.status !== 0) throw new Error(`bundle failed to initialise:\n${res.stderr}`);
  return Number(res.stdout);
}

export async function measureProduceHandler(): Promise<{ bundleBytes: number; initMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), "floe-lambda-bundle-"));
  try {
    const bundle = await bundleFunction("functions/produce.ts", dir);
    const bundleBytes = statSync(bundle).size;
    // The median of a few fresh processes: one run is at the mercy of the page cache.
    const runs = Array.from({ length: INIT_RUNS }, () => timeInit(bundle, dir)).sort(
      (a, b) => a - b,
    );
    return { bundleBytes, initMs: Math.round(runs[Math.floor(INIT_RUNS / 2)]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
