/**
 * LZ4 for Kafka: the LZ4 *frame* format (magic 0x184D2204), which is what Kafka's codec id 3 means
 * for magic v2 batches.
 *
 * Hand-written rather than taken from `lz4js`, because lz4js (0.2.0) gets three things wrong for
 * Kafka: its frames declare *dependent* blocks (FLG 0x40), which Java's Lz4BlockInputStream
 * rejects outright ("Dependent block stream is unsupported"); its block compressor may start the
 * last match 10 bytes before the block end where the format requires 12, which the reference
 * decoder rejects for a full block; and its decoder does no bounds or checksum checks, so corrupt
 * input silently yields garbage.
 *
 * Writing: exactly what Java's Lz4BlockOutputStream writes — version 1, independent 64 KiB blocks,
 * no block or content checksum, no content size, a correct header checksum (Java checks it for
 * magic v2; the broken "KAFKA-3160" checksum only ever applied to magic v0).
 *
 * Reading: everything Java, librdkafka (LZ4F) and franz-go write — any block size, independent or
 * dependent blocks, optional content size (skipped, as Java does), block and content checksums
 * (verified), incompressible blocks stored raw. Trailing bytes after the end mark are ignored, as
 * Java ignores them.
 */
import { CompressionError } from "./errors.ts";
import { xxh32 } from "./xxh32.ts";

const CODEC_LZ4 = 3;
const MAGIC = 0x184d2204;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x80000000;

/** Java's default (Lz4BlockOutputStream.BLOCKSIZE_64KB): BD code 4. */
const WRITE_BLOCK_BYTES = 64 * 1024;
const WRITE_FLG = FLG_VERSION_1 | FLG_BLOCK_INDEPENDENCE;
const WRITE_BD = 4 << 4;
const WRITE_HC = (xxh32(Uint8Array.of(WRITE_FLG, WRITE_BD)) >>> 8) & 0xff;

const MIN_MATCH = 4;
/** The last match must start at least this many bytes before the end of a block. */
const MF_LIMIT = 12;
/** The last this-many bytes of a block are always literals. */
const LAST_LITERALS = 5;
const HASH_LOG = 12;
const SKIP_TRIGGER = 6;

function corrupt(message: string): never {
  throw new CompressionError(CODEC_LZ4, "corrupt", `lz4: ${message}`);
}
function u32le(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}
function putU32le(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff;
  b[i + 1] = (v >>> 8) & 0xff;
  b[i + 2] = (v >>> 16) & 0xff;
  b[i + 3] = (v >>> 24) & 0xff;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Decodes one LZ4 block from src[ip, iend) into dst at op, writing at most up to `oend`. Matches
 * may reach back to `windowStart`. Returns the new output position, or -1 when the block would
 * write past `oend` (the caller decides whether that is corruption or the caller's size limit).
 */
function decodeBlock(
  src: Uint8Array,
  ip: number,
  iend: number,
  dst: Uint8Array,
  op: number,
  oend: number,
  windowStart: number,
): number {
  for (;;) {
    if (ip >= iend) corrupt("block ends inside a sequence");
    const token = src[ip++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (ip >= iend) corrupt("block ends inside a literal length");
        b = src[ip++];
        literals += b;
      } while (b === 255);
    }
    if (literals > iend - ip) corrupt("literal run extends past the block");
    if (literals > oend - op) return -1;
    if (literals < 32) {
      for (let k = 0; k < literals; k++) dst[op + k] = src[ip + k];
    } else {
      dst.set(src.subarray(ip, ip + literals), op);
    }
    ip += literals;
    op += literals;
    // The last sequence of a block has literals only.
    if (ip === iend) return op;

    if (iend - ip < 2) corrupt("block ends inside a match offset");
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op - windowStart) corrupt(`match offset ${offset} out of range`);
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (ip >= iend) corrupt("block ends inside a match length");
        b = src[ip++];
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    if (length > oend - op) return -1;
    let m = op - offset;
    if (offset >= length && length >= 32) {
      dst.copyWithin(op, m, m + length);
      op += length;
    } else {
      // Overlapping copies repeat the last `offset` bytes: byte by byte is the definition.
      const stop = op + length;
      while (op < stop) dst[op++] = dst[m++];
    }
  }
}

