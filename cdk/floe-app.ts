/**
 * The Floe CDK app's stacks, in one function that the entry point (cdk/app.ts) and the tests
 * (test/cdk) share: the data stack, the service stack bound to it, and cdk-nag's AWS Solutions
 * checks over both as a validation plugin (every finding is fixed, or acknowledged next to its
 * resource with a reason; an unacknowledged one fails synthesis).
 * The stacks are environment-agnostic — no account or region is looked up — so `cdk synth` runs
 * offline; `cdk deploy` targets the account and region of the caller's credentials.
 */
import { type App, Tags, Validations } from "aws-cdk-lib";
import { type DeployConfig, deployConfig } from "./config.ts";
import { FloeDataStack } from "./data-stack.ts";
import { AwsSolutionsChecks } from "./nag.ts";
import { FloeServiceStack } from "./service-stack.ts";

export const DATA_STACK = "FloeData";
export const SERVICE_STACK = "FloeService";

export interface FloeStacks {
  readonly config: DeployConfig;
  readonly data: FloeDataStack;
  readonly service: FloeServiceStack;
}

export function createFloeApp(app: App): FloeStacks {
  const config = deployConfig(app.node.getAllContext());
  const data = new FloeDataStack(app, DATA_STACK, config, {
    description: "Floe data: segment bucket and metadata table (retained)",
  });
  const service = new FloeServiceStack(app, SERVICE_STACK, {
    description: "Floe service: Lambda functions, HTTP API, Kafka front, schedules, alarms",
    config,
    data: data.data,
  });
  Tags.of(app).add("app", "floe");
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { config, data, service };
}
