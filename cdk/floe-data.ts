/**
 * FloeData: the state of a deployment — the segment bucket and the metadata table — and the one
 * way hosts get at it. `bind(host, access)` grants exactly the S3 and DynamoDB actions of an
 * access profile on exactly this bucket and table, and sets FLOE_S3_BUCKET / FLOE_DYNAMODB_TABLE
 * on the host, in one call, so a permission and the setting that needs it cannot drift apart
 * (DESIGN.md §4).
 *
 * Choices, each for a reason:
 * - SSE-S3, not KMS: every segment read is a ranged GET; SSE-KMS adds a KMS request per object
 *   operation (bucket keys cut, not remove, that) and a key policy to keep in step with every
 *   grantee, for no protection a single-tenant bucket with BLOCK_ALL needs.
 * - Versioning on, noncurrent versions expire after `undeleteDays`: Floe never overwrites a key
 *   (PutObject with If-None-Match), so the only noncurrent versions are segments retention or
 *   orphan GC deleted. Keeping them a few days makes a deletion bug recoverable, for the price of
 *   that many days of deleted bytes.
 * - No expiration of live segments: retention is the maintenance function's job, per topic; an
 *   age rule would delete segments that indexed, retained records still point into.
 * - Both resources RETAIN: deleting the stack never deletes records.
 * - Another stack sees them through named exports (`<data stack>-SegmentBucketArn`…) rather than
 *   CDK's automatic cross-stack references: the data stack cannot be deleted while a service
 *   stack uses it, and the granted resources read the same in every template and in cdk-nag's
 *   findings (`FloeData-SegmentBucketArn/*`), so the one wildcard — a bucket's objects — is
 *   acknowledged by name.
 */
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { prefixOwnerKey } from "../lib/broker/log/prefix-owner.ts";
import { SEGMENT_KEY_PREFIX } from "../lib/broker/log/segment-format.ts";
import { AWS_ENV_KEYS } from "../lib/config/aws-config.ts";
import { TABLE_KEY, TTL_ATTRIBUTE } from "../lib/storage/dynamodb/keys.ts";
import { acknowledge } from "./nag.ts";

/**
 * What a host may do. Object actions apply to the bucket's objects, bucket actions to the bucket,
 * metadata actions to the table (no index exists, so no index ARN is granted).
 *   read       the fetch function: reads segments and the index, writes nothing
 *   admin      topics, offsets and HTTP consumer-group leases: metadata writes, segment reads
 *              (offsets by timestamp decode the batches that hold the answer)
 *   readWrite  produce and the Kafka front: writes segments (never deletes one) and metadata
 *   maintain   retention and orphan GC: lists and deletes segments, never writes one; may write
 *              the segment prefix's owner object, which the collector claims before it deletes
 *              anything (lib/broker/log/prefix-owner.ts)
 */
export type FloeAccess = "read" | "admin" | "readWrite" | "maintain";

const METADATA_READ = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"];
// TransactWriteItems has no IAM action of its own: each of its items needs the action it performs
// (ConditionCheckItem for the group transactions' condition checks).
const METADATA_WRITE = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
];

export interface AccessActions {
  readonly objects: readonly string[];
  readonly bucket: readonly string[];
  readonly metadata: readonly string[];
  /** On the segment prefix's owner object alone (`segments.owner`). */
  readonly prefixOwner: readonly string[];
}

export const ACCESS_ACTIONS: Readonly<Record<FloeAccess, AccessActions>> = Object.freeze({
  read: { objects: ["s3:GetObject"], bucket: [], metadata: METADATA_READ, prefixOwner: [] },
  admin: {
    objects: ["s3:GetObject"],
    bucket: [],
    metadata: [...METADATA_READ, ...METADATA_WRITE],
    prefixOwner: [],
  },
  readWrite: {
    objects: ["s3:GetObject", "s3:PutObject"],
    bucket: [],
    metadata: [...METADATA_READ, ...METADATA_WRITE],
    prefixOwner: [],
  },
  // ListBucket: orphan GC lists segment keys; it also makes S3 answer a GET of a key already gone
  // with 404 (which the collector takes as "deleted meanwhile") instead of 403.
  maintain: {
    objects: ["s3:GetObject", "s3:DeleteObject"],
    bucket: ["s3:ListBucket"],
    metadata: [...METADATA_READ, ...METADATA_WRITE],
    prefixOwner: ["s3:PutObject"],
  },
});

/** A Lambda function, or a container whose task role gets the grants. */
export type FloeHost = lambda.Function | ecs.ContainerDefinition;

export interface FloeDataProps {
  /** Days a deleted segment stays recoverable as a noncurrent version. */
  readonly undeleteDays: number;
}

/** The bucket's and table's names and ARNs as CloudFormation values usable in one stack. */
export interface FloeDataRefs {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly tableName: string;
  readonly tableArn: string;
}

const EXPORTS = {
  bucketName: "SegmentBucket",
  bucketArn: "SegmentBucketArn",
  tableName: "MetadataTable",
  tableArn: "MetadataTableArn",
} as const satisfies Record<keyof FloeDataRefs, string>;

