/**
 * Which cluster a segment key prefix belongs to. The orphan collector (./orphan-gc.ts) deletes
 * every old object under its prefix that its own metadata store does not reference, so if a
 * second deployment (another table, another SQLite file) writes segments under the same bucket
 * and prefix, this deployment's collector deletes that deployment's acknowledged records.
 *
 * So the prefix is claimed for the cluster id of a metadata store before anything is written
 * or deleted under it: by LogService before its first append (a front does it as it starts,
 * to fail at once), and by the collector before its first run. The claim is an owner object
 * beside the prefix, not under it, so listings of segments never see it: `segments/` is
 * claimed by `segments.owner`. It is written once, with
 * the object store's If-None-Match semantics (`putNew`): two collectors of one cluster racing to
 * claim both end up reading the same id. A collector that finds another cluster's id, or an
 * owner object it cannot read, refuses to run and deletes nothing (SegmentPrefixOwnedError).
 * A dry run only checks: it writes no owner object.
 *
 * Cost: one GET (and the cluster id's UpdateItem) per process that writes or collects: a
 * front, a produce function's cold start, a maintenance container; one PUT the first time a
 * prefix is claimed.
 */
import { ObjectExistsError, ObjectNotFoundError } from "../../storage/errors.ts";
import type { ObjectStore } from "../../storage/ports.ts";

/** The owner object of `prefix` ("segments/" → "segments.owner"). */
export function prefixOwnerKey(prefix: string): string {
  return `${prefix.replace(/\/+$/, "")}.owner`;
}

/** Another cluster owns the prefix, or its owner object cannot be read: delete nothing. */
export class SegmentPrefixOwnedError extends Error {
  override readonly name = "SegmentPrefixOwnedError";
}

interface OwnerRecord {
  clusterId: string;
}

/**
 * Claims `prefix` for `clusterId` (or, with `checkOnly`, just checks that no other cluster
 * holds it). Resolves when the prefix is this cluster's; throws SegmentPrefixOwnedError when
 * it is not; storage errors pass through.
 */
export async function claimSegmentPrefix(
  objectStore: ObjectStore,
  prefix: string,
  clusterId: string,
  options: { checkOnly?: boolean } = {},
): Promise<void> {
  const key = prefixOwnerKey(prefix);
  let owner = await readOwner(objectStore, key);
  if (owner === undefined && !options.checkOnly) {
    const body = Buffer.from(`${JSON.stringify({ clusterId } satisfies OwnerRecord)}\n`);
    try {
      await objectStore.putNew(key, body);
      return;
    } catch (err) {
      if (!(err instanceof ObjectExistsError)) throw err;
      owner = await readOwner(objectStore, key); // another collector claimed it first
    }
  }
  if (owner === undefined || owner.clusterId === clusterId) return;
  throw new SegmentPrefixOwnedError(
    `segment prefix "${prefix}" belongs to cluster ${owner.clusterId} (owner object "${key}"), ` +
      `not to this metadata store's cluster ${clusterId}. Each cluster's orphan collector ` +
      "deletes every segment its own store does not reference, so Floe neither writes nor " +
      "collects segments under another cluster's prefix. Give each deployment its own bucket " +
      `or segment prefix; delete "${key}" only if that other cluster is gone for good.`,
  );
}

async function readOwner(objectStore: ObjectStore, key: string): Promise<OwnerRecord | undefined> {
  let body: Buffer;
  try {
    body = await objectStore.get(key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const clusterId = (parsed as Partial<OwnerRecord> | undefined)?.clusterId;
  if (typeof clusterId !== "string" || clusterId === "") {
    throw new SegmentPrefixOwnedError(
      `the owner object "${key}" of the segment prefix does not name a cluster ` +
        `(${body.length} bytes, not {"clusterId": …}); the orphan collector will not run ` +
        "until it is fixed or removed",
    );
  }
  return { clusterId };
}
