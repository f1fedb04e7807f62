/**
 * ListGroups (key 16), versions 0–5.
 *
 * Every group in the metadata store (one list for the whole cluster: any front answers the
 * same), filtered by state (v4+, case-insensitive like Kafka) and by type (v5+: every Floe group
 * is a "classic" group).
 */
import type { ListGroupsRequest, ListGroupsResponse } from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { withGroupErrors } from "./group-errors.ts";

const GROUP_TYPE = "classic";

export const listGroupsHandler: ApiHandler = {
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  async handle(
    ctx: BrokerContext,
    req: ListGroupsRequest,
    _info: RequestInfo,
  ): Promise<ListGroupsResponse> {
    const states = new Set(req.statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(req.typesFilter.map((s) => s.toLowerCase()));
    return withGroupErrors<ListGroupsResponse>(
      async () => {
        const records = await ctx.metadata.listGroups();
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          groups: records
            .filter((r) => states.size === 0 || states.has(r.state.toLowerCase()))
            .filter(() => types.size === 0 || types.has(GROUP_TYPE))
            .map((r) => ({
              groupId: r.groupId,
              protocolType: r.protocolType,
              groupState: r.state,
              groupType: GROUP_TYPE,
            })),
        };
      },
      (errorCode) => ({ throttleTimeMs: 0, errorCode, groups: [] }),
    );
  },
};
