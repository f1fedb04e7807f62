/**
 * The five Kafka codecs, as clients put them in a RecordBatch v2 (attributes bits 0–2).
 *
 * - gzip, zstd: node:zlib, on the libuv thread pool so a large batch does not stall the event loop.
 * - snappy: raw or xerial-framed on read, raw on write (see snappy.ts).
 * - lz4: the LZ4 frame format, Java's layout on write (see lz4.ts).
 *
 * Decompression is bounded: a payload that would inflate past `maxOutputBytes` fails with
 * reason "too_large" before (snappy, lz4) or while (gzip, zstd) the output is allocated, so a
 * 1 MiB "zip bomb" cannot take a host down. Every failure is a CompressionError.
 */
import { constants as bufferConstants } from "node:buffer";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { Codec, type CodecId } from "../records/batch-header.ts";
import { CompressionError } from "./errors.ts";
import { lz4FrameCompress, lz4FrameDecompress } from "./lz4.ts";
import { snappyCompress, snappyDecompress } from "./snappy.ts";

export { CompressionError, type CompressionFailure } from "./errors.ts";
export { isXerialFramed } from "./snappy.ts";

/**
 * Default ceiling on one decompressed payload. Kafka's max.message.bytes bounds the compressed
 * size (1 MiB by default); this leaves room for highly compressible batches without letting one
 * batch claim unbounded memory.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 128 * 1024 * 1024;

export interface DecompressOptions {
  /** Fail with reason "too_large" rather than produce more than this. */
  maxOutputBytes?: number;
}

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);
const zstdCompress = promisify(zlib.zstdCompress);
const zstdDecompress = promisify(zlib.zstdDecompress);

const CODEC_NAMES = ["none", "gzip", "snappy", "lz4", "zstd"];

export function codecName(codec: number): string {
  return CODEC_NAMES[codec] ?? `unknown(${codec})`;
}

function unknownCodec(codec: number): never {
  throw new CompressionError(codec, "unknown_codec", `unknown compression codec id ${codec}`);
}

/** Compresses a batch's records section with the given codec. */
export async function compress(codec: CodecId, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case Codec.none:
      return data;
    case Codec.gzip:
      return gzip(data);
    case Codec.snappy:
      return snappyCompress(data);
    case Codec.lz4:
      return lz4FrameCompress(data);
    case Codec.zstd:
      return zstdCompress(data);
    default:
      return unknownCodec(codec);
  }
}

/** Decompresses a batch's records section; `codec` is the raw id from the attributes. */
export async function decompress(
  codec: number,
  data: Buffer,
  options: DecompressOptions = {},
): Promise<Buffer> {
  const maxOutputBytes = Math.min(
    options.maxOutputBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    bufferConstants.MAX_LENGTH,
  );
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 1) {
    throw new RangeError(`maxOutputBytes must be a positive integer, got ${maxOutputBytes}`);
  }
  switch (codec) {
    case Codec.none:
      if (data.length > maxOutputBytes) tooLarge(codec, maxOutputBytes);
      return data;
    case Codec.gzip:
      return viaZlib(
        codec,
        () => gunzip(data, { maxOutputLength: maxOutputBytes }),
        maxOutputBytes,
      );
    case Codec.snappy:
      return snappyDecompress(data, maxOutputBytes);
    case Codec.lz4:
      return lz4FrameDecompress(data, maxOutputBytes);
    case Codec.zstd:
      return viaZlib(
        codec,
        () => zstdDecompress(data, { maxOutputLength: maxOutputBytes }),
        maxOutputBytes,
      );
    default:
      return unknownCodec(codec);
  }
}

function tooLarge(codec: number, maxOutputBytes: number): never {
  throw new CompressionError(
    codec,
    "too_large",
    `${codecName(codec)}: output exceeds the ${maxOutputBytes}-byte limit`,
  );
}

async function viaZlib(
  codec: number,
  run: () => Promise<Buffer>,
  maxOutputBytes: number,
): Promise<Buffer> {
  try {
    return await run();
  } catch (err) {
    if ((err as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      tooLarge(codec, maxOutputBytes);
    }
    const detail = err instanceof Error ? err.message : String(err);
    throw new CompressionError(codec, "corrupt", `${codecName(codec)}: ${detail}`, { cause: err });
  }
}
