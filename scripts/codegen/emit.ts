/**
 * Emits one TypeScript module per Kafka API (request + response) from the parsed schema.
 * Each struct gets an interface, a reader and a writer that branch on the version at run time;
 * the version conditions come straight from the JSON, so regenerating is deterministic.
 */
import type { FieldSpec, MessageSpec, VersionRange } from "./schema.ts";

const PRIMITIVES: Record<string, { ts: string; read: string; write: string; zero: string }> = {
  int8: { ts: "number", read: "int8()", write: "int8", zero: "0" },
  int16: { ts: "number", read: "int16()", write: "int16", zero: "0" },
  uint16: { ts: "number", read: "uint16()", write: "uint16", zero: "0" },
  int32: { ts: "number", read: "int32()", write: "int32", zero: "0" },
  int64: { ts: "bigint", read: "int64()", write: "int64", zero: "0n" },
  float64: { ts: "number", read: "float64()", write: "float64", zero: "0" },
  bool: { ts: "boolean", read: "bool()", write: "bool", zero: "false" },
  uuid: { ts: "string", read: "uuid()", write: "uuid", zero: "ZERO_UUID" },
};

export function camel(name: string): string {
  return name[0].toLowerCase() + name.slice(1);
}

function versionCond(range: VersionRange | null, valid: VersionRange): string | null {
  if (range === null) return "false";
  const lo = range.min > valid.min ? `version >= ${range.min}` : null;
  const hi = range.max < valid.max ? `version <= ${range.max}` : null;
  if (lo && hi) return `${lo} && ${hi}`;
  return lo ?? hi;
}

function condOr(cond: string | null, fallback: string): string {
  return cond === null ? "true" : cond === "false" ? fallback : cond;
}

function isNeverNullable(f: FieldSpec): boolean {
  return f.nullableVersions === null;
}

interface Ctx {
  msg: MessageSpec;
  /** Structs collected while walking fields: name → fields. */
  structs: Map<string, FieldSpec[]>;
  /** Response fields are optional in the types: encoders fill defaults. */
  optional: boolean;
}

function structName(ctx: Ctx, type: string): string {
  return `${ctx.msg.name}${type}`;
}

function elementType(f: FieldSpec): string {
  return f.type.startsWith("[]") ? f.type.slice(2) : f.type;
}

function isStructType(t: string): boolean {
  return !(t in PRIMITIVES) && !["string", "bytes", "records"].includes(t);
}

function collectStructs(ctx: Ctx, fields: FieldSpec[]): void {
  for (const f of fields) {
    const t = elementType(f);
    if (!isStructType(t)) continue;
    const inner = f.fields ?? ctx.msg.commonStructs.get(t);
    if (!inner) throw new Error(`${ctx.msg.name}.${f.name}: unknown struct ${t}`);
    if (!ctx.structs.has(t)) {
      ctx.structs.set(t, inner);
      collectStructs(ctx, inner);
    }
  }
}

function tsType(ctx: Ctx, f: FieldSpec): string {
  const t = elementType(f);
  const isArray = f.type.startsWith("[]");
  let base: string;
  if (t in PRIMITIVES) base = PRIMITIVES[t].ts;
  else if (t === "string") base = "string";
  else if (t === "bytes") base = "Buffer";
  else if (t === "records") base = ctx.msg.type === "response" ? "RecordsValue" : "Buffer";
  else base = structName(ctx, t);
  let out = isArray ? `${base}[]` : base;
  const taggedStruct = !isArray && isStructType(t) && f.taggedVersions !== null;
  if ((!isNeverNullable(f) || taggedStruct) && !out.includes("null")) out += " | null";
  return out;
}

function defaultExpr(ctx: Ctx, f: FieldSpec): string {
  const t = elementType(f);
  const d = f.defaultValue;
  if (f.type.startsWith("[]")) return d === "null" ? "null" : "[]";
  if (t in PRIMITIVES) {
    if (d === undefined || d === "") return PRIMITIVES[t].zero;
    if (t === "bool") return String(d === true || d === "true");
    if (t === "int64") return `${BigInt(d as string)}n`;
    if (t === "uuid") return "ZERO_UUID";
    return String(Number(d));
  }
  if (t === "string") return d === "null" ? "null" : JSON.stringify(d ?? "");
  if (t === "bytes" || t === "records") return isNeverNullable(f) ? "EMPTY_BUFFER" : "null";
  if (f.taggedVersions !== null || d === "null") return "null";
  return `default${structName(ctx, t)}()`;
}

