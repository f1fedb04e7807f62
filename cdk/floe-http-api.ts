/**
 * FloeHttpApi: the HTTP API (API Gateway v2) in front of the produce, fetch and admin functions.
 * Its routes come from lib/http/openapi.json — the document the handlers validate requests
 * against — so the deployed routes cannot drift from the served ones: each operation goes to
 * the function OPERATION_FUNCTIONS names, and an operation it does not name fails synthesis
 * (test/cdk checks the table against the route modules each function serves, lib/http/api.ts).
 * Every route is behind the IAM authorizer (SigV4); the handlers also refuse unsigned events.
 */

import * as apigwv1 from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import openapi from "../lib/http/openapi.json" with { type: "json" };
import { floeLogGroup } from "./log-group.ts";

export type HttpFunctionName = "produce" | "fetch" | "admin";

/** Which function serves each OpenAPI operation (lib/http/api.ts ROUTE_MODULES, by operation). */
export const OPERATION_FUNCTIONS: Readonly<Record<string, HttpFunctionName>> = Object.freeze({
  produce: "produce",
  initProducer: "produce",
  fetch: "fetch",
  listTopics: "admin",
  createTopic: "admin",
  describeTopic: "admin",
  deleteTopic: "admin",
  listOffsets: "admin",
  listLeases: "admin",
  takeLease: "admin",
  renewLease: "admin",
  checkpointLease: "admin",
  releaseLease: "admin",
  deleteLeases: "admin",
});

export interface ApiRoute {
  readonly method: apigw.HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly function: HttpFunctionName;
}

const OPENAPI_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch"]);

/** The routes of an OpenAPI document's paths, each with the function that serves it. */
export function routesOf(
  paths: Record<string, Record<string, { operationId?: string }>>,
): ApiRoute[] {
  const routes: ApiRoute[] = [];
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      // A path item also holds shared `parameters`, `summary`…: only methods are operations.
      if (!OPENAPI_METHODS.has(method)) continue;
      const httpMethod = apigw.HttpMethod[method.toUpperCase() as keyof typeof apigw.HttpMethod];
      const operationId = operation.operationId ?? "";
      const fn = OPERATION_FUNCTIONS[operationId];
      if (fn === undefined) {
        throw new Error(
          `openapi.json: ${method.toUpperCase()} ${path} (operationId ${JSON.stringify(operationId)}) is served by no function: add it to OPERATION_FUNCTIONS in cdk/floe-http-api.ts`,
        );
      }
      routes.push({ method: httpMethod, path, operationId, function: fn });
    }
  }
  return routes;
}

export const API_ROUTES: readonly ApiRoute[] = Object.freeze(routesOf(openapi.paths));

export interface FloeHttpApiProps {
  readonly functions: Readonly<Record<HttpFunctionName, lambda.IFunction>>;
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetentionDays: number;
}

export class FloeHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;

  constructor(scope: Construct, id: string, props: FloeHttpApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, "Api", {
      description: "Floe HTTP API: produce, fetch and administer topics (SigV4)",
      defaultAuthorizer: new HttpIamAuthorizer(),
      // The default stage is declared below, with throttling and access logs.
      createDefaultStage: false,
    });
    const logGroup = floeLogGroup(this, "AccessLogs", props.logRetentionDays);
    this.stage = new apigw.HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(logGroup),
        format: apigwv1.AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            time: "$context.requestTimeEpoch",
            ip: "$context.identity.sourceIp",
            caller: "$context.identity.userArn",
            routeKey: "$context.routeKey",
            status: "$context.status",
            responseLength: "$context.responseLength",
            latencyMs: "$context.responseLatency",
            integrationLatencyMs: "$context.integrationLatency",
            integrationError: "$context.integrationErrorMessage",
          }),
        ),
      },
    });
    const integrations = new Map<HttpFunctionName, HttpLambdaIntegration>();
    for (const route of API_ROUTES) {
      let integration = integrations.get(route.function);
      if (!integration) {
        // One invoke permission per function for all its routes, not one per route.
        integration = new HttpLambdaIntegration(
          `${route.function}`,
          props.functions[route.function],
          {
            payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
            scopePermissionToRoute: false,
          },
        );
        integrations.set(route.function, integration);
      }
      this.api.addRoutes({ path: route.path, methods: [route.method], integration });
    }
  }

  /** The API's base URL (the $default stage has no path prefix). */
  get url(): string {
    return this.stage.url;
  }
}
