/**
 * Bucket creation for tests and local setup. In AWS the CDK data stack owns the bucket; this is
 * for emulators and LocalStack, and for a developer pointing Floe at an empty account.
 * HeadBucket first (cheap, needs only s3:ListBucket), CreateBucket only when it is missing;
 * "already owned by you" from a racing creator is success.
 */
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { errorCodeOf, httpStatusOf } from "./retry.ts";

export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (err) {
    if (httpStatusOf(err) !== 404) throw err;
  }
  const region = await client.config.region();
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the one region that refuses an explicit LocationConstraint.
        ...(region !== "us-east-1"
          ? {
              CreateBucketConfiguration: {
                LocationConstraint: region as BucketLocationConstraint,
              },
            }
          : {}),
      }),
    );
  } catch (err) {
    if (errorCodeOf(err) !== "BucketAlreadyOwnedByYou") throw err;
  }
}
