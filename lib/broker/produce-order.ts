/**
 * Per connection, Produce requests hand their batches to the log in the order they arrived.
 *
 * A Kafka broker handles one request per connection at a time, so a producer's pipelined
 * requests (up to five in flight) are appended in the order sent; idempotent producers rely on
 * it. Floe handles a connection's requests concurrently, and a Produce request awaits its topic
 * lookups before it can append — lookups that may finish in any order (a cold cache, two reads
 * of the metadata store racing). Unordered, batch n+1 of a producer new to the partition would
 * be appended first, batch n refused with OUT_OF_ORDER_SEQUENCE_NUMBER, and the Java client
 * would bump its epoch and re-send batch n behind its successor: records out of order.
 *
 * So each Produce request takes a place in line when it arrives (synchronously, in frame order,
 * before any await), does its lookups, waits for its turn, enqueues all its appends at once
 * (the log's writer keeps enqueue order per partition), and leaves — without waiting for the
 * appends to be durable, so the connection's requests still flush and commit together.
 */
export interface ProduceTurn {
  /** Resolves once every earlier Produce request of the connection has enqueued its appends. */
  readonly ready: Promise<void>;
  /** Call once this request's appends are enqueued (or it has none); idempotent. */
  leave(): void;
}

export class ProduceOrder {
  private tail: Promise<void> = Promise.resolve();

  /** Takes the next place in line; call synchronously when the request arrives. */
  enter(): ProduceTurn {
    const ready = this.tail;
    let leave!: () => void;
    this.tail = new Promise<void>((resolve) => {
      leave = resolve;
    });
    return { ready, leave };
  }
}
