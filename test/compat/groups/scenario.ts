// One consumer-group scenario against a target: a fresh topic and group, the members started in
// it (member.ts), background producer runs (the franz-go driver's produce mode, record spec
// indices), waits on the group's state, and the final check (checker.ts) including the group's
// committed offsets as the broker reports them (OffsetFetch through lib/client).

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Cluster } from "../../../lib/client/cluster.ts";
import { withGroupCoordinator } from "../../../lib/client/group-routing.ts";
import { type DescribedGroup, describeGroups, fetchOffsets } from "../../../lib/client/groups.ts";
import { WireClient } from "../../../lib/client/wire-client.ts";
import { failedBeforeProducerId } from "../../helpers/producers.ts";
import { franzgoDriver } from "../drivers.ts";
import type { ProducedRow } from "../record-spec.ts";
import { type CheckResult, checkGroupRun } from "./checker.ts";
import type { GroupClient } from "./clients.ts";
import { isRebalance } from "./events.ts";
import { GroupMember, killAll, waitUntil } from "./member.ts";

/** What a consumer-group suite runs against (the reference broker, Floe). */
export interface GroupTarget {
  /** host:port a Kafka client bootstraps from. */
  bootstrap: string;
  createTopic(name: string, partitions: number): Promise<void>;
  stop(): Promise<void>;
  /**
   * Optional: the bootstrap for the n-th member started in a scenario (0-based), e.g. to spread
   * members over several Floe fronts. Default: `bootstrap` for everyone.
   */
  bootstrapFor?(memberIndex: number): string;
  /**
   * Optional: the group's committed offsets per partition as the target stores them. Default:
   * OffsetFetch at the group's coordinator through lib/client.
   */
  committedOffsets?(group: string, topic: string, partitions: number): Promise<Map<number, bigint>>;
}

export interface ScenarioOptions {
  /** Names the topic and group. */
  label: string;
  partitions: number;
  sessionTimeoutMs: number;
}

let sequence = 0;

/** A WireClient whose socket closed or failed under it. */
const CONNECTION_LOST = /connection closed by the broker|ECONNRESET|EPIPE|ECONNREFUSED/;

export class GroupScenario {
  readonly topic: string;
  readonly group: string;
  readonly members: GroupMember[] = [];
  readonly produced: ProducedRow[] = [];
  private readonly producing: Promise<void>[] = [];
  private readonly target: GroupTarget;
  private readonly opts: ScenarioOptions;
  private cluster: Cluster | undefined;

  constructor(target: GroupTarget, opts: ScenarioOptions) {
    this.target = target;
    this.opts = opts;
    const id = `${Date.now().toString(36)}-${sequence++}-${opts.label}`.replace(
      /[^A-Za-z0-9._-]/g,
      "_",
    );
    this.topic = `groups-${id}`;
    this.group = `g-${id}`;
  }

  get partitions(): number {
    return this.opts.partitions;
  }

  async setup(): Promise<void> {
    await this.target.createTopic(this.topic, this.opts.partitions);
  }

  /** Starts a member process (it joins the group at once). */
  start(name: string, client: GroupClient, instanceId?: string): GroupMember {
    const bootstrap = this.target.bootstrapFor?.(this.members.length) ?? this.target.bootstrap;
    const m = GroupMember.spawn({
      name,
      client,
      bootstrap,
      topic: this.topic,
      group: this.group,
      sessionTimeoutMs: this.opts.sessionTimeoutMs,
      ...(instanceId === undefined ? {} : { instanceId }),
    });
    this.members.push(m);
    return m;
  }

  /** Produces records [start, start + count) in the background; drained() waits for it. */
  produce(start: number, count: number): void {
    this.background(this.produceNow(start, count));
  }

  /**
   * Produces [start, start + count) in the background as a steady stream: chunks of
   * `chunkSize` records, one at a time, at most one every `everyMs`, so records keep arriving
   * while members join, leave and crash.
   */
  produceSteadily(start: number, count: number, chunkSize = 1_000, everyMs = 500): void {
    this.background(
      (async () => {
        for (let i = start; i < start + count; i += chunkSize) {
          const began = Date.now();
          await this.produceNow(i, Math.min(chunkSize, start + count - i));
          await sleep(everyMs - (Date.now() - began));
        }
      })(),
    );
  }

  private async produceNow(start: number, count: number): Promise<void> {
    const options = {
      bootstrap: this.target.bootstrap,
      topic: this.topic,
      count,
      partitions: this.opts.partitions,
      compression: "none" as const,
      start,
    };
    let rows: ProducedRow[];
    try {
      rows = await franzgoDriver.produce(options);
    } catch (err) {
      // A target losing a front just as the producer connects (see failedBeforeProducerId).
      if (!failedBeforeProducerId(err)) throw err;
      rows = await franzgoDriver.produce(options);
    }
    this.produced.push(...rows);
  }

  private background(run: Promise<void>): void {
    run.catch(() => {}); // observed in drained()
    this.producing.push(run);
  }

