/**
 * `floe groups list|describe|delete` and Kafka's own kafka-consumer-groups tool, as real
 * processes, against any Kafka endpoint. A Java consumer (kafka-clients 4.1.1, classic
 * protocol) joins group "billing", consumes part of topic "orders" and commits:
 *
 *   partition  records  committed  lag
 *   0          10       7          3
 *   1          7        7          0
 *   2          4        (none)     -
 *
 * The suite then checks what both tools report, deletes nothing while the member is there,
 * resets the group to the earliest offsets once it is empty, and deletes it. It logs the Kafka
 * APIs and versions each command sent: the contract a broker must serve.
 *
 * The target is a parameter: floe-groups.test.ts runs it against `floe dev`,
 * floe-groups-reference.test.ts against Apache Kafka 4.1.1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "../../lib/client/cluster.ts";
import { withGroupCoordinator } from "../../lib/client/group-routing.ts";
import { fetchOffsets } from "../../lib/client/groups.ts";
import { WireClient } from "../../lib/client/wire-client.ts";
import {
  ApiLog,
  consumerGroupCommand,
  floeCli,
  type GroupMemberProcess,
  type JavaTools,
  prepareJavaTools,
  startGroupMember,
} from "./group-tools.ts";

export interface GroupsTarget {
  bootstrap: string;
  stop(): Promise<void>;
}

const TOPIC = "orders";
const GROUP = "billing";
const CLIENT_ID = "billing-a";
const RECORDS = [10, 7, 4];

interface DescribeJson {
  state: string;
  protocolType: string;
  members: { memberId: string; clientId: string; clientHost: string; subscribedTopics: string[] }[];
  partitions: {
    topic: string;
    partition: number;
    committedOffset: number | null;
    endOffset: number | null;
    lag: number | null;
    memberId: string | null;
    clientId: string | null;
  }[];
}

/** Rows of a whitespace-aligned table whose first line is a header naming the columns. */
function tableRows(text: string, firstColumn: string): Record<string, string>[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const at = lines.findIndex((l) => l.trim().startsWith(firstColumn));
  if (at < 0) throw new Error(`no table with column ${firstColumn} in:\n${text}`);
  const header = lines[at].trim().split(/\s+/);
  return lines.slice(at + 1).map((l) =>
    Object.fromEntries(
      l
        .trim()
        .split(/\s+/)
        .map((c, i) => [header[i], c]),
    ),
  );
}

