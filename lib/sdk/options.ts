/**
 * The SDK's numeric settings, described and validated once with lib/config/validate.ts (an
 * error names the key). Options objects also carry functions (handler, request, signer), which
 * are not config: only the keys a schema declares are validated.
 */
import { type ConfigOf, type Schema, validateConfig } from "../config/validate.ts";

export const TRANSPORT_SCHEMA = {
  retries: { type: "int", default: 8, min: 0, max: 100, doc: "Retries of a retriable failure." },
  backoffMs: { type: "int", default: 50, min: 1, max: 60_000, doc: "First retry backoff." },
  maxBackoffMs: { type: "int", default: 2_000, min: 1, max: 300_000, doc: "Backoff cap." },
} as const satisfies Schema;

export const PRODUCER_SCHEMA = {
  lingerMs: {
    type: "int",
    default: 5,
    min: 0,
    max: 60_000,
    doc: "How long a record waits for others to share its request.",
  },
  maxBatchBytes: {
    type: "int",
    default: 1024 * 1024,
    min: 1024,
    // The API's default request limit is 5 MiB (lib/config/http-config.ts).
    max: 5 * 1024 * 1024,
    doc: "Largest request body (JSON bytes, estimated) the producer builds.",
  },
  maxBatchRecords: {
    type: "int",
    default: 10_000,
    min: 1,
    max: 100_000,
    doc: "Most records in one request (the API accepts 100,000).",
  },
} as const satisfies Schema;

export const CONSUMER_SCHEMA = {
  leaseDurationMs: {
    type: "int",
    default: 10_000,
    min: 300,
    max: 3_600_000,
    doc: "A lease whose counter stands still this long (on this worker's clock) is expired.",
  },
  fetchMaxWaitMs: { type: "int", default: 1_000, min: 0, max: 20_000, doc: "Long-poll wait." },
  fetchMaxBytes: {
    type: "int",
    default: 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024,
    doc: "maxBytes of each fetch (at least one whole batch is returned).",
  },
  handlerRetryMs: {
    type: "int",
    default: 1_000,
    min: 0,
    max: 600_000,
    doc: "Wait before handing a failed batch to the handler again.",
  },
} as const satisfies Schema;

/** Validates the keys of `options` that `schema` declares, defaults the rest. */
export function sdkConfig<S extends Schema>(
  scope: string,
  schema: S,
  options: object,
): ConfigOf<S> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) picked[key] = value;
  }
  return validateConfig(scope, schema, picked);
}
