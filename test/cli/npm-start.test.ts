/**
 * The README's first command: `npm start` brings up the Kafka endpoint on the embedded backend,
 * and a stock Kafka tool (kcat, librdkafka) gets metadata from it.
 */
import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { requireCommand } from "../compat/tools.ts";
import { tempDataDir } from "../helpers/floe-process.ts";

const ROOT = resolve(import.meta.dirname, "../..");
let stop: (() => void) | undefined;

afterEach(() => stop?.());

describe("npm start", () => {
  it("serves a kcat metadata request", async () => {
    requireCommand("kcat");
    const child = spawn("npm", ["start", "--", "--port", "0", "--data-dir", tempDataDir()], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    stop = () => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
    };
    const port = await new Promise<number>((done, fail) => {
      let out = "";
      const timer = setTimeout(
        () => fail(new Error(`npm start printed no listening line:\n${out}`)),
        60_000,
      );
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /serving Kafka on [^:]+:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          done(Number(m[1]));
        }
      });
    });
    const kcat = spawnSync("kcat", ["-L", "-b", `127.0.0.1:${port}`, "-t", "hello", "-m", "10"], {
      encoding: "utf8",
    });
    expect(kcat.status).toBe(0);
    expect(kcat.stdout).toContain(`broker 1 at 127.0.0.1:${port}`);
    expect(kcat.stdout).toContain('topic "hello" with 1 partitions');
  });
});