export function defineGroupsCliSuite(name: string, startTarget: () => Promise<GroupsTarget>): void {
  describe(`floe groups and kafka-consumer-groups against ${name}`, () => {
    let target: GroupsTarget;
    let java: JavaTools;
    let member: GroupMemberProcess | undefined;
    const apis = new ApiLog();
    const floe = (...args: string[]) => floeCli(target.bootstrap, args, apis);
    const describeJson = async (): Promise<DescribeJson> => {
      const r = await floe("groups", "describe", GROUP, "--json");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as DescribeJson;
    };

    beforeAll(async () => {
      [target, java] = await Promise.all([startTarget(), prepareJavaTools()]);
      const created = await floe("topics", "create", TOPIC, "--partitions", "3");
      expect(created.stderr).toBe("");
      for (const [partition, count] of RECORDS.entries()) {
        const lines = Array.from({ length: count }, (_, i) => `p${partition}-${i}\n`).join("");
        const produced = await floeCli(
          target.bootstrap,
          ["produce", TOPIC, "--partition", String(partition)],
          apis,
          lines,
        );
        expect(produced.code, produced.stderr).toBe(0);
      }
      member = await startGroupMember(java, target.bootstrap, {
        topic: TOPIC,
        group: GROUP,
        clientId: CLIENT_ID,
        targets: { 0: 7, 1: 7, 2: 0 },
      });
    });

    afterAll(async () => {
      member?.kill();
      await target?.stop();
      console.log(`Kafka requests sent, per command (against ${name}):\n${apis.report()}`);
    });

    it("floe groups list shows the group, its state, protocol type and member count", async () => {
      const text = await floe("groups", "list");
      expect(text.code).toBe(0);
      expect(tableRows(text.stdout, "GROUP")).toContainEqual({
        GROUP,
        STATE: "Stable",
        "PROTOCOL-TYPE": "consumer",
        MEMBERS: "1",
      });
      const json = JSON.parse((await floe("groups", "list", "--json")).stdout);
      expect(json).toContainEqual(
        expect.objectContaining({
          groupId: GROUP,
          state: "Stable",
          protocolType: "consumer",
          members: 1,
        }),
      );
    });

    it("floe groups describe shows committed offset, end offset, lag and owner per partition", async () => {
      const d = await describeJson();
      expect(d.state).toBe("Stable");
      expect(d.members).toHaveLength(1);
      const [m] = d.members;
      expect(m).toMatchObject({ clientId: CLIENT_ID, subscribedTopics: [TOPIC] });
      const owner = { memberId: m.memberId, clientId: CLIENT_ID };
      expect(d.partitions).toEqual([
        {
          topic: TOPIC,
          partition: 0,
          committedOffset: 7,
          endOffset: 10,
          lag: 3,
          ...owner,
          clientHost: m.clientHost,
        },
        {
          topic: TOPIC,
          partition: 1,
          committedOffset: 7,
          endOffset: 7,
          lag: 0,
          ...owner,
          clientHost: m.clientHost,
        },
        {
          topic: TOPIC,
          partition: 2,
          committedOffset: null,
          endOffset: 4,
          lag: null,
          ...owner,
          clientHost: m.clientHost,
        },
      ]);

      const text = await floe("groups", "describe", GROUP);
      expect(text.stdout).toContain(`Group: ${GROUP}\tState: Stable\tProtocolType: consumer`);
      const rows = tableRows(text.stdout, "TOPIC").map((r) => [
        r.PARTITION,
        r.COMMITTED,
        r.END,
        r.LAG,
        r["CLIENT-ID"],
      ]);
      expect(rows).toEqual([
        ["0", "7", "10", "3", CLIENT_ID],
        ["1", "7", "7", "0", CLIENT_ID],
        ["2", "-", "4", "-", CLIENT_ID],
      ]);
    });

    it("kafka-consumer-groups --list and --describe report the same group", async () => {
      const list = await consumerGroupCommand(java, target.bootstrap, ["--list"], apis);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout.split("\n")).toContain(GROUP);

      const { members } = await describeJson();
      const described = await consumerGroupCommand(
        java,
        target.bootstrap,
        ["--describe", "--group", GROUP],
        apis,
      );
      expect(described.code, described.stderr).toBe(0);
      const rows = tableRows(described.stdout, "GROUP")
        .filter((r) => r.TOPIC === TOPIC)
        .sort((a, b) => Number(a.PARTITION) - Number(b.PARTITION))
        .map((r) => [
          r.PARTITION,
          r["CURRENT-OFFSET"],
          r["LOG-END-OFFSET"],
          r.LAG,
          r["CONSUMER-ID"],
          r["CLIENT-ID"],
        ]);
      expect(rows).toEqual([
        ["0", "7", "10", "3", members[0].memberId, CLIENT_ID],
        ["1", "7", "7", "0", members[0].memberId, CLIENT_ID],
        ["2", "-", "4", "-", members[0].memberId, CLIENT_ID],
      ]);
    });

    it("floe groups delete refuses a group that still has members", async () => {
      const r = await floe("groups", "delete", GROUP);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`group ${GROUP} is not empty`);
    });

    it("kafka-consumer-groups --reset-offsets --to-earliest rewinds an empty group", async () => {
      await member!.leave();
      member = undefined;
      expect((await describeJson()).state).toBe("Empty");

      const reset = await consumerGroupCommand(
        java,
        target.bootstrap,
        ["--reset-offsets", "--group", GROUP, "--topic", TOPIC, "--to-earliest", "--execute"],
        apis,
      );
      expect(reset.code, reset.stderr).toBe(0);
      expect(tableRows(reset.stdout, "GROUP").map((r) => [r.PARTITION, r["NEW-OFFSET"]])).toEqual([
        ["0", "0"],
        ["1", "0"],
        ["2", "0"],
      ]);

      const [host, port] = target.bootstrap.split(":");
      const cluster = new Cluster(await WireClient.connect(host, Number(port)), host, Number(port));
      try {
        const offsets = await withGroupCoordinator(cluster, GROUP, (c) =>
          fetchOffsets(c, GROUP, [{ topic: TOPIC, partitions: [0, 1, 2] }]),
        );
        expect(offsets.map((o) => [o.partition, o.committedOffset, o.errorCode])).toEqual([
          [0, 0n, 0],
          [1, 0n, 0],
          [2, 0n, 0],
        ]);
      } finally {
        cluster.close();
      }
      const lags = (await describeJson()).partitions.map((p) => [
        p.committedOffset,
        p.lag,
        p.memberId,
      ]);
      expect(lags).toEqual([
        [0, 10, null],
        [0, 7, null],
        [0, 4, null],
      ]);
    });

    it("floe groups delete removes the empty group and its offsets", async () => {
      const r = await floe("groups", "delete", GROUP);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(`Deleted group ${GROUP}.\n`);
      const listed = JSON.parse((await floe("groups", "list", "--json")).stdout) as {
        groupId: string;
      }[];
      expect(listed.map((g) => g.groupId)).not.toContain(GROUP);
      const gone = await floe("groups", "describe", GROUP);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain(`group ${GROUP} does not exist`);
      const again = await floe("groups", "delete", GROUP);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`group ${GROUP} does not exist`);
    });

    // The contract with the broker: what `floe groups` needs served, whatever the target.
    it("floe groups sends only these Kafka APIs and versions", () => {
      const sent = (command: string) => [...(apis.byCommand.get(command) ?? [])].sort();
      expect(sent("floe groups list")).toEqual([
        "DescribeGroups v5",
        "FindCoordinator v4",
        "ListGroups v5",
        "Metadata v12",
      ]);
      expect(sent("floe groups describe")).toEqual([
        "DescribeGroups v5",
        "FindCoordinator v4",
        "ListOffsets v7",
        "Metadata v12",
        "OffsetFetch v8",
      ]);
      expect(sent("floe groups delete")).toEqual(["DeleteGroups v2", "FindCoordinator v4"]);
    });

    it("floe groups explains a missing action or group id", async () => {
      const none = await floe("groups");
      expect(none.code).toBe(1);
      expect(none.stderr).toContain("groups needs an action");
      expect(none.stderr).toContain("floe groups describe GROUP");
      const noId = await floe("groups", "describe");
      expect(noId.code).toBe(1);
      expect(noId.stderr).toContain("groups describe needs a group id");
    });
  });
}
