/**
 * Cost counters of one storage adapter instance (one per front or Lambda container): S3
 * requests by type and DynamoDB capacity units, counted in code at the adapter boundary so that
 * cost per GiB is measured, not guessed (DESIGN.md §2). Names are dotted and stable; they are
 * exported as metrics and summed by the benchmarks, e.g.
 *   s3.put, s3.get, s3.list, s3.delete, s3.retries, s3.bytesPut, s3.bytesGot
 *   dynamodb.rcu, dynamodb.wcu, dynamodb.calls.<Operation>, dynamodb.retries
 */
export class StorageCounters {
  private readonly values = new Map<string, number>();

  add(name: string, amount = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + amount);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  /** A copy, sorted by name. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
