/**
 * OffsetDelete (key 47), version 0.
 *
 * Deletes committed offsets of a group (KIP-496). An Empty group loses any it names; a group
 * with members keeps those of topics a member subscribes to (GROUP_SUBSCRIBED_TO_TOPIC for
 * those partitions). Unknown group: GROUP_ID_NOT_FOUND.
 */
import type { OffsetDeleteRequest, OffsetDeleteResponse } from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { type Group, protocolMetadata } from "../groups/group-state.ts";
import { deleteOffsets } from "../groups/offsets.ts";
import { subscribedTopics } from "../groups/subscription.ts";
import { withGroupErrors } from "./group-errors.ts";

function topicsOf(g: Group): Set<string> {
  const out = new Set<string>();
  if (g.protocolType !== "consumer") return out;
  for (const m of g.members) {
    for (const t of subscribedTopics(protocolMetadata(m, g.protocolName))) out.add(t);
  }
  return out;
}

export const offsetDeleteHandler: ApiHandler = {
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(
    ctx: BrokerContext,
    req: OffsetDeleteRequest,
    _info: RequestInfo,
  ): Promise<OffsetDeleteResponse> {
    const partitions = req.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })),
    );
    const result =
      req.groupId === ""
        ? { errorCode: ErrorCode.INVALID_GROUP_ID, partitionCodes: [] }
        : await withGroupErrors(
            () => deleteOffsets(ctx.groups, ctx.metadata, req.groupId, partitions, topicsOf),
            (errorCode) => ({ errorCode, partitionCodes: [] as number[] }),
          );
    if (result.errorCode !== ErrorCode.NONE) {
      return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    }
    let i = 0;
    return {
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: result.partitionCodes[i++],
        })),
      })),
    };
  },
};
