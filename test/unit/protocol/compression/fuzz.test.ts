/**
 * Property tests for the decompressors, which read producer- and storage-supplied bytes: any
 * input yields a buffer no larger than the limit or a CompressionError — never another exception,
 * a hang, or an allocation past the limit.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CompressionError,
  compress,
  decompress,
} from "../../../../lib/protocol/compression/index.ts";
import { Codec, type CodecId } from "../../../../lib/protocol/records/batch-header.ts";

const LIMIT = 1 << 16;
/** FUZZ_RUNS=N (default 400) scales the runs, for longer local searches. */
const RUN_SCALE = Number(process.env.FUZZ_RUNS ?? 400) / 400;
const CODECS: CodecId[] = [Codec.gzip, Codec.snappy, Codec.lz4, Codec.zstd];
const XERIAL_HEADER = Buffer.from("82534e41505059000000000100000001", "hex");

const seeds = new Map<CodecId, Buffer[]>();
beforeAll(async () => {
  const inputs = [
    Buffer.from("a"),
    Buffer.from("abcabcabcabcabcabcabcabcabcabcabcabc hello hello hello"),
    Buffer.from(
      Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? (i * 31) & 255 : 65 + (i % 13))),
    ),
  ];
  for (const codec of CODECS) {
    const packed = await Promise.all(inputs.map((d) => compress(codec, d)));
    if (codec === Codec.snappy) {
      // Also xerial framing, as Java writes it.
      const len = Buffer.alloc(4);
      len.writeInt32BE(packed[2].length);
      packed.push(Buffer.concat([XERIAL_HEADER, len, packed[2]]));
    }
    seeds.set(codec, packed);
  }
});

async function bounded(codec: number, data: Buffer): Promise<void> {
  try {
    const out = await decompress(codec, data, { maxOutputBytes: LIMIT });
    expect(out.length).toBeLessThanOrEqual(LIMIT);
  } catch (err) {
    if (!(err instanceof CompressionError)) throw err;
  }
}

const codec = fc.constantFrom(...CODECS);

describe("decompress under fuzzing", () => {
  it("random bytes, with and without each codec's magic in front", async () => {
    const prefixes = [
      Buffer.alloc(0),
      Buffer.from([0x1f, 0x8b, 0x08, 0x00]),
      Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]),
      Buffer.from([0x28, 0xb5, 0x2f, 0xfd]),
      XERIAL_HEADER,
    ];
    await fc.assert(
      fc.asyncProperty(
        codec,
        fc.constantFrom(...prefixes),
        fc.uint8Array({ maxLength: 300 }),
        (c, prefix, bytes) => bounded(c, Buffer.concat([prefix, bytes])),
      ),
      { numRuns: 600 * RUN_SCALE },
    );
  });

  it("valid payloads with bytes changed, inserted or cut", async () => {
    await fc.assert(
      fc.asyncProperty(
        codec,
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom("set", "insert", "cut")), {
          minLength: 1,
          maxLength: 4,
        }),
        async (c, pick, edits) => {
          const list = seeds.get(c)!;
          let b = Buffer.from(list[pick % list.length]);
          for (const [pos, byte, kind] of edits) {
            const at = pos % (b.length + 1);
            if (kind === "set" && at < b.length) b[at] = byte;
            if (kind === "insert")
              b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
            if (kind === "cut") b = b.subarray(0, at);
          }
          await bounded(c, b);
        },
      ),
      { numRuns: 1500 * RUN_SCALE },
    );
  });
});
