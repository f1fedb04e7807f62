/**
 * The owner of a segment key prefix (lib/broker/log/prefix-owner.ts), on the embedded backend:
 * real directories, real SQLite stores, two "deployments" sharing one object directory.
 *
 * Specs: the first claim writes the owner object beside the prefix (not under it); a claim by
 * the same cluster succeeds, also when two race; another cluster's claim is refused with an
 * error naming both clusters and the owner object; a check-only claim writes nothing; an
 * unreadable owner object is refused; a front of another cluster does not start.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { clusterIdOf } from "../../../../lib/broker/cluster-id.ts";
import {
  claimSegmentPrefix,
  prefixOwnerKey,
  SegmentPrefixOwnedError,
} from "../../../../lib/broker/log/prefix-owner.ts";
import { startFront } from "../../../../lib/front/node.ts";
import { FsObjectStore } from "../../../../lib/storage/fs/object-store.ts";
import { SqliteMetadataStore } from "../../../../lib/storage/sqlite/metadata-store.ts";
import { listKeys } from "./helpers.ts";

const PREFIX = "segments/";
const dirs: string[] = [];
const stores: SqliteMetadataStore[] = [];

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function objects(): Promise<FsObjectStore> {
  const dir = await mkdtemp(join(tmpdir(), "floe-owner-"));
  dirs.push(dir);
  return new FsObjectStore({ rootDir: join(dir, "objects") });
}

async function metadataStore(): Promise<SqliteMetadataStore> {
  const dir = await mkdtemp(join(tmpdir(), "floe-owner-meta-"));
  dirs.push(dir);
  const store = await SqliteMetadataStore.open({ path: join(dir, "meta.sqlite") });
  stores.push(store);
  return store;
}

describe("claimSegmentPrefix", () => {
  it("writes the owner object beside the prefix, naming the cluster, and accepts it again", async () => {
    const store = await objects();
    expect(prefixOwnerKey(PREFIX)).toBe("segments.owner");
    await claimSegmentPrefix(store, PREFIX, "cluster-a");
    expect(JSON.parse((await store.get("segments.owner")).toString())).toEqual({
      clusterId: "cluster-a",
    });
    expect(await listKeys(store, PREFIX)).toEqual([]); // not under the prefix: no segment listing sees it
    await expect(claimSegmentPrefix(store, PREFIX, "cluster-a")).resolves.toBeUndefined();
  });

  it("lets two claims of one cluster race", async () => {
    const store = await objects();
    await Promise.all(
      Array.from({ length: 8 }, () => claimSegmentPrefix(store, PREFIX, "cluster-a")),
    );
    expect(JSON.parse((await store.get("segments.owner")).toString()).clusterId).toBe("cluster-a");
  });

  it("refuses another cluster, naming both and the owner object", async () => {
    const store = await objects();
    await claimSegmentPrefix(store, PREFIX, "cluster-a");
    const refused = claimSegmentPrefix(store, PREFIX, "cluster-b");
    await expect(refused).rejects.toBeInstanceOf(SegmentPrefixOwnedError);
    await expect(refused).rejects.toThrow(
      /belongs to cluster cluster-a.*"segments.owner".*cluster-b/s,
    );
    // Other prefixes are other claims.
    await expect(
      claimSegmentPrefix(store, "tenant-b/segments/", "cluster-b"),
    ).resolves.toBeUndefined();
  });

  it("only checks when told to: nothing is written, another cluster is still refused", async () => {
    const store = await objects();
    await claimSegmentPrefix(store, PREFIX, "cluster-a", { checkOnly: true });
    await expect(store.get("segments.owner")).rejects.toMatchObject({
      name: "ObjectNotFoundError",
    });
    await claimSegmentPrefix(store, PREFIX, "cluster-a");
    await expect(
      claimSegmentPrefix(store, PREFIX, "cluster-b", { checkOnly: true }),
    ).rejects.toBeInstanceOf(SegmentPrefixOwnedError);
  });

  it("refuses an owner object that does not name a cluster", async () => {
    for (const body of ["not json", "{}", '{"clusterId": ""}', '{"clusterId": 7}']) {
      const store = await objects();
      await store.putNew("segments.owner", Buffer.from(body));
      await expect(claimSegmentPrefix(store, PREFIX, "cluster-a")).rejects.toThrow(
        /"segments.owner".*does not name a cluster/,
      );
    }
  });
});

describe("a front", () => {
  it("does not start on a segment prefix another cluster owns", async () => {
    const objectStore = await objects();
    const other = await metadataStore();
    await claimSegmentPrefix(objectStore, PREFIX, await clusterIdOf(other));
    const ours = await metadataStore();
    await expect(
      startFront({ objectStore, metadataStore: ours, broker: { port: 0 } }),
    ).rejects.toBeInstanceOf(SegmentPrefixOwnedError);
  });

  it("claims the prefix for its own cluster when it starts", async () => {
    const objectStore = await objects();
    const ours = await metadataStore();
    const front = await startFront({ objectStore, metadataStore: ours, broker: { port: 0 } });
    try {
      const owner = JSON.parse((await objectStore.get("segments.owner")).toString());
      expect(owner.clusterId).toBe(await clusterIdOf(ours));
    } finally {
      await front.close();
    }
  });
});
