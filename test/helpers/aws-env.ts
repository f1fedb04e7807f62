/**
 * The environment a deployed Floe function gets from CDK, pointed at the local emulators and a
 * fresh bucket and table: what the functions tests set before the handlers' cold start.
 */
import { randomBytes } from "node:crypto";
import type { AwsEmulators } from "./aws-cluster.ts";
import { dynamoDbLocalCredentials } from "./emulators/dynamodb-local.ts";

export function emulatorFunctionEnv(
  emulators: AwsEmulators,
  prefix: string,
): Record<string, string> {
  const id = randomBytes(4).toString("hex");
  const credentials = dynamoDbLocalCredentials();
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_S3: emulators.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodbEndpoint,
    FLOE_S3_BUCKET: `${prefix}-${id}`,
    FLOE_DYNAMODB_TABLE: `${prefix}-${id}`,
  };
}