function flexExpr(f: FieldSpec): string {
  if (f.flexibleVersions === undefined) return "flexible";
  if (f.flexibleVersions === null) return "false";
  return `version >= ${f.flexibleVersions.min}`;
}

function nullableExpr(f: FieldSpec, valid: VersionRange): string {
  if (f.nullableVersions === null) return "false";
  return condOr(versionCond(f.nullableVersions, valid), "false");
}

function readExpr(ctx: Ctx, f: FieldSpec, r: string, valid: VersionRange): string {
  const t = elementType(f);
  const flex = flexExpr(f);
  const nullable = nullableExpr(f, valid);
  const cast = isNeverNullable(f) ? ` as ${tsType(ctx, f)}` : "";
  const one = (): string => {
    if (t in PRIMITIVES) return `${r}.${PRIMITIVES[t].read}`;
    if (t === "string") return `readString(${r}, ${flex}, false) as string`;
    if (t === "bytes" || t === "records") return `readBytes(${r}, ${flex}, false) as Buffer`;
    return `read${structName(ctx, t)}(${r}, version)`;
  };
  if (f.type.startsWith("[]"))
    return `readArray(${r}, ${flex}, ${nullable}, () => ${one()})${cast}`;
  if (t === "string") return `readString(${r}, ${flex}, ${nullable})${cast}`;
  if (t === "bytes" || t === "records") return `readBytes(${r}, ${flex}, ${nullable})${cast}`;
  return one();
}

function writeStmt(ctx: Ctx, f: FieldSpec, w: string, v: string, valid: VersionRange): string {
  const t = elementType(f);
  const flex = flexExpr(f);
  const nullable = nullableExpr(f, valid);
  const label = JSON.stringify(`${ctx.msg.name}.${f.name}`);
  const one = (x: string): string => {
    if (t in PRIMITIVES) return `${w}.${PRIMITIVES[t].write}(${x})`;
    if (t === "string") return `writeString(${w}, ${flex}, false, ${x}, ${label})`;
    if (t === "bytes") return `writeBytes(${w}, ${flex}, false, ${x}, ${label})`;
    return `write${structName(ctx, t)}(${w}, version, ${x})`;
  };
  if (f.type.startsWith("[]")) {
    return `writeArray(${w}, ${flex}, ${nullable}, ${v}, ${label}, (e) => ${one("e")});`;
  }
  const d = defaultExpr(ctx, f);
  // `=== undefined`, not `??`: a null in a nullable field is a value, not "use the default".
  const value = v.endsWith("!") ? v : `(${v} === undefined ? ${d} : ${v})`;
  if (t === "string") return `writeString(${w}, ${flex}, ${nullable}, ${value}, ${label});`;
  if (t === "bytes") return `writeBytes(${w}, ${flex}, ${nullable}, ${value}, ${label});`;
  if (t === "records") return `writeRecords(${w}, ${flex}, ${nullable}, ${v}, ${label});`;
  return `${one(v.endsWith("!") || d === "null" ? v : value)};`;
}

/** An expression that is true when the value differs from the field's default. */
function nonDefaultExpr(ctx: Ctx, f: FieldSpec, v: string): string | null {
  const t = elementType(f);
  if (f.type.startsWith("[]")) return `(${v} != null && ${v}.length > 0)`;
  if (t in PRIMITIVES || t === "string")
    return `(${v} !== undefined && ${v} !== ${defaultExpr(ctx, f)})`;
  if (t === "bytes" || t === "records") return `(${v} != null && ${v}.length > 0)`;
  return f.taggedVersions !== null ? `${v} != null` : null;
}

