/**
 * Settings of the AWS backend (S3 segments, DynamoDB metadata), from the standard AWS
 * environment so that one build runs against AWS, the local emulators or LocalStack by changing
 * endpoints only:
 *
 *   AWS_REGION / AWS_DEFAULT_REGION                region (default us-east-1)
 *   AWS_ENDPOINT_URL                               endpoint for every service
 *   AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB per-service endpoints (win over the above)
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *                                                  static credentials; without them the SDK's
 *                                                  default chain (profiles, IMDS, ECS, Lambda)
 *   FLOE_S3_BUCKET                                 segment bucket (required)
 *   FLOE_DYNAMODB_TABLE                            metadata table (default "floe-metadata")
 *   FLOE_S3_FORCE_PATH_STYLE                       "true" for emulators; default true whenever
 *                                                  an S3 endpoint is set
 *   FLOE_DYNAMODB_LAYOUT                           "shard" (default) or "partition": how partition
 *                                                  logs are laid out (docs/dynamodb-tables.md)
 *
 * Validated once here; adapters receive the frozen object and never read process.env.
 */
import { ConfigError } from "./validate.ts";

/** The Floe-specific variables above, by name: cdk/ sets them on functions and the front. */
export const AWS_ENV_KEYS = Object.freeze({
  bucket: "FLOE_S3_BUCKET",
  table: "FLOE_DYNAMODB_TABLE",
  s3ForcePathStyle: "FLOE_S3_FORCE_PATH_STYLE",
  logLayout: "FLOE_DYNAMODB_LAYOUT",
});

/**
 * How the DynamoDB store lays out partition logs (lib/storage/dynamodb/log-layout.ts): commit
 * records per shard of 32 partitions, or a head item per partition.
 */
export type LogLayoutName = "shard" | "partition";
export const LOG_LAYOUTS: readonly LogLayoutName[] = Object.freeze(["shard", "partition"]);
export const DEFAULT_LOG_LAYOUT: LogLayoutName = "shard";

/** The metadata table's name when FLOE_DYNAMODB_TABLE is not set. */
export const DEFAULT_TABLE_NAME = "floe-metadata";

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsConfig {
  readonly region: string;
  /** Undefined: the SDK's default endpoint for the region (real AWS). */
  readonly s3Endpoint: string | undefined;
  readonly dynamodbEndpoint: string | undefined;
  /** Undefined: the SDK's default credential chain. */
  readonly credentials: AwsCredentials | undefined;
  readonly s3ForcePathStyle: boolean;
  readonly bucket: string;
  readonly table: string;
  readonly logLayout: LogLayoutName;
}

export function awsConfigFromEnv(env: Readonly<Record<string, string | undefined>>): AwsConfig {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
  const region = get("AWS_REGION") ?? get("AWS_DEFAULT_REGION") ?? "us-east-1";
  const s3Endpoint = endpoint("AWS_ENDPOINT_URL_S3", get) ?? endpoint("AWS_ENDPOINT_URL", get);
  const dynamodbEndpoint =
    endpoint("AWS_ENDPOINT_URL_DYNAMODB", get) ?? endpoint("AWS_ENDPOINT_URL", get);

  const accessKeyId = get("AWS_ACCESS_KEY_ID");
  const secretAccessKey = get("AWS_SECRET_ACCESS_KEY");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError(
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: set both or neither (neither = the SDK's default credential chain)",
    );
  }
  const sessionToken = get("AWS_SESSION_TOKEN");
  const credentials =
    accessKeyId !== undefined && secretAccessKey !== undefined
      ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
      : undefined;

  const bucket = get(AWS_ENV_KEYS.bucket);
  if (bucket === undefined) {
    throw new ConfigError("FLOE_S3_BUCKET: required for the AWS backend (the segment bucket)");
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(`FLOE_S3_BUCKET: not a valid S3 bucket name: ${JSON.stringify(bucket)}`);
  }
  const table = get(AWS_ENV_KEYS.table) ?? DEFAULT_TABLE_NAME;
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) {
    throw new ConfigError(
      `FLOE_DYNAMODB_TABLE: not a valid DynamoDB table name: ${JSON.stringify(table)}`,
    );
  }
  const pathStyle = get(AWS_ENV_KEYS.s3ForcePathStyle);
  if (pathStyle !== undefined && pathStyle !== "true" && pathStyle !== "false") {
    throw new ConfigError(`FLOE_S3_FORCE_PATH_STYLE: expected true or false, got ${pathStyle}`);
  }
  const s3ForcePathStyle =
    pathStyle === undefined ? s3Endpoint !== undefined : pathStyle === "true";
  const layout = get(AWS_ENV_KEYS.logLayout) ?? DEFAULT_LOG_LAYOUT;
  if (!(LOG_LAYOUTS as readonly string[]).includes(layout)) {
    throw new ConfigError(
      `FLOE_DYNAMODB_LAYOUT: expected ${LOG_LAYOUTS.join(" or ")}, got ${JSON.stringify(layout)}`,
    );
  }
  return Object.freeze({
    region,
    s3Endpoint,
    dynamodbEndpoint,
    credentials,
    s3ForcePathStyle,
    bucket,
    table,
    logLayout: layout as LogLayoutName,
  });
}

function endpoint(name: string, get: (n: string) => string | undefined): string | undefined {
  const raw = get(name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name}: not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${name}: expected an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw;
}
