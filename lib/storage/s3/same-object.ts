/**
 * "Is the object stored under this key exactly the body we tried to write?" — asked only when a
 * retried conditional PUT fails with 412, i.e. when an earlier attempt of the same `putNew` had
 * an unknown outcome (a timeout or reset after the request went out, a 5xx) and may have landed.
 * If the stored object is ours, the write succeeded and must not be reported as
 * ObjectExistsError; if it is someone else's, it is a real conflict.
 *
 * Cheapest decisive evidence first:
 *  1. HEAD: a different size → not ours.
 *  2. A stored full-object CRC32 (we ask the SDK to send one on every PUT, and S3 verifies it on
 *     arrival) that differs from ours → not ours.
 *  3. An ETag that is a plain MD5 (32 hex digits) equal to our body's MD5 → ours. A different
 *     ETag proves nothing: with SSE-KMS, in S3 Express or after a multipart upload the ETag is
 *     not the MD5 of the content.
 *  4. Otherwise GET the object and compare bytes. Rare (ambiguous PUT, then 412, then no MD5
 *     ETag) and bounded by the segment size.
 * Two writers putting byte-identical bodies under one key both succeed through this path; keys
 * are unique per writer, and the object holds exactly what each of them meant to store.
 */
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { StorageCounters } from "../counters.ts";

export async function storedObjectEquals(
  client: S3Client,
  counters: StorageCounters,
  bucket: string,
  key: string,
  body: Buffer,
): Promise<boolean> {
  counters.add("s3.get");
  const head = await client.send(
    new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }),
  );
  if (head.ContentLength !== undefined && head.ContentLength !== body.length) return false;

  const storedCrc = head.ChecksumCRC32;
  if (storedCrc !== undefined && head.ChecksumType !== "COMPOSITE") {
    const ours = Buffer.alloc(4);
    ours.writeUInt32BE(crc32(body) >>> 0);
    if (storedCrc !== ours.toString("base64")) return false;
  }

  const etag = head.ETag?.replaceAll('"', "").toLowerCase();
  if (etag !== undefined && /^[0-9a-f]{32}$/.test(etag)) {
    if (etag === createHash("md5").update(body).digest("hex")) return true;
  }

  counters.add("s3.get");
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const stored = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
  counters.add("s3.bytesGot", stored.length);
  return stored.equals(body);
}
