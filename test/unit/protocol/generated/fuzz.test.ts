/**
 * Every generated decoder, every version, both directions, against hostile input: random
 * bytes, mutated valid frames, and hostile length prefixes (2^31−1, −2, 2^32−1 as int16, int32
 * and uvarint) at every offset of a valid frame. A decoder may return a message or throw
 * ProtocolDecodeError — nothing else, never slowly, and never more array elements than input
 * bytes (which is what keeps a claimed "2^31 elements" from allocating anything).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ProtocolDecodeError } from "../../../../lib/protocol/errors.ts";
import {
  API_CODECS,
  readRequestHeader,
  readResponseHeader,
} from "../../../../lib/protocol/generated/index.ts";
import { Reader } from "../../../../lib/protocol/primitives/reader.ts";
import { codecFor, encode, type ReadFn, versions } from "./codec-helpers.ts";
import { buildMessage, loadSpec } from "./spec-values.ts";

const RUNS = Number(process.env.FLOE_FUZZ_RUNS ?? 40);
const SLOW_MS = 250;

/** Counts array elements in a decoded message (Buffers are views, not copies). */
function elementCount(v: unknown): number {
  if (Array.isArray(v)) return v.length + v.reduce<number>((n, e) => n + elementCount(e), 0);
  if (v !== null && typeof v === "object" && !Buffer.isBuffer(v)) {
    let n = 0;
    for (const x of Object.values(v)) n += elementCount(x);
    return n;
  }
  return 0;
}

type Outcome = "decoded" | "rejected";

/** Decodes `bytes`; anything other than a message or a ProtocolDecodeError fails the test. */
function decodeOrReject(read: ReadFn<unknown>, bytes: Uint8Array, version: number): Outcome {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const started = performance.now();
  let outcome: Outcome;
  try {
    const r = new Reader(buf);
    const m = read(r, version);
    expect(r.offset).toBeLessThanOrEqual(buf.length);
    expect(elementCount(m), "array elements ≤ input bytes").toBeLessThanOrEqual(buf.length);
    outcome = "decoded";
  } catch (e) {
    if (!(e instanceof ProtocolDecodeError)) {
      const err = e as Error;
      throw new Error(`v${version}: ${err?.name}: ${err?.message} on ${buf.toString("hex")}`, {
        cause: e,
      });
    }
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(buf.length);
    outcome = "rejected";
  }
  const ms = performance.now() - started;
  if (ms > SLOW_MS) assertNotSlow(read, buf, version);
  return outcome;
}

/**
 * A slow decode is re-timed before it counts: a GC pause or a busy machine can stall one call,
 * but a decoder that is really slow on this input is slow every time.
 */
function assertNotSlow(read: ReadFn<unknown>, buf: Buffer, version: number): void {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    try {
      read(new Reader(buf), version);
    } catch {
      // outcome already checked
    }
    best = Math.min(best, performance.now() - started);
  }
  if (best > SLOW_MS) {
    throw new Error(`v${version}: decoding ${buf.length} bytes takes ${best.toFixed(0)} ms`);
  }
}

const HOSTILE: { name: string; bytes: number[] }[] = [
  { name: "int16 0x7fff", bytes: [0x7f, 0xff] },
  { name: "int16 -2", bytes: [0xff, 0xfe] },
  { name: "int32 2^31-1", bytes: [0x7f, 0xff, 0xff, 0xff] },
  { name: "int32 -2", bytes: [0xff, 0xff, 0xff, 0xfe] },
  { name: "int32 -2^31", bytes: [0x80, 0x00, 0x00, 0x00] },
  { name: "uvarint 2^31", bytes: [0x80, 0x80, 0x80, 0x80, 0x08] },
  { name: "uvarint 2^32-1", bytes: [0xff, 0xff, 0xff, 0xff, 0x0f] },
  { name: "uvarint 6 bytes", bytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0x01] },
];

interface Target {
  label: string;
  read: ReadFn<unknown>;
  version: number;
  /** Valid frames to mutate. */
  frames: Buffer[];
}

