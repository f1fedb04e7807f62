import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import zlib from "node:zlib";
import { compressionsAlgorithms } from "@platformatic/kafka";
import { describe, expect, it } from "vitest";
import {
  CompressionError,
  compress,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  decompress,
  isXerialFramed,
} from "../../../../lib/protocol/compression/index.ts";
import { xxh32 } from "../../../../lib/protocol/compression/xxh32.ts";
import { Codec, type CodecId } from "../../../../lib/protocol/records/batch-header.ts";

/** @platformatic/kafka's own codecs (Rust snap and lz4_flex compiled to WebAssembly). */
const platformatic = compressionsAlgorithms;
const fixtures = new URL("../../../fixtures/batches/", import.meta.url);
const CODECS = Object.entries(Codec) as [string, CodecId][];

/** Text-like data that compresses, with some noise so matches vary. */
function sample(bytes: number, seed = 1): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed;
  for (let i = 0; i < bytes; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x % 7 === 0 ? x >>> 24 : 97 + (i % 23);
  }
  return out;
}

async function failure(p: Promise<unknown>): Promise<CompressionError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CompressionError);
  return err as CompressionError;
}

describe("compress / decompress round trips", () => {
  const sizes = [0, 1, 12, 13, 100, 65_535, 65_536, 65_537, 300_000];
  for (const [name, codec] of CODECS) {
    it(`${name}: every size comes back byte for byte`, async () => {
      for (const size of sizes) {
        const data = sample(size, size + 1);
        const packed = await compress(codec, data);
        expect((await decompress(codec, packed)).equals(data)).toBe(true);
      }
    });
  }

  it("random (incompressible) data round-trips through every codec", async () => {
    const data = randomBytes(200_000);
    for (const [, codec] of CODECS) {
      expect((await decompress(codec, await compress(codec, data))).equals(data)).toBe(true);
    }
  });
});

describe("gzip and zstd", () => {
  it("read what other zlib users write (multi-member gzip, zstd without content size)", async () => {
    const a = sample(1000, 1);
    const b = sample(2000, 2);
    const twoMembers = Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(b)]);
    expect((await decompress(Codec.gzip, twoMembers)).equals(Buffer.concat([a, b]))).toBe(true);
    const stream = zlib.createZstdCompress();
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    const done = new Promise((resolve) => stream.on("end", resolve));
    stream.end(a);
    await done;
    expect((await decompress(Codec.zstd, Buffer.concat(chunks))).equals(a)).toBe(true);
  });
});

