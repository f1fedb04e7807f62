/**
 * Building the DynamoDB client the store uses, from AwsConfig (lib/config/aws-config.ts) or from
 * an explicit endpoint/region/credentials/table (tests, the setup command).
 *
 * The SDK retries throttling, 5xx, timeouts and network errors itself (standard mode: exponential
 * backoff with full jitter, base 100 ms, 500 ms for throttling, capped at 20 s) up to
 * `maxAttempts`; each attempt is bounded by `requestTimeoutMs`, so a hung connection becomes a
 * retried TimeoutError and, in the end, a StorageUnavailableError (./errors.ts), never a hang.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsConfig, AwsCredentials } from "../../config/aws-config.ts";

/** Where the metadata table is: from AwsConfig, or spelled out (tests, the setup command). */
export interface DynamoTableConfig {
  /** Undefined: the SDK's default endpoint for the region (real AWS). */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** Undefined: the SDK's default credential chain. */
  readonly credentials: AwsCredentials | undefined;
  readonly table: string;
}

export interface DynamoClientTuning {
  /** Attempts per call, the first included (SDK standard retry mode). Default 5. */
  maxAttempts?: number;
  /** Default 2,000. */
  connectTimeoutMs?: number;
  /** Per attempt. Default 5,000. */
  requestTimeoutMs?: number;
  /** Concurrent connections to DynamoDB. Default 64. */
  maxSockets?: number;
}

export function tableConfigOf(config: AwsConfig | DynamoTableConfig): DynamoTableConfig {
  if ("dynamodbEndpoint" in config) {
    const { dynamodbEndpoint: endpoint, region, credentials, table } = config;
    return { endpoint, region, credentials, table };
  }
  return config;
}

export function createDynamoClient(
  config: DynamoTableConfig,
  tuning: DynamoClientTuning = {},
): DynamoDBClient {
  const maxSockets = tuning.maxSockets ?? 64;
  return new DynamoDBClient({
    region: config.region,
    ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
    // A copy: the SDK annotates the object it is given, and AwsConfig's may be frozen.
    ...(config.credentials !== undefined ? { credentials: { ...config.credentials } } : {}),
    maxAttempts: tuning.maxAttempts ?? 5,
    retryMode: "standard",
    requestHandler: new NodeHttpHandler({
      connectionTimeout: tuning.connectTimeoutMs ?? 2_000,
      requestTimeout: tuning.requestTimeoutMs ?? 5_000,
      throwOnRequestTimeout: true,
      httpAgent: { keepAlive: true, maxSockets },
      httpsAgent: { keepAlive: true, maxSockets },
    }),
  });
}
