/**
 * The synthesized templates pass the two independent checkers: cdk-nag's AWS Solutions pack
 * (registered by createFloeApp as a validation plugin; every finding fixed or acknowledged with
 * a reason) and cfn-lint from PyPI (.tools/cfn-lint-venv, installed by
 * `bash scripts/setup-test-deps.sh`; run offline, never with --update-specs).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, type CfnElement, Stack, Validations } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createFloeApp } from "../../cdk/floe-app.ts";
import { FloeData } from "../../cdk/floe-data.ts";
import { AwsSolutionsChecks } from "../../cdk/nag.ts";
import { grantsOfRole } from "./iam.ts";
import { cdkJsonContext, REPO_ROOT, type SynthesizedFloe, synthesizeFloe } from "./synth.ts";

const CFN_LINT = join(REPO_ROOT, ".tools/cfn-lint-venv/bin/cfn-lint");

let floe: SynthesizedFloe;
beforeAll(() => {
  floe = synthesizeFloe();
});
afterAll(() => floe?.cleanup());

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: construct.node.path, id, reason });
      }
    }
  }
  return out;
}

describe("cdk-nag (AwsSolutionsChecks)", () => {
  it("finds nothing unacknowledged: synthesis passed and a direct run reports no violation", () => {
    const report = JSON.parse(readFileSync(join(floe.outdir, "validation-report.json"), "utf8"));
    expect(report.pluginReports).toEqual([]);
    const direct = new AwsSolutionsChecks(floe.app).validateScope(floe.app);
    expect(direct.violations).toEqual([]);
    expect(direct.success).toBe(true);
  });

  it("leaves no error or warning annotation on either stack", () => {
    for (const stack of [floe.stacks.data, floe.stacks.service]) {
      expect(
        Annotations.fromStack(stack).findError("*", Match.anyValue()),
        stack.stackName,
      ).toEqual([]);
      expect(
        Annotations.fromStack(stack).findWarning("*", Match.anyValue()),
        stack.stackName,
      ).toEqual([]);
    }
  });

  it("acknowledges only named findings, each with a specific reason", () => {
    // CDK files acknowledgements under the plugin's namespace; its own constructs acknowledge
    // some of CloudFormation Validate's rules, which are not Floe's to justify.
    const acks = acknowledgements(floe.app).filter((a) => a.id.includes("AwsSolutions"));
    expect(acks.map((a) => a.id.replace(/^Annotation::/, "")).sort()).toEqual(
      [
        "AwsSolutions-S1",
        "AwsSolutions-ELB2",
        "AwsSolutions-ECS2",
        "AwsSolutions-IAM5[Resource::*]", // front task execution role: ECR token
        ...Array(4).fill("AwsSolutions-IAM5[Resource::*]"), // X-Ray, one per function
        ...Array(5).fill("AwsSolutions-IAM5[Resource::FloeData-SegmentBucketArn/*]"), // 4 functions + front
      ].sort(),
    );
    for (const ack of acks) expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(60);
  });

  it("is live: a non-compliant resource added to the app fails synthesis", () => {
    const outdir = mkdtempSync(join(tmpdir(), "floe-cdk-nag-"));
    try {
      const app = new App({ context: cdkJsonContext(), outdir });
      const stacks = createFloeApp(app);
      new s3.Bucket(stacks.data, "Careless", { enforceSSL: false });
      expect(() => app.synth()).toThrow(/FloeData\/Careless[\s\S]*AwsSolutions-S10/);
      const report = new AwsSolutionsChecks(app).validateScope(app);
      const rules = report.violations.map((v) => v.ruleName);
      expect(rules).toEqual(expect.arrayContaining(["AwsSolutions-S1", "AwsSolutions-S10"]));
      for (const violation of report.violations) {
        for (const resource of violation.violatingResources) {
          expect(resource.constructPath ?? resource.resourceLogicalId).toMatch(/Careless/);
        }
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("FloeData.bind in the data's own stack", () => {
  it("grants on the bucket's and table's own ARNs and acknowledges the objects wildcard by its name there", () => {
    const outdir = mkdtempSync(join(tmpdir(), "floe-cdk-bind-"));
    onTestFinished(() => rmSync(outdir, { recursive: true, force: true }));
    const app = new App({ context: cdkJsonContext(), outdir });
    const stack = new Stack(app, "Together");
    const data = new FloeData(stack, "Data", { undeleteDays: 1 });
    const role = new iam.Role(stack, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    });
    const fn = new lambda.Function(stack, "Fn", {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: "index.handler",
      code: lambda.Code.fromInline("export const handler = async () => {};"),
      role,
    });
    data.bind(fn, "maintain");
    const id = (c: IConstruct): string =>
      stack.resolve(stack.getLogicalId(c.node.defaultChild as CfnElement));
    const bucketArn = { "Fn::GetAtt": [id(data.bucket), "Arn"] };
    expect(grantsOfRole(Template.fromStack(stack), id(role))).toEqual({
      [JSON.stringify({ "Fn::Join": ["", [bucketArn, "/*"]] })]: [
        "s3:DeleteObject",
        "s3:GetObject",
      ],
      [JSON.stringify({ "Fn::Join": ["", [bucketArn, "/segments.owner"]] })]: ["s3:PutObject"],
      [JSON.stringify(bucketArn)]: ["s3:ListBucket"],
      [JSON.stringify({ "Fn::GetAtt": [id(data.table), "Arn"] })]: [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ],
    });
    const iam5 = new AwsSolutionsChecks(app)
      .validateScope(app)
      .violations.filter((v) => v.ruleName.startsWith("AwsSolutions-IAM5"));
    expect(iam5).toEqual([]);
  });
});

describe("cfn-lint", () => {
  it("finds no error or warning in either template", () => {
    if (!existsSync(CFN_LINT)) {
      throw new Error(`cfn-lint not found at ${CFN_LINT}: run: bash scripts/setup-test-deps.sh`);
    }
    const templates = readdirSync(floe.outdir)
      .filter((f) => f.endsWith(".template.json"))
      .map((f) => join(floe.outdir, f));
    expect(templates.map((t) => t.split("/").pop()).sort()).toEqual([
      "FloeData.template.json",
      "FloeService.template.json",
    ]);
    // W3005 (a DependsOn that a Ref/GetAtt already implies) is how CDK writes every role a
    // function or service depends on; it changes nothing CloudFormation does.
    const lint = spawnSync(CFN_LINT, ["--ignore-checks", "W3005", "--", ...templates], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(lint.error).toBeUndefined();
    expect(`${lint.stdout}${lint.stderr}`).toBe("");
    expect(lint.status).toBe(0);
  });
});
