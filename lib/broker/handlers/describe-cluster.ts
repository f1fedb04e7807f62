/**
 * DescribeCluster (key 60), versions 0–1.
 *
 * The live fronts as brokers, this front as controller (there is no controller: any front
 * can perform any admin operation through the metadata store).
 */
import type {
  DescribeClusterRequest,
  DescribeClusterResponse,
} from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";

const ENDPOINT_TYPE_BROKERS = 1;

export const describeClusterHandler: ApiHandler = {
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx: BrokerContext, req: DescribeClusterRequest): Promise<DescribeClusterResponse> {
    if (req.endpointType !== ENDPOINT_TYPE_BROKERS) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: "Only broker endpoints are served",
        endpointType: req.endpointType,
        clusterId: ctx.clusterId,
        controllerId: -1,
        brokers: [],
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: ENDPOINT_TYPE_BROKERS,
      clusterId: ctx.clusterId,
      controllerId: ctx.routing.controllerId(),
      brokers: ctx
        .liveNodes()
        .map((n) => ({ brokerId: n.nodeId, host: n.host, port: n.port, rack: null })),
      clusterAuthorizedOperations: -2147483648,
    };
  },
};
