/**
 * Every generated API, every version, both directions: a message with a non-default value in
 * every field present at that version survives write → read unchanged, and re-encodes to the
 * same bytes. Fields a version lacks must come back as the spec's defaults; a non-default value
 * in such a field is refused with EncodeError unless Kafka marks the field ignorable.
 */
import { describe, expect, test } from "vitest";
import { EncodeError } from "../../../../lib/protocol/codec-support.ts";
import * as generated from "../../../../lib/protocol/generated/index.ts";
import { API_CODECS } from "../../../../lib/protocol/generated/index.ts";
import type { FieldSpec, MessageSpec } from "../../../../scripts/codegen/schema.ts";
import {
  codecFor,
  decodeAll,
  encode,
  type ReadFn,
  versions,
  type WriteFn,
} from "./codec-helpers.ts";
import {
  buildMessage,
  camel,
  defaultStruct,
  elementType,
  isArray,
  isPresent,
  isStruct,
  loadSpec,
  presentFieldCount,
  specDefault,
  structFields,
} from "./spec-values.ts";

type Msg = Record<string, unknown>;

interface Direction {
  kind: "Request" | "Response";
  spec: MessageSpec;
  read: ReadFn<Msg>;
  write: WriteFn<Msg>;
  range: { min: number; max: number };
}

function directions(apiKey: number): Direction[] {
  const codec = codecFor(apiKey);
  const name = codec.api.name;
  return [
    {
      kind: "Request",
      spec: loadSpec(`${name}Request`),
      read: codec.readRequest,
      write: codec.writeRequest,
      range: codec.api.request,
    },
    {
      kind: "Response",
      spec: loadSpec(`${name}Response`),
      read: codec.readResponse,
      write: codec.writeResponse,
      range: codec.api.response,
    },
  ];
}

function roundTrip(d: Direction, version: number, m: Msg): void {
  const bytes = encode(d.write, version, m);
  const decoded = decodeAll(d.read, bytes, version);
  expect(decoded).toEqual(m);
  expect(encode(d.write, version, decoded).equals(bytes), "re-encoding is byte-identical").toBe(
    true,
  );
}

const apiKeys = [...API_CODECS.keys()].sort((a, b) => a - b);

describe.each(apiKeys.map((k) => [codecFor(k).api.name, k] as const))("%s", (_name, apiKey) => {
  for (const d of directions(apiKey)) {
    test(`${d.kind} version range matches the spec`, () => {
      expect(d.range.min).toBe(d.spec.validVersions.min);
      expect(d.range.max).toBe(d.spec.validVersions.max);
    });

    test.each(versions(d.range))(`${d.kind} v%i: every field non-default round-trips`, (v) => {
      expect(presentFieldCount(d.spec, d.spec.fields, v)).toBeGreaterThanOrEqual(0);
      for (let seed = 1; seed <= 3; seed++)
        roundTrip(d, v, buildMessage(d.spec, v, seed * 1000 + v));
    });

    test.each(versions(d.range))(`${d.kind} v%i: nulls where nullable round-trip`, (v) => {
      roundTrip(d, v, buildMessage(d.spec, v, 77 + v, { nulls: true }));
    });

    test.each(versions(d.range))(`${d.kind} v%i: empty arrays and large blobs round-trip`, (v) => {
      roundTrip(d, v, buildMessage(d.spec, v, 5 + v, { arrayLength: 0 }));
      roundTrip(d, v, buildMessage(d.spec, v, 9 + v, { arrayLength: 1, blobBytes: 5000 }));
    });

    test.each(versions(d.range))(`${d.kind} v%i: the default message round-trips`, (v) => {
      const defaults = defaultStruct(d.spec, d.spec.fields);
      roundTrip(d, v, defaults);
      const fromGenerated = (generated as Record<string, unknown>)[
        `default${d.spec.name}`
      ] as () => Msg;
      expect(encode(d.write, v, fromGenerated()).equals(encode(d.write, v, defaults))).toBe(true);
    });

    test("generated default functions match the spec defaults", () => {
      const all = generated as Record<string, unknown>;
      const check = (structName: string, fields: FieldSpec[]): void => {
        const fn = all[`default${structName}`] as (() => Msg) | undefined;
        expect(fn, `default${structName} is exported`).toBeTypeOf("function");
        expect(fn!(), `default${structName}()`).toEqual(defaultStruct(d.spec, fields));
      };
      check(d.spec.name, d.spec.fields);
      const walk = (fields: FieldSpec[]): void => {
        for (const f of fields) {
          if (!isStruct(elementType(f))) continue;
          check(`${d.spec.name}${elementType(f)}`, structFields(d.spec, f));
          walk(structFields(d.spec, f));
        }
      };
      walk(d.spec.fields);
    });

    const absentRule =
      d.kind === "Request"
        ? "is refused unless ignorable"
        : "is dropped (one shape serves all versions)";
    test.each(versions(d.range))(
      `${d.kind} v%i: a non-default value in an absent regular field ${absentRule}`,
      (v) => checkAbsentFields(d, v, false),
    );

    test.each(versions(d.range))(
      `${d.kind} v%i: a non-default value in an absent tagged field ${absentRule}`,
      (v) => checkAbsentFields(d, v, true),
    );
  }
});

