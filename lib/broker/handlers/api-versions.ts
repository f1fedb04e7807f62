/**
 * ApiVersions (key 18), versions 0–4.
 *
 * Lists exactly the APIs this front implements with the ranges in the handler registry. Two
 * Kafka rules matter here: a request at a version we do not know is still answered, in the v0
 * body format with UNSUPPORTED_VERSION and our ApiVersions range (clients retry at our max);
 * and the response header is always v0, even for the flexible v3+ body (KIP-511). Both are
 * handled by the dispatcher; this handler builds the body.
 *
 * Differs from Kafka: no SupportedFeatures/FinalizedFeatures (no KIP-890 transactions v2, so
 * Java clients stay on the classic transaction protocol).
 */
import type { ApiVersionsResponse } from "../../protocol/generated/index.ts";
import type { ApiHandler } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";

export function apiVersionsBody(
  handlers: readonly ApiHandler[],
  errorCode: number,
): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys: [...handlers]
      .sort((a, b) => a.apiKey - b.apiKey)
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })),
    throttleTimeMs: 0,
  };
}

export function apiVersionsHandler(registry: () => readonly ApiHandler[]): ApiHandler {
  return {
    apiKey: 18,
    minVersion: 0,
    maxVersion: 4,
    async handle() {
      return apiVersionsBody(registry(), ErrorCode.NONE);
    },
  };
}
