/**
 * DeleteGroups (key 42), versions 0–2.
 *
 * Deletes Empty groups with all their committed offsets (one conditional delete on the group's
 * version, so a member joining at the same moment either lands first — NON_EMPTY_GROUP — or
 * finds the group gone and starts a new one). Unknown groups: GROUP_ID_NOT_FOUND.
 */
import type { DeleteGroupsRequest, DeleteGroupsResponse } from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { deleteGroup } from "../groups/offsets.ts";
import { withGroupErrors } from "./group-errors.ts";

export const deleteGroupsHandler: ApiHandler = {
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(
    ctx: BrokerContext,
    req: DeleteGroupsRequest,
    _info: RequestInfo,
  ): Promise<DeleteGroupsResponse> {
    const results = [];
    for (const groupId of req.groupsNames) {
      const errorCode =
        groupId === ""
          ? ErrorCode.INVALID_GROUP_ID
          : await withGroupErrors(
              () => deleteGroup(ctx.groups, ctx.metadata, groupId),
              (code) => code,
            );
      results.push({ groupId, errorCode });
    }
    return { throttleTimeMs: 0, results };
  },
};
