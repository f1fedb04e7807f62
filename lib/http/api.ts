/**
 * The HTTP API as one function, `HttpRequest → HttpResponse`, for any host (node:http in
 * `floe dev`, API Gateway events in Lambda). Sans-I/O like lib/broker/dispatch.ts: it never
 * throws — client mistakes become 4xx, storage trouble 503, bugs 500 — and it refuses an
 * oversize body before parsing it.
 */
import type { Logger } from "../logger.ts";
import { consumerRoutes } from "./consumers.ts";
import type { HttpContext } from "./context.ts";
import { toHttpError } from "./errors.ts";
import { fetchRoutes } from "./fetch.ts";
import { produceRoutes } from "./produce.ts";
import { type Route, Router } from "./router.ts";
import { topicRoutes } from "./topics.ts";
import { errorResponse, HttpError, type HttpRequest, type HttpResponse } from "./types.ts";

/** Route modules by the Lambda function that serves them; `floe dev` serves them all. */
export const ROUTE_MODULES = {
  produce: produceRoutes,
  fetch: fetchRoutes,
  // Consumer-group leases write DynamoDB, like topic administration.
  admin: [...topicRoutes, ...consumerRoutes],
} as const satisfies Record<string, readonly Route[]>;

export type RouteModuleName = keyof typeof ROUTE_MODULES;

export const ALL_ROUTE_MODULES: readonly RouteModuleName[] = ["produce", "fetch", "admin"];

export interface HttpApi {
  readonly router: Router;
  handle(req: HttpRequest): Promise<HttpResponse>;
}

export function tooLarge(maxBodyBytes: number): HttpError {
  return new HttpError(
    413,
    "body_too_large",
    `request body exceeds maxBodyBytes (${maxBodyBytes})`,
  );
}

export function createHttpApi(
  ctx: HttpContext,
  modules: readonly RouteModuleName[] = ALL_ROUTE_MODULES,
  logger?: Logger,
): HttpApi {
  const router = new Router(modules.flatMap((m) => ROUTE_MODULES[m]));
  return {
    router,
    async handle(req) {
      try {
        if (req.body && req.body.length > ctx.http.maxBodyBytes)
          throw tooLarge(ctx.http.maxBodyBytes);
        return await router.dispatch(ctx, req);
      } catch (err) {
        const httpError = toHttpError(err);
        if (httpError.status >= 500) {
          logger?.error("http request failed", {
            method: req.method,
            path: req.path,
            err: httpError.cause ?? err,
          });
        }
        return errorResponse(httpError);
      }
    },
  };
}
