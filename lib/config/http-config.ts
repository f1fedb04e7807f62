/**
 * Settings of the HTTP API (lib/http), shared by the Lambda handlers and the local server in
 * `floe dev`. Validated once; the Lambda handlers read them from the environment here (the only
 * reader of process.env below functions/), the local server from CLI options.
 *
 *   FLOE_HTTP_AUTH             "iam" (default): refuse requests API Gateway did not authenticate
 *                              with SigV4; "none": accept them (local emulation, tests)
 *   FLOE_HTTP_MAX_BODY_BYTES   largest request body (413 beyond)
 *   FLOE_HTTP_MAX_FETCH_BYTES  largest maxBytes a fetch may ask for
 *   FLOE_HTTP_MAX_WAIT_MS      cap on a fetch long-poll (API Gateway ends integrations at 30 s)
 */
import { type ConfigOf, validateConfig, validateEnvConfig } from "./validate.ts";

export const HTTP_CONFIG_SCHEMA = {
  auth: {
    type: "enum",
    values: ["iam", "none"],
    default: "iam",
    doc: "iam: a Lambda request must carry API Gateway's IAM authorizer context; none: no check.",
  },
  maxBodyBytes: {
    type: "int",
    // Lambda's synchronous payload limit is 6 MB; leave room for the event's other fields.
    default: 5 * 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024,
    doc: "Largest request body accepted; larger bodies are refused with 413 before they are read.",
  },
  maxFetchBytes: {
    type: "int",
    // Base64 inflates by 4/3 and the Lambda response limit is 6 MB.
    default: 2 * 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024,
    doc: "Largest maxBytes a fetch may ask for (record batch bytes, before encoding).",
  },
  maxWaitMs: {
    type: "int",
    default: 20_000,
    min: 0,
    max: 900_000,
    doc: "Longest a fetch long-polls, whatever maxWaitMs it asks for.",
  },
} as const;

export type HttpConfig = ConfigOf<typeof HTTP_CONFIG_SCHEMA>;

/** The environment variables above, by name: cdk/ sets them on the functions. */
export const HTTP_ENV_KEYS = Object.freeze({
  auth: "FLOE_HTTP_AUTH",
  maxBodyBytes: "FLOE_HTTP_MAX_BODY_BYTES",
  maxFetchBytes: "FLOE_HTTP_MAX_FETCH_BYTES",
  maxWaitMs: "FLOE_HTTP_MAX_WAIT_MS",
});

export function httpConfig(input: Record<string, unknown> = {}): HttpConfig {
  return validateConfig("http", HTTP_CONFIG_SCHEMA, input);
}

export function httpConfigFromEnv(env: Readonly<Record<string, string | undefined>>): HttpConfig {
  return validateEnvConfig("http", HTTP_CONFIG_SCHEMA, HTTP_ENV_KEYS, env);
}
