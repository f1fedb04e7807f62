/**
 * Reads Kafka's message JSON (with // comments) into a typed schema. Only what the emitter
 * needs is kept; everything else in the JSON (entityType, mapKey, about texts beyond the first
 * sentence) is informational.
 */
import { readFileSync } from "node:fs";

/** An inclusive version range; `max` is Infinity for "N+"; null for "none". */
export interface VersionRange {
  min: number;
  max: number;
}

export interface FieldSpec {
  name: string;
  type: string;
  versions: VersionRange | null;
  nullableVersions: VersionRange | null;
  taggedVersions: VersionRange | null;
  tag: number | null;
  /** A per-field override of the message's flexibleVersions (RequestHeader.ClientId). */
  flexibleVersions: VersionRange | null | undefined;
  ignorable: boolean;
  defaultValue: string | boolean | undefined;
  about: string;
  /** Inline struct fields, for struct or array-of-struct types. */
  fields: FieldSpec[] | undefined;
}

export interface MessageSpec {
  apiKey: number | undefined;
  type: "request" | "response" | "header" | "data";
  name: string;
  validVersions: VersionRange;
  flexibleVersions: VersionRange | null;
  fields: FieldSpec[];
  commonStructs: Map<string, FieldSpec[]>;
}

export function parseVersions(spec: string | undefined): VersionRange | null {
  if (spec === undefined || spec === "none") return null;
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { min: Number(plus[1]), max: Number.POSITIVE_INFINITY };
  const range = /^(\d+)-(\d+)$/.exec(spec);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  if (/^\d+$/.test(spec)) return { min: Number(spec), max: Number(spec) };
  throw new Error(`bad version spec: ${spec}`);
}

/** Strips // comments outside strings, then parses. */
export function parseCommentedJson(text: string): unknown {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else {
      out += c;
    }
  }
  return JSON.parse(out);
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  ignorable?: boolean;
  default?: string | boolean;
  about?: string;
  fields?: RawField[];
}

function toField(raw: RawField): FieldSpec {
  return {
    name: raw.name,
    type: raw.type,
    versions: parseVersions(raw.versions),
    nullableVersions: parseVersions(raw.nullableVersions),
    taggedVersions: parseVersions(raw.taggedVersions),
    tag: raw.tag ?? null,
    flexibleVersions:
      raw.flexibleVersions === undefined ? undefined : parseVersions(raw.flexibleVersions),
    ignorable: raw.ignorable ?? false,
    defaultValue: raw.default,
    about: (raw.about ?? "").split(/(?<=\.)\s/)[0],
    fields: raw.fields?.map(toField),
  };
}

export function readMessage(path: string): MessageSpec {
  const raw = parseCommentedJson(readFileSync(path, "utf8")) as {
    apiKey?: number;
    type: MessageSpec["type"];
    name: string;
    validVersions: string;
    flexibleVersions?: string;
    fields?: RawField[];
    commonStructs?: { name: string; fields: RawField[] }[];
  };
  const validVersions = parseVersions(raw.validVersions);
  if (!validVersions) throw new Error(`${path}: no valid versions`);
  return {
    apiKey: raw.apiKey,
    type: raw.type,
    name: raw.name,
    validVersions,
    flexibleVersions: parseVersions(raw.flexibleVersions),
    fields: (raw.fields ?? []).map(toField),
    commonStructs: new Map((raw.commonStructs ?? []).map((s) => [s.name, s.fields.map(toField)])),
  };
}
