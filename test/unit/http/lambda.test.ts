/** From an API Gateway HTTP API (payload 2.0) event to the HttpRequest lib/http serves. */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { LAMBDA_LOG_CONFIG, requestOfEvent } from "../../../lib/http/lambda.ts";

function event(
  overrides: Partial<APIGatewayProxyEventV2>,
  stage = "$default",
): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/v1/topics",
    rawQueryString: "",
    headers: {},
    requestContext: { http: { method: "GET", path: "/v1/topics" }, stage },
    isBase64Encoded: false,
    ...overrides,
  } as APIGatewayProxyEventV2;
}

describe("requestOfEvent", () => {
  it("keeps the raw path, splits the query and lower-cases header names", () => {
    const req = requestOfEvent(
      event({
        rawPath: "/v1/topics/a%2Eb/partitions/0/records",
        rawQueryString: "offset=5&valueEncoding=string",
        headers: { "Content-Type": "application/json" },
      }),
    );
    expect(req).toMatchObject({
      method: "GET",
      path: "/v1/topics/a%2Eb/partitions/0/records",
      query: { offset: "5", valueEncoding: "string" },
      headers: { "content-type": "application/json" },
      body: undefined,
    });
  });

  it("strips a named stage's prefix, not the $default stage's", () => {
    expect(requestOfEvent(event({ rawPath: "/prod/v1/topics" }, "prod")).path).toBe("/v1/topics");
    expect(requestOfEvent(event({ rawPath: "/prod/v1/topics" })).path).toBe("/prod/v1/topics");
  });

  it("decodes a base64 body and keeps a text one", () => {
    const text = '{"records":[]}';
    expect(requestOfEvent(event({ body: text })).body).toEqual(Buffer.from(text));
    const b64 = requestOfEvent(
      event({ body: Buffer.from(text).toString("base64"), isBase64Encoded: true }),
    );
    expect(b64.body).toEqual(Buffer.from(text));
  });
});

describe("LAMBDA_LOG_CONFIG", () => {
  it("flushes without linger: one request, nothing else joins its segment", () => {
    expect(LAMBDA_LOG_CONFIG.lingerMs).toBe(0);
  });
});
