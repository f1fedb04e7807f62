/**
 * FloeFront: the Kafka front (`floe front`) as an ECS Fargate service in private subnets behind
 * a Network Load Balancer on TCP 9092. Fronts are stateless (DESIGN.md §1), so the load balancer
 * may send any connection to any of them: each front is started with `--shared-address` set to
 * the load balancer's DNS name, and Metadata then names only that address — clients never learn
 * a task's private IP.
 *
 * The image is built from cdk/front/Dockerfile with the repository top as context, narrowed to
 * what the front runs (package files, bin/, lib/); `cdk synth` only stages it, Docker is needed
 * at deploy time. S3 and DynamoDB traffic leaves through gateway endpoints (free, no NAT data
 * charge); the NAT gateway carries image pulls and logs.
 */
import { Duration, IgnoreMode } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import { Construct } from "constructs";
import type { DeployConfig } from "./config.ts";
import { floeLogGroup } from "./log-group.ts";
import { acknowledge } from "./nag.ts";
import { REPO_ROOT } from "./paths.ts";

export const KAFKA_PORT = 9092;
export const FRONT_CONTAINER = "front";
/** How often a front publishes its storage counters (lib/storage/cloudwatch-counters.ts). */
export const FRONT_EMF_INTERVAL_MS = 60_000;

/** Docker ignore rules: everything but what the image copies (node_modules, .tools, data…). */
const BUILD_CONTEXT_EXCLUDE = [
  "*",
  "!package.json",
  "!package-lock.json",
  "!bin",
  "!lib",
  "!cdk/front/Dockerfile",
];

export class FloeFront extends Construct {
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly container: ecs.ContainerDefinition;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly targetGroup: elbv2.NetworkTargetGroup;

  constructor(scope: Construct, id: string, config: DeployConfig) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr(config.vpcCidr),
      maxAzs: 2,
      natGateways: config.natGateways,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "private", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        // Rejected traffic only: accepted Kafka flows would cost log ingestion for no finding.
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            floeLogGroup(this, "FlowLogs", config.logRetentionDays),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
    this.cluster = new ecs.Cluster(this, "Cluster", {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const arm = config.frontArchitecture === "arm64";
    const taskDefinition = new ecs.FargateTaskDefinition(this, "Task", {
      cpu: config.frontCpu,
      memoryLimitMiB: config.frontMemoryMiB,
      runtimePlatform: {
        cpuArchitecture: arm ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, "Kafka", {
      vpc: this.vpc,
      internetFacing: config.frontInternetFacing,
      vpcSubnets: {
        subnetType: config.frontInternetFacing
          ? ec2.SubnetType.PUBLIC
          : ec2.SubnetType.PRIVATE_WITH_EGRESS,
      },
      // A client resolving one zone's address still reaches every healthy front.
      crossZoneEnabled: true,
    });
    const clientPeer = ec2.Peer.ipv4(config.kafkaClientCidr || config.vpcCidr);
    this.loadBalancer.connections.allowFrom(clientPeer, ec2.Port.tcp(KAFKA_PORT), "Kafka clients");

    this.container = taskDefinition.addContainer(FRONT_CONTAINER, {
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, {
        file: "cdk/front/Dockerfile",
        platform: arm ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
        exclude: BUILD_CONTEXT_EXCLUDE,
        ignoreMode: IgnoreMode.DOCKER,
      }),
      command: [
        "front",
        "--host",
        "0.0.0.0",
        "--port",
        String(KAFKA_PORT),
        "--shared-address",
        `${this.loadBalancer.loadBalancerDnsName}:${KAFKA_PORT}`,
        "--log-level",
        "info",
        // Storage counters to CloudWatch through the log group (FloeMonitoring alarms on them).
        "--emf-interval-ms",
        String(FRONT_EMF_INTERVAL_MS),
      ],
      portMappings: [{ containerPort: KAFKA_PORT, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: "front",
        logGroup: floeLogGroup(this, "Logs", config.logRetentionDays),
      }),
      // `floe front` closes its listener and finishes in-flight flushes on SIGTERM.
      stopTimeout: Duration.seconds(30),
    });

    this.service = new ecs.FargateService(this, "Service", {
      cluster: this.cluster,
      taskDefinition,
      desiredCount: config.frontDesiredCount,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      // New fronts start before old ones stop; a deployment that never gets healthy rolls back.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
    });
    this.service.connections.allowFrom(
      this.loadBalancer,
      ec2.Port.tcp(KAFKA_PORT),
      "Kafka connections and health checks from the load balancer",
    );

    const listener = this.loadBalancer.addListener("Listener", {
      port: KAFKA_PORT,
      protocol: elbv2.Protocol.TCP,
    });
    this.targetGroup = listener.addTargets("Fronts", {
      port: KAFKA_PORT,
      protocol: elbv2.Protocol.TCP,
      targets: [
        this.service.loadBalancerTarget({
          containerName: FRONT_CONTAINER,
          containerPort: KAFKA_PORT,
        }),
      ],
      healthCheck: {
        protocol: elbv2.Protocol.TCP,
        port: String(KAFKA_PORT),
        interval: Duration.seconds(10),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
      // Kafka clients reconnect and retry; waiting longer only slows deployments down.
      deregistrationDelay: Duration.seconds(30),
    });
    this.suppressNagFindings(taskDefinition);
  }

  private suppressNagFindings(taskDefinition: ecs.FargateTaskDefinition): void {
    acknowledge(
      this.loadBalancer,
      "AwsSolutions-ELB2",
      "A Network Load Balancer writes access logs only for TLS listeners; the Kafka listener is TCP. Connection-level records come from the VPC flow log.",
    );
    acknowledge(
      taskDefinition,
      "AwsSolutions-ECS2",
      "The environment holds only the bucket and table names (FloeData.bind), which are not secrets.",
    );
    acknowledge(
      taskDefinition,
      "AwsSolutions-IAM5[Resource::*]",
      "Task execution role: ecr:GetAuthorizationToken supports no resource-level permissions, so AWS requires Resource * for pulling the image.",
    );
  }
}
