/**
 * The CDK app, as synthesized from cdk.json: the data stack (bucket, table, exports), the
 * service stack (four functions, HTTP API routes from the OpenAPI document, the Kafka front on
 * Fargate behind the NLB, the maintenance schedule, alarms, dashboard) and the least-privilege
 * grants FloeData.bind gives each host — read out of the templates and compared with exact sets.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployConfig } from "../../cdk/config.ts";
import { FRONT_CONTAINER, KAFKA_PORT } from "../../cdk/floe-front.ts";
import { API_ROUTES, routesOf } from "../../cdk/floe-http-api.ts";
import type { FunctionName } from "../../cdk/service-stack.ts";
import { AWS_ENV_KEYS } from "../../lib/config/aws-config.ts";
import { ROUTE_MODULES } from "../../lib/http/api.ts";
import openapi from "../../lib/http/openapi.json" with { type: "json" };
import { TABLE_KEY, TTL_ATTRIBUTE } from "../../lib/storage/dynamodb/keys.ts";
import { arnOf, grantsOfRole, imported, objectsOf } from "./iam.ts";
import { REPO_ROOT, type SynthesizedFloe, synthesizeFloe } from "./synth.ts";

const FUNCTIONS: readonly FunctionName[] = ["produce", "fetch", "admin", "maintenance"];
const BUCKET_ARN = "FloeData-SegmentBucketArn";
const TABLE_ARN = "FloeData-MetadataTableArn";
const XRAY = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"];
const LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"];
const TABLE_READ = ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"];
const TABLE_READ_WRITE = [
  ...TABLE_READ,
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:DeleteItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
].sort();

let floe: SynthesizedFloe;
beforeAll(() => {
  floe = synthesizeFloe();
});
afterAll(() => floe?.cleanup());

const fnId = (name: FunctionName): string =>
  floe.logicalId(floe.stacks.service.functions[name].function);

describe("data stack", () => {
  it("keeps segments in an encrypted, private, TLS-only, retained bucket", () => {
    const buckets = floe.data.findResources("AWS::S3::Bucket");
    expect(Object.keys(buckets)).toHaveLength(1);
    const [bucket] = Object.values(buckets);
    expect(bucket.DeletionPolicy).toBe("Retain");
    expect(bucket.UpdateReplacePolicy).toBe("Retain");
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
    ]);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
    floe.data.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "s3:*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("aborts stray multipart uploads and expires only deleted segments, never live ones", () => {
    const [bucket] = Object.values(floe.data.findResources("AWS::S3::Bucket"));
    const rules = bucket.Properties.LifecycleConfiguration.Rules as Record<string, unknown>[];
    expect(rules).toContainEqual(
      expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } }),
    );
    expect(rules).toContainEqual(expect.objectContaining({ ExpiredObjectDeleteMarker: true }));
    for (const rule of rules) {
      expect(rule.Status).toBe("Enabled");
      expect(rule).not.toHaveProperty("ExpirationInDays");
      expect(rule).not.toHaveProperty("ExpirationDate");
      expect(rule).not.toHaveProperty("Transitions");
    }
  });

  it("keeps metadata in an on-demand, PITR, TTL, deletion-protected, retained table keyed by TABLE_KEY", () => {
    const tables = floe.data.findResources("AWS::DynamoDB::Table");
    expect(Object.keys(tables)).toHaveLength(1);
    const [table] = Object.values(tables);
    expect(table.DeletionPolicy).toBe("Retain");
    expect(table.UpdateReplacePolicy).toBe("Retain");
    expect(table.Properties).toMatchObject({
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: TABLE_KEY.partitionKey, KeyType: "HASH" },
        { AttributeName: TABLE_KEY.sortKey, KeyType: "RANGE" },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: TABLE_KEY.partitionKey, AttributeType: "S" },
        { AttributeName: TABLE_KEY.sortKey, AttributeType: "S" },
      ]),
    );
    expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
    expect(table.Properties.LocalSecondaryIndexes).toBeUndefined();
  });

  it("exports the bucket's and table's names and ARNs under the names the service stack imports", () => {
    const bucketId = floe.logicalId(floe.stacks.data.data.bucket);
    const tableId = floe.logicalId(floe.stacks.data.data.table);
    const outputs = floe.data.toJSON().Outputs as Record<
      string,
      { Value: unknown; Export?: { Name: string } }
    >;
    const byExport = Object.fromEntries(
      Object.values(outputs).map((o) => [o.Export?.Name, o.Value]),
    );
    expect(byExport).toEqual({
      "FloeData-SegmentBucket": { Ref: bucketId },
      [BUCKET_ARN]: { "Fn::GetAtt": [bucketId, "Arn"] },
      "FloeData-MetadataTable": { Ref: tableId },
      [TABLE_ARN]: { "Fn::GetAtt": [tableId, "Arn"] },
    });
    expect(floe.assembly.getStackByName("FloeService").dependencies.map((d) => d.id)).toContain(
      "FloeData",
    );
  });
});

describe("functions", () => {
  it("runs all four entry points on nodejs24.x / arm64 with tracing, their log group and the data env", () => {
    const functions = floe.service.findResources("AWS::Lambda::Function");
    for (const name of FUNCTIONS) {
      const fn = functions[fnId(name)];
      expect(fn, name).toBeDefined();
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        TracingConfig: { Mode: "Active" },
      });
      expect(fn.Properties.Environment.Variables).toMatchObject({
        [AWS_ENV_KEYS.bucket]: { "Fn::ImportValue": "FloeData-SegmentBucket" },
        [AWS_ENV_KEYS.table]: { "Fn::ImportValue": "FloeData-MetadataTable" },
        NODE_OPTIONS: "--enable-source-maps",
      });
      const logGroupId = floe.logicalId(floe.stacks.service.functions[name].logGroup);
      expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
      floe.service.hasResource("AWS::Logs::LogGroup", {
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: "Delete",
      });
    }
    // API Gateway gives an integration 29 s; the functions behind it must answer before that.
    for (const name of ["produce", "fetch", "admin"] as const) {
      expect(functions[fnId(name)].Properties.Timeout).toBeLessThan(29);
    }
    expect(functions[fnId("maintenance")].Properties.Timeout).toBe(240);
  });

  it("bundles each entry point as one ESM file that loads in Node 24 with only the AWS SDK external", () => {
    // Lambda's Node runtime provides @aws-sdk/* and @smithy/*; here node_modules stands in for it.
    const runtime = mkdtempSync(join(tmpdir(), "floe-bundle-"));
    const assets = JSON.parse(
      readFileSync(join(floe.outdir, "FloeService.assets.json"), "utf8"),
    ) as {
      files: Record<string, { source: { path: string } }>;
    };
    try {
      symlinkSync(join(REPO_ROOT, "node_modules"), join(runtime, "node_modules"));
      for (const name of FUNCTIONS) {
        const fn = floe.service.findResources("AWS::Lambda::Function")[fnId(name)];
        const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, "");
        const bundle = join(floe.outdir, assets.files[hash].source.path, "index.mjs");
        expect(existsSync(`${bundle}.map`), `${name} source map`).toBe(true);
        const code = readFileSync(bundle, "utf8");
        expect(code).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
        // The DynamoDB client's wire target: present only if the SDK itself were bundled.
        expect(code).not.toContain("DynamoDB_20120810");
        const copy = join(runtime, `${name}.mjs`);
        copyFileSync(bundle, copy);
        const loaded = spawnSync(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            `const m = await import(${JSON.stringify(copy)}); console.log(typeof m.handler);`,
          ],
          {
            cwd: runtime,
            encoding: "utf8",
            env: {
              ...process.env,
              [AWS_ENV_KEYS.bucket]: "floe-bundle-test",
              AWS_REGION: "us-east-1",
            },
            timeout: 30_000,
          },
        );
        expect(loaded.stderr, name).toBe("");
        expect(loaded.stdout.trim(), name).toBe("function");
      }
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });
});

describe("HTTP API", () => {
  it("routes every OpenAPI operation, each behind the IAM authorizer", () => {
    const routes = Object.values(floe.service.findResources("AWS::ApiGatewayV2::Route"));
    const methods = new Set(["get", "put", "post", "delete", "patch"]);
    const expected = Object.entries(openapi.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => methods.has(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(expected.sort());
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe("AWS_IAM");
  });

  it("sends each route to the function whose lib/http route module serves it", () => {
    const integrations = floe.service.findResources("AWS::ApiGatewayV2::Integration");
    const routes = Object.values(floe.service.findResources("AWS::ApiGatewayV2::Route"));
    for (const [module, moduleRoutes] of Object.entries(ROUTE_MODULES)) {
      for (const route of moduleRoutes) {
        const key = `${route.method} ${route.path}`;
        const deployed = routes.find((r) => r.Properties.RouteKey === key);
        expect(deployed, key).toBeDefined();
        const integrationId = deployed?.Properties.Target["Fn::Join"][1][1].Ref as string;
        const integration = integrations[integrationId].Properties;
        expect(integration.PayloadFormatVersion).toBe("2.0");
        expect(integration.IntegrationUri, key).toEqual({
          "Fn::GetAtt": [fnId(module as FunctionName), "Arn"],
        });
      }
    }
    expect(API_ROUTES).toHaveLength(routes.length);
  });

  it("fails synthesis on an operation no function serves, naming it, and skips path-level keys", () => {
    const paths = {
      "/v1/topics": { parameters: {}, get: { operationId: "listTopics" } },
      "/v1/things": { post: { operationId: "createThing" } },
    };
    expect(() => routesOf(paths)).toThrow(/POST \/v1\/things \(operationId "createThing"\)/);
    expect(routesOf({ "/v1/topics": paths["/v1/topics"] })).toEqual([
      { method: "GET", path: "/v1/topics", operationId: "listTopics", function: "admin" },
    ]);
  });

  it("has a throttled $default stage with access logs", () => {
    floe.service.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp("requestId"),
      },
    });
  });
});

describe("Kafka front", () => {
  it("runs on Fargate in private subnets, told the load balancer's address", () => {
    const nlbId = floe.logicalId(floe.stacks.service.front.loadBalancer);
    floe.service.hasResourceProperties("AWS::ECS::Service", {
      LaunchType: "FARGATE",
      DesiredCount: 2,
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: "DISABLED" } },
      LoadBalancers: [{ ContainerName: FRONT_CONTAINER, ContainerPort: KAFKA_PORT }],
    });
    const [task] = Object.values(floe.service.findResources("AWS::ECS::TaskDefinition"));
    expect(task.Properties.RuntimePlatform).toEqual({
      CpuArchitecture: "ARM64",
      OperatingSystemFamily: "LINUX",
    });
    const [container] = task.Properties.ContainerDefinitions;
    const command = container.Command as unknown[];
    const option = (name: string): unknown => command[command.indexOf(name) + 1];
    expect(command[0]).toBe("front");
    expect(option("--host")).toBe("0.0.0.0");
    expect(option("--port")).toBe(String(KAFKA_PORT));
    expect(option("--emf-interval-ms")).toBe("60000");
    expect(option("--shared-address")).toEqual({
      "Fn::Join": ["", [{ "Fn::GetAtt": [nlbId, "DNSName"] }, `:${KAFKA_PORT}`]],
    });
    expect(container.Environment).toEqual([
      { Name: AWS_ENV_KEYS.bucket, Value: { "Fn::ImportValue": "FloeData-SegmentBucket" } },
      { Name: AWS_ENV_KEYS.table, Value: { "Fn::ImportValue": "FloeData-MetadataTable" } },
    ]);
    expect(container.LogConfiguration.LogDriver).toBe("awslogs");
  });

  it("is reached through an internal NLB listening on TCP 9092 with TCP health checks", () => {
    floe.service.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
      Type: "network",
      Scheme: "internal",
    });
    floe.service.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: KAFKA_PORT,
      Protocol: "TCP",
    });
    floe.service.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      Port: KAFKA_PORT,
      Protocol: "TCP",
      TargetType: "ip",
      HealthCheckProtocol: "TCP",
      HealthCheckPort: String(KAFKA_PORT),
    });
    floe.service.hasResourceProperties("AWS::EC2::SecurityGroup", {
      SecurityGroupIngress: [
        { CidrIp: "10.40.0.0/16", FromPort: KAFKA_PORT, ToPort: KAFKA_PORT, IpProtocol: "tcp" },
      ],
    });
  });

  it("builds its image from cdk/front/Dockerfile with only what the front runs in the context", () => {
    const assets = JSON.parse(
      readFileSync(join(floe.outdir, "FloeService.assets.json"), "utf8"),
    ) as {
      dockerImages: Record<
        string,
        { source: { directory: string; dockerFile: string; platform: string } }
      >;
    };
    const images = Object.values(assets.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({
      dockerFile: "cdk/front/Dockerfile",
      platform: "linux/arm64",
    });
    const staged = join(floe.outdir, images[0].source.directory);
    for (const present of [
      "package.json",
      "package-lock.json",
      "bin",
      "lib/cli/main.ts",
      "cdk/front/Dockerfile",
    ]) {
      expect(existsSync(join(staged, present)), present).toBe(true);
    }
    for (const absent of ["node_modules", ".tools", "test", "functions", "cdk/app.ts"]) {
      expect(existsSync(join(staged, absent)), absent).toBe(false);
    }
  });
});

describe("schedule and monitoring", () => {
  it("runs maintenance every 5 minutes, without retries", () => {
    floe.service.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(5 minutes)",
      Targets: [
        {
          Arn: { "Fn::GetAtt": [fnId("maintenance"), "Arn"] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        },
      ],
    });
  });

  it("alarms on function errors and throttles, API 5xx, table throttles and errors, shard snapshot failures, missing and unhealthy fronts", () => {
    const alarms = Object.values(floe.service.findResources("AWS::CloudWatch::Alarm")).map(
      (a) => a.Properties,
    );
    const topicId = floe.logicalId(floe.stacks.service.monitoring.topic);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name);
    expect(byMetric("Errors")).toHaveLength(4);
    expect(byMetric("Throttles")).toHaveLength(4);
    for (const name of FUNCTIONS) {
      expect(byMetric("Errors").map((a) => a.Dimensions[0].Value)).toContainEqual({
        Ref: fnId(name),
      });
    }
    expect(byMetric("5xx")).toEqual([expect.objectContaining({ Namespace: "AWS/ApiGateway" })]);
    expect(byMetric("UnHealthyHostCount")).toHaveLength(1);
    const math = alarms.filter((a) => a.Metrics).map((a) => JSON.stringify(a.Metrics));
    expect(math.filter((m) => m.includes('"ThrottledRequests"'))).toHaveLength(1);
    expect(math.filter((m) => m.includes('"SystemErrors"'))).toHaveLength(1);
    expect(math.filter((m) => m.includes("desired - running"))).toHaveLength(1);
    // Shard snapshot failures, summed over every publisher of the counter.
    type MathMetric = { Expression?: string; MetricStat?: { Metric: Record<string, unknown> } };
    const [snapshots] = alarms.filter((a) =>
      a.Metrics?.some((m: MathMetric) => m.Expression === "SUM(METRICS())"),
    );
    const published = (snapshots.Metrics as MathMetric[]).flatMap((m) =>
      m.MetricStat ? [m.MetricStat.Metric] : [],
    );
    expect(published).toEqual(
      ["front", ...FUNCTIONS].map((fn) => ({
        Namespace: "Floe",
        MetricName: "ShardSnapshotFailures",
        Dimensions: expect.arrayContaining([
          { Name: "service", Value: "floe" },
          { Name: "function", Value: fn },
        ]),
      })),
    );
    expect(snapshots.EvaluationPeriods).toBe(3);
    expect(alarms).toHaveLength(14);
    floe.service.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    const keyId = floe.logicalId(floe.stacks.service.monitoring.topic.masterKey!);
    floe.service.hasResourceProperties("AWS::SNS::Topic", {
      KmsMasterKeyId: { "Fn::GetAtt": [keyId, "Arn"] },
    });
    floe.service.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          }),
        ]),
      },
    });
  });
});

describe("least privilege", () => {
  const lambdaGrants = (name: FunctionName): Record<string, string[]> => {
    const fn = floe.stacks.service.functions[name];
    const grants = grantsOfRole(floe.service, floe.logicalId(fn.function.role!));
    const logs = arnOf(floe.logicalId(fn.logGroup));
    expect(grants[logs]).toEqual(LOGS);
    expect(grants["*"]).toEqual(XRAY);
    delete grants[logs];
    delete grants["*"];
    return grants;
  };

  it("fetch reads segments and the index and writes nothing", () => {
    expect(lambdaGrants("fetch")).toEqual({
      [objectsOf(BUCKET_ARN)]: ["s3:GetObject"],
      [imported(TABLE_ARN)]: TABLE_READ,
    });
  });

  it("produce writes segments and metadata but never deletes or lists segments", () => {
    expect(lambdaGrants("produce")).toEqual({
      [objectsOf(BUCKET_ARN)]: ["s3:GetObject", "s3:PutObject"],
      [imported(TABLE_ARN)]: TABLE_READ_WRITE,
    });
  });

  it("admin changes metadata and only reads segments", () => {
    expect(lambdaGrants("admin")).toEqual({
      [objectsOf(BUCKET_ARN)]: ["s3:GetObject"],
      [imported(TABLE_ARN)]: TABLE_READ_WRITE,
    });
  });

  it("maintenance lists and deletes segments but never writes one, only the prefix's owner object", () => {
    expect(lambdaGrants("maintenance")).toEqual({
      [objectsOf(BUCKET_ARN)]: ["s3:DeleteObject", "s3:GetObject"],
      [objectsOf(BUCKET_ARN, "segments.owner")]: ["s3:PutObject"],
      [imported(BUCKET_ARN)]: ["s3:ListBucket"],
      [imported(TABLE_ARN)]: TABLE_READ_WRITE,
    });
  });

  it("the front's task role writes segments and metadata, and nothing else", () => {
    const taskRole = floe.stacks.service.front.container.taskDefinition.taskRole;
    expect(grantsOfRole(floe.service, floe.logicalId(taskRole))).toEqual({
      [objectsOf(BUCKET_ARN)]: ["s3:GetObject", "s3:PutObject"],
      [imported(TABLE_ARN)]: TABLE_READ_WRITE,
    });
  });

  it("grants no wildcard action anywhere, and Resource * only to the X-Ray and ECR token actions", () => {
    for (const policy of Object.values(floe.service.findResources("AWS::IAM::Policy"))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        const actions = [statement.Action].flat() as string[];
        for (const action of actions) expect(action).not.toContain("*");
        if ([statement.Resource].flat().includes("*")) {
          for (const action of actions) {
            expect([...XRAY, "ecr:GetAuthorizationToken"]).toContain(action);
          }
        }
      }
    }
  });
});

describe("deployment knobs", () => {
  it("are validated before synthesis, with errors that name the key", () => {
    expect(deployConfig({ "@aws-cdk/core:checkSecretUsage": true })).toMatchObject({
      frontDesiredCount: 2,
      frontArchitecture: "arm64",
      maintenanceRateMinutes: 5,
    });
    expect(() => deployConfig({ "floe:frontDesiredCnt": "3" })).toThrow(
      /floe\.frontDesiredCnt: unknown setting/,
    );
    expect(() => deployConfig({ "floe:frontDesiredCount": "many" })).toThrow(
      /floe\.frontDesiredCount: expected an integer/,
    );
    expect(() => deployConfig({ "floe:logRetentionDays": "31" })).toThrow(/floe\.logRetentionDays/);
    expect(() => deployConfig({ "floe:frontCpu": 300 })).toThrow(/floe\.frontCpu/);
    expect(() => deployConfig({ "floe:kafkaClientCidr": "0.0.0.0" })).toThrow(
      /floe\.kafkaClientCidr/,
    );
    expect(() => deployConfig({ "floe:maintenanceRateMinutes": 1 })).toThrow(
      /floe\.maintenanceRateMinutes: must be ≥ 5/,
    );
  });

  let variant: SynthesizedFloe;
  beforeAll(() => {
    variant = synthesizeFloe({
      "floe:frontDesiredCount": "3",
      "floe:frontArchitecture": "x86_64",
      "floe:frontInternetFacing": "true",
      "floe:kafkaClientCidr": "203.0.113.0/24",
      "floe:maintenanceRateMinutes": "10",
      "floe:logRetentionDays": "90",
    });
  });
  afterAll(() => variant?.cleanup());

  it("reach the templates (context values arrive as strings from -c)", () => {
    variant.service.hasResourceProperties("AWS::ECS::Service", { DesiredCount: 3 });
    variant.service.hasResourceProperties("AWS::ECS::TaskDefinition", {
      RuntimePlatform: { CpuArchitecture: "X86_64" },
    });
    variant.service.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
      Scheme: "internet-facing",
    });
    variant.service.hasResourceProperties("AWS::EC2::SecurityGroup", {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: "203.0.113.0/24", FromPort: KAFKA_PORT })],
    });
    variant.service.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(10 minutes)",
    });
    variant.service.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 90 });
    const fnLogical = variant.logicalId(variant.stacks.service.functions.maintenance.function);
    const maintenance = variant.service.findResources("AWS::Lambda::Function")[fnLogical];
    expect(maintenance.Properties.Timeout).toBe(480);
  });
});
