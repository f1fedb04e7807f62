/**
 * Every log group the app creates: a retention from the deployment config, and removed with its
 * stack — logs are not data (the bucket and table are what is retained).
 */
import { RemovalPolicy } from "aws-cdk-lib";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

export function floeLogGroup(scope: Construct, id: string, retentionDays: number): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    retention: retentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
