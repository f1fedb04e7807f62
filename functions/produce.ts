/**
 * Lambda entry point for the HTTP API's produce routes: POST /v1/topics/{topic}/records and POST /v1/producers.
 * Wiring only; everything is in lib/http (lambda.ts: cold start, middlewares, auth).
 */
import { createLambdaHandler } from "../lib/http/lambda.ts";

export const handler = createLambdaHandler("produce");
