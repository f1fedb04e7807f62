/**
 * cdk-nag, in one place. cdk-nag 3 is a CDK policy-validation plugin (it runs when the app
 * synthesizes and fails synthesis on a finding nobody acknowledged) and takes its suppressions
 * through CDK's own `Validations.of(construct).acknowledge()`: a finding of a rule that reports
 * several per resource is acknowledged one by one, as `RuleId[finding]`
 * (`AwsSolutions-IAM5[Resource::*]`), never for the whole rule. It is CommonJS whose exports Node
 * cannot list statically, hence the default import.
 */
import { Validations } from "aws-cdk-lib";
import cdkNag from "cdk-nag";
import type { IConstruct } from "constructs";

export const { AwsSolutionsChecks } = cdkNag;

/** Acknowledges `id` (a rule, or `Rule[finding]`) on `scope` and everything below it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
