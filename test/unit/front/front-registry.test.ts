// Front leases in the metadata store: fronts see each other, agree on the live list, drop a
// front that deregisters at once and one that falls silent after its lease.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FrontRegistry } from "../../../lib/front/front-registry.ts";
import { SqliteMetadataStore } from "../../../lib/storage/sqlite/metadata-store.ts";

const LEASE_MS = 300;

describe("FrontRegistry", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function cluster(n: number) {
    const dir = mkdtempSync(join(tmpdir(), "floe-fronts-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const out: FrontRegistry[] = [];
    for (let i = 0; i < n; i++) {
      const store = await SqliteMetadataStore.open({ path: join(dir, "meta.db") });
      const reg = await FrontRegistry.start({
        store,
        host: "127.0.0.1",
        port: 9000 + i,
        leaseMs: LEASE_MS,
      });
      cleanups.push(async () => {
        await reg.close();
        await store.close();
      });
      out.push(reg);
    }
    return out;
  }

  const ids = (r: FrontRegistry) => r.liveFronts().map((f) => f.nodeId);
  const settle = (ms = LEASE_MS) => new Promise((r) => setTimeout(r, ms));

  it("gives every front its own node id and the same live list", async () => {
    const fronts = await cluster(3);
    expect(new Set(fronts.map((f) => f.nodeId)).size).toBe(3);
    await settle();
    const expected = fronts.map((f) => f.nodeId).sort((a, b) => a - b);
    for (const f of fronts) expect(ids(f)).toEqual(expected);
  });

  it("forgets a front that closed, and one that stopped renewing after its lease", async () => {
    const [a, b, c] = await cluster(3);
    await settle();
    await b.close();
    await settle();
    expect(ids(a)).not.toContain(b.nodeId);
    // c stops renewing without deregistering (a paused or killed process).
    (c as unknown as { closed: boolean }).closed = true;
    await settle(LEASE_MS * 2.5);
    expect(ids(a)).toEqual([a.nodeId]);
  });
});
