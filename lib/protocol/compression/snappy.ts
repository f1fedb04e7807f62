/**
 * Snappy for Kafka (codec id 2). Two framings appear on the wire:
 *
 * - raw: one Snappy block (uncompressed-length varint, then elements). librdkafka, franz-go,
 *   sarama, @platformatic/kafka and kafka-python write this.
 * - xerial: the Java client's SnappyOutputStream — magic `\x82SNAPPY\0`, two int32 version
 *   fields, then (int32 big-endian length, raw block)*. Java producers write this.
 *
 * Reading accepts both, told apart by the 8-byte magic as librdkafka and franz-go do. Writing
 * emits raw: every client reads it — Java's SnappyInputStream falls back to a raw block when the
 * magic is absent, and librdkafka, franz-go, sarama and kafkajs-snappy check for the magic too —
 * while @platformatic/kafka reads *only* raw (its decoder traps on xerial framing), and raw saves
 * the 20 bytes of framing.
 *
 * The decoder is hand-written rather than `snappyjs`'s: snappyjs loops forever on a 6-byte input
 * (a literal whose 4-byte length is negative moves its cursor backwards) and does not notice output
 * that ends short of the declared length. Compression, which only sees our own bytes, uses snappyjs.
 */
import snappyjs from "snappyjs";
import { CompressionError } from "./errors.ts";

const CODEC_SNAPPY = 2;
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic, version int32, compatible-version int32. */
const XERIAL_HEADER_BYTES = 16;

function corrupt(message: string): never {
  throw new CompressionError(CODEC_SNAPPY, "corrupt", `snappy: ${message}`);
}
function tooLarge(bytes: number, maxOutputBytes: number): never {
  throw new CompressionError(
    CODEC_SNAPPY,
    "too_large",
    `snappy: output of ${bytes} bytes exceeds the ${maxOutputBytes}-byte limit`,
  );
}

export function isXerialFramed(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** Decompresses raw or xerial-framed Snappy, refusing to produce more than `maxOutputBytes`. */
export function snappyDecompress(src: Uint8Array, maxOutputBytes: number): Buffer {
  if (!isXerialFramed(src)) return decodeRawBlock(src, 0, src.length, maxOutputBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  let at = XERIAL_HEADER_BYTES;
  while (at < src.length) {
    if (src.length - at < 4) corrupt("xerial stream ends inside a chunk length");
    const size = ((src[at] << 24) | (src[at + 1] << 16) | (src[at + 2] << 8) | src[at + 3]) >>> 0;
    at += 4;
    if (size > src.length - at) corrupt(`xerial chunk of ${size} bytes runs past the end`);
    const chunk = decodeRawBlock(src, at, at + size, maxOutputBytes - total);
    chunks.push(chunk);
    total += chunk.length;
    at += size;
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

/** Decodes one raw Snappy block held in src[start, end). */
function decodeRawBlock(
  src: Uint8Array,
  start: number,
  end: number,
  maxOutputBytes: number,
): Buffer {
  let ip = start;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (shift > 28) corrupt("uncompressed length varint is too long");
    if (ip >= end) corrupt("truncated uncompressed length");
    const b = src[ip++];
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (length > 0xffffffff) corrupt("uncompressed length overflows 32 bits");
  if (length > maxOutputBytes) tooLarge(length, maxOutputBytes);

  const out = Buffer.allocUnsafe(length);
  let op = 0;
  while (ip < end) {
    const tag = src[ip++];
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        len = tag >>> 2;
        if (len >= 60) {
          const n = len - 59;
          if (end - ip < n) corrupt("truncated literal length");
          len = 0;
          for (let k = n - 1; k >= 0; k--) len = len * 256 + src[ip + k];
          ip += n;
        }
        len += 1;
        if (len > end - ip) corrupt("literal runs past the input");
        if (len > length - op) corrupt("literal runs past the declared length");
        if (len < 32) {
          for (let k = 0; k < len; k++) out[op + k] = src[ip + k];
        } else {
          out.set(src.subarray(ip, ip + len), op);
        }
        ip += len;
        op += len;
        continue;
      }
      case 1:
        if (end - ip < 1) corrupt("truncated copy");
        len = 4 + ((tag >>> 2) & 7);
        offset = ((tag >>> 5) << 8) | src[ip];
        ip += 1;
        break;
      case 2:
        if (end - ip < 2) corrupt("truncated copy");
        len = 1 + (tag >>> 2);
        offset = src[ip] | (src[ip + 1] << 8);
        ip += 2;
        break;
      default:
        if (end - ip < 4) corrupt("truncated copy");
        len = 1 + (tag >>> 2);
        offset = (src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16) | (src[ip + 3] << 24)) >>> 0;
        ip += 4;
    }
    if (offset === 0 || offset > op) corrupt(`copy offset ${offset} out of range`);
    if (len > length - op) corrupt("copy runs past the declared length");
    let m = op - offset;
    if (offset >= len && len >= 32) {
      out.copyWithin(op, m, m + len);
      op += len;
    } else {
      const stop = op + len;
      while (op < stop) out[op++] = out[m++];
    }
  }
  if (op !== length) corrupt(`decoded ${op} bytes, the block declares ${length}`);
  return out;
}

/** Compresses `src` as one raw Snappy block (see the header for why not xerial). */
export function snappyCompress(src: Buffer): Buffer {
  return snappyjs.compress(src);
}
