/**
 * Failures of the codecs. Compressed payloads come from producers and from storage, so every
 * decoder treats its input as hostile: a bad payload ends in a CompressionError, never in a
 * crash, a hang or an allocation bigger than the caller's limit.
 */

export type CompressionFailure =
  /** The attributes name a codec that does not exist (ids 5–7). */
  | "unknown_codec"
  /** The payload is not a valid stream for its codec (truncated, bad checksum, bad framing). */
  | "corrupt"
  /** The payload would decompress to more than the caller's `maxOutputBytes`. */
  | "too_large";

export class CompressionError extends Error {
  override readonly name = "CompressionError";
  /** The codec id from the batch attributes (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  readonly codec: number;
  readonly reason: CompressionFailure;
  /** Retrying the same bytes gives the same answer. */
  readonly retriable = false;

  constructor(codec: number, reason: CompressionFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.codec = codec;
    this.reason = reason;
  }
}
