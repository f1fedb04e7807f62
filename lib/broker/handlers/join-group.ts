/**
 * JoinGroup (key 11), versions 0–9.
 *
 * Classic group membership through the group coordinator (lib/broker/groups): a new dynamic
 * member on v4+ first gets MEMBER_ID_REQUIRED with its id (KIP-394); static members
 * (group.instance.id, v5+) keep their assignment across restarts without a rebalance (KIP-345);
 * the response waits until the join phase ends (all members joined, or the rebalance timeout),
 * even when that happens on another front. v0 has no rebalance timeout: the session timeout
 * stands in, as in Kafka. v9's skipAssignment is set for a static leader rejoining a Stable
 * group.
 *
 * Differs from Kafka: none known in behaviour; timers are measured on the serving front's clock
 * and may run up to one poll interval (≈100 ms) later than Kafka's.
 */
import type { JoinGroupRequest, JoinGroupResponse } from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { type JoinResult, joinError } from "../groups/coordinator.ts";
import { withGroupErrors } from "./group-errors.ts";

const NULLABLE_PROTOCOL_MIN_VERSION = 7;

export const joinGroupHandler: ApiHandler = {
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  async handle(
    ctx: BrokerContext,
    req: JoinGroupRequest,
    info: RequestInfo,
  ): Promise<JoinGroupResponse> {
    if (req.groupId === "") {
      return toResponse(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId), info.apiVersion);
    }
    const result = await withGroupErrors(
      () =>
        ctx.groups.join({
          groupId: req.groupId,
          memberId: req.memberId,
          groupInstanceId: req.groupInstanceId,
          clientId: info.clientId ?? "",
          clientHost: info.clientHost,
          sessionTimeoutMs: req.sessionTimeoutMs,
          rebalanceTimeoutMs: info.apiVersion >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
          protocolType: req.protocolType,
          protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
          apiVersion: info.apiVersion,
        }),
      (code) => joinError(code, req.memberId),
    );
    return toResponse(result, info.apiVersion);
  },
};

function toResponse(r: JoinResult, apiVersion: number): JoinGroupResponse {
  const nullable = apiVersion >= NULLABLE_PROTOCOL_MIN_VERSION;
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    protocolName: nullable ? r.protocolName : (r.protocolName ?? ""),
    leader: r.leaderId,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata,
    })),
  };
}
