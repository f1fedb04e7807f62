/**
 * Request counters of the log engine, so cost per GiB is measured (DESIGN.md §2 "Cost is a
 * design input"). Plain numbers, cheap to bump; exporters read `snapshot()`.
 */
export class LogMetrics {
  /** Segment objects written (one PUT each) and their bytes, footer included. */
  segmentPuts = 0;
  segmentPutBytes = 0;
  segmentPutFailures = 0;
  /** Flushes started (one segment each). */
  flushes = 0;
  /** getHeads calls and heads read (the writer's commit planning, reads, polls). */
  headReads = 0;
  headsRead = 0;
  /** commitPartitions calls, partitions in them, and partitions that lost a race. */
  commitCalls = 0;
  partitionCommits = 0;
  commitConflicts = 0;
  commitFailures = 0;
  /** Partitions a flush gave up on because its commit deadline passed (./commit-deadline.ts). */
  commitDeadlineMisses = 0;
  /**
   * Segment receipts written after a flush's commits (./segment-receipt.ts); flushes that wrote
   * none because a commit's outcome was in doubt; receipt writes that failed.
   */
  segmentReceipts = 0;
  segmentReceiptsInDoubt = 0;
  segmentReceiptFailures = 0;
  /** Batches by outcome. */
  batchesAppended = 0;
  batchesDuplicate = 0;
  batchesRejected = 0;
  bytesAppended = 0;
  /** Reads: ranged GETs and their bytes; chunk cache hits and misses; index lookups. */
  rangeGets = 0;
  rangeGetBytes = 0;
  cacheHits = 0;
  cacheMisses = 0;
  chunkLookups = 0;

  snapshot(): Record<string, number> {
    return Object.fromEntries(Object.entries(this)) as Record<string, number>;
  }
}
