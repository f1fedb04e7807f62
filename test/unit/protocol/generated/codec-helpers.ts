/** Small helpers shared by the codec tests: encode to one buffer, decode and demand every byte. */
import { expect } from "vitest";
import { API_CODECS, type ApiCodec } from "../../../../lib/protocol/generated/index.ts";
import { Reader } from "../../../../lib/protocol/primitives/reader.ts";
import { Writer } from "../../../../lib/protocol/primitives/writer.ts";

export type ReadFn<T> = (r: Reader, version: number) => T;
export type WriteFn<T> = (w: Writer, version: number, m: T) => void;

export function encode<T>(write: WriteFn<T>, version: number, m: T): Buffer {
  const w = new Writer();
  write(w, version, m);
  return w.toBuffer();
}

/** Decodes `bytes` and asserts the reader consumed all of them. */
export function decodeAll<T>(read: ReadFn<T>, bytes: Buffer, version: number): T {
  const r = new Reader(bytes);
  const m = read(r, version);
  expect(r.remaining, "bytes left after decoding").toBe(0);
  return m;
}

export function codecFor(apiKey: number): ApiCodec {
  const codec = API_CODECS.get(apiKey);
  if (!codec) throw new Error(`API ${apiKey} is not generated`);
  return codec;
}

export function versions(range: { min: number; max: number }): number[] {
  return Array.from({ length: range.max - range.min + 1 }, (_, i) => range.min + i);
}

/** Strips a kafkajs/platformatic frame: int32 size, then the request header v1/v2. */
export function splitRequestFrame(frame: Buffer): { size: number; body: Buffer } {
  return { size: frame.readInt32BE(0), body: frame.subarray(4) };
}

/**
 * Response header version per KIP-511: v1 (tagged fields) for flexible versions, except that
 * ApiVersions responses always use v0 so a client can parse them before it knows our range.
 */
export function responseHeaderVersion(apiKey: number, version: number): number {
  const flexMin = codecFor(apiKey).api.response.flexibleMin;
  return apiKey !== 18 && flexMin !== null && version >= flexMin ? 1 : 0;
}
