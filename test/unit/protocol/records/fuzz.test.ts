/**
 * Property tests: whatever bytes arrive, validateProduceRecords and decodeRecords either succeed
 * or throw their typed errors — never a TypeError, a RangeError, a hang or a huge allocation.
 * Mutations are often followed by a fresh CRC so that they get past the checksum and reach the
 * deeper checks (lengths, counts, records, decompressors).
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ProtocolDecodeError } from "../../../../lib/protocol/errors.ts";
import {
  buildRecordBatch,
  Codec,
  decodeRecords,
  RecordBatchError,
  validateProduceRecords,
} from "../../../../lib/protocol/records/index.ts";
import { small } from "../../../fixtures/batches/datasets.ts";
import { capturedBatches, resign, toBuildRecords } from "./helpers.ts";

const opts = { maxMessageBytes: 1 << 20, zstdAllowed: true };
/** FUZZ_RUNS=N runs each property longer, for local searches. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

let seeds: Buffer[] = [];
beforeAll(async () => {
  const built = await Promise.all(
    Object.values(Codec).map((codec) =>
      buildRecordBatch({
        records: toBuildRecords(small()),
        codec,
        producerId: 5n,
        producerEpoch: 1,
        baseSequence: 0,
      }),
    ),
  );
  const captured = capturedBatches()
    .filter((b) => b.dataset !== "bulk")
    .map((b) => Buffer.from(b.hex, "hex"));
  seeds = [...built, ...captured];
});

type Mutation =
  | { kind: "set"; at: number; byte: number }
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; count: number }
  | { kind: "int32"; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant("delete" as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 8 }),
  }),
  // Header fields are int32/int16 at fixed places: hit them with extreme values.
  fc.record({
    kind: fc.constant("int32" as const),
    at: fc.constantFrom(8, 23, 53, 57, 61),
    value: fc.oneof(fc.constantFrom(-1, 0, 1, 0x7fffffff, -0x80000000), fc.integer()),
  }),
);

function mutate(seed: Buffer, mutations: Mutation[], fixCrc: boolean): Buffer {
  let b = Buffer.from(seed);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case "set":
        b[at] = m.byte;
        break;
      case "flip":
        b[at] ^= 1 << m.bit;
        break;
      case "truncate":
        b = b.subarray(0, at);
        break;
      case "insert":
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case "delete":
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
        break;
      case "int32":
        if (m.at + 4 <= b.length) b.writeInt32BE(m.value, m.at);
        break;
    }
  }
  if (fixCrc && b.length >= 61) {
    // Keep BatchLength consistent with the bytes often, so the deeper checks run.
    if (b.readInt32BE(8) !== b.length - 12 && mutations.length % 2 === 0)
      b.writeInt32BE(b.length - 12, 8);
    resign(b);
  }
  return b;
}

const mutatedBatch = fc
  .tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([i, ms, fixCrc]) => mutate(seeds[i % seeds.length], ms, fixCrc));

/** Bytes that look like a batch header up to the magic, then anything. */
const plausibleBatch = fc.uint8Array({ minLength: 0, maxLength: 300 }).map((tail) => {
  const b = Buffer.alloc(17 + tail.length);
  b.writeInt32BE(b.length - 12, 8);
  b[16] = 2;
  Buffer.from(tail).copy(b, 17);
  return b.length >= 61 ? resign(b) : b;
});

function expectTypedFailure(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof RecordBatchError)) throw err;
  }
}

async function decodeTyped(b: Buffer): Promise<void> {
  try {
    await decodeRecords(b, { maxUncompressedBytes: 1 << 20 });
  } catch (err) {
    if (!(err instanceof RecordBatchError || err instanceof ProtocolDecodeError)) throw err;
  }
}

describe("validateProduceRecords under fuzzing", () => {
  it("random bytes: a result or a RecordBatchError, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expectTypedFailure(() => validateProduceRecords(Buffer.from(bytes), opts));
      }),
      { numRuns: RUNS },
    );
  });

  it("plausible headers over random bodies: a result or a RecordBatchError", () => {
    fc.assert(
      fc.property(plausibleBatch, (b) => {
        expectTypedFailure(() => validateProduceRecords(b, opts));
      }),
      { numRuns: RUNS },
    );
  });

  it("mutated real batches: a result or a RecordBatchError", () => {
    fc.assert(
      fc.property(mutatedBatch, (b) => {
        expectTypedFailure(() => validateProduceRecords(b, opts));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("an uncompressed batch it accepts always decodes to RecordsCount records", async () => {
    let decoded = 0;
    await fc.assert(
      fc.asyncProperty(mutatedBatch, async (b) => {
        let views: ReturnType<typeof validateProduceRecords>;
        try {
          views = validateProduceRecords(b, opts);
        } catch (err) {
          if (err instanceof RecordBatchError) return;
          throw err;
        }
        for (const v of views) {
          if ((v.header.attributes & 7) !== Codec.none) continue;
          const one = b.subarray(v.byteOffset, v.byteOffset + v.byteLength);
          expect(await decodeRecords(one)).toHaveLength(v.header.recordCount);
          decoded++;
        }
      }),
      { numRuns: RUNS * 2 },
    );
    // Not vacuous: some mutations (header fields outside the CRC, re-signed edits) pass.
    expect(decoded).toBeGreaterThan(0);
  });
});

describe("decodeRecords under fuzzing", () => {
  it("random bytes: records or a typed error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), (bytes) =>
        decodeTyped(Buffer.from(bytes)),
      ),
      { numRuns: RUNS },
    );
  });

  it("plausible headers over random bodies: records or a typed error", async () => {
    await fc.assert(fc.asyncProperty(plausibleBatch, decodeTyped), { numRuns: RUNS });
  });

  it("mutated real batches in every codec: records or a typed error", async () => {
    await fc.assert(fc.asyncProperty(mutatedBatch, decodeTyped), { numRuns: RUNS * 2 });
  });
});