function targets(): Target[] {
  const out: Target[] = [];
  for (const apiKey of [...API_CODECS.keys()].sort((a, b) => a - b)) {
    const codec = codecFor(apiKey);
    const name = codec.api.name;
    for (const kind of ["Request", "Response"] as const) {
      const spec = loadSpec(`${name}${kind}`);
      const range = kind === "Request" ? codec.api.request : codec.api.response;
      const read = kind === "Request" ? codec.readRequest : codec.readResponse;
      const write = kind === "Request" ? codec.writeRequest : codec.writeResponse;
      for (const v of versions(range)) {
        const frames = [1, 2].map((arrayLength) =>
          encode(
            write,
            v,
            buildMessage(spec, v, 100 * v + arrayLength, {
              arrayLength,
              blobBytes: 3,
              shortStrings: true,
            }),
          ),
        );
        out.push({ label: `${name}${kind} v${v}`, read, version: v, frames });
      }
    }
  }
  return out;
}

const TARGETS = targets();

describe.each(TARGETS.map((t) => [t.label, t] as const))("%s", (_label, t) => {
  test("the valid frames decode (sanity for the mutations below)", () => {
    for (const f of t.frames) expect(decodeOrReject(t.read, f, t.version)).toBe("decoded");
  });

  test("random bytes decode or are rejected", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodeOrReject(t.read, bytes, t.version);
      }),
      { numRuns: RUNS, seed: t.version * 7919 + t.label.length },
    );
  });

  test("mutated valid frames decode or are rejected", () => {
    const frame = fc.constantFrom(...t.frames);
    const mutation = fc.oneof(
      // truncate
      fc.tuple(frame, fc.nat()).map(([f, n]) => f.subarray(0, n % (f.length + 1))),
      // flip bytes
      fc
        .tuple(
          frame,
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
            minLength: 1,
            maxLength: 4,
          }),
        )
        .map(([f, flips]) => {
          const b = Buffer.from(f);
          for (const [i, x] of flips) if (b.length > 0) b[i % b.length] ^= x;
          return b;
        }),
      // splice in random bytes
      fc
        .tuple(frame, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))
        .map(([f, i, ins]) => {
          const at = i % (f.length + 1);
          return Buffer.concat([f.subarray(0, at), Buffer.from(ins), f.subarray(at)]);
        }),
      // overwrite a window with a hostile length
      fc
        .tuple(frame, fc.nat(), fc.constantFrom(...HOSTILE))
        .map(([f, i, h]) => overwrite(f, i % Math.max(f.length, 1), h.bytes)),
    );
    fc.assert(
      fc.property(mutation, (bytes) => {
        decodeOrReject(t.read, bytes, t.version);
      }),
      { numRuns: RUNS, seed: t.version * 104729 + t.label.length },
    );
  });

  test("hostile lengths at every offset decode or are rejected", () => {
    const f = t.frames[0];
    for (const h of HOSTILE) {
      for (let i = 0; i < f.length; i++)
        decodeOrReject(t.read, overwrite(f, i, h.bytes), t.version);
    }
  });
});

function overwrite(f: Buffer, at: number, bytes: number[]): Buffer {
  const b = Buffer.from(f);
  for (let k = 0; k < bytes.length && at + k < b.length; k++) b[at + k] = bytes[k];
  return b;
}

describe("headers", () => {
  test.each([0, 1, 2])("request header v%i: random bytes decode or are rejected", (v) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodeOrReject(readRequestHeader, bytes, v);
      }),
      { numRuns: 500 },
    );
  });

  test.each([0, 1])("response header v%i: random bytes decode or are rejected", (v) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        decodeOrReject(readResponseHeader, bytes, v);
      }),
      { numRuns: 500 },
    );
  });

  test("a client id claiming 0x7fff bytes is rejected, not read past the frame", () => {
    const frame = Buffer.from([0, 3, 0, 12, 0, 0, 0, 1, 0x7f, 0xff, 0x61]);
    expect(() => readRequestHeader(new Reader(frame), 1)).toThrow(ProtocolDecodeError);
  });
});
