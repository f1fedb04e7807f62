/**
 * Routes group requests through a cluster (cluster.ts): each group request goes to the group's
 * coordinator, found with FindCoordinator, so the same code works against Floe (any front
 * coordinates any group) and a multi-broker Kafka cluster. A coordinator that is loading,
 * unavailable or has moved (Kafka errors 14, 15, 16 — common right after a Kafka broker starts
 * and creates __consumer_offsets) is looked up again until `retryTimeoutMs` passes, as Kafka's
 * admin client does. ListGroups is asked of every broker, since each answers only for the
 * groups it coordinates.
 */
import { KafkaError } from "./admin.ts";
import type { Cluster } from "./cluster.ts";
import {
  type DescribedGroup,
  describeGroups,
  findCoordinator,
  type ListedGroup,
  listGroups,
} from "./groups.ts";
import type { WireClient } from "./wire-client.ts";

const COORDINATOR_RETRIABLE = new Set<number>([14, 15, 16]);

/** True for the coordinator errors that a fresh FindCoordinator may cure. */
export function isCoordinatorRetriable(errorCode: number): boolean {
  return COORDINATOR_RETRIABLE.has(errorCode);
}

/**
 * Runs `fn` against the group's coordinator, finding it again while it is loading or has
 * moved. `fn` signals a coordinator error by throwing a KafkaError with its code.
 */
export async function withGroupCoordinator<T>(
  cluster: Cluster,
  groupId: string,
  fn: (coordinator: WireClient) => Promise<T>,
  retryTimeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + retryTimeoutMs;
  for (let backoffMs = 50; ; backoffMs = Math.min(backoffMs * 2, 1000)) {
    try {
      const address = await findCoordinator(cluster.bootstrap, groupId);
      return await fn(await cluster.connectTo(address));
    } catch (err) {
      const retriable = err instanceof KafkaError && isCoordinatorRetriable(err.errorCode);
      if (!retriable || Date.now() + backoffMs > deadline) throw err;
      await new Promise((r) => setTimeout(r, backoffMs));
    }
  }
}

/** Describes one group at its coordinator; a group error other than a coordinator one is data. */
export function describeGroupAtCoordinator(
  cluster: Cluster,
  groupId: string,
): Promise<DescribedGroup> {
  return withGroupCoordinator(cluster, groupId, async (c) => {
    const [g] = await describeGroups(c, [groupId]);
    if (!g) throw new Error(`DescribeGroups returned nothing for group ${groupId}`);
    if (isCoordinatorRetriable(g.errorCode))
      throw new KafkaError(g.errorCode, `group ${groupId} coordinator not ready`);
    return g;
  });
}

/** Every group of the cluster: ListGroups asked of each broker, merged and sorted by id. */
export async function listAllGroups(cluster: Cluster): Promise<ListedGroup[]> {
  const found = await cluster.brokers();
  const brokers = found.length > 0 ? found : [cluster.bootstrapEndpoint];
  const perBroker = await Promise.all(
    brokers.map(async (b) => listGroups(await cluster.connectTo(b))),
  );
  const byId = new Map<string, ListedGroup>();
  for (const g of perBroker.flat()) byId.set(g.groupId, g);
  return [...byId.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
}