const OUTPUT_DESCRIPTIONS: Record<keyof FloeDataRefs, string> = {
  bucketName: "S3 bucket of segment objects (FLOE_S3_BUCKET)",
  bucketArn: "ARN of the segment bucket",
  tableName: "DynamoDB metadata table (FLOE_DYNAMODB_TABLE)",
  tableArn: "ARN of the metadata table",
};

export class FloeData extends Construct {
  readonly bucket: s3.Bucket;
  readonly table: dynamodb.Table;
  private readonly own: FloeDataRefs;
  private readonly imported = new Map<Stack, FloeDataRefs>();

  constructor(scope: Construct, id: string, props: FloeDataProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, "Segments", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        // Floe writes single PUTs; a multipart upload only exists if a tool was interrupted.
        { id: "abort-incomplete-multipart", abortIncompleteMultipartUploadAfter: Duration.days(1) },
        {
          id: "expire-deleted-segments",
          noncurrentVersionExpiration: Duration.days(props.undeleteDays),
        },
        // A delete marker whose versions have all expired only slows listings down.
        { id: "remove-expired-delete-markers", expiredObjectDeleteMarker: true },
      ],
    });
    acknowledge(
      this.bucket,
      "AwsSolutions-S1",
      "Server access logs would log every ranged segment GET of every fetch, costing more than the data path they describe; request-level audit is available through CloudTrail S3 data events (docs/deploy.md).",
    );

    this.table = new dynamodb.Table(this, "Metadata", {
      partitionKey: { name: TABLE_KEY.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEY.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.own = {
      bucketName: this.bucket.bucketName,
      bucketArn: this.bucket.bucketArn,
      tableName: this.table.tableName,
      tableArn: this.table.tableArn,
    };
    for (const key of Object.keys(EXPORTS) as (keyof FloeDataRefs)[]) {
      new CfnOutput(Stack.of(this), EXPORTS[key], {
        value: this.own[key],
        exportName: this.exportName(key),
        description: OUTPUT_DESCRIPTIONS[key],
      });
    }
  }

  private exportName(key: keyof FloeDataRefs): string {
    return `${Stack.of(this).stackName}-${EXPORTS[key]}`;
  }

  /** The names and ARNs as `scope`'s stack sees them: its own values, or imports of the exports. */
  refsIn(scope: Construct): FloeDataRefs {
    const stack = Stack.of(scope);
    if (stack === Stack.of(this)) return this.own;
    let refs = this.imported.get(stack);
    if (!refs) {
      stack.addStackDependency(Stack.of(this), "imports the bucket and table of the data stack");
      const value = (key: keyof FloeDataRefs): string => Fn.importValue(this.exportName(key));
      refs = {
        bucketName: value("bucketName"),
        bucketArn: value("bucketArn"),
        tableName: value("tableName"),
        tableArn: value("tableArn"),
      };
      this.imported.set(stack, refs);
    }
    return refs;
  }

  /** The table as `scope`'s stack sees it (metrics, alarms). */
  tableIn(scope: Construct): dynamodb.ITable {
    const stack = Stack.of(scope);
    if (stack === Stack.of(this)) return this.table;
    const id = `${this.node.id}MetadataTable`;
    const existing = stack.node.tryFindChild(id) as dynamodb.ITable | undefined;
    return existing ?? dynamodb.Table.fromTableName(stack, id, this.refsIn(stack).tableName);
  }

  /** How cdk-nag names the `<bucket ARN>/*` resource (it flattens references to text). */
  private objectsFinding(refs: FloeDataRefs): string {
    if (refs !== this.own) return `${this.exportName("bucketArn")}/*`;
    const stack = Stack.of(this);
    const logicalId = stack.resolve(
      stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket),
    );
    return `<${logicalId}.Arn>/*`;
  }

  /** Grants `access` on this bucket and table to `host` and tells it their names. */
  bind(host: FloeHost, access: FloeAccess): void {
    const role = host instanceof lambda.Function ? host.role : host.taskDefinition.taskRole;
    if (!role) throw new Error(`FloeData.bind: ${host.node.path} has no role to grant to`);
    const refs = this.refsIn(host);
    const actions = ACCESS_ACTIONS[access];
    const grant = (list: readonly string[], resourceArn: string): void => {
      if (list.length === 0) return;
      iam.Grant.addToPrincipal({ grantee: role, actions: [...list], resourceArns: [resourceArn] });
    };
    grant(actions.objects, `${refs.bucketArn}/*`);
    grant(actions.bucket, refs.bucketArn);
    grant(actions.prefixOwner, `${refs.bucketArn}/${prefixOwnerKey(SEGMENT_KEY_PREFIX)}`);
    grant(actions.metadata, refs.tableArn);
    if (actions.objects.length > 0) {
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${this.objectsFinding(refs)}]`,
        "Segment object actions apply to the objects of the segment bucket, which holds nothing but Floe's segments; keys are random (never known in advance), so no narrower ARN exists.",
      );
    }
    host.addEnvironment(AWS_ENV_KEYS.bucket, refs.bucketName);
    host.addEnvironment(AWS_ENV_KEYS.table, refs.tableName);
  }
}
