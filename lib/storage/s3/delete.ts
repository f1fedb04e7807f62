/**
 * DeleteObjects in groups of 1,000 keys (the API's limit), in quiet mode so the response lists
 * only the keys that failed. S3 reports a missing key as deleted, and NoSuchKey is ignored too
 * in case a compatible server reports it. A per-key error that is transient (InternalError,
 * SlowDown…) makes the whole request's attempt fail, and the retry resends only the keys still
 * failing; any other per-key error (AccessDenied…) is answered at once as
 * StorageUnavailableError naming the first failures.
 */
import { type _Error, DeleteObjectsCommand, type S3Client } from "@aws-sdk/client-s3";
import type { StorageCounters } from "../counters.ts";
import { StorageUnavailableError } from "../errors.ts";
import type { withRetries } from "./retry.ts";

export const DELETE_BATCH_KEYS = 1000;

/** Per-key codes worth retrying; anything else is a lasting refusal. */
const TRANSIENT_KEY_CODES = new Set(["InternalError", "SlowDown", "ServiceUnavailable"]);

/** Thrown inside an attempt so the retry loop backs off and resends the failed keys. */
class PartialDeleteError extends Error {
  override readonly name = "InternalError";
}

type Retrying = <T>(what: string, attempt: Parameters<typeof withRetries<T>>[3]) => Promise<T>;

export async function deleteKeys(
  client: S3Client,
  bucket: string,
  counters: StorageCounters,
  retrying: Retrying,
  fullKeys: readonly string[],
): Promise<void> {
  const unique = [...new Set(fullKeys)];
  for (let i = 0; i < unique.length; i += DELETE_BATCH_KEYS) {
    let remaining = unique.slice(i, i + DELETE_BATCH_KEYS);
    await retrying(`deleteMany (${remaining.length} keys)`, async () => {
      counters.add("s3.delete");
      const out = await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: remaining.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
      if (failed.length === 0) return;
      const lasting = failed.filter((e) => !TRANSIENT_KEY_CODES.has(e.Code ?? ""));
      if (lasting.length > 0) {
        throw new StorageUnavailableError(
          `S3 deleteMany: ${lasting.length} key(s) not deleted: ${describe(lasting)}`,
        );
      }
      remaining = failed.map((e) => e.Key!).filter((k) => k !== undefined);
      throw new PartialDeleteError(`${failed.length} key(s) not deleted yet: ${describe(failed)}`);
    });
  }
}

function describe(errors: readonly _Error[]): string {
  const shown = errors
    .slice(0, 3)
    .map((e) => `${e.Key} (${e.Code}: ${e.Message})`)
    .join(", ");
  return errors.length > 3 ? `${shown}, …` : shown;
}
