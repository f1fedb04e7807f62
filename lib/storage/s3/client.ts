/**
 * Builds the S3Client the adapter uses, from AwsConfig (lib/config/aws-config.ts) or explicit
 * options. Endpoint, path style, region and credentials come from configuration only, so the
 * same code talks to AWS, moto, MinIO or LocalStack.
 *
 * Timeouts are per attempt, on @smithy/node-http-handler:
 *  - connectionTimeoutMs: TCP (and TLS) connect;
 *  - requestTimeoutMs: from sending the request until the response headers arrive; a PUT of a
 *    tens-of-MiB segment must fit in it, so it is generous;
 *  - idleTimeoutMs: no byte moving on the socket, in either direction, for that long — this is
 *    what catches a response body that stalls half-way.
 * The SDK's own retries are off (maxAttempts: 1): ./retry.ts retries, because the adapter needs
 * to know which PUTs were retried (see ./object-store.ts).
 */
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsConfig, AwsCredentials } from "../../config/aws-config.ts";

export interface S3TimeoutOptions {
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

export const DEFAULT_S3_TIMEOUTS: S3TimeoutOptions = Object.freeze({
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 10_000,
});

export interface S3ConnectionOptions {
  readonly region: string;
  /** Undefined: the SDK's endpoint for the region (real AWS). */
  readonly endpoint?: string;
  /** Undefined: the SDK's default credential chain. */
  readonly credentials?: AwsCredentials;
  /** Path-style URLs (http://host/bucket/key); needed by most emulators. */
  readonly forcePathStyle?: boolean;
  readonly timeouts?: Partial<S3TimeoutOptions>;
  /** Sockets per client (the SDK default is 50). */
  readonly maxSockets?: number;
}

export function s3ConnectionFromAwsConfig(config: AwsConfig): S3ConnectionOptions {
  return {
    region: config.region,
    ...(config.s3Endpoint !== undefined ? { endpoint: config.s3Endpoint } : {}),
    ...(config.credentials !== undefined ? { credentials: config.credentials } : {}),
    forcePathStyle: config.s3ForcePathStyle,
  };
}

export function createS3Client(options: S3ConnectionOptions): S3Client {
  const timeouts = { ...DEFAULT_S3_TIMEOUTS, ...options.timeouts };
  for (const [name, value] of Object.entries(timeouts)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`S3 timeouts.${name}: expected a positive integer, got ${value}`);
    }
  }
  const maxSockets = options.maxSockets ?? 50;
  return new S3Client({
    region: options.region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: timeouts.idleTimeoutMs,
      httpAgent: { keepAlive: true, maxSockets },
      httpsAgent: { keepAlive: true, maxSockets },
    }),
  });
}
