/**
 * The `floe` commands a developer uses by hand, run as real processes against `floe dev`.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FloeProcess, startFloeProcess } from "../helpers/floe-process.ts";

const CLI = resolve(import.meta.dirname, "../../lib/cli/main.ts");
let floe: FloeProcess;

beforeAll(async () => {
  floe = await startFloeProcess({ args: ["--partitions", "2"] });
});
afterAll(() => floe.kill());

function floeCli(
  args: string[],
  input?: string,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, "--bootstrap", floe.bootstrap], {
    input,
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("floe topics", () => {
  it("creates, lists, describes and deletes a topic", () => {
    expect(
      floeCli(["topics", "create", "orders", "--partitions", "3", "--config", "retention.ms=60000"])
        .status,
    ).toBe(0);
    expect(floeCli(["topics", "list"]).stdout.split("\n")).toContain("orders");
    const described = floeCli(["topics", "describe", "orders"]);
    expect(described.stdout).toMatch(
      /Topic: orders\tTopicId: [0-9a-f-]{36}\tPartitionCount: 3\tConfigs: retention.ms=60000/,
    );
    expect(described.stdout.match(/Partition: \d/g)).toHaveLength(3);
    expect(floeCli(["topics", "delete", "orders"]).status).toBe(0);
    expect(floeCli(["topics", "list"]).stdout.split("\n")).not.toContain("orders");
  });

  it("explains a refused creation", () => {
    floeCli(["topics", "create", "dup", "--partitions", "1"]);
    const again = floeCli(["topics", "create", "dup", "--partitions", "1"]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("already exists");
    const bad = floeCli(["topics", "create", "bad", "--config", "cleanup.policy=compact"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("cleanup.policy");
  });
});

describe("floe produce and consume", () => {
  it("round-trips lines through a compressed topic", () => {
    const lines = Array.from({ length: 1200 }, (_, i) => `line ${i}`);
    const produced = floeCli(
      ["produce", "lines", "--partition", "1", "--compression", "zstd"],
      `${lines.join("\n")}\n`,
    );
    expect(produced.status).toBe(0);
    const consumed = floeCli(["consume", "lines", "--partition", "1", "--from", "earliest"]);
    expect(consumed.stdout.trimEnd().split("\n")).toEqual(lines);
    const tail = floeCli(["consume", "lines", "--partition", "1", "--from", "1197"]);
    expect(tail.stdout.trimEnd().split("\n")).toEqual(lines.slice(1197));
  });

  it("fails clearly when no server is reachable", () => {
    const r = spawnSync(process.execPath, [CLI, "topics", "list", "--bootstrap", "127.0.0.1:1"], {
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot reach a Kafka endpoint at 127.0.0.1:1");
  });
});

describe("floe dev options", () => {
  it.each([
    ["--linger-ms=-1", "--linger-ms must be an integer ≥ 0, got -1"],
    ["--linger-ms=soon", "--linger-ms must be an integer, got soon"],
    ["--emf-interval-ms=-5", "--emf-interval-ms must be an integer ≥ 0, got -5"],
    ["--emf-interval-ms=60000", "--emf-interval-ms needs --backend aws"],
  ])("refuses %s before it starts anything", (option, message) => {
    const r = spawnSync(
      process.execPath,
      [CLI, "dev", "--port", "0", "--no-http", "--data-dir", "/nonexistent/x", option],
      { encoding: "utf8", timeout: 20_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
  });
});
