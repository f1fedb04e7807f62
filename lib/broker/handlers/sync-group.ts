/**
 * SyncGroup (key 14), versions 0–5.
 *
 * The leader's SyncGroup stores every member's assignment and makes the group Stable; the
 * other members' requests wait until that happens (on any front) and then get their own
 * assignment. A new rebalance starting meanwhile answers them REBALANCE_IN_PROGRESS. v5 checks
 * protocolType/protocolName against the group (INCONSISTENT_GROUP_PROTOCOL) and echoes them.
 */
import type { SyncGroupRequest, SyncGroupResponse } from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import type { SyncResult } from "../groups/coordinator.ts";
import { withGroupErrors } from "./group-errors.ts";

export const syncGroupHandler: ApiHandler = {
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  async handle(
    ctx: BrokerContext,
    req: SyncGroupRequest,
    _info: RequestInfo,
  ): Promise<SyncGroupResponse> {
    const failed = (errorCode: number): SyncResult => ({
      errorCode,
      protocolType: null,
      protocolName: null,
      assignment: Buffer.alloc(0),
    });
    const r =
      req.groupId === ""
        ? failed(ErrorCode.INVALID_GROUP_ID)
        : await withGroupErrors(
            () =>
              ctx.groups.sync({
                groupId: req.groupId,
                generationId: req.generationId,
                memberId: req.memberId,
                groupInstanceId: req.groupInstanceId,
                protocolType: req.protocolType,
                protocolName: req.protocolName,
                assignments: req.assignments,
              }),
            failed,
          );
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      protocolType: r.protocolType,
      protocolName: r.protocolName,
      assignment: r.assignment,
    };
  },
};
