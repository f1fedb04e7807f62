/**
 * GET /v1/topics/{topic}/partitions/{partition}/records — fetch with long poll.
 *
 * Reads whole batches from the one containing `offset` (LogService.read, KIP-74: at least one
 * batch even past maxBytes), decodes them (decompressing as needed) and returns the records at
 * or after `offset`, with `nextOffset` to ask for next. With nothing new it waits up to
 * `maxWaitMs` (capped by the broker's and the HTTP API's caps) for a commit to the partition —
 * from this host at once, from others by the log's head polling. An offset outside
 * [logStartOffset, highWatermark] is 416 offset_out_of_range, as Kafka's OFFSET_OUT_OF_RANGE.
 * Control batches (transaction markers, none yet) are skipped, as consumers do.
 */
import { ErrorCode } from "../broker/error-codes.ts";
import { batchesIn, decodeRecords, isControlBatch } from "../protocol/records/index.ts";
import type { HttpContext } from "./context.ts";
import { bytesOut, type KeyEncoding, type ValueEncoding } from "./encoding.ts";
import type { Route, RouteInput } from "./router.ts";
import { partitionOrThrow, topicOrThrow } from "./topic-lookup.ts";
import { HttpError, type HttpResponse, jsonResponse } from "./types.ts";

/** maxBytes when the request names none. */
export const DEFAULT_FETCH_BYTES = 1024 * 1024;

interface FetchedRecord {
  offset: number;
  timestampMs: number;
  key: unknown;
  value: unknown;
  headers: { key: string; value: unknown }[];
}

async function decode(
  parts: readonly Buffer[],
  from: bigint,
  valueEncoding: ValueEncoding,
  keyEncoding: KeyEncoding,
): Promise<{ records: FetchedRecord[]; nextOffset: bigint }> {
  const records: FetchedRecord[] = [];
  let nextOffset = from;
  for (const part of parts) {
    for (const b of batchesIn(part)) {
      nextOffset = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
      if (isControlBatch(b.header)) continue;
      // Stored batches were validated when produced; the CRC check is not worth it twice.
      const batch = part.subarray(b.byteOffset, b.byteOffset + b.byteLength);
      for (const r of await decodeRecords(batch, { verifyCrc: false })) {
        if (r.offset < from) continue;
        const at = `the record at offset ${r.offset}`;
        records.push({
          offset: Number(r.offset),
          timestampMs: Number(r.timestampMs),
          key: bytesOut(r.key, keyEncoding, `${at} (key)`),
          value: bytesOut(r.value, valueEncoding, `${at} (value)`),
          headers: r.headers.map((h) => ({
            key: h.key,
            value: bytesOut(h.value, keyEncoding, `${at} (header ${h.key})`),
          })),
        });
      }
    }
  }
  return { records, nextOffset };
}

async function fetchRecords(ctx: HttpContext, input: RouteInput): Promise<HttpResponse> {
  const topic = await topicOrThrow(ctx, String(input.params.topic));
  const partition = Number(input.params.partition);
  const key = partitionOrThrow(topic, partition);
  const q = input.query;
  const offset = BigInt(q.offset as number);
  const maxBytes =
    (q.maxBytes as number | undefined) ?? Math.min(DEFAULT_FETCH_BYTES, ctx.http.maxFetchBytes);
  if (maxBytes > ctx.http.maxFetchBytes) {
    throw new HttpError(400, "invalid_parameter", `maxBytes must be ≤ ${ctx.http.maxFetchBytes}`);
  }
  const capMs = Math.min(ctx.broker.fetchMaxWaitCapMs, ctx.http.maxWaitMs);
  const waitMs = Math.min((q.maxWaitMs as number | undefined) ?? 0, capMs);
  const deadline = ctx.now() + waitMs;
  const signal = input.request.signal;
  for (;;) {
    const read = await ctx.log.read(key, offset, maxBytes);
    if (read.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      throw new HttpError(
        416,
        "offset_out_of_range",
        `offset ${offset} is outside [logStartOffset ${read.logStartOffset}, highWatermark ${read.highWatermark}]`,
      );
    }
    const remainingMs = deadline - ctx.now();
    if (read.records.length > 0 || remainingMs <= 0 || signal?.aborted) {
      const { records, nextOffset } = await decode(
        read.records,
        offset,
        (q.valueEncoding as ValueEncoding | undefined) ?? "base64",
        (q.keyEncoding as KeyEncoding | undefined) ?? "base64",
      );
      return jsonResponse(200, {
        topic: topic.name,
        partition,
        records,
        nextOffset: Number(nextOffset),
        highWatermark: Number(read.highWatermark),
        logStartOffset: Number(read.logStartOffset),
      });
    }
    // Wake on growth past what this read saw, so a commit between read and wait is not missed.
    await ctx.log.waitForData([key], remainingMs, signal, [read.highWatermark]);
  }
}

export const fetchRoutes: readonly Route[] = [
  {
    method: "GET",
    path: "/v1/topics/{topic}/partitions/{partition}/records",
    handle: fetchRecords,
  },
];
