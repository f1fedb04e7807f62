/**
 * Small concurrency helpers of the DynamoDB adapter: bounded parallelism for the many
 * single-item writes of one flush, and the backoff between retries the adapter does itself
 * (unprocessed batch items, transactions cancelled by a conflicting transaction).
 */

/** Full-jitter exponential backoff: 0 … min(2 s, 25 ms · 2^round). */
export async function backoff(round: number): Promise<void> {
  const capMs = Math.min(2_000, 25 * 2 ** round);
  await new Promise((resolve) => setTimeout(resolve, Math.random() * capMs));
}

/** Runs `fn` over `items` with at most `limit` in flight; settles all before rejecting. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}
