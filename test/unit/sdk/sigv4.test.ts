/**
 * The SDK's SigV4 signer (lib/sdk/sigv4.ts) against AWS's published Signature Version 4 test
 * suite (get-vanilla, get-vanilla-query-order-key-case: same credentials, date and region), and
 * the transport running the signer again on each retry so a signature never goes stale.
 */
import { describe, expect, it } from "vitest";
import { sigV4Signer } from "../../../lib/sdk/sigv4.ts";
import { type FloeRequest, FloeTransport } from "../../../lib/sdk/transport.ts";

const vectorSigner = sigV4Signer({
  region: "us-east-1",
  service: "service",
  credentials: {
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  },
  now: () => new Date("2015-08-30T12:36:00Z"),
});

const CREDENTIAL = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

describe("sigV4Signer", () => {
  it("signs AWS's get-vanilla request as the suite does", async () => {
    const signed = await vectorSigner({
      method: "GET",
      url: "https://example.amazonaws.com/",
      headers: {},
    });
    expect(signed.headers["x-amz-date"]).toBe("20150830T123600Z");
    expect(signed.headers.authorization).toBe(
      `AWS4-HMAC-SHA256 ${CREDENTIAL}, SignedHeaders=host;x-amz-date, ` +
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });

  it("signs get-vanilla-query-order-key-case (canonical query order)", async () => {
    const signed = await vectorSigner({
      method: "GET",
      url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
      headers: {},
    });
    expect(signed.headers.authorization).toContain(
      "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    );
  });

  it("is run by the transport on every attempt, body included in the signature", async () => {
    const seen: FloeRequest[] = [];
    const transport = new FloeTransport({
      endpoint: "https://api.example.com/prod",
      backoffMs: 1,
      signer: sigV4Signer({
        region: "eu-west-1",
        credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
      }),
      request: async (req) => {
        seen.push(req);
        return seen.length === 1
          ? {
              status: 503,
              headers: {},
              body: '{"error":{"code":"storage_unavailable","message":"x"}}',
            }
          : { status: 200, headers: {}, body: '{"ok":true}' };
      },
    });
    expect(await transport.call("POST", "/v1/producers", { body: { a: 1 } })).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    for (const req of seen) {
      expect(req.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
      );
    }
    const other = await sigV4Signer({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
      now: () => new Date("2026-01-01T00:00:00Z"),
    });
    const sign = (body: string) =>
      other({ method: "POST", url: "https://api.example.com/prod/v1/x", headers: {}, body });
    expect((await sign("a")).headers.authorization).not.toBe(
      (await sign("b")).headers.authorization,
    );
  });
});
