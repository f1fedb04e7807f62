/**
 * DescribeGroups (key 15), versions 0–5.
 *
 * Each group as stored now: state, protocol type, and members (client id and host, and — as in
 * Kafka — their protocol metadata and assignment only while the group is Stable; protocolData
 * is the chosen protocol then, "" otherwise). A group that does not exist is reported as Dead
 * with no error, as Kafka does below v6. Authorized operations are not computed (no ACLs):
 * the field carries Kafka's "not requested" value.
 */
import type {
  DescribeGroupsRequest,
  DescribeGroupsResponse,
} from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { type Group, protocolMetadata } from "../groups/group-state.ts";
import { withGroupErrors } from "./group-errors.ts";

const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export const describeGroupsHandler: ApiHandler = {
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  async handle(
    ctx: BrokerContext,
    req: DescribeGroupsRequest,
    _info: RequestInfo,
  ): Promise<DescribeGroupsResponse> {
    const groups = [];
    for (const groupId of req.groups) {
      const base = {
        groupId,
        protocolType: "",
        protocolData: "",
        members: [],
        authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      };
      if (groupId === "") {
        groups.push({ ...base, errorCode: ErrorCode.INVALID_GROUP_ID, groupState: "" });
        continue;
      }
      type Described = { group: Group | undefined; errorCode: number };
      const described = await withGroupErrors<Described>(
        async () => ({ group: await ctx.groups.describe(groupId), errorCode: ErrorCode.NONE }),
        (errorCode) => ({ group: undefined, errorCode }),
      );
      const g = described.group;
      if (!g) {
        const state = described.errorCode === ErrorCode.NONE ? "Dead" : "";
        groups.push({ ...base, errorCode: described.errorCode, groupState: state });
        continue;
      }
      const stable = g.state === "Stable";
      groups.push({
        ...base,
        errorCode: ErrorCode.NONE,
        groupState: g.state,
        protocolType: g.protocolType,
        protocolData: stable ? (g.protocolName ?? "") : "",
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: stable ? protocolMetadata(m, g.protocolName) : Buffer.alloc(0),
          memberAssignment: stable ? m.assignment : Buffer.alloc(0),
        })),
      });
    }
    return { throttleTimeMs: 0, groups };
  },
};