/** Decompresses one LZ4 frame, refusing to produce more than `maxOutputBytes`. */
export function lz4FrameDecompress(src: Uint8Array, maxOutputBytes: number): Buffer {
  if (src.length < 7) corrupt(`${src.length} bytes cannot hold a frame header`);
  const magic = u32le(src, 0);
  if (magic !== MAGIC) corrupt(`not an LZ4 frame (magic 0x${magic.toString(16)})`);
  const flg = src[4];
  const bd = src[5];
  if ((flg & 0xc0) !== FLG_VERSION_1) corrupt(`unsupported frame version ${flg >>> 6}`);
  if (flg & FLG_RESERVED) corrupt("reserved FLG bit set");
  if (flg & FLG_DICT_ID) corrupt("frames with a dictionary id are not supported");
  if (bd & 0x8f) corrupt("reserved BD bits set");
  const bsCode = (bd >>> 4) & 7;
  if (bsCode < 4) corrupt(`invalid block size code ${bsCode}`);
  const blockMaxBytes = 1 << (2 * bsCode + 8);
  const independent = (flg & FLG_BLOCK_INDEPENDENCE) !== 0;
  const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  const contentChecksum = (flg & FLG_CONTENT_CHECKSUM) !== 0;

  let ip = 6;
  if (flg & FLG_CONTENT_SIZE) ip += 8; // advisory only; Java skips it too
  if (ip >= src.length) corrupt("truncated frame header");
  const hc = (xxh32(src, 4, ip) >>> 8) & 0xff;
  if (src[ip] !== hc)
    corrupt(`header checksum 0x${src[ip].toString(16)}, expected 0x${hc.toString(16)}`);
  ip++;

  let out = new Uint8Array(Math.min(maxOutputBytes, Math.max(1024, src.length * 4)));
  let op = 0;
  const tooLarge = (): never => {
    throw new CompressionError(
      CODEC_LZ4,
      "too_large",
      `lz4: output exceeds the ${maxOutputBytes}-byte limit`,
    );
  };
  const ensure = (bytes: number): void => {
    const want = Math.min(op + bytes, maxOutputBytes);
    if (want <= out.length) return;
    const grown = new Uint8Array(Math.min(maxOutputBytes, Math.max(want, out.length * 2)));
    grown.set(out.subarray(0, op));
    out = grown;
  };

  for (;;) {
    if (src.length - ip < 4) corrupt("frame ends without an end mark");
    const word = u32le(src, ip);
    ip += 4;
    if (word === 0) break;
    const stored = (word & BLOCK_UNCOMPRESSED) !== 0;
    const size = word & ~BLOCK_UNCOMPRESSED;
    if (size > blockMaxBytes)
      corrupt(`block of ${size} bytes exceeds the ${blockMaxBytes}-byte maximum`);
    if (src.length - ip < size + (blockChecksum ? 4 : 0)) corrupt("frame ends inside a block");
    if (blockChecksum && xxh32(src, ip, ip + size) !== u32le(src, ip + size)) {
      corrupt("block checksum mismatch");
    }
    if (stored) {
      if (op + size > maxOutputBytes) tooLarge();
      ensure(size);
      out.set(src.subarray(ip, ip + size), op);
      op += size;
    } else {
      // A compressed byte expands to at most ~255 bytes, so small blocks in frames that declare
      // 4 MiB blocks don't each reserve 4 MiB; retry with the full block size if that was short.
      const window = independent ? op : 0;
      ensure(Math.min(blockMaxBytes, size * 256 + 64));
      let next = decodeBlock(
        src,
        ip,
        ip + size,
        out,
        op,
        Math.min(op + blockMaxBytes, out.length),
        window,
      );
      if (next < 0 && out.length < Math.min(op + blockMaxBytes, maxOutputBytes)) {
        ensure(blockMaxBytes);
        next = decodeBlock(
          src,
          ip,
          ip + size,
          out,
          op,
          Math.min(op + blockMaxBytes, out.length),
          window,
        );
      }
      if (next < 0) {
        if (op + blockMaxBytes > maxOutputBytes) tooLarge();
        corrupt(`block decompresses to more than ${blockMaxBytes} bytes`);
      }
      op = next;
    }
    ip += size + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum) {
    if (src.length - ip < 4) corrupt("frame ends inside the content checksum");
    if (xxh32(out, 0, op) !== u32le(src, ip)) corrupt("content checksum mismatch");
  }
  const view = Buffer.from(out.buffer, out.byteOffset, op);
  // Don't pin a mostly empty growth buffer behind the result.
  return op < out.length / 2 ? Buffer.from(view) : view;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Greedy LZ4 block compression of src[start, end) into dst at `d` (which has room for the worst
 * case). Honours MF_LIMIT and LAST_LITERALS, so any conforming decoder accepts the block.
 */
function encodeBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  d: number,
  table: Uint32Array,
): number {
  let anchor = start;
  if (end - start > MF_LIMIT) {
    table.fill(0);
    const matchLimit = end - LAST_LITERALS;
    const lastMatchStart = end - MF_LIMIT;
    let ip = start;
    let misses = 1 << SKIP_TRIGGER;
    while (ip <= lastMatchStart) {
      const seq = src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16) | (src[ip + 3] << 24);
      const h = Math.imul(seq, 0x9e3779b1) >>> (32 - HASH_LOG);
      const ref = table[h] - 1 + start;
      table[h] = ip - start + 1;
      if (
        ref < start ||
        ip - ref > 0xffff ||
        (src[ref] | (src[ref + 1] << 8) | (src[ref + 2] << 16) | (src[ref + 3] << 24)) !== seq
      ) {
        ip += misses++ >>> SKIP_TRIGGER;
        continue;
      }
      misses = 1 << SKIP_TRIGGER;
      let mStart = ip;
      let r = ref;
      while (mStart > anchor && r > start && src[mStart - 1] === src[r - 1]) {
        mStart--;
        r--;
      }
      let mEnd = ip + MIN_MATCH;
      let q = ref + MIN_MATCH;
      while (mEnd < matchLimit && src[mEnd] === src[q]) {
        mEnd++;
        q++;
      }
      d = writeSequence(
        src,
        anchor,
        mStart - anchor,
        dst,
        d,
        mStart - r,
        mEnd - mStart - MIN_MATCH,
      );
      ip = mEnd;
      anchor = ip;
    }
  }
  return writeSequence(src, anchor, end - anchor, dst, d, 0, -1);
}

