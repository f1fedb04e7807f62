/**
 * Lambda entry point for the HTTP API's admin routes: topics (list, create, describe, delete),
 * offsets, and consumer-group partition leases (lib/http/consumers.ts).
 * Wiring only; everything is in lib/http (lambda.ts: cold start, middlewares, auth).
 */
import { createLambdaHandler } from "../lib/http/lambda.ts";

export const handler = createLambdaHandler("admin");
