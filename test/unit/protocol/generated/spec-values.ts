/**
 * Spec-driven message builder for the codec tests. It reads Kafka's message JSON through the
 * generator's own schema parser, but computes defaults and field presence independently of
 * the emitter, so a mistake in the emitter's defaults or version conditions shows up as a
 * difference instead of being reproduced.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type FieldSpec,
  type MessageSpec,
  readMessage,
  type VersionRange,
} from "../../../../scripts/codegen/schema.ts";

export const SPEC_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../../../shared/kafka-protocol/message",
);

const specCache = new Map<string, MessageSpec>();

/** Loads `<name>.json` from the Kafka spec directory; a missing checkout is an error, not a skip. */
export function loadSpec(name: string): MessageSpec {
  const cached = specCache.get(name);
  if (cached) return cached;
  const path = join(SPEC_DIR, `${name}.json`);
  if (!existsSync(path)) {
    throw new Error(
      `Kafka message specs not found at ${SPEC_DIR}: check out the Kafka 4.0 message JSON there (see docs/protocol.md)`,
    );
  }
  const spec = readMessage(path);
  specCache.set(name, spec);
  return spec;
}

export const ZERO_UUID = "00000000-0000-0000-0000-000000000000";
const PRIMITIVE_TYPES = ["int8", "int16", "uint16", "int32", "int64", "float64", "bool", "uuid"];

export function inRange(range: VersionRange | null | undefined, version: number): boolean {
  return range != null && version >= range.min && version <= range.max;
}

export function camel(name: string): string {
  return name[0].toLowerCase() + name.slice(1);
}

export function elementType(f: FieldSpec): string {
  return f.type.startsWith("[]") ? f.type.slice(2) : f.type;
}

export function isArray(f: FieldSpec): boolean {
  return f.type.startsWith("[]");
}

export function isStruct(t: string): boolean {
  return !PRIMITIVE_TYPES.includes(t) && !["string", "bytes", "records"].includes(t);
}

export function structFields(msg: MessageSpec, f: FieldSpec): FieldSpec[] {
  const fields = f.fields ?? msg.commonStructs.get(elementType(f));
  if (!fields) throw new Error(`${msg.name}.${f.name}: unknown struct ${f.type}`);
  return fields;
}

export function isFlexible(msg: MessageSpec, version: number): boolean {
  return inRange(msg.flexibleVersions, version);
}

/** True when the field is on the wire at this version (as a regular or a tagged field). */
export function isPresent(f: FieldSpec, version: number): boolean {
  if (!inRange(f.versions, version)) return false;
  return f.taggedVersions === null || inRange(f.taggedVersions, version);
}

/** The field's default per the Kafka spec (Kafka's Java generator rules). */
export function specDefault(msg: MessageSpec, f: FieldSpec): unknown {
  const t = elementType(f);
  const d = f.defaultValue;
  if (isArray(f)) return d === "null" ? null : [];
  switch (t) {
    case "bool":
      return d === true || d === "true";
    case "int64":
      return d === undefined || d === "" ? 0n : BigInt(d as string | number);
    case "uuid":
      return ZERO_UUID;
    case "int8":
    case "int16":
    case "uint16":
    case "int32":
    case "float64":
      return d === undefined || d === "" ? 0 : Number(d);
    case "string":
      return d === "null" ? null : (d ?? "");
    case "bytes":
    case "records":
      return f.nullableVersions === null ? Buffer.alloc(0) : null;
  }
  if (f.taggedVersions !== null || d === "null") return null;
  return defaultStruct(msg, structFields(msg, f));
}

export function defaultStruct(msg: MessageSpec, fields: FieldSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[camel(f.name)] = specDefault(msg, f);
  return out;
}

/** Deterministic PRNG (mulberry32) so failures are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, values: readonly T[], not: unknown): T {
  const candidates = values.filter((v) => v !== not);
  return candidates[Math.floor(rand() * candidates.length)];
}

const STRINGS = ["orders", "topic-α", "ünïcødé ✓ 🚀", "x".repeat(300), "a.b_c-9", "g"];
const SHORT_STRINGS = ["ab", "é", "g"];

export interface BuildOptions {
  /** Where the field is nullable at this version, send null instead of a value. */
  nulls?: boolean;
  /** Elements per array. */
  arrayLength?: number;
  /** Size of `records`/`bytes` blobs; ≥ 1024 exercises the writer's zero-copy path. */
  blobBytes?: number;
  /** Only short strings (keeps fuzz frames small). */
  shortStrings?: boolean;
}

function scalar(
  f: FieldSpec,
  t: string,
  rand: () => number,
  def: unknown,
  opts: BuildOptions,
): unknown {
  switch (t) {
    case "int8":
      return pick(rand, [-128, 127, 1, 42, -1, 3], def);
    case "int16":
      return pick(rand, [-32768, 32767, 1, 1234, -1, 35], def);
    case "uint16":
      return pick(rand, [65535, 1, 40000], def);
    case "int32":
      return pick(rand, [-2147483648, 2147483647, 1, 123456789, -1, 30000], def);
    case "int64":
      return pick(rand, [-(2n ** 63n), 2n ** 63n - 1n, 1n, 1234567890123n, -1n], def);
    case "float64":
      return pick(rand, [3.5, -0.25, 1e300, Number.MIN_VALUE], def);
    case "bool":
      return def !== true;
    case "uuid": {
      const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join("");
      const u = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      return u === ZERO_UUID ? "00000000-0000-0000-0000-000000000001" : u;
    }
    case "string":
      return pick(rand, opts.shortStrings ? SHORT_STRINGS : STRINGS, def);
    case "bytes":
    case "records": {
      const n = opts.blobBytes ?? 1 + Math.floor(rand() * 40);
      return Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    }
  }
  throw new Error(`no generator for ${f.type}`);
}

/**
 * A message for `version` with a non-default value in every field present at that version and
 * the spec default in every absent one — i.e. exactly what a reader must return.
 */
export function buildMessage(
  msg: MessageSpec,
  version: number,
  seed: number,
  opts: BuildOptions = {},
): Record<string, unknown> {
  const rand = rng(seed);
  const struct = (fields: FieldSpec[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const f of fields) out[camel(f.name)] = field(f);
    return out;
  };
  const field = (f: FieldSpec): unknown => {
    const def = specDefault(msg, f);
    if (!isPresent(f, version)) return def;
    // Tagged fields are written from non-null values only, so nulls apply to regular fields.
    if (opts.nulls && f.taggedVersions === null && inRange(f.nullableVersions, version))
      return null;
    const t = elementType(f);
    const one = (): unknown =>
      isStruct(t) ? struct(structFields(msg, f)) : scalar(f, t, rand, def, opts);
    if (isArray(f)) return Array.from({ length: opts.arrayLength ?? 2 }, one);
    return one();
  };
  return struct(msg.fields);
}

/** Every field path that is present at `version`, for error messages and coverage checks. */
export function presentFieldCount(msg: MessageSpec, fields: FieldSpec[], version: number): number {
  let n = 0;
  for (const f of fields) {
    if (!isPresent(f, version)) continue;
    n++;
    if (isStruct(elementType(f))) n += presentFieldCount(msg, structFields(msg, f), version);
  }
  return n;
}
