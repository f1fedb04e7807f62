/**
 * The OpenAPI document and the router agree: every route is documented and every documented
 * operation is routed (method + path), every operation has an id and documents its errors, and
 * the schemas use only keywords the validator checks. (Real responses are validated against
 * the document in every other test of this folder, through helpers.ts.)
 */
import { describe, expect, it } from "vitest";
import { ALL_ROUTE_MODULES, ROUTE_MODULES } from "../../../lib/http/api.ts";
import { Router } from "../../../lib/http/router.ts";
import { assertSupported, OPENAPI, validate } from "../../../lib/http/schema.ts";

const routed = new Router(ALL_ROUTE_MODULES.flatMap((m) => ROUTE_MODULES[m]))
  .routes()
  .map((r) => `${r.method} ${r.path}`)
  .sort();
const documented = Object.entries(OPENAPI.paths)
  .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
  .sort();

describe("openapi.json", () => {
  it("is OpenAPI 3.1", () => {
    expect(OPENAPI.openapi).toMatch(/^3\.1\./);
  });

  it("documents exactly the routes the router serves", () => {
    expect(documented).toEqual(routed);
  });

  it("splits the routes between the three functions without overlap", () => {
    const byModule = ALL_ROUTE_MODULES.flatMap((m) =>
      ROUTE_MODULES[m].map((r) => `${r.method} ${r.path}`),
    );
    expect(new Set(byModule).size).toBe(byModule.length);
    expect(ROUTE_MODULES.produce.map((r) => r.path)).toEqual([
      "/v1/topics/{topic}/records",
      "/v1/producers",
    ]);
    expect(ROUTE_MODULES.fetch.map((r) => r.path)).toEqual([
      "/v1/topics/{topic}/partitions/{partition}/records",
    ]);
  });

  it("gives every operation an id, a success response and the error responses", () => {
    for (const [path, ops] of Object.entries(OPENAPI.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${path}`).toMatch(/^\w+$/);
        const statuses = Object.keys(op.responses);
        expect(
          statuses.some((s) => s.startsWith("2")),
          `${method} ${path}`,
        ).toBe(true);
        for (const s of ["403", "500", "503"]) expect(statuses, `${method} ${path}`).toContain(s);
        for (const p of op.parameters ?? []) assertSupported(p.schema);
        if (p(path).length > 0) expect(statuses, `${method} ${path}`).toContain("400");
      }
    }
  });

  it("uses only schema keywords the validator checks", () => {
    for (const schema of Object.values(OPENAPI.components.schemas)) assertSupported(schema);
    expect(() => assertSupported({ type: "object", oneOf: [] })).toThrow(
      /unsupported schema keyword "oneOf"/,
    );
  });

  it("validator: names the field and the problem", () => {
    const produce = { $ref: "#/components/schemas/ProduceRequest" };
    expect(validate(produce, { records: [{ value: 1 }] })).toEqual([]);
    expect(validate(produce, { records: [{ value: 1, headers: [{ key: 5 }] }] })).toEqual([
      "records[0].headers[0].key must be string, got integer",
    ]);
    expect(validate(produce, { records: [{ value: 1 }], baseSequences: { x: 1 } })).toEqual([
      "baseSequences.x (name) must match ^(0|[1-9][0-9]{0,9})$",
    ]);
    expect(validate(produce, { records: [{ value: 1, partition: 2 ** 60 }] })[0]).toMatch(
      /safe integer/,
    );
  });
});

/** Path parameters of a documented path. */
function p(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
}
