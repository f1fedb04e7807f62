/**
 * FloeFunction: one Lambda entry point of functions/, bundled locally by esbuild (no Docker) and
 * run the same way for all four: Node 24 on Graviton, X-Ray tracing active (the handlers use the
 * Powertools Tracer), its own log group with a retention, and its own role whose only
 * permissions are writing to that log group and X-Ray — data access comes from FloeData.bind.
 */
import { join } from "node:path";
import { Duration } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import type * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { floeLogGroup } from "./log-group.ts";
import { acknowledge } from "./nag.ts";
import { REPO_ROOT } from "./paths.ts";

export interface FloeFunctionProps {
  /** Path of the entry point from the repository top, e.g. functions/produce.ts. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  readonly logRetentionDays: number;
  readonly environment?: Readonly<Record<string, string>>;
}

export class FloeFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FloeFunctionProps) {
    super(scope, id);
    this.logGroup = floeLogGroup(this, "Logs", props.logRetentionDays);
    // An explicit role instead of AWSLambdaBasicExecutionRole, whose logs:* actions apply to
    // every log group of the account.
    const role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Floe ${id} function`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new nodejs.NodejsFunction(this, "Function", {
      entry: join(REPO_ROOT, props.entry),
      handler: "handler",
      description: props.description,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMiB,
      timeout: Duration.seconds(props.timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_LOG_LEVEL: "INFO",
        // Stack traces in the logs point into functions/ and lib/, not the minified bundle.
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: "node24",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ["module", "main"],
        // The runtime's SDK v3; its @smithy packages go with it, or bundled copies of them would
        // not recognise the runtime SDK's objects (lib/ uses @smithy/node-http-handler).
        externalModules: ["@aws-sdk/*", "@smithy/*"],
        // Some dependencies are CommonJS and call require(); ESM output has no require.
        banner:
          "import { createRequire as floeCreateRequire } from 'node:module'; const require = floeCreateRequire(import.meta.url);",
        forceDockerBundling: false,
      },
    });
    acknowledge(
      role,
      "AwsSolutions-IAM5[Resource::*]",
      "X-Ray tracing (Tracing.ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so AWS requires Resource *.",
    );
  }
}
