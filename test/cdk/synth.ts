/**
 * Synthesizes the Floe CDK app in-process, as `cdk synth` would from cdk.json (the same context:
 * feature flags plus any "floe:" knobs), into a fresh temporary directory. Bundling the four
 * functions with esbuild is part of it, so a test file synthesizes once, in beforeAll.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import type { IConstruct } from "constructs";
import { createFloeApp, DATA_STACK, type FloeStacks, SERVICE_STACK } from "../../cdk/floe-app.ts";
import { REPO_ROOT } from "../../cdk/paths.ts";

export { REPO_ROOT };

/** cdk.json's context: what the CLI hands the app. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, "cdk.json"), "utf8")) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface SynthesizedFloe {
  readonly app: App;
  readonly stacks: FloeStacks;
  readonly assembly: CloudAssembly;
  readonly outdir: string;
  readonly data: Template;
  readonly service: Template;
  /** The logical id of a construct's CloudFormation resource in its stack. */
  logicalId(construct: IConstruct): string;
  /** Removes the output directory. */
  cleanup(): void;
}

export function synthesizeFloe(knobs: Record<string, unknown> = {}): SynthesizedFloe {
  const outdir = mkdtempSync(join(tmpdir(), "floe-cdk-"));
  const app = new App({ outdir, context: { ...cdkJsonContext(), ...knobs } });
  const stacks = createFloeApp(app);
  const assembly = app.synth();
  const template = (name: string): Template =>
    Template.fromJSON(assembly.getStackByName(name).template as Record<string, unknown>);
  return {
    app,
    stacks,
    assembly,
    outdir,
    data: template(DATA_STACK),
    service: template(SERVICE_STACK),
    logicalId(construct) {
      const cfn = construct.node.defaultChild ?? construct;
      const stack = Stack.of(construct);
      return stack.resolve(stack.getLogicalId(cfn as never)) as string;
    },
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