/** Writes one sequence; `matchExtra` < 0 means the final literals-only sequence. */
function writeSequence(
  src: Uint8Array,
  litStart: number,
  literals: number,
  dst: Uint8Array,
  d: number,
  offset: number,
  matchExtra: number,
): number {
  const tokenAt = d++;
  let token = Math.min(literals, 15) << 4;
  if (literals >= 15) {
    let n = literals - 15;
    for (; n >= 255; n -= 255) dst[d++] = 255;
    dst[d++] = n;
  }
  if (literals < 64) {
    for (let k = 0; k < literals; k++) dst[d + k] = src[litStart + k];
  } else {
    dst.set(src.subarray(litStart, litStart + literals), d);
  }
  d += literals;
  if (matchExtra >= 0) {
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    token |= Math.min(matchExtra, 15);
    if (matchExtra >= 15) {
      let n = matchExtra - 15;
      for (; n >= 255; n -= 255) dst[d++] = 255;
      dst[d++] = n;
    }
  }
  dst[tokenAt] = token;
  return d;
}

/** Compresses `src` into one LZ4 frame laid out as Java's Lz4BlockOutputStream lays it out. */
export function lz4FrameCompress(src: Uint8Array): Buffer {
  const blocks = Math.ceil(src.length / WRITE_BLOCK_BYTES);
  const worstBlock = WRITE_BLOCK_BYTES + Math.ceil(WRITE_BLOCK_BYTES / 255) + 16;
  const dst = Buffer.allocUnsafe(7 + blocks * (4 + worstBlock) + 4);
  putU32le(dst, 0, MAGIC);
  dst[4] = WRITE_FLG;
  dst[5] = WRITE_BD;
  dst[6] = WRITE_HC;
  let d = 7;
  const table = new Uint32Array(1 << HASH_LOG);
  for (let start = 0; start < src.length; start += WRITE_BLOCK_BYTES) {
    const end = Math.min(start + WRITE_BLOCK_BYTES, src.length);
    const size = encodeBlock(src, start, end, dst, d + 4, table) - (d + 4);
    if (size >= end - start) {
      // Incompressible: store it, as Java does.
      putU32le(dst, d, (end - start) | BLOCK_UNCOMPRESSED);
      dst.set(src.subarray(start, end), d + 4);
      d += 4 + (end - start);
    } else {
      putU32le(dst, d, size);
      d += 4 + size;
    }
  }
  putU32le(dst, d, 0);
  return dst.subarray(0, d + 4);
}
