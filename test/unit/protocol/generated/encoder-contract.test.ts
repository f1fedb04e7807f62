/**
 * Small, named cases for the encoder's contract, each pinned to one field, so a regression
 * points at the rule rather than at a generated message: null stays null, requests refuse
 * what their version cannot carry, responses drop it.
 */
import { describe, expect, test } from "vitest";
import { EncodeError } from "../../../../lib/protocol/codec-support.ts";
import {
  API_CODECS,
  readSaslAuthenticateResponse,
  writeFetchRequest,
  writeFetchResponse,
  writeMetadataRequest,
  writeSaslAuthenticateResponse,
} from "../../../../lib/protocol/generated/index.ts";
import type { FieldSpec } from "../../../../scripts/codegen/schema.ts";
import { codecFor, decodeAll, encode, versions } from "./codec-helpers.ts";
import {
  buildMessage,
  camel,
  elementType,
  inRange,
  isPresent,
  isStruct,
  loadSpec,
  structFields,
} from "./spec-values.ts";

describe("nullable strings", () => {
  test("a null ErrorMessage is written as null, not as the empty string", () => {
    // SaslAuthenticateResponse.ErrorMessage: nullable 0+, no "default" → Kafka's default is "".
    const bytes = encode(writeSaslAuthenticateResponse, 1, {
      errorCode: 0,
      errorMessage: null,
      authBytes: Buffer.alloc(0),
    });
    expect(bytes.subarray(2, 4).toString("hex"), "int16 length -1").toBe("ffff");
    expect(decodeAll(readSaslAuthenticateResponse, bytes, 1).errorMessage).toBe(null);
  });

  test("every nullable string field writes null as null, at every version where it is nullable", () => {
    const wrong = new Set<string>();
    for (const apiKey of API_CODECS.keys()) {
      const codec = codecFor(apiKey);
      for (const kind of ["Request", "Response"] as const) {
        const spec = loadSpec(`${codec.api.name}${kind}`);
        const range = kind === "Request" ? codec.api.request : codec.api.response;
        const write = kind === "Request" ? codec.writeRequest : codec.writeResponse;
        const read = kind === "Request" ? codec.readRequest : codec.readResponse;
        for (const v of versions(range)) {
          const m = buildMessage(spec, v, 1, { nulls: true, arrayLength: 1 });
          const back = decodeAll(read, encode(write, v, m), v);
          const walk = (fields: FieldSpec[], sent: unknown, got: unknown, path: string): void => {
            for (const f of fields) {
              if (!isPresent(f, v)) continue;
              const key = camel(f.name);
              const s = (sent as Record<string, unknown>)[key];
              const g = (got as Record<string, unknown>)[key];
              if (f.type === "string" && s === null && g !== null) wrong.add(`${path}.${f.name}`);
              if (isStruct(elementType(f)) && s && g) {
                const [s0, g0] = Array.isArray(s) ? [s[0], (g as unknown[])[0]] : [s, g];
                if (s0 && g0) walk(structFields(spec, f), s0, g0, path);
              }
            }
          };
          walk(spec.fields, m, back, spec.name);
        }
      }
    }
    expect([...wrong].sort()).toEqual([]);
  });

  test("the builder really sends nulls (guards the test above)", () => {
    const spec = loadSpec("SaslAuthenticateResponse");
    const f = spec.fields.find((x) => x.name === "ErrorMessage")!;
    expect(inRange(f.nullableVersions, 0)).toBe(true);
    expect(buildMessage(spec, 0, 1, { nulls: true }).errorMessage).toBe(null);
  });
});

describe("fields a version cannot carry", () => {
  test("a request refuses a non-default tagged field its version lacks (FetchRequest.ReplicaState at v14)", () => {
    // ReplicaState is tagged from v15 and not ignorable; Kafka's codec throws here.
    const m = {
      ...buildMessage(loadSpec("FetchRequest"), 14, 1),
      replicaState: { replicaId: 3, replicaEpoch: 9n },
    };
    expect(() => encode(writeFetchRequest, 14, m as never)).toThrow(EncodeError);
  });

  test("a request refuses a non-default regular field its version lacks (MetadataRequest.AllowAutoTopicCreation at v3)", () => {
    // AllowAutoTopicCreation: v4+, default true, "ignorable": false.
    const m = { topics: null, allowAutoTopicCreation: false };
    expect(() => encode(writeMetadataRequest, 3, m as never)).toThrow(EncodeError);
    expect(() =>
      encode(writeMetadataRequest, 3, { ...m, allowAutoTopicCreation: true } as never),
    ).not.toThrow();
  });

  test("a response drops what its version lacks (FetchResponse.CurrentLeader at v11)", () => {
    const base = { responses: [{ topic: "t", partitions: [{ partitionIndex: 0 }] }] };
    const withLeader = {
      responses: [
        {
          topic: "t",
          partitions: [{ partitionIndex: 0, currentLeader: { leaderId: 1, leaderEpoch: 2 } }],
        },
      ],
    };
    expect(
      encode(writeFetchResponse, 11, withLeader).equals(encode(writeFetchResponse, 11, base)),
    ).toBe(true);
    expect(
      encode(writeFetchResponse, 12, withLeader).equals(encode(writeFetchResponse, 12, base)),
    ).toBe(false);
  });
});
