/**
 * The APIs this front serves, with the version ranges it advertises. ApiVersions answers from
 * this list, so what is advertised is exactly what is implemented (docs/protocol.md explains
 * each range, including librdkafka's feature gating).
 */
import type { ApiHandler } from "./context.ts";
import { apiVersionsHandler } from "./handlers/api-versions.ts";
import { createPartitionsHandler } from "./handlers/create-partitions.ts";
import { createTopicsHandler } from "./handlers/create-topics.ts";
import { deleteRecordsHandler } from "./handlers/delete-records.ts";
import { deleteTopicsHandler } from "./handlers/delete-topics.ts";
import { describeClusterHandler } from "./handlers/describe-cluster.ts";
import { describeConfigsHandler } from "./handlers/describe-configs.ts";
import { fetchHandler } from "./handlers/fetch.ts";
import { findCoordinatorHandler } from "./handlers/find-coordinator.ts";
import { initProducerIdHandler } from "./handlers/init-producer-id.ts";
import { listOffsetsHandler } from "./handlers/list-offsets.ts";
import { metadataHandler } from "./handlers/metadata.ts";
import { produceHandler } from "./handlers/produce.ts";

export function defaultHandlers(): ApiHandler[] {
  const handlers: ApiHandler[] = [
    produceHandler,
    fetchHandler,
    listOffsetsHandler,
    metadataHandler,
    findCoordinatorHandler,
    createTopicsHandler,
    deleteTopicsHandler,
    deleteRecordsHandler,
    initProducerIdHandler,
    describeConfigsHandler,
    createPartitionsHandler,
    describeClusterHandler,
  ];
  handlers.push(apiVersionsHandler(() => handlers));
  return handlers;
}
