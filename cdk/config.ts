/**
 * The deployment's knobs, read from CDK context (`npx cdk deploy -c floe:frontDesiredCount=3`,
 * or a "floe:…" entry in cdk.json's "context") and validated once with the house validator, so a
 * typo or a bad value stops synthesis with an error naming the key instead of deploying a
 * default. Context rather than CloudFormation parameters: every knob changes what is synthesized
 * (subnets, task sizes, the image's platform), which a template parameter cannot.
 */
import { ConfigError, type ConfigOf, validateConfig } from "../lib/config/validate.ts";

export const CONTEXT_PREFIX = "floe:";

export const DEPLOY_CONFIG_SCHEMA = {
  frontDesiredCount: {
    type: "int",
    default: 2,
    min: 0,
    max: 100,
    doc: "Kafka front tasks (ECS Fargate) behind the load balancer; two spread over two zones.",
  },
  frontCpu: {
    type: "int",
    default: 1024,
    min: 256,
    max: 16384,
    doc: "Fargate CPU units per front task (256, 512, 1024, 2048, 4096, 8192 or 16384).",
  },
  frontMemoryMiB: {
    type: "int",
    default: 2048,
    min: 512,
    max: 122880,
    doc: "Memory per front task; must be a Fargate combination with frontCpu.",
  },
  frontArchitecture: {
    type: "enum",
    values: ["arm64", "x86_64"],
    default: "arm64",
    doc: "CPU architecture of the front's image and tasks (Graviton is cheaper per vCPU).",
  },
  frontInternetFacing: {
    type: "bool",
    default: false,
    doc: "Put the Kafka load balancer on the internet. The Kafka port has no authentication: keep it internal unless kafkaClientCidr is narrow.",
  },
  kafkaClientCidr: {
    type: "string",
    default: "",
    pattern: /^$|^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/,
    doc: "IPv4 CIDR allowed to reach the Kafka port; empty = the VPC's own range.",
  },
  vpcCidr: {
    type: "string",
    default: "10.40.0.0/16",
    pattern: /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/,
    doc: "Address range of the VPC the fronts run in.",
  },
  natGateways: {
    type: "int",
    default: 1,
    min: 1,
    max: 3,
    doc: "NAT gateways for the private subnets (image pulls, logs); S3 and DynamoDB go through free gateway endpoints.",
  },
  maintenanceRateMinutes: {
    type: "int",
    default: 5,
    min: 5,
    max: 1440,
    doc: "How often the maintenance function runs retention and orphan collection.",
  },
  logRetentionDays: {
    type: "int",
    default: 30,
    min: 1,
    max: 3653,
    doc: "Retention of the functions', the front's, the API's and the flow logs (a CloudWatch Logs retention value).",
  },
  undeleteDays: {
    type: "int",
    default: 7,
    min: 1,
    max: 365,
    doc: "Days a segment deleted by retention or orphan collection stays recoverable (noncurrent version).",
  },
  httpRateLimit: {
    type: "int",
    default: 1000,
    min: 1,
    max: 100000,
    doc: "HTTP API steady-state requests per second (stage default throttle).",
  },
  httpBurstLimit: {
    type: "int",
    default: 2000,
    min: 1,
    max: 100000,
    doc: "HTTP API burst (stage default throttle).",
  },
  alarmEmail: {
    type: "string",
    default: "",
    pattern: /^$|^[^\s@]+@[^\s@]+$/,
    doc: "Address subscribed to the alarm topic; empty = no subscription (subscribe later).",
  },
} as const;

export type DeployConfig = ConfigOf<typeof DEPLOY_CONFIG_SCHEMA>;

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];
const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384];
/** A maintenance run should end before the next one starts (overlapping runs only waste work). */
const MAINTENANCE_TIMEOUT_FRACTION = 0.8;

/** The knobs from every "floe:" context entry; unknown keys and bad values are errors. */
export function deployConfig(context: Readonly<Record<string, unknown>>): DeployConfig {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (key.startsWith(CONTEXT_PREFIX)) input[key.slice(CONTEXT_PREFIX.length)] = value;
  }
  const config = validateConfig("floe", DEPLOY_CONFIG_SCHEMA, input);
  if (!LOG_RETENTION_DAYS.includes(config.logRetentionDays)) {
    throw new ConfigError(
      `floe.logRetentionDays: CloudWatch Logs accepts ${LOG_RETENTION_DAYS.join(", ")}; got ${config.logRetentionDays}`,
    );
  }
  if (!FARGATE_CPU.includes(config.frontCpu)) {
    throw new ConfigError(
      `floe.frontCpu: Fargate accepts ${FARGATE_CPU.join(", ")}; got ${config.frontCpu}`,
    );
  }
  return config;
}

/** The maintenance function's timeout: most of the interval, so runs rarely overlap. */
export function maintenanceTimeoutSeconds(config: DeployConfig): number {
  return Math.min(
    15 * 60,
    Math.floor(config.maintenanceRateMinutes * 60 * MAINTENANCE_TIMEOUT_FRACTION),
  );
}
