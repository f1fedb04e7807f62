/**
 * The emitter on synthetic specs, for rules the real specs happen not to exercise today.
 */
import { describe, expect, test } from "vitest";
import { API_CODECS } from "../../../lib/protocol/generated/index.ts";
import { emitMessage } from "../../../scripts/codegen/emit.ts";
import {
  type FieldSpec,
  type MessageSpec,
  parseVersions,
} from "../../../scripts/codegen/schema.ts";
import { loadSpec } from "../protocol/generated/spec-values.ts";

function taggedInt(name: string, tag: number): FieldSpec {
  return {
    name,
    type: "int32",
    versions: parseVersions("0+"),
    nullableVersions: null,
    taggedVersions: parseVersions("0+"),
    tag,
    flexibleVersions: undefined,
    ignorable: true,
    defaultValue: undefined,
    about: "",
    fields: undefined,
  };
}

function probe(fields: FieldSpec[]): MessageSpec {
  return {
    apiKey: 999,
    type: "request",
    name: "ProbeRequest",
    validVersions: parseVersions("0-1")!,
    flexibleVersions: parseVersions("0+"),
    fields,
    commonStructs: new Map(),
  };
}

describe("tagged fields", () => {
  test("are written in ascending tag order whatever order the spec declares them in", () => {
    // The reader (and Kafka) require increasing tags; the JSON does not promise declaration order.
    const src = emitMessage(probe([taggedInt("B", 5), taggedInt("A", 1)]));
    const pushed = [...src.matchAll(/tagged\.push\(\[(\d+),/g)].map((m) => Number(m[1]));
    expect(pushed).toEqual([1, 5]);
  });

  test("the real specs declare tagged fields in ascending tag order (so the rule above is latent today)", () => {
    const outOfOrder: string[] = [];
    const walk = (spec: MessageSpec, fields: FieldSpec[], path: string): void => {
      let last = -1;
      for (const f of fields) {
        if (f.tag !== null) {
          if (f.tag <= last) outOfOrder.push(`${path}.${f.name}`);
          last = f.tag;
        }
        const inner = f.fields ?? spec.commonStructs.get(f.type.replace("[]", ""));
        if (inner) walk(spec, inner, `${path}.${f.name}`);
      }
    };
    // Not scripts/codegen/main.ts APIS: importing main.ts runs the generator.
    for (const name of [...API_CODECS.values()].map((c) => c.api.name)) {
      for (const kind of ["Request", "Response"]) {
        const spec = loadSpec(`${name}${kind}`);
        walk(spec, spec.fields, spec.name);
      }
    }
    expect(outOfOrder).toEqual([]);
  });
});
