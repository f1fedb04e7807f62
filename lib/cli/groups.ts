/**
 * `floe groups list|describe|delete`: consumer groups, their members and their lag, from any
 * Kafka endpoint (Floe or Apache Kafka). Plain aligned text by default, `--json` for scripts.
 *
 * `describe` shows one row per partition the group has committed or is assigned (committed
 * offset, end offset, lag, owning member), plus a row per member that owns nothing, the same
 * picture as Kafka's `kafka-consumer-groups --describe`. `delete` refuses a group that still
 * has members, as the broker does (Kafka error 68).
 */
import { KafkaError } from "../client/admin.ts";
import { Cluster } from "../client/cluster.ts";
import { describeGroupLag, type GroupLag } from "../client/group-lag.ts";
import {
  describeGroupAtCoordinator,
  isCoordinatorRetriable,
  listAllGroups,
  withGroupCoordinator,
} from "../client/group-routing.ts";
import { type DescribedGroup, deleteGroups, GroupErrorCode } from "../client/groups.ts";
import { connectBootstrap, type Options, parseBootstrap } from "./args.ts";
import { UsageError } from "./main.ts";
import { formatTable, toJson } from "./table.ts";

const DASH = "-";

function missing(g: DescribedGroup): boolean {
  return g.errorCode === GroupErrorCode.GROUP_ID_NOT_FOUND || g.groupState === "Dead";
}

async function runList(cluster: Cluster, json: boolean): Promise<number> {
  const listed = await listAllGroups(cluster);
  const described = await Promise.all(
    listed.map((g) => describeGroupAtCoordinator(cluster, g.groupId)),
  );
  const groups = listed.map((g, i) => ({
    groupId: g.groupId,
    state: described[i].groupState || g.groupState,
    protocolType: g.protocolType,
    groupType: g.groupType,
    members: described[i].members.length,
  }));
  if (json) {
    console.log(toJson(groups));
    return 0;
  }
  if (groups.length === 0) {
    console.error("No consumer groups.");
    return 0;
  }
  console.log(
    formatTable(
      ["GROUP", "STATE", "PROTOCOL-TYPE", "MEMBERS"],
      groups.map((g) => [g.groupId, g.state, g.protocolType || DASH, String(g.members)]),
    ),
  );
  return 0;
}

function describeJson(lag: GroupLag): unknown {
  const g = lag.group;
  return {
    groupId: g.groupId,
    state: g.groupState,
    protocolType: g.protocolType,
    assignor: g.protocolData,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopics: m.subscription?.topics ?? null,
      assignment: m.assignment?.assignedPartitions ?? null,
    })),
    partitions: lag.partitions,
  };
}

function describeText(lag: GroupLag): string {
  const g = lag.group;
  const show = (v: bigint | string | null): string => (v === null ? DASH : String(v));
  const rows = lag.partitions.map((p) => [
    p.topic,
    String(p.partition),
    show(p.committedOffset),
    show(p.endOffset),
    show(p.lag),
    show(p.memberId),
    show(p.clientId),
    show(p.clientHost),
  ]);
  const owning = new Set(lag.partitions.map((p) => p.memberId));
  for (const m of g.members.filter((x) => !owning.has(x.memberId))) {
    rows.push([DASH, DASH, DASH, DASH, DASH, m.memberId, m.clientId, m.clientHost]);
  }
  const summary = `Group: ${g.groupId}\tState: ${g.groupState}\tProtocolType: ${g.protocolType || DASH}\tAssignor: ${g.protocolData || DASH}\tMembers: ${g.members.length}`;
  if (rows.length === 0) return `${summary}\n\nThe group has no members and no committed offsets.`;
  const header = [
    "TOPIC",
    "PARTITION",
    "COMMITTED",
    "END",
    "LAG",
    "MEMBER-ID",
    "CLIENT-ID",
    "HOST",
  ];
  return `${summary}\n\n${formatTable(header, rows)}`;
}

async function runDescribe(cluster: Cluster, groupId: string, json: boolean): Promise<number> {
  const lag = await describeGroupLag(cluster, groupId);
  if (missing(lag.group)) {
    console.error(`floe: group ${groupId} does not exist`);
    return 1;
  }
  if (lag.group.errorCode)
    throw new KafkaError(lag.group.errorCode, `cannot describe group ${groupId}`);
  console.log(json ? toJson(describeJson(lag)) : describeText(lag));
  return 0;
}

async function runDelete(cluster: Cluster, groupIds: string[], json: boolean): Promise<number> {
  const results = await Promise.all(
    groupIds.map((id) =>
      withGroupCoordinator(cluster, id, async (c) => {
        const [r] = await deleteGroups(c, [id]);
        if (r && isCoordinatorRetriable(r.errorCode))
          throw new KafkaError(r.errorCode, `group ${id} coordinator not ready`);
        return r ?? { groupId: id, errorCode: -1 };
      }),
    ),
  );
  if (json) console.log(toJson(results));
  let failed = 0;
  for (const r of results) {
    if (r.errorCode === 0) {
      if (!json) console.log(`Deleted group ${r.groupId}.`);
      continue;
    }
    failed++;
    const why =
      r.errorCode === GroupErrorCode.NON_EMPTY_GROUP
        ? "is not empty: it still has members; stop its consumers first"
        : r.errorCode === GroupErrorCode.GROUP_ID_NOT_FOUND
          ? "does not exist"
          : `could not be deleted (Kafka error ${r.errorCode})`;
    console.error(`floe: group ${r.groupId} ${why}`);
  }
  return failed === 0 ? 0 : 1;
}

export async function runGroups(positionals: string[], values: Options): Promise<number> {
  const [action, ...names] = positionals;
  if (!action) throw new UsageError("groups needs an action: list, describe or delete");
  if (action !== "list" && names.length === 0)
    throw new UsageError(`groups ${action} needs a group id`);
  if (!["list", "describe", "delete"].includes(action))
    throw new UsageError(`unknown groups action "${action}"`);
  const json = values.json === true;
  const { host, port } = parseBootstrap(String(values.bootstrap));
  const cluster = new Cluster(await connectBootstrap(values), host, port);
  try {
    if (action === "list") return await runList(cluster, json);
    if (action === "describe") {
      if (names.length > 1) throw new UsageError("groups describe takes one group id");
      return await runDescribe(cluster, names[0], json);
    }
    return await runDelete(cluster, names, json);
  } finally {
    cluster.close();
  }
}
