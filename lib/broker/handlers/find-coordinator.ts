/**
 * FindCoordinator (key 10), versions 0–5.
 *
 * Any front can coordinate any group (group state lives in the metadata store); the answer
 * is the live front the group id hashes to (lib/broker/routing.ts), so one group's members
 * meet on one front's cache, and every front gives the same answer. v0 is advertised because
 * librdkafka gates LZ4 and consumer groups on FindCoordinator 0..0; v4+ batch several keys.
 *
 * Differs from Kafka: a transaction coordinator (key type 1) is answered the same way, but
 * Floe has no transactions yet: InitProducerId with a transactional id is refused there.
 */
import type {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
} from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";

const BATCHED_MIN_VERSION = 4;

export const findCoordinatorHandler: ApiHandler = {
  apiKey: 10,
  minVersion: 0,
  maxVersion: 5,
  async handle(
    ctx: BrokerContext,
    req: FindCoordinatorRequest,
    info: RequestInfo,
  ): Promise<FindCoordinatorResponse> {
    if (info.apiVersion < BATCHED_MIN_VERSION) {
      const node = ctx.routing.coordinator(req.key);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        nodeId: node.nodeId,
        host: node.host,
        port: node.port,
      };
    }
    return {
      throttleTimeMs: 0,
      coordinators: req.coordinatorKeys.map((key) => {
        const node = ctx.routing.coordinator(key);
        return {
          key,
          nodeId: node.nodeId,
          host: node.host,
          port: node.port,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
        };
      }),
    };
  },
};
