/**
 * FloeMonitoring: the alarms an operator of Floe needs paged for, on one SNS topic, and one
 * dashboard with the same signals beside the volume that explains them. Alarm thresholds are
 * chosen to page on sustained trouble, not on one retried request: Floe's clients retry
 * retriable errors, so a single error is noise, several periods of them are an incident.
 */
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import type * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { CLOUDWATCH_NAMESPACE } from "../lib/storage/cloudwatch-counters.ts";

/** The table operations the metadata store performs (throttles and system errors are per operation). */
const TABLE_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.BATCH_GET_ITEM,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
  dynamodb.Operation.BATCH_WRITE_ITEM,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
];

const PERIOD = Duration.minutes(5);

export interface FloeMonitoringProps {
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly api: apigw.HttpApi;
  readonly table: dynamodb.ITable;
  readonly service: ecs.FargateService;
  readonly targetGroup: elbv2.NetworkTargetGroup;
  /** Subscribed to the alarm topic by email when non-empty. */
  readonly alarmEmail: string;
}

export class FloeMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: FloeMonitoringProps) {
    super(scope, id);
    // CloudWatch can publish to an encrypted topic only with a customer managed key whose policy
    // lets it use the key (the AWS managed aws/sns key does not).
    const key = new kms.Key(this, "AlarmTopicKey", {
      description: "Floe alarm topic encryption",
      enableKeyRotation: true,
      // It protects notifications in flight only: nothing stays encrypted under it.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        resources: ["*"],
      }),
    );
    this.topic = new sns.Topic(this, "Alarms", {
      displayName: "Floe alarms",
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    const fnWidgets: cloudwatch.IWidget[] = [];
    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(`${name}Errors`, fn.metricErrors({ period: PERIOD, statistic: "Sum" }), {
        threshold: 5,
        description: `Floe ${name} function: 5 or more failed invocations in 5 minutes, twice in a row`,
        evaluationPeriods: 2,
      });
      this.alarm(`${name}Throttles`, fn.metricThrottles({ period: PERIOD, statistic: "Sum" }), {
        threshold: 1,
        description: `Floe ${name} function: invocations throttled (account or reserved concurrency)`,
        evaluationPeriods: 2,
      });
      fnWidgets.push(
        new cloudwatch.GraphWidget({
          title: `${name} function`,
          left: [fn.metricInvocations(), fn.metricErrors(), fn.metricThrottles()],
          right: [fn.metricDuration({ statistic: "p99" })],
          width: 6,
        }),
      );
    }

    const api5xx = props.api.metricServerError({ period: PERIOD, statistic: "Sum" });
    this.alarm("Api5xx", api5xx, {
      threshold: 5,
      description: "Floe HTTP API: 5 or more 5xx answers in 5 minutes, twice in a row",
      evaluationPeriods: 2,
    });

    const tableOptions = { operations: TABLE_OPERATIONS, period: PERIOD };
    const throttled = props.table.metricThrottledRequestsForOperations(tableOptions);
    const systemErrors = props.table.metricSystemErrorsForOperations(tableOptions);
    for (const [id, metric, what] of [
      ["TableThrottles", throttled, "requests throttled (on-demand table above its peak)"],
      ["TableSystemErrors", systemErrors, "DynamoDB answered with system errors (HTTP 500)"],
    ] as const) {
      this.alarm(id, metric, {
        threshold: 1,
        description: `Floe metadata table: ${what}`,
        evaluationPeriods: 2,
      });
    }

    // Published by the fronts and every function (lib/storage/cloudwatch-counters.ts). A failed
    // snapshot is rewritten by the shard's next commit; failures three periods running mean
    // records are piling up in the table and in the writers' memory.
    const publishers = ["front", ...Object.keys(props.functions)];
    const snapshotFailures = new cloudwatch.MathExpression({
      expression: "SUM(METRICS())",
      usingMetrics: Object.fromEntries(
        publishers.map((fn, i) => [
          `m${i}`,
          new cloudwatch.Metric({
            namespace: CLOUDWATCH_NAMESPACE,
            metricName: "ShardSnapshotFailures",
            dimensionsMap: { service: "floe", function: fn },
            period: PERIOD,
            statistic: "Sum",
          }),
        ]),
      ),
      label: "shard snapshot failures",
      period: PERIOD,
    });
    this.alarm("ShardSnapshotFailures", snapshotFailures, {
      threshold: 1,
      description:
        "Floe metadata table: shard snapshots failing for 15 minutes (records accumulate; docs/dynamodb-tables.md)",
      evaluationPeriods: 3,
    });

    const insight = (metricName: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: "ECS/ContainerInsights",
        metricName,
        dimensionsMap: {
          ClusterName: props.service.cluster.clusterName,
          ServiceName: props.service.serviceName,
        },
        period: PERIOD,
        statistic: "Average",
      });
    const missingTasks = new cloudwatch.MathExpression({
      expression: "desired - running",
      usingMetrics: { desired: insight("DesiredTaskCount"), running: insight("RunningTaskCount") },
      label: "front tasks missing",
      period: PERIOD,
    });
    // Three periods: a rolling deployment or a replaced task is briefly short.
    this.alarm("FrontTasksMissing", missingTasks, {
      threshold: 1,
      description: "Floe Kafka front: fewer tasks running than desired for 15 minutes",
      evaluationPeriods: 3,
    });
    const unhealthy = props.targetGroup.metrics.unHealthyHostCount({
      period: Duration.minutes(1),
      statistic: "Maximum",
    });
    this.alarm("FrontUnhealthyHosts", unhealthy, {
      threshold: 1,
      description: "Floe Kafka front: the load balancer has seen an unhealthy front for 5 minutes",
      evaluationPeriods: 5,
    });

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: "Floe alarms", alarms: this.alarms, width: 24 }),
    );
    this.dashboard.addWidgets(...fnWidgets);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "HTTP API",
        left: [
          props.api.metricCount({ period: PERIOD }),
          props.api.metricClientError({ period: PERIOD }),
          api5xx,
        ],
        right: [props.api.metricLatency({ statistic: "p99", period: PERIOD })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Metadata table",
        left: [
          props.table.metricConsumedReadCapacityUnits({ period: PERIOD }),
          props.table.metricConsumedWriteCapacityUnits({ period: PERIOD }),
        ],
        // Each operations expression names its per-operation metrics alike: one per graph.
        right: [throttled],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Kafka front",
        left: [insight("RunningTaskCount"), insight("DesiredTaskCount"), unhealthy],
        right: [
          props.service.metricCpuUtilization({ period: PERIOD }),
          props.service.metricMemoryUtilization({ period: PERIOD }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Metadata table system errors",
        left: [systemErrors],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Shard snapshot failures",
        left: [snapshotFailures],
        width: 8,
      }),
    );
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: { threshold: number; description: string; evaluationPeriods: number },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
