/**
 * LeaveGroup (key 13), versions 0–5.
 *
 * v0–2 name one member by id; v3+ name a batch, each by member id or group.instance.id
 * (KIP-345), with a result per member. Leaving members are removed at once and the rest of
 * the group rebalances; the last one leaving makes the group Empty. A static member named by
 * instance id with a different member id is FENCED_INSTANCE_ID; an unknown one
 * UNKNOWN_MEMBER_ID.
 */
import type { LeaveGroupRequest, LeaveGroupResponse } from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { withGroupErrors } from "./group-errors.ts";

const BATCH_MIN_VERSION = 3;

export const leaveGroupHandler: ApiHandler = {
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  async handle(
    ctx: BrokerContext,
    req: LeaveGroupRequest,
    info: RequestInfo,
  ): Promise<LeaveGroupResponse> {
    const batched = info.apiVersion >= BATCH_MIN_VERSION;
    const who = batched
      ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
      : [{ memberId: req.memberId, groupInstanceId: null }];
    if (req.groupId === "")
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const results = await withGroupErrors(
      () => ctx.groups.leave(req.groupId, who),
      (code) => who.map((w) => ({ ...w, errorCode: code })),
    );
    if (!batched) return { throttleTimeMs: 0, errorCode: results[0].errorCode };
    const storeDown = results.every((r) => r.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return {
      throttleTimeMs: 0,
      errorCode:
        storeDown && results.length > 0 ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE,
      members: results,
    };
  },
};
