/**
 * The service stack: everything stateless that serves Floe — the four Lambda functions, the HTTP
 * API in front of three of them, the Kafka front on Fargate behind its load balancer, the
 * maintenance schedule, and the alarms and dashboard. Every host gets at the data only through
 * FloeData.bind, with the narrowest access profile that host needs.
 */
import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type { Construct } from "constructs";
import { type DeployConfig, maintenanceTimeoutSeconds } from "./config.ts";
import type { FloeAccess, FloeData } from "./floe-data.ts";
import { FloeFront, KAFKA_PORT } from "./floe-front.ts";
import { FloeFunction } from "./floe-function.ts";
import { FloeHttpApi, type HttpFunctionName } from "./floe-http-api.ts";
import { FloeMonitoring } from "./floe-monitoring.ts";

export type FunctionName = HttpFunctionName | "maintenance";

interface FunctionSpec {
  readonly description: string;
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  readonly access: FloeAccess;
}

/**
 * API Gateway gives an integration 29 s: the HTTP functions stop at 28 s so that their own answer
 * (a fetch long-poll ends 1 s before the timeout, lib/http/lambda.ts) still gets through.
 * Memory buys CPU and network: produce and fetch move segment bytes, admin only metadata.
 */
const functionSpecs = (config: DeployConfig): Readonly<Record<FunctionName, FunctionSpec>> => ({
  produce: {
    description: "Floe HTTP API: produce records, initialise producers",
    memoryMiB: 1024,
    timeoutSeconds: 28,
    access: "readWrite",
  },
  fetch: {
    description: "Floe HTTP API: fetch records (long poll)",
    memoryMiB: 1024,
    timeoutSeconds: 28,
    access: "read",
  },
  admin: {
    description: "Floe HTTP API: topics and offsets",
    memoryMiB: 512,
    timeoutSeconds: 28,
    access: "admin",
  },
  maintenance: {
    description: "Floe maintenance: retention and orphan segment collection (scheduled)",
    memoryMiB: 1024,
    timeoutSeconds: maintenanceTimeoutSeconds(config),
    access: "maintain",
  },
});

export interface FloeServiceStackProps extends StackProps {
  readonly config: DeployConfig;
  readonly data: FloeData;
}

export class FloeServiceStack extends Stack {
  readonly functions: Readonly<Record<FunctionName, FloeFunction>>;
  readonly httpApi: FloeHttpApi;
  readonly front: FloeFront;
  readonly monitoring: FloeMonitoring;

  constructor(scope: Construct, id: string, props: FloeServiceStackProps) {
    super(scope, id, props);
    const { config, data } = props;
    const specs = functionSpecs(config);
    const make = (name: FunctionName): FloeFunction => {
      const spec = specs[name];
      const fn = new FloeFunction(this, `${name[0].toUpperCase()}${name.slice(1)}`, {
        entry: `functions/${name}.ts`,
        description: spec.description,
        memoryMiB: spec.memoryMiB,
        timeoutSeconds: spec.timeoutSeconds,
        logRetentionDays: config.logRetentionDays,
      });
      data.bind(fn.function, spec.access);
      return fn;
    };
    this.functions = {
      produce: make("produce"),
      fetch: make("fetch"),
      admin: make("admin"),
      maintenance: make("maintenance"),
    };

    this.httpApi = new FloeHttpApi(this, "Http", {
      functions: {
        produce: this.functions.produce.function,
        fetch: this.functions.fetch.function,
        admin: this.functions.admin.function,
      },
      rateLimit: config.httpRateLimit,
      burstLimit: config.httpBurstLimit,
      logRetentionDays: config.logRetentionDays,
    });

    // A failed run is not retried: the next scheduled one starts over anyway.
    const maintenance = this.functions.maintenance.function;
    maintenance.configureAsyncInvoke({ retryAttempts: 0 });
    new events.Rule(this, "MaintenanceSchedule", {
      description: "Floe maintenance: retention and orphan segment collection",
      schedule: events.Schedule.rate(Duration.minutes(config.maintenanceRateMinutes)),
      targets: [new targets.LambdaFunction(maintenance, { retryAttempts: 0 })],
    });

    this.front = new FloeFront(this, "Front", config);
    data.bind(this.front.container, "readWrite");

    this.monitoring = new FloeMonitoring(this, "Monitoring", {
      functions: Object.fromEntries(
        Object.entries(this.functions).map(([name, fn]) => [name, fn.function]),
      ),
      api: this.httpApi.api,
      table: data.tableIn(this),
      service: this.front.service,
      targetGroup: this.front.targetGroup,
      alarmEmail: config.alarmEmail,
    });

    new CfnOutput(this, "HttpApiUrl", {
      value: this.httpApi.url,
      description: "Base URL of the HTTP API (requests signed with SigV4, service execute-api)",
    });
    new CfnOutput(this, "KafkaBootstrap", {
      value: `${this.front.loadBalancer.loadBalancerDnsName}:${KAFKA_PORT}`,
      description: "Kafka bootstrap.servers (the Network Load Balancer)",
    });
    new CfnOutput(this, "AlarmTopic", {
      value: this.monitoring.topic.topicArn,
      description: "SNS topic the alarms publish to",
    });
  }
}
