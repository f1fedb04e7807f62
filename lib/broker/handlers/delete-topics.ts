/**
 * DeleteTopics (key 20), versions 1–6.
 *
 * Removes the topic name and, with it, the partition heads and index entries of its topic id;
 * the segment objects' bytes are reclaimed by the orphan cleanup. v6 may name topics by id. A
 * later topic with the same name gets a new id, so no reader of the old topic can see its data.
 */
import type {
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  DeleteTopicsResponseDeletableTopicResult,
} from "../../protocol/generated/index.ts";
import { UnknownTopicError } from "../../storage/errors.ts";
import type { ApiHandler, BrokerContext, RequestInfo } from "../context.ts";
import { ErrorCode } from "../error-codes.ts";
import { storageErrorCode } from "./storage-errors.ts";

const ZERO_UUID = "00000000-0000-0000-0000-000000000000";

async function deleteOne(
  ctx: BrokerContext,
  name: string | null,
  topicId: string,
): Promise<DeleteTopicsResponseDeletableTopicResult> {
  let resolved = name;
  if (resolved === null) {
    const byId = await ctx.topics.byId(topicId);
    if (!byId)
      return {
        name: null,
        topicId,
        errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
        errorMessage: "This server does not host this topic ID.",
      };
    resolved = byId.name;
  }
  try {
    const removed = await ctx.topics.delete(resolved);
    return {
      name: resolved,
      topicId: removed.topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
    };
  } catch (err) {
    if (err instanceof UnknownTopicError) {
      return {
        name: resolved,
        topicId,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: "This server does not host this topic-partition.",
      };
    }
    return { name: resolved, topicId, errorCode: storageErrorCode(err), errorMessage: String(err) };
  }
}

export const deleteTopicsHandler: ApiHandler = {
  apiKey: 20,
  minVersion: 1,
  maxVersion: 6,
  async handle(
    ctx: BrokerContext,
    req: DeleteTopicsRequest,
    info: RequestInfo,
  ): Promise<DeleteTopicsResponse> {
    const targets =
      info.apiVersion >= 6
        ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
        : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses = [];
    for (const t of targets) responses.push(await deleteOne(ctx, t.name, t.topicId));
    return { throttleTimeMs: 0, responses };
  },
};