/**
 * Requests: Kafka's Java codec throws UnsupportedVersionException when a non-default value is
 * written in a version that lacks the field, unless the field is ignorable — regular and tagged
 * fields alike; Floe's request encoders do the same with EncodeError. Responses: Floe's policy
 * (scripts/codegen/emit.ts) is to drop such values silently, so a handler can build one
 * response for every version it serves.
 */
function checkAbsentFields(d: Direction, v: number, tagged: boolean): void {
  const base = buildMessage(d.spec, v, 31 + v, { arrayLength: 1 });
  const otherVersion = d.range.max === v ? d.range.min : d.range.max;
  const other = buildMessage(d.spec, otherVersion, 32 + v, { arrayLength: 1 });
  const cases: { path: string; ignorable: boolean; value: unknown; keys: string[] }[] = [];
  const walk = (fields: FieldSpec[], path: string[]): void => {
    for (const f of fields) {
      const keys = [...path, camel(f.name)];
      const t = elementType(f);
      if (isPresent(f, v)) {
        if (isStruct(t)) walk(structFields(d.spec, f), keys);
        continue;
      }
      if ((f.taggedVersions !== null) !== tagged) continue;
      // Kafka has no "non-default" check for a whole regular struct either.
      if (!tagged && isStruct(t) && !isArray(f)) continue;
      const value = nonDefaultValue(d.spec, f, other, keys);
      if (value === undefined) continue;
      cases.push({ path: keys.join("."), ignorable: f.ignorable, value, keys });
    }
  };
  walk(d.spec.fields, []);
  const baseBytes = encode(d.write, v, base);
  for (const c of cases) {
    const m = clone(base) as Msg;
    setPath(m, c.keys, c.value);
    if (c.ignorable || d.kind === "Response") {
      const bytes = encode(d.write, v, m);
      expect(bytes.equals(baseBytes), `${c.path} is dropped at v${v}`).toBe(true);
    } else {
      expect(() => encode(d.write, v, m), `${c.path} at v${v}`).toThrow(EncodeError);
    }
  }
}

/** A non-default value for `f`, borrowed from a message built at another version. */
function nonDefaultValue(spec: MessageSpec, f: FieldSpec, other: Msg, path: string[]): unknown {
  const found = getPath(other, path);
  const def = specDefault(spec, f);
  if (found !== undefined && !isDefaultLike(found, def)) return found;
  const t = elementType(f);
  if (isArray(f)) {
    if (isStruct(t)) return undefined;
    const one = nonDefaultValue(spec, { ...f, type: t, defaultValue: undefined }, {}, []);
    return [one];
  }
  switch (t) {
    case "bool":
      return !def;
    case "int64":
      return (def as bigint) + 7n;
    case "string":
      return def === "x" ? "y" : "x";
    case "uuid":
      return "11111111-2222-3333-4444-555555555555";
    case "bytes":
    case "records":
      return Buffer.from([1, 2, 3]);
  }
  return isStruct(t) ? undefined : (def as number) + 7;
}

function isDefaultLike(v: unknown, def: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (Buffer.isBuffer(v)) return v.length === 0;
  return v === def;
}

function getPath(m: unknown, path: string[]): unknown {
  let cur = m;
  for (const key of path) {
    if (Array.isArray(cur)) cur = cur[0];
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Msg)[key];
  }
  return cur;
}

function setPath(m: Msg, path: string[], value: unknown): void {
  let cur: unknown = m;
  for (const key of path.slice(0, -1)) {
    cur = (cur as Msg)[key];
    if (Array.isArray(cur)) cur = cur[0];
  }
  (cur as Msg)[path[path.length - 1]] = value;
}

/** Deep copy that keeps Buffers as Buffers (structuredClone turns them into Uint8Arrays). */
function clone(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  if (Array.isArray(v)) return v.map(clone);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  }
  return v;
}
