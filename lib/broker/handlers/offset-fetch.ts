/**
 * OffsetFetch (key 9), versions 1–9.
 *
 * Committed offsets of a group: the partitions asked for (offset −1 and empty metadata where
 * nothing is committed) or, with a null topic list (v2+), every committed partition. v8+ ask
 * for several groups at once. RequireStable (v7+) needs no waiting: Floe has no transactional
 * offset commits yet, so nothing is ever pending. v9's member epoch belongs to KIP-848 groups
 * and is ignored for classic groups.
 */
import type { OffsetFetchRequest, OffsetFetchResponse } from "../../protocol/generated/index.ts";
import type { CommittedOffset, GroupPartition } from "../../storage/ports.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { withGroupErrors } from "./group-errors.ts";

const MULTI_GROUP_MIN_VERSION = 8;

interface TopicAsk {
  name: string;
  partitionIndexes: number[];
}

interface TopicAnswer {
  name: string;
  partitions: {
    partitionIndex: number;
    committedOffset: bigint;
    committedLeaderEpoch: number;
    metadata: string | null;
    errorCode: number;
  }[];
}

export const offsetFetchHandler: ApiHandler = {
  apiKey: 9,
  minVersion: 1,
  maxVersion: 9,
  async handle(
    ctx: BrokerContext,
    req: OffsetFetchRequest,
    info: RequestInfo,
  ): Promise<OffsetFetchResponse> {
    if (info.apiVersion >= MULTI_GROUP_MIN_VERSION) {
      const groups = [];
      for (const g of req.groups) {
        const { errorCode, topics } = await fetchGroup(ctx, g.groupId, g.topics);
        groups.push({ groupId: g.groupId, errorCode, topics });
      }
      return { throttleTimeMs: 0, groups };
    }
    const { errorCode, topics } = await fetchGroup(ctx, req.groupId, req.topics);
    return { throttleTimeMs: 0, errorCode, topics };
  },
};

async function fetchGroup(
  ctx: BrokerContext,
  groupId: string,
  asked: readonly TopicAsk[] | null,
): Promise<{ errorCode: number; topics: TopicAnswer[] }> {
  if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
  const partitions: GroupPartition[] | undefined = asked?.flatMap((t) =>
    t.partitionIndexes.map((partition) => ({ topic: t.name, partition })),
  );
  type Fetched = { offsets: CommittedOffset[]; errorCode: number };
  const result = await withGroupErrors<Fetched>(
    async () => ({
      offsets: await ctx.metadata.fetchOffsets(groupId, partitions),
      errorCode: ErrorCode.NONE,
    }),
    (errorCode) => ({ offsets: [], errorCode }),
  );
  if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, topics: [] };
  const found = new Map<string, CommittedOffset>();
  for (const o of result.offsets) found.set(`${o.partition}:${o.topic}`, o);
  const shape: readonly TopicAsk[] = asked ?? groupByTopic(result.offsets);
  return {
    errorCode: ErrorCode.NONE,
    topics: shape.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const o = found.get(`${partitionIndex}:${t.name}`);
        return {
          partitionIndex,
          committedOffset: o?.offset ?? -1n,
          committedLeaderEpoch: o?.leaderEpoch ?? -1,
          metadata: o ? o.metadata : "",
          errorCode: ErrorCode.NONE,
        };
      }),
    })),
  };
}

function groupByTopic(offsets: readonly CommittedOffset[]): TopicAsk[] {
  const byTopic = new Map<string, number[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push(o.partition);
    byTopic.set(o.topic, list);
  }
  return [...byTopic.entries()].map(([name, ps]) => ({
    name,
    partitionIndexes: ps.sort((a, b) => a - b),
  }));
}
