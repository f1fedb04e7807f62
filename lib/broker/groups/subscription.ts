/**
 * Reads the topic list out of a consumer's JoinGroup protocol metadata
 * (ConsumerProtocolSubscription v0–3: int16 version, then a non-flexible []string of topics;
 * the later fields are not needed here). OffsetDelete uses it to refuse deleting offsets of
 * topics a live member subscribes to. Bytes that do not parse name no topics: the metadata is
 * the client's, and a broker must not fail on it.
 */
export function subscribedTopics(metadata: Buffer): string[] {
  try {
    if (metadata.length < 6) return [];
    let pos = 2; // version
    const count = metadata.readInt32BE(pos);
    pos += 4;
    if (count < 0 || count > metadata.length) return [];
    const topics: string[] = [];
    for (let i = 0; i < count; i++) {
      const len = metadata.readInt16BE(pos);
      pos += 2;
      if (len < 0 || pos + len > metadata.length) return [];
      topics.push(metadata.toString("utf8", pos, pos + len));
      pos += len;
    }
    return topics;
  } catch {
    return [];
  }
}
