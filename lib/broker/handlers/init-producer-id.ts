/**
 * InitProducerId (key 22), versions 0–5.
 *
 * Idempotent producers (no transactional id) get a producer id that no front has handed out
 * before (allocated in the metadata store) and epoch 0. A producer that asks again with its
 * current id and epoch (KIP-360, v3+, after UNKNOWN_PRODUCER_ID or a sequence error) gets a
 * fresh id too, exactly as Kafka does for non-transactional producers. Java ≥ 3.0 and franz-go
 * are idempotent by default, so this API is tier 1.
 *
 * Differs from Kafka: transactional ids are refused with UNSUPPORTED_VERSION until
 * transactions are implemented (no transaction APIs are advertised).
 */
import type {
  InitProducerIdRequest,
  InitProducerIdResponse,
} from "../../protocol/generated/index.ts";
import type { ApiHandler, BrokerContext } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { storageErrorCode } from "./storage-errors.ts";

export const initProducerIdHandler: ApiHandler = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx: BrokerContext, req: InitProducerIdRequest): Promise<InitProducerIdResponse> {
    if (req.transactionalId !== null && req.transactionalId !== "") {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        producerId: -1n,
        producerEpoch: -1,
      };
    }
    try {
      const producerId = await ctx.metadata.allocateProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    } catch (err) {
      const code =
        storageErrorCode(err) === ErrorCode.KAFKA_STORAGE_ERROR
          ? ErrorCode.COORDINATOR_NOT_AVAILABLE
          : ErrorCode.UNKNOWN_SERVER_ERROR;
      return { throttleTimeMs: 0, errorCode: code, producerId: -1n, producerEpoch: -1 };
    }
  },
};
