/**
 * The OpenAPI document (./openapi.json) is the one source of truth for request shapes: routes
 * validate their path, query and JSON body against it, and the tests validate responses
 * against it. This is a small JSON Schema (2020-12 subset) validator for the keywords the
 * document uses; an unknown keyword fails at load, so the document cannot drift into
 * constructs nothing checks. Messages name the field ("records[2].partition must be …").
 */
import spec from "./openapi.json" with { type: "json" };
import { HttpError } from "./types.ts";

export interface Schema {
  $ref?: string;
  anyOf?: Schema[];
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

export interface Parameter {
  name: string;
  in: "path" | "query";
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export const OPENAPI = spec as unknown as OpenApiDocument;

const CHECKED = new Set([
  "$ref",
  "anyOf",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "minItems",
  "maxItems",
  "minProperties",
  "enum",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
]);
const ANNOTATIONS = new Set(["description", "title", "format", "examples", "default"]);

/** Throws on a keyword the validator does not check (run once, by the tests and at load). */
export function assertSupported(schema: unknown, at = "#"): void {
  if (typeof schema !== "object" || schema === null) return;
  for (const [k, v] of Object.entries(schema)) {
    if (!CHECKED.has(k) && !ANNOTATIONS.has(k)) {
      throw new Error(`openapi.json ${at}: unsupported schema keyword "${k}"`);
    }
    if (k === "properties") {
      for (const [name, sub] of Object.entries(v as object)) assertSupported(sub, `${at}/${name}`);
    } else if (k === "anyOf") {
      for (const sub of v as unknown[]) assertSupported(sub, `${at}/anyOf`);
    } else if (k === "items" || k === "propertyNames" || k === "additionalProperties") {
      assertSupported(v, `${at}/${k}`);
    }
  }
}

function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const target = OPENAPI.components.schemas[name];
  if (!target) throw new Error(`openapi.json: unresolved $ref ${schema.$ref}`);
  return resolve(target);
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === "number" && actual === "integer");
}

function field(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Problems of `value` against `schema`, as "<field> <complaint>"; empty when valid. */
export function validate(schema: Schema, value: unknown, path = ""): string[] {
  const s = resolve(schema);
  const at = path === "" ? "body" : path;
  const actual = typeOf(value);
  if (s.anyOf) {
    const branches = s.anyOf.map((b) => validate(b, value, path));
    if (!branches.some((b) => b.length === 0)) return branches.flat();
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => typeMatches(t, actual))) {
      return [`${at} must be ${types.join(" or ")}, got ${actual}`];
    }
  }
  if (s.enum && !s.enum.includes(value)) {
    return [`${at} must be one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`];
  }
  const problems: string[] = [];
  if (typeof value === "number") {
    if (actual === "integer" && !Number.isSafeInteger(value)) {
      problems.push(`${at} must be a safe integer (|n| < 2^53)`);
    }
    if (s.minimum !== undefined && value < s.minimum) problems.push(`${at} must be ≥ ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) problems.push(`${at} must be ≤ ${s.maximum}`);
  } else if (typeof value === "string") {
    if (s.minLength !== undefined && value.length < s.minLength) {
      problems.push(`${at} must be at least ${s.minLength} characters`);
    }
    if (s.maxLength !== undefined && value.length > s.maxLength) {
      problems.push(`${at} must be at most ${s.maxLength} characters`);
    }
    if (s.pattern !== undefined && !new RegExp(s.pattern, "u").test(value)) {
      problems.push(`${at} must match ${s.pattern}`);
    }
  } else if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) {
      problems.push(`${at} must have at least ${s.minItems} items`);
    }
    if (s.maxItems !== undefined && value.length > s.maxItems) {
      problems.push(`${at} must have at most ${s.maxItems} items`);
    }
    if (s.items && problems.length === 0) {
      value.forEach((item, i) => {
        problems.push(...validate(s.items as Schema, item, `${path}[${i}]`));
      });
    }
  } else if (actual === "object") {
    problems.push(...validateObject(s, value as Record<string, unknown>, path, at));
  }
  return problems;
}

function validateObject(
  s: Schema,
  obj: Record<string, unknown>,
  path: string,
  at: string,
): string[] {
  const problems: string[] = [];
  const keys = Object.keys(obj);
  if (s.minProperties !== undefined && keys.length < s.minProperties) {
    problems.push(`${at} must have at least ${s.minProperties} properties`);
  }
  for (const name of s.required ?? []) {
    if (!(name in obj)) problems.push(`${field(path, name)} is required`);
  }
  for (const key of keys) {
    const sub = s.properties?.[key];
    if (sub) {
      problems.push(...validate(sub, obj[key], field(path, key)));
      continue;
    }
    if (s.propertyNames) {
      problems.push(...validate(s.propertyNames, key, `${field(path, key)} (name)`));
    }
    if (s.additionalProperties === false) {
      problems.push(`${field(path, key)} is not a known field`);
    } else if (typeof s.additionalProperties === "object") {
      problems.push(...validate(s.additionalProperties, obj[key], field(path, key)));
    }
  }
  return problems;
}

/** Throws a 400 naming the first problem (and how many more there were). */
export function check(schema: Schema, value: unknown, code: string, path = ""): void {
  const problems = validate(schema, value, path);
  if (problems.length === 0) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : "";
  throw new HttpError(400, code, `${problems[0]}${more}`);
}

/** The operation the document declares for `method` on `pattern` (a router path). */
export function operationOf(method: string, pattern: string): Operation | undefined {
  return OPENAPI.paths[pattern]?.[method.toLowerCase()];
}

/** The JSON schema of a response, for the conformance tests. */
export function responseSchema(op: Operation, status: number): Schema | undefined {
  const r = op.responses[String(status)] ?? op.responses.default;
  return r?.content?.["application/json"]?.schema;
}

for (const schema of Object.values(OPENAPI.components.schemas)) assertSupported(schema);