describe("snappy", () => {
  it("writes raw blocks, which the Rust snap decoder (@platformatic/kafka's) reads", async () => {
    const data = sample(100_000);
    const packed = await compress(Codec.snappy, data);
    expect(isXerialFramed(packed)).toBe(false);
    expect(Buffer.from(platformatic.snappy.decompressSync(packed)).equals(data)).toBe(true);
  });

  it("reads raw blocks written by the Rust snap encoder", async () => {
    const data = sample(100_000, 3);
    expect(
      (await decompress(Codec.snappy, platformatic.snappy.compressSync(data))).equals(data),
    ).toBe(true);
  });

  it("reads xerial framing with several chunks, as Java writes it", async () => {
    const data = sample(100_000, 4);
    const chunks = [data.subarray(0, 32768), data.subarray(32768, 65536), data.subarray(65536)];
    const parts: Buffer[] = [Buffer.from("82534e41505059000000000100000001", "hex")];
    for (const c of chunks) {
      const raw = await compress(Codec.snappy, Buffer.from(c));
      const len = Buffer.alloc(4);
      len.writeInt32BE(raw.length);
      parts.push(len, raw);
    }
    const framed = Buffer.concat(parts);
    expect(isXerialFramed(framed)).toBe(true);
    expect((await decompress(Codec.snappy, framed)).equals(data)).toBe(true);
  });

  it("reads the xerial-framed payloads in the captured Java batches", async () => {
    const java = JSON.parse(readFileSync(new URL("java.json", fixtures), "utf8")) as {
      batches: { name: string; codec: string; hex: string }[];
    };
    const snappy = java.batches.filter((b) => b.codec === "snappy");
    expect(snappy.length).toBeGreaterThan(0);
    for (const b of snappy) {
      const payload = Buffer.from(b.hex, "hex").subarray(61);
      expect(isXerialFramed(payload)).toBe(true);
      const out = await decompress(Codec.snappy, payload);
      expect(out.length).toBeGreaterThan(payload.length - 40);
    }
  });

  it("fails on the 6 bytes that make snappyjs loop forever", async () => {
    const err = await failure(
      decompress(Codec.snappy, Buffer.from([10, 0xfc, 0xfa, 0xff, 0xff, 0xff])),
    );
    expect(err.reason).toBe("corrupt");
  });

  it("fails when the output ends short of the declared length", async () => {
    // Declares 10 bytes, then a literal of 3.
    const err = await failure(decompress(Codec.snappy, Buffer.from([10, 0x08, 0x61, 0x62, 0x63])));
    expect(err.message).toMatch(/declares 10/);
  });

  it("fails on a copy that reaches before the start of the output", async () => {
    // Declares 8 bytes: literal "ab", then copy-1 of length 4 at offset 5.
    const err = await failure(
      decompress(Codec.snappy, Buffer.from([8, 0x04, 0x61, 0x62, 0x01, 0x05])),
    );
    expect(err.message).toMatch(/offset 5 out of range/);
  });

  it("refuses a declared length over the limit before allocating it", async () => {
    const huge = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    const err = await failure(decompress(Codec.snappy, huge, { maxOutputBytes: 1 << 20 }));
    expect(err.reason).toBe("too_large");
  });

  it("fails on a xerial chunk length that runs past the end", async () => {
    const framed = Buffer.concat([
      Buffer.from("82534e41505059000000000100000001", "hex"),
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x00]),
    ]);
    expect((await failure(decompress(Codec.snappy, framed))).reason).toBe("corrupt");
  });
});

describe("lz4", () => {
  const reference = JSON.parse(
    readFileSync(new URL("lz4-reference-frames.json", fixtures), "utf8"),
  ) as {
    frames: {
      name: string;
      input: "text" | "noise";
      length: number;
      sha256: string;
      hex: string;
    }[];
  };

  it("writes Java's frame layout: version 1, independent 64 KiB blocks, correct header checksum", async () => {
    const frame = await compress(Codec.lz4, sample(1000));
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]).toBe(0x60);
    expect(frame[5]).toBe(0x40);
    expect(frame[6]).toBe((xxh32(frame, 4, 6) >>> 8) & 0xff);
    expect(frame.readUInt32LE(frame.length - 4)).toBe(0);
  });

  it("is read by an independent decoder (Rust lz4_flex, @platformatic/kafka's), full blocks included", async () => {
    for (const size of [13, 65_536, 65_536 * 3, 200_001]) {
      const data = sample(size, size);
      expect(platformatic.lz4.decompressSync(await compress(Codec.lz4, data)).equals(data)).toBe(
        true,
      );
    }
  });

  it("reads frames from the Rust encoder (4 MiB blocks)", async () => {
    const data = sample(150_000, 9);
    expect((await decompress(Codec.lz4, platformatic.lz4.compressSync(data))).equals(data)).toBe(
      true,
    );
  });

  for (const f of reference.frames) {
    it(`reads the reference lz4 tool's frame: ${f.name}`, async () => {
      const out = await decompress(Codec.lz4, Buffer.from(f.hex, "hex"));
      expect(out.length).toBe(f.length);
      expect(createHash("sha256").update(out).digest("hex")).toBe(f.sha256);
    });
  }

  it("detects a flipped byte through the content checksum", async () => {
    const f = reference.frames.find((x) => x.name === "block-checksum+content-checksum")!;
    const frame = Buffer.from(f.hex, "hex");
    const contentOnly = Buffer.from(reference.frames[0].hex, "hex");
    frame[frame.length - 2] ^= 1; // inside the content checksum
    expect((await failure(decompress(Codec.lz4, frame))).message).toMatch(/content checksum/);
    contentOnly[contentOnly.length - 1] ^= 0x10;
    expect((await failure(decompress(Codec.lz4, contentOnly))).message).toMatch(/checksum/);
  });

  it("detects a flipped byte through the block checksum", async () => {
    const f = reference.frames.find((x) => x.name === "block-checksum+content-checksum")!;
    const frame = Buffer.from(f.hex, "hex");
    frame[20] ^= 0x01;
    expect((await failure(decompress(Codec.lz4, frame))).message).toMatch(/block checksum/);
  });

  it("checks the header checksum (Java does for magic v2; KAFKA-3160 only concerned v0)", async () => {
    const frame = Buffer.from(await compress(Codec.lz4, sample(100)));
    frame[6] ^= 0xff;
    expect((await failure(decompress(Codec.lz4, frame))).message).toMatch(/header checksum/);
  });

  it("fails on a match offset before the start of the block", async () => {
    // Independent 64 KiB frame, one block: literal "a" then a match at offset 2.
    const block = Buffer.from([0x10, 0x61, 0x02, 0x00, 0x00]);
    const frame = Buffer.concat([
      Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]),
      Buffer.from([block.length, 0, 0, 0]),
      block,
      Buffer.alloc(4),
    ]);
    expect((await failure(decompress(Codec.lz4, frame))).message).toMatch(/offset 2 out of range/);
  });

  it("fails on frames lz4js would read as garbage: truncated, no end mark, bad magic", async () => {
    const frame = await compress(Codec.lz4, sample(5000));
    expect((await failure(decompress(Codec.lz4, frame.subarray(0, frame.length - 1)))).reason).toBe(
      "corrupt",
    );
    expect((await failure(decompress(Codec.lz4, frame.subarray(0, 40)))).reason).toBe("corrupt");
    const bad = Buffer.from(frame);
    bad[0] = 0;
    expect((await failure(decompress(Codec.lz4, bad))).message).toMatch(/magic/);
  });

  it("stops at the output limit", async () => {
    const frame = await compress(Codec.lz4, Buffer.alloc(1 << 20));
    expect((await failure(decompress(Codec.lz4, frame, { maxOutputBytes: 100_000 }))).reason).toBe(
      "too_large",
    );
  });
});

