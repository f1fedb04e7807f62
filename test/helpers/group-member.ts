// A minimal classic-protocol group member speaking the wire protocol through lib/client: join
// (with KIP-394's MEMBER_ID_REQUIRED round trip), sync (the leader deals partitions out
// round-robin), heartbeat until told to rejoin. Tests use it to drive many groups at once
// without a JVM per member, and record every error the coordinator answered.
import { ErrorCode } from "../../lib/broker/error-codes.ts";
import type { WireClient } from "../../lib/client/wire-client.ts";
import type {
  HeartbeatResponse,
  JoinGroupResponse,
  SyncGroupResponse,
} from "../../lib/protocol/generated/index.ts";

const JOIN_GROUP = 11;
const HEARTBEAT = 12;
const LEAVE_GROUP = 13;
const SYNC_GROUP = 14;

export interface MemberOptions {
  groupId: string;
  partitions: number;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatMs?: number;
}

export class ProtocolMember {
  memberId = "";
  generationId = -1;
  /** Partitions from the latest successful SyncGroup, and the generation they belong to. */
  assignment: number[] = [];
  syncedGeneration = -1;
  readonly errors = new Map<number, number>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly client: WireClient;
  private readonly options: Required<MemberOptions>;

  constructor(client: WireClient, options: MemberOptions) {
    this.client = client;
    this.options = {
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 20_000,
      heartbeatMs: 500,
      ...options,
    };
  }

  start(): void {
    this.loop = this.run().catch((err) => {
      if (!this.stopped) throw err;
    });
  }

  async stop(leave: boolean): Promise<void> {
    this.stopped = true;
    if (leave && this.memberId !== "") {
      await this.client
        .request(LEAVE_GROUP, 3, {
          groupId: this.options.groupId,
          memberId: "",
          members: [{ memberId: this.memberId, groupInstanceId: null, reason: null }],
        })
        .catch(() => undefined);
    }
    this.client.close();
    await this.loop;
  }

  private note(errorCode: number | undefined): number {
    const code = errorCode ?? 0;
    if (code !== ErrorCode.NONE) this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    return code;
  }

  private async run(): Promise<void> {
    const { groupId } = this.options;
    while (!this.stopped) {
      const join = await this.client.request<JoinGroupResponse>(JOIN_GROUP, 5, {
        groupId,
        sessionTimeoutMs: this.options.sessionTimeoutMs,
        rebalanceTimeoutMs: this.options.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: "test",
        protocols: [{ name: "rr", metadata: Buffer.from("v1") }],
      });
      const joinCode = this.note(join.errorCode);
      if (joinCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = join.memberId ?? "";
        continue;
      }
      if (joinCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = "";
      if (joinCode !== ErrorCode.NONE) continue;
      this.memberId = join.memberId ?? "";
      this.generationId = join.generationId ?? -1;

      const members = (join.members ?? []).map((m) => m.memberId ?? "").sort();
      const assignments = members.map((memberId, i) => ({
        memberId,
        assignment: Buffer.from(
          JSON.stringify(
            Array.from({ length: this.options.partitions }, (_, p) => p).filter(
              (p) => p % members.length === i,
            ),
          ),
        ),
      }));
      const sync = await this.client.request<SyncGroupResponse>(SYNC_GROUP, 3, {
        groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        assignments,
      });
      const syncCode = this.note(sync.errorCode);
      if (syncCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = "";
      if (syncCode !== ErrorCode.NONE) continue;
      const bytes = sync.assignment ?? Buffer.alloc(0);
      this.assignment = bytes.length > 0 ? (JSON.parse(bytes.toString()) as number[]) : [];
      this.syncedGeneration = this.generationId;

      while (!this.stopped) {
        await new Promise((r) => setTimeout(r, this.options.heartbeatMs));
        if (this.stopped) return;
        const hb = await this.client.request<HeartbeatResponse>(HEARTBEAT, 3, {
          groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: null,
        });
        const code = this.note(hb.errorCode);
        if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = "";
        if (code !== ErrorCode.NONE) break;
      }
    }
  }
}
