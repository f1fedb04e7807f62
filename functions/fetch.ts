/**
 * Lambda entry point for the HTTP API's fetch routes: GET /v1/topics/{topic}/partitions/{partition}/records (long poll).
 * Wiring only; everything is in lib/http (lambda.ts: cold start, middlewares, auth).
 */
import { createLambdaHandler } from "../lib/http/lambda.ts";

export const handler = createLambdaHandler("fetch");