function emitStruct(ctx: Ctx, name: string, fields: FieldSpec[], out: string[]): void {
  const valid = ctx.msg.validVersions;
  const flexMin = ctx.msg.flexibleVersions?.min;
  const flexDecl =
    flexMin === undefined ? "const flexible = false;" : `const flexible = version >= ${flexMin};`;
  const regular = fields.filter((f) => f.taggedVersions === null);
  const tagged = fields
    .filter((f) => f.taggedVersions !== null)
    .sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));

  out.push(`export interface ${name} {`);
  for (const f of fields) {
    if (f.about) out.push(`  /** ${f.about.replaceAll("*/", "*\\/")} */`);
    out.push(`  ${camel(f.name)}${ctx.optional ? "?" : ""}: ${tsType(ctx, f)};`);
  }
  out.push("}", "");

  out.push(`export function default${name}(): ${name} {`);
  out.push(`  return {`);
  for (const f of fields) out.push(`    ${camel(f.name)}: ${defaultExpr(ctx, f)},`);
  out.push("  };", "}", "");

  out.push(`export function read${name}(r: Reader, version: number): ${name} {`);
  out.push(`  ${flexDecl}`);
  out.push(`  const m = default${name}();`);
  for (const f of regular) {
    const cond = versionCond(f.versions, valid);
    const assign = `m.${camel(f.name)} = ${readExpr(ctx, f, "r", valid)};`;
    if (cond === "false") continue;
    out.push(cond === null ? `  ${assign}` : `  if (${cond}) ${assign}`);
  }
  if (flexMin !== undefined) {
    if (tagged.length === 0) {
      out.push("  if (flexible) r.taggedFields();");
    } else {
      out.push("  if (flexible) {", "    r.taggedFields((tag, t) => {", "      switch (tag) {");
      for (const f of tagged) {
        const cond = condOr(versionCond(f.taggedVersions, valid), "false");
        out.push(`        case ${f.tag}:`);
        out.push(`          if (${cond}) m.${camel(f.name)} = ${readExpr(ctx, f, "t", valid)};`);
        out.push("          break;");
      }
      out.push("      }", "    });", "  }");
    }
  }
  out.push("  return m;", "}", "");

  out.push(`export function write${name}(w: Writer, version: number, m: ${name}): void {`);
  out.push(`  ${flexDecl}`);
  for (const f of regular) {
    const cond = versionCond(f.versions, valid);
    const stmt = writeStmt(ctx, f, "w", `m.${camel(f.name)}`, valid);
    if (cond === null) {
      out.push(`  ${stmt}`);
      continue;
    }
    // Requests (encoded by clients) refuse a non-default value the version cannot carry, as
    // Kafka's generated code does; responses silently drop such fields, so one handler can
    // build a single response shape for every version it serves.
    const check =
      f.ignorable || ctx.msg.type === "response"
        ? null
        : nonDefaultExpr(ctx, f, `m.${camel(f.name)}`);
    if (cond === "false") continue;
    out.push(`  if (${cond}) {`, `    ${stmt}`);
    if (check) {
      out.push(`  } else {`);
      out.push(
        `    checkNotPresent(${check}, ${JSON.stringify(`${ctx.msg.name}.${f.name}`)}, version);`,
      );
    }
    out.push("  }");
  }
  if (flexMin !== undefined) {
    out.push("  if (flexible) {");
    out.push("    const tagged: [number, (w: Writer) => void][] = [];");
    for (const f of tagged) {
      const cond = condOr(versionCond(f.taggedVersions, valid), "false");
      const v = `m.${camel(f.name)}`;
      const nd = nonDefaultExpr(ctx, f, v) ?? "true";
      out.push(`    if (${cond} && ${nd}) {`);
      out.push(
        `      tagged.push([${f.tag}, (t) => { ${writeStmt(ctx, { ...f, nullableVersions: null }, "t", `${v}!`, valid)} }]);`,
      );
      out.push("    }");
    }
    out.push("    writeTaggedFields(w, tagged);", "  }");
    for (const f of tagged) {
      if (ctx.msg.type !== "request" || f.ignorable) continue;
      const cond = condOr(versionCond(f.taggedVersions, valid), "false");
      const nd = nonDefaultExpr(ctx, f, `m.${camel(f.name)}`) ?? "true";
      const label = JSON.stringify(`${ctx.msg.name}.${f.name}`);
      out.push(`  if (!(flexible && ${cond})) checkNotPresent(${nd}, ${label}, version);`);
    }
  }
  out.push("}", "");
}

export function emitMessage(msg: MessageSpec): string {
  const ctx: Ctx = { msg, structs: new Map(), optional: msg.type === "response" };
  collectStructs(ctx, msg.fields);
  const out: string[] = [];
  emitStruct(ctx, msg.name, msg.fields, out);
  for (const [t, fields] of [...ctx.structs].sort(([a], [b]) => a.localeCompare(b))) {
    emitStruct(ctx, structName(ctx, t), fields, out);
  }
  return out.join("\n");
}
