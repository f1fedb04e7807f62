/**
 * The Floe SDK: a batching, idempotent producer and a lease-based consumer over the HTTP API,
 * for Node services and Lambda functions, against `floe dev` or API Gateway (docs/http-api.md).
 */
export { type ConsumerEvent, FloeConsumer, type FloeConsumerOptions } from "./consumer.ts";
export { FloeHttpError, isLeaseLost } from "./errors.ts";
export type { ConsumedRecord, PartitionContext, RecordHandler } from "./partition-worker.ts";
export {
  FloeProducer,
  type FloeProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
} from "./producer.ts";
export {
  type FloeRawResponse,
  type FloeRequest,
  FloeTransport,
  type RequestFn,
  type Signer,
  type TransportOptions,
} from "./transport.ts";