describe("errors", () => {
  it("an unknown codec id is a typed error, for compress and decompress", async () => {
    for (const id of [5, 6, 7, -1]) {
      expect((await failure(decompress(id, Buffer.alloc(1)))).reason).toBe("unknown_codec");
      expect((await failure(compress(id as CodecId, Buffer.alloc(1)))).reason).toBe(
        "unknown_codec",
      );
    }
  });

  it("garbage is a typed 'corrupt' error for every codec but none", async () => {
    const junk = Buffer.from("definitely not compressed data");
    for (const codec of [Codec.gzip, Codec.snappy, Codec.lz4, Codec.zstd]) {
      const err = await failure(decompress(codec, junk));
      expect(err.reason).toBe("corrupt");
      expect(err.codec).toBe(codec);
      expect(err.retriable).toBe(false);
    }
  });

  it("every codec stops at maxOutputBytes instead of inflating a bomb", async () => {
    const zeros = Buffer.alloc(4 << 20);
    for (const [, codec] of CODECS) {
      const packed = await compress(codec, zeros);
      expect((await failure(decompress(codec, packed, { maxOutputBytes: 1 << 20 }))).reason).toBe(
        "too_large",
      );
    }
  });

  it("has a finite default limit", () => {
    expect(DEFAULT_MAX_DECOMPRESSED_BYTES).toBe(128 * 1024 * 1024);
  });

  it("rejects a nonsensical limit", async () => {
    await expect(decompress(Codec.gzip, Buffer.alloc(1), { maxOutputBytes: 0 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe("xxh32", () => {
  it("matches the published vectors and lz4js's implementation", () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(Buffer.from("abc"))).toBe(0x32d153ff);
    const lz4jsXxh = createRequire(import.meta.url)("lz4js/xxh32.js") as {
      hash(seed: number, b: Uint8Array, start: number, len: number): number;
    };
    for (const n of [1, 3, 4, 15, 16, 17, 31, 32, 33, 1000]) {
      const b = sample(n, n);
      expect(xxh32(b)).toBe(lz4jsXxh.hash(0, b, 0, n) >>> 0);
    }
  });
});
