/**
 * The dated AWS list prices the cost benchmark multiplies its request counts by. Copied from
 * shared/reference/reliability-and-cost.md §8 (us-east-1); re-check the live AWS pricing pages
 * and update `asOf` together with a value. Only request prices: storage, transfer and compute
 * are not what the benchmark measures.
 */

export const AWS_PRICES = Object.freeze({
  region: "us-east-1",
  /** S3 Standard PUT, COPY, POST and LIST requests, $ per 1,000. */
  s3PutPer1000: 0.005,
  /** S3 Standard GET (and HEAD) requests, $ per 1,000. */
  s3GetPer1000: 0.0004,
  /** DynamoDB on-demand, $ per million write request units. */
  dynamoWritePerMillion: 0.625,
  /** DynamoDB on-demand, $ per million read request units. */
  dynamoReadPerMillion: 0.125,
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
