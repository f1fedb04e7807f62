/**
 * The data stack: what Floe's records live in — the segment bucket and the metadata table
 * (FloeData, which also exports their names and ARNs as this stack's outputs). Separate from the
 * service stack so that the stateless part can be replaced, torn down or redeployed without
 * touching state; both resources are retained even if this stack is deleted.
 */
import { Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { DeployConfig } from "./config.ts";
import { FloeData } from "./floe-data.ts";

export class FloeDataStack extends Stack {
  readonly data: FloeData;

  constructor(scope: Construct, id: string, config: DeployConfig, props?: StackProps) {
    super(scope, id, props);
    this.data = new FloeData(this, "Data", { undeleteDays: config.undeleteDays });
  }
}
