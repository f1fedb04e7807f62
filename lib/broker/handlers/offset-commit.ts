/**
 * OffsetCommit (key 8), versions 2–9.
 *
 * Stores committed offsets with their leader epoch (v6+) and metadata string, fenced by the
 * group's generation, member id and group.instance.id (see lib/broker/groups/offsets.ts): the
 * check and the write are one conditional write on the group's version, so a member that
 * lost its membership on any front cannot commit. Generation −1 with no member id is a
 * standalone commit (assign() consumers, admin tools), allowed while the group is Empty.
 * Per-partition errors: UNKNOWN_TOPIC_OR_PARTITION for a topic or partition that does not
 * exist, OFFSET_METADATA_TOO_LARGE past 4 096 bytes of metadata (offset.metadata.max.bytes).
 *
 * Differs from Kafka: v2–4's retention time is ignored (offsets are kept until the group is
 * deleted: offsets.retention.minutes is not enforced yet); v0–1 are not served (Kafka 4
 * dropped them too).
 */
import type { OffsetCommitRequest, OffsetCommitResponse } from "../../protocol/generated/index.ts";
import type { CommittedOffset } from "../../storage/ports.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { commitOffsets } from "../groups/offsets.ts";
import { withGroupErrors } from "./group-errors.ts";

const MAX_METADATA_BYTES = 4096;

export const offsetCommitHandler: ApiHandler = {
  apiKey: 8,
  minVersion: 2,
  maxVersion: 9,
  async handle(
    ctx: BrokerContext,
    req: OffsetCommitRequest,
    _info: RequestInfo,
  ): Promise<OffsetCommitResponse> {
    const codes = new Map<string, number>();
    const key = (topic: string, partition: number) => `${partition}:${topic}`;
    const toWrite: CommittedOffset[] = [];
    const now = ctx.now();
    for (const t of req.topics) {
      const topic = await ctx.topics.byName(t.name);
      for (const p of t.partitions) {
        let code: number = ErrorCode.NONE;
        if (req.groupId === "") code = ErrorCode.INVALID_GROUP_ID;
        else if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitionCount) {
          code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        } else if (Buffer.byteLength(p.committedMetadata ?? "", "utf8") > MAX_METADATA_BYTES) {
          code = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        } else {
          toWrite.push({
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata,
            commitTimestampMs: now,
          });
        }
        codes.set(key(t.name, p.partitionIndex), code);
      }
    }
    if (toWrite.length > 0) {
      const unique = new Map(toWrite.map((o) => [key(o.topic, o.partition), o]));
      const code = await withGroupErrors(
        () =>
          commitOffsets(
            ctx.groups,
            ctx.metadata,
            {
              groupId: req.groupId,
              generationId: req.generationIdOrMemberEpoch,
              memberId: req.memberId,
              groupInstanceId: req.groupInstanceId,
            },
            [...unique.values()],
            now,
          ),
        (c) => c,
      );
      for (const o of toWrite) codes.set(key(o.topic, o.partition), code);
    }
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: codes.get(key(t.name, p.partitionIndex)) ?? ErrorCode.NONE,
        })),
      })),
    };
  },
};
