/**
 * The dated us-east-1 list prices the cost benchmark and the cost model (../cost-model/)
 * multiply their counts by: the one place prices live. Copied from
 * shared/reference/reliability-and-cost.md §8, each with the source and date given there;
 * re-check the live AWS pricing pages and update `date` together with a value. Free tiers are
 * deliberately left out (a bill at scale does not get them twice; small bills are overstated).
 */

export interface DatedPrice {
  usd: number;
  /** How many units `usd` buys: 1,000 requests, a million units, 1 GB-month. */
  per: number;
  /** What is bought, e.g. "per 1,000 requests", "per GB-month". */
  unit: string;
  source: string;
  /** As dated by the reference ("undated" where it gives none). */
  date: string;
}

const price = (usd: number, per: number, unit: string, source: string, date: string): DatedPrice =>
  Object.freeze({ usd, per, unit, source, date });

const S3 = "https://aws.amazon.com/s3/pricing/";
const DDB = "https://airbyte.com/data-engineering-resources/dynamodb-pricing";
const LAMBDA = "https://cloudchipr.com/blog/aws-lambda-pricing";
const FARGATE = "https://www.wring.co/blog/aws-fargate-pricing-guide";
const NLB = "https://clustercost.com/blog/network-load-balancer-pricing-2025";
const KINESIS =
  "https://www.trek10.com/blog/amazon-kinesis-data-streams-on-demand-vs.-provisioned-billing-mode-cost-comparison";
const MSK = "https://gist.github.com/EverettBerry/d24aa940ad43c313803248cea6366682";

export const PRICE_LIST = Object.freeze({
  s3Put: price(0.005, 1000, "per 1,000 PUT/COPY/POST/LIST requests", S3, "undated"),
  s3Get: price(0.0004, 1000, "per 1,000 GET requests", S3, "undated"),
  s3StorageGbMonth: price(0.023, 1, "per GB-month (S3 Standard, first 50 TB)", S3, "undated"),
  dynamoWrite: price(0.625, 1e6, "per million write request units (on-demand)", DDB, "2025-07-21"),
  dynamoRead: price(0.125, 1e6, "per million read request units (on-demand)", DDB, "2025-07-21"),
  dynamoStorageGbMonth: price(
    0.25,
    1,
    "per GB-month (Standard, beyond the first 25 GB)",
    "https://aws.amazon.com/dynamodb/pricing/",
    "undated",
  ),
  lambdaRequests: price(0.2, 1e6, "per million requests", LAMBDA, "2024"),
  lambdaArmGbSecond: price(0.0000133334, 1, "per GB-second (arm64)", LAMBDA, "2024"),
  fargateArmVcpuHour: price(0.03238, 1, "per vCPU-hour (Linux/ARM)", FARGATE, "2026-03-10"),
  fargateArmGbHour: price(0.00356, 1, "per GB-hour (Linux/ARM)", FARGATE, "2026-03-10"),
  nlbHour: price(0.0225, 1, "per load balancer-hour", NLB, "2025"),
  nlbLcuHour: price(0.006, 1, "per NLCU-hour", NLB, "2025"),
  interAzGb: price(
    0.01,
    1,
    "per GB, each direction",
    "https://basavytix.com/blog/aws-cross-az-data-transfer-cost",
    "May 2026",
  ),
  kinesisStreamHour: price(0.04, 1, "per stream-hour (on-demand Standard)", KINESIS, "2023-09-21"),
  kinesisInGb: price(
    0.08,
    1,
    "per GB in, records rounded up to 1 KB (on-demand)",
    KINESIS,
    "2023-09-21",
  ),
  kinesisOutGb: price(0.04, 1, "per GB out (on-demand)", KINESIS, "2023-09-21"),
  mskClusterHour: price(0.75, 1, "per cluster-hour (Serverless; old, verify)", MSK, "2022-10-03"),
  mskPartitionHour: price(
    0.0015,
    1,
    "per partition-hour (Serverless; old, verify)",
    MSK,
    "2022-10-03",
  ),
  mskStorageGibMonth: price(0.1, 1, "per GiB-month (Serverless; old, verify)", MSK, "2022-10-03"),
  mskInGib: price(0.1, 1, "per GiB in (Serverless; old, verify)", MSK, "2022-10-03"),
  mskOutGib: price(0.05, 1, "per GiB out (Serverless; old, verify)", MSK, "2022-10-03"),
});

export type PriceName = keyof typeof PRICE_LIST;

/** The request prices, flat, as the per-flush and per-GiB tables (./report*.ts) quote them. */
export const AWS_PRICES = Object.freeze({
  region: "us-east-1",
  /** S3 Standard PUT, COPY, POST and LIST requests, $ per 1,000. */
  s3PutPer1000: PRICE_LIST.s3Put.usd,
  /** S3 Standard GET (and HEAD) requests, $ per 1,000. */
  s3GetPer1000: PRICE_LIST.s3Get.usd,
  /** DynamoDB on-demand, $ per million write request units. */
  dynamoWritePerMillion: PRICE_LIST.dynamoWrite.usd,
  /** DynamoDB on-demand, $ per million read request units. */
  dynamoReadPerMillion: PRICE_LIST.dynamoRead.usd,
  asOf: {
    s3: "aws.amazon.com/s3/pricing, undated in the reference",
    dynamodb: "source dated 2025-07-21, after the 50% on-demand cut of 2024-11-01",
  },
  source: "shared/reference/reliability-and-cost.md §8, us-east-1 list prices",
});

/** Request counts to price (any unit of work: one flush, one GiB). */
export interface PricedCounts {
  s3Put: number;
  s3Get: number;
  s3List: number;
  wcu: number;
  rcu: number;
}

export interface CostLine {
  item: string;
  count: number;
  price: string;
  dollars: number;
}

/** One line per billed item (zero counts included, so the inputs are always shown). */
export function costLines(c: PricedCounts): CostLine[] {
  const p = AWS_PRICES;
  return [
    {
      item: "S3 PUT/LIST requests",
      count: c.s3Put + c.s3List,
      price: `$${p.s3PutPer1000} / 1,000`,
      dollars: ((c.s3Put + c.s3List) * p.s3PutPer1000) / 1000,
    },
    {
      item: "S3 GET requests",
      count: c.s3Get,
      price: `$${p.s3GetPer1000} / 1,000`,
      dollars: (c.s3Get * p.s3GetPer1000) / 1000,
    },
    {
      item: "DynamoDB write request units",
      count: c.wcu,
      price: `$${p.dynamoWritePerMillion} / million`,
      dollars: (c.wcu * p.dynamoWritePerMillion) / 1e6,
    },
    {
      item: "DynamoDB read request units",
      count: c.rcu,
      price: `$${p.dynamoReadPerMillion} / million`,
      dollars: (c.rcu * p.dynamoReadPerMillion) / 1e6,
    },
  ];
}

export function totalDollars(c: PricedCounts): number {
  return costLines(c).reduce((sum, l) => sum + l.dollars, 0);
}
