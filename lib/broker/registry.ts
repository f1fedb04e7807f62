/**
 * The APIs this front serves, with the version ranges it advertises. ApiVersions answers from
 * this list, so what is advertised is exactly what is implemented (docs/protocol.md explains
 * each range, including librdkafka's feature gating).
 */
import type { ApiHandler } from "./context.ts";
import { apiVersionsHandler } from "./handlers/api-versions.ts";
import { createPartitionsHandler } from "./handlers/create-partitions.ts";
import { createTopicsHandler } from "./handlers/create-topics.ts";
import { deleteGroupsHandler } from "./handlers/delete-groups.ts";
import { deleteRecordsHandler } from "./handlers/delete-records.ts";
import { deleteTopicsHandler } from "./handlers/delete-topics.ts";
import { describeClusterHandler } from "./handlers/describe-cluster.ts";
import { describeConfigsHandler } from "./handlers/describe-configs.ts";
import { describeGroupsHandler } from "./handlers/describe-groups.ts";
import { fetchHandler } from "./handlers/fetch.ts";
import { findCoordinatorHandler } from "./handlers/find-coordinator.ts";
import { heartbeatHandler } from "./handlers/heartbeat.ts";
import { initProducerIdHandler } from "./handlers/init-producer-id.ts";
import { joinGroupHandler } from "./handlers/join-group.ts";
import { leaveGroupHandler } from "./handlers/leave-group.ts";
import { listGroupsHandler } from "./handlers/list-groups.ts";
import { listOffsetsHandler } from "./handlers/list-offsets.ts";
import { metadataHandler } from "./handlers/metadata.ts";
import { offsetCommitHandler } from "./handlers/offset-commit.ts";
import { offsetDeleteHandler } from "./handlers/offset-delete.ts";
import { offsetFetchHandler } from "./handlers/offset-fetch.ts";
import { produceHandler } from "./handlers/produce.ts";
import { syncGroupHandler } from "./handlers/sync-group.ts";

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
    offsetCommitHandler,
    offsetFetchHandler,
    joinGroupHandler,
    heartbeatHandler,
    leaveGroupHandler,
    syncGroupHandler,
    describeGroupsHandler,
    listGroupsHandler,
    deleteGroupsHandler,
    offsetDeleteHandler,
  ];
  handlers.push(apiVersionsHandler(() => handlers));
  return handlers;
}