  /**
   * Waits until exactly `members` share the partitions: each is running and owns at least one
   * partition, no two own the same one, together they own all of them.
   */
  async settled(members: readonly GroupMember[], timeoutMs: number): Promise<void> {
    const names = members.map((m) => m.name).join(",");
    await waitUntil(
      `the group to settle on ${names}`,
      () => {
        const seen = new Set<number>();
        for (const m of members) {
          if (!m.alive || m.paused || m.ownedPartitions.size === 0) return false;
          for (const p of m.ownedPartitions) {
            if (seen.has(p)) return false;
            seen.add(p);
          }
        }
        return seen.size === this.opts.partitions;
      },
      timeoutMs,
      this.members,
    );
  }

  /** Waits for the producers, then until the members' accepted commits reach every partition's end. */
  async drained(timeoutMs: number): Promise<void> {
    await Promise.all(this.producing);
    const end = new Map<number, number>();
    for (const row of this.produced) {
      if (row.offset !== null)
        end.set(row.partition, Math.max(end.get(row.partition) ?? 0, row.offset + 1));
    }
    await waitUntil(
      "the committed offsets to reach the end of every partition",
      () => {
        const committed = new Map<number, number>();
        for (const m of this.members) {
          for (const e of m.events) {
            if (e.ev !== "commit" || !e.ok) continue;
            for (const [p, o] of Object.entries(e.offsets)) {
              committed.set(Number(p), Math.max(committed.get(Number(p)) ?? 0, o));
            }
          }
        }
        return [...end].every(([p, o]) => (committed.get(p) ?? 0) >= o);
      },
      timeoutMs,
      this.members,
    );
  }

  /** Rebalance events a member printed so far. */
  rebalances(m: GroupMember): number {
    return m.events.filter(isRebalance).length;
  }

  private async connect(): Promise<Cluster> {
    if (!this.cluster) {
      const [host, port] = splitHostPort(this.target.bootstrap);
      this.cluster = new Cluster(
        await WireClient.connect(host, port, "floe-group-compat"),
        host,
        port,
      );
    }
    return this.cluster;
  }

  /**
   * Runs an admin call at the group's coordinator. When the connection it went through is lost
   * (a target behind a load balancer losing the front that connection landed on), the call is
   * made again once on fresh connections: these calls only read.
   */
  private async atCoordinator<T>(fn: (c: WireClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const cluster = await this.connect();
      try {
        return await withGroupCoordinator(cluster, this.group, fn);
      } catch (err) {
        if (!CONNECTION_LOST.test(String(err)) || attempt > 1) throw err;
        cluster.close();
        this.cluster = undefined;
      }
    }
  }

  /** The group as its coordinator describes it (DescribeGroups). */
  async describe(): Promise<DescribedGroup> {
    return this.atCoordinator(async (c) => {
      const [g] = await describeGroups(c, [this.group]);
      if (!g) throw new Error(`DescribeGroups returned nothing for ${this.group}`);
      return g;
    });
  }

  async committedOffsets(): Promise<Map<number, bigint>> {
    if (this.target.committedOffsets) {
      return this.target.committedOffsets(this.group, this.topic, this.opts.partitions);
    }
    const partitions = Array.from({ length: this.opts.partitions }, (_, p) => p);
    const rows = await this.atCoordinator((c) =>
      fetchOffsets(c, this.group, [{ topic: this.topic, partitions }]),
    );
    const out = new Map<number, bigint>();
    for (const r of rows) {
      if (r.errorCode)
        throw new Error(`OffsetFetch ${this.topic}[${r.partition}]: error ${r.errorCode}`);
      if (r.topic === this.topic && r.committedOffset >= 0n)
        out.set(r.partition, r.committedOffset);
    }
    return out;
  }

  /** Terminates the members still running (SIGTERM, graceful), then checks the whole run. */
  async finish(): Promise<CheckResult> {
    for (const m of this.members) if (m.paused) m.resume();
    await Promise.all(this.members.filter((m) => m.alive).map((m) => m.term()));
    return checkGroupRun({
      partitions: this.opts.partitions,
      members: this.members.map((m) => m.log()),
      produced: this.produced,
      committed: await this.committedOffsets(),
      garbage: new Map(this.members.map((m) => [m.name, m.garbage])),
    });
  }

  /**
   * Kills whatever is left (after a failure) and closes the admin connections. With
   * FLOE_GROUP_DUMP=<dir>, every member's events and actions are written to <dir>/<group>/.
   */
  async cleanup(): Promise<void> {
    await killAll();
    const dump = process.env["FLOE_GROUP_DUMP"];
    if (dump) {
      const dir = join(dump, this.group);
      mkdirSync(dir, { recursive: true });
      for (const m of this.members) {
        const lines = [...m.actions.map((a) => ({ action: a.kind, ...a })), ...m.events];
        writeFileSync(join(dir, `${m.name}.jsonl`), lines.map((l) => JSON.stringify(l)).join("\n"));
      }
    }
    await Promise.allSettled(this.producing);
    this.cluster?.close();
  }

  describeMembers(): string {
    return this.members.map((m) => m.describe()).join("\n");
  }
}

function splitHostPort(bootstrap: string): [string, number] {
  const i = bootstrap.lastIndexOf(":");
  return [bootstrap.slice(0, i), Number(bootstrap.slice(i + 1))];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
