/**
 * Reads the permissions a role ends up with out of a synthesized template: every Allow statement
 * of every AWS::IAM::Policy attached to it, as resource → actions, so tests can compare a host's
 * grants with the exact sets it should have.
 */
import type { Template } from "aws-cdk-lib/assertions";

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Resource (as JSON text, "*" for the wildcard) → sorted actions. */
export type Grants = Record<string, string[]>;

export function grantsOfRole(template: Template, roleLogicalId: string): Grants {
  const role = template.findResources("AWS::IAM::Role")[roleLogicalId];
  if (!role) throw new Error(`no role ${roleLogicalId} in the template`);
  if (role.Properties.ManagedPolicyArns || role.Properties.Policies) {
    throw new Error(`role ${roleLogicalId} has managed or inline policies besides its own`);
  }
  const ref = JSON.stringify({ Ref: roleLogicalId });
  const byResource = new Map<string, Set<string>>();
  for (const policy of Object.values(template.findResources("AWS::IAM::Policy"))) {
    const roles = (policy.Properties.Roles ?? []) as unknown[];
    if (!roles.some((r) => JSON.stringify(r) === ref)) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
      if (statement.Effect !== "Allow" || statement.Condition !== undefined) {
        throw new Error(`unexpected statement ${JSON.stringify(statement)}`);
      }
      for (const resource of [statement.Resource].flat()) {
        const key = resource === "*" ? "*" : JSON.stringify(resource);
        const actions = byResource.get(key) ?? new Set<string>();
        for (const action of [statement.Action].flat()) actions.add(action);
        byResource.set(key, actions);
      }
    }
  }
  return Object.fromEntries([...byResource].map(([k, v]) => [k, [...v].sort()]));
}

/** The JSON text of a GetAtt Arn / ImportValue, as grantsOfRole keys resources. */
export const arnOf = (logicalId: string): string =>
  JSON.stringify({ "Fn::GetAtt": [logicalId, "Arn"] });
export const imported = (exportName: string): string =>
  JSON.stringify({ "Fn::ImportValue": exportName });
export const objectsOf = (exportName: string, key = "*"): string =>
  JSON.stringify({ "Fn::Join": ["", [{ "Fn::ImportValue": exportName }, `/${key}`]] });
