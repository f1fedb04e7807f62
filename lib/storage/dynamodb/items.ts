/**
 * Item ⇄ record codecs for the small records of the DynamoDB metadata store: topics, consumer
 * groups, committed offsets, fronts, plus the attribute helpers every codec uses. (Partition
 * heads and chunk entries, whose size is what a flush pays for, are in ./log-items.ts.)
 *
 * Attribute names are short because DynamoDB charges for them: every byte of every name is part
 * of the item size that read and write units are computed from. Offsets and producer ids are
 * DynamoDB numbers (38 significant digits), written and read as decimal text, so every int64
 * survives exactly; nothing goes through a JavaScript double.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { CommittedOffset, FrontRecord, GroupRecord, TopicRecord } from "../ports.ts";
import type { Item } from "./client.ts";
import {
  frontKey,
  groupIdOfSk,
  groupKey,
  type Key,
  offsetKey,
  partitionOfOffsetSk,
  topicNameKey,
} from "./keys.ts";

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number | bigint): AttributeValue => ({ N: String(value) });

export function keyAttributes(key: Key): Item {
  return { pk: S(key.pk), sk: S(key.sk) };
}

function attribute(item: Item, name: string): AttributeValue {
  const value = item[name];
  if (value === undefined) {
    throw new Error(`malformed item ${item.pk?.S}/${item.sk?.S}: no attribute ${name}`);
  }
  return value;
}

export function str(item: Item, name: string): string {
  const value = attribute(item, name).S;
  if (value === undefined) throw new Error(`malformed item ${item.pk?.S}: ${name} is not a string`);
  return value;
}

export function optStr(item: Item, name: string): string | undefined {
  return item[name] === undefined ? undefined : str(item, name);
}

export function big(item: Item, name: string): bigint {
  const value = attribute(item, name).N;
  if (value === undefined) throw new Error(`malformed item ${item.pk?.S}: ${name} is not a number`);
  return BigInt(value);
}

export function num(item: Item, name: string): number {
  const value = attribute(item, name).N;
  if (value === undefined) throw new Error(`malformed item ${item.pk?.S}: ${name} is not a number`);
  return Number(value);
}

// -- topics ------------------------------------------------------------------------------------

export function topicItem(topic: TopicRecord): Item {
  return {
    ...keyAttributes(topicNameKey(topic.name)),
    tid: S(topic.topicId),
    pc: N(topic.partitionCount),
    cfg: S(JSON.stringify(topic.configs)),
    ca: N(topic.createdAtMs),
    v: N(topic.version),
  };
}

export function topicFromItem(item: Item): TopicRecord {
  return {
    name: str(item, "sk").slice("N#".length),
    topicId: str(item, "tid"),
    partitionCount: num(item, "pc"),
    configs: JSON.parse(str(item, "cfg")) as Record<string, string>,
    createdAtMs: num(item, "ca"),
    version: num(item, "v"),
  };
}

// -- consumer groups ---------------------------------------------------------------------------

/** `del` marks a group being deleted: its offsets are going, and it reads as absent. */
export function groupItem(group: GroupRecord): Item {
  return {
    ...keyAttributes(groupKey(group.groupId)),
    v: N(group.version),
    st: S(group.state),
    pt: S(group.protocolType),
    b: S(group.body),
  };
}

export function isDeletedGroup(item: Item): boolean {
  return item.del !== undefined;
}

/** The live record of a group item; undefined for no item or one being deleted. */
export function groupFromItem(item: Item | undefined): GroupRecord | undefined {
  if (item === undefined || isDeletedGroup(item)) return undefined;
  return {
    groupId: groupIdOfSk(str(item, "sk")),
    version: num(item, "v"),
    state: str(item, "st"),
    protocolType: str(item, "pt"),
    body: str(item, "b"),
  };
}

export function offsetItem(groupId: string, offset: CommittedOffset): Item {
  return {
    ...keyAttributes(offsetKey(groupId, offset.topic, offset.partition)),
    o: N(offset.offset),
    le: N(offset.leaderEpoch),
    ...(offset.metadata !== null ? { md: S(offset.metadata) } : {}),
    ts: N(offset.commitTimestampMs),
  };
}

export function offsetFromItem(item: Item): CommittedOffset {
  const { topic, partition } = partitionOfOffsetSk(str(item, "sk"));
  return {
    topic,
    partition,
    offset: big(item, "o"),
    leaderEpoch: num(item, "le"),
    metadata: optStr(item, "md") ?? null,
    commitTimestampMs: num(item, "ts"),
  };
}

// -- fronts ------------------------------------------------------------------------------------

export function frontItem(front: FrontRecord): Item {
  return {
    ...keyAttributes(frontKey(front.nodeId)),
    id: N(front.nodeId),
    h: S(front.host),
    p: N(front.port),
    ...(front.rack !== null ? { r: S(front.rack) } : {}),
    s: N(front.heartbeatSeq),
  };
}

export function frontFromItem(item: Item | undefined): FrontRecord | undefined {
  if (item === undefined) return undefined;
  return {
    nodeId: num(item, "id"),
    host: str(item, "h"),
    port: num(item, "p"),
    rack: optStr(item, "r") ?? null,
    heartbeatSeq: num(item, "s"),
  };
}
