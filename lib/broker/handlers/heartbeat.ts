/**
 * Heartbeat (key 12), versions 0–4.
 *
 * Keeps a member alive and tells it about rebalances: NONE while the group is Stable or
 * completing the rebalance it joined, REBALANCE_IN_PROGRESS when it must rejoin,
 * UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / FENCED_INSTANCE_ID when it was removed or replaced
 * (always confirmed against a fresh read of the group). Liveness reaches other fronts through
 * the member's stored heartbeat sequence, written at most every sessionTimeoutMs/4.
 */
import type { HeartbeatRequest, HeartbeatResponse } from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { withGroupErrors } from "./group-errors.ts";

export const heartbeatHandler: ApiHandler = {
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  async handle(
    ctx: BrokerContext,
    req: HeartbeatRequest,
    _info: RequestInfo,
  ): Promise<HeartbeatResponse> {
    const errorCode =
      req.groupId === ""
        ? ErrorCode.INVALID_GROUP_ID
        : await withGroupErrors(
            () =>
              ctx.groups.heartbeat({
                groupId: req.groupId,
                generationId: req.generationId,
                memberId: req.memberId,
                groupInstanceId: req.groupInstanceId,
              }),
            (code) => code,
          );
    return { throttleTimeMs: 0, errorCode };
  },
};
