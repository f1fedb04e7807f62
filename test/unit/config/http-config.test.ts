/** The HTTP API's settings from the environment: defaults, overrides, errors naming the variable. */
import { describe, expect, it } from "vitest";
import { httpConfigFromEnv } from "../../../lib/config/http-config.ts";

describe("httpConfigFromEnv", () => {
  it("defaults to IAM auth and Lambda-sized limits", () => {
    expect(httpConfigFromEnv({})).toEqual({
      auth: "iam",
      maxBodyBytes: 5 * 1024 * 1024,
      maxFetchBytes: 2 * 1024 * 1024,
      maxWaitMs: 20_000,
    });
  });

  it("reads every variable, ignoring empty ones", () => {
    const config = httpConfigFromEnv({
      FLOE_HTTP_AUTH: "none",
      FLOE_HTTP_MAX_BODY_BYTES: "2048",
      FLOE_HTTP_MAX_FETCH_BYTES: " ",
      FLOE_HTTP_MAX_WAIT_MS: "0",
    });
    expect(config).toMatchObject({
      auth: "none",
      maxBodyBytes: 2048,
      maxFetchBytes: 2 * 1024 * 1024,
      maxWaitMs: 0,
    });
  });

  it("names the variable in errors", () => {
    expect(() => httpConfigFromEnv({ FLOE_HTTP_AUTH: "open" })).toThrow(
      /^FLOE_HTTP_AUTH: expected one of iam, none/,
    );
    expect(() => httpConfigFromEnv({ FLOE_HTTP_MAX_BODY_BYTES: "10" })).toThrow(
      /^FLOE_HTTP_MAX_BODY_BYTES: must be ≥ 1024/,
    );
    expect(() => httpConfigFromEnv({ FLOE_HTTP_MAX_WAIT_MS: "soon" })).toThrow(
      /^FLOE_HTTP_MAX_WAIT_MS: expected an integer/,
    );
  });
});
