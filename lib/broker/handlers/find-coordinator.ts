/**
 * FindCoordinator (key 10), versions 0–5.
 *
 * Any front can coordinate any group (group state lives in the metadata store), so the answer
 * is always this front. v0 is advertised because librdkafka gates LZ4 and consumer groups on
 * FindCoordinator 0..0; v4+ batch several keys in one request.
 *
 * Differs from Kafka: until the group APIs land (a later issue), the coordinator answered here
 * serves no group requests; transaction coordinators (key type 1) are likewise not served.
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
    const self = ctx.self();
    if (info.apiVersion < BATCHED_MIN_VERSION) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        nodeId: self.nodeId,
        host: self.host,
        port: self.port,
      };
    }
    return {
      throttleTimeMs: 0,
      coordinators: req.coordinatorKeys.map((key) => ({
        key,
        nodeId: self.nodeId,
        host: self.host,
        port: self.port,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
      })),
    };
  },
};
