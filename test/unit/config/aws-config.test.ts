// The AWS backend's settings come from the standard AWS environment, validated once.
import { describe, expect, it } from "vitest";
import { awsConfigFromEnv } from "../../../lib/config/aws-config.ts";
import { ConfigError } from "../../../lib/config/validate.ts";

const base = { FLOE_S3_BUCKET: "floe-segments" };

describe("awsConfigFromEnv", () => {
  it("uses the SDK defaults for real AWS: no endpoint, default credential chain", () => {
    expect(awsConfigFromEnv(base)).toEqual({
      region: "us-east-1",
      s3Endpoint: undefined,
      dynamodbEndpoint: undefined,
      credentials: undefined,
      s3ForcePathStyle: false,
      bucket: "floe-segments",
      table: "floe-metadata",
      logLayout: "shard",
    });
  });

  it("takes the DynamoDB log layout, shard by default, and refuses any other name", () => {
    expect(awsConfigFromEnv({ ...base, FLOE_DYNAMODB_LAYOUT: "partition" }).logLayout).toBe(
      "partition",
    );
    expect(() => awsConfigFromEnv({ ...base, FLOE_DYNAMODB_LAYOUT: "Shard" })).toThrow(
      /FLOE_DYNAMODB_LAYOUT: expected shard or partition, got "Shard"/,
    );
  });

  it("takes AWS_ENDPOINT_URL for every service and lets the per-service forms win", () => {
    const c = awsConfigFromEnv({
      ...base,
      AWS_ENDPOINT_URL: "http://localhost:4566",
      AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000",
      AWS_DEFAULT_REGION: "eu-west-1",
    });
    expect(c.s3Endpoint).toBe("http://localhost:4566");
    expect(c.dynamodbEndpoint).toBe("http://127.0.0.1:8000");
    expect(c.region).toBe("eu-west-1");
    expect(c.s3ForcePathStyle).toBe(true);
  });

  it("takes static credentials only as a pair", () => {
    expect(
      awsConfigFromEnv({ ...base, AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "s" })
        .credentials,
    ).toEqual({ accessKeyId: "AKID", secretAccessKey: "s" });
    expect(() => awsConfigFromEnv({ ...base, AWS_ACCESS_KEY_ID: "AKID" })).toThrow(ConfigError);
  });

  it("names the variable in every error", () => {
    expect(() => awsConfigFromEnv({})).toThrow(/FLOE_S3_BUCKET/);
    expect(() => awsConfigFromEnv({ FLOE_S3_BUCKET: "Bad_Bucket" })).toThrow(/FLOE_S3_BUCKET/);
    expect(() => awsConfigFromEnv({ ...base, AWS_ENDPOINT_URL_S3: "localhost:9000" })).toThrow(
      /AWS_ENDPOINT_URL_S3/,
    );
    expect(() => awsConfigFromEnv({ ...base, FLOE_DYNAMODB_TABLE: "x" })).toThrow(
      /FLOE_DYNAMODB_TABLE/,
    );
    expect(() => awsConfigFromEnv({ ...base, FLOE_S3_FORCE_PATH_STYLE: "yes" })).toThrow(
      /FLOE_S3_FORCE_PATH_STYLE/,
    );
  });
});
