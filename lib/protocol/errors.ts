/**
 * Decoding failures inside the sans-I/O protocol layer. A host turns these into a Kafka error
 * code or closes the offending connection; they never escape as crashes.
 */
export class ProtocolDecodeError extends Error {
  override readonly name = "ProtocolDecodeError";
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.offset = offset;
  }
}
