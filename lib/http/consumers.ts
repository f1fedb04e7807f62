/**
 * Consumer groups for HTTP consumers, built on partition leases (lib/broker/leases; the Kinesis
 * Client Library's pattern):
 *
 *   GET    /v1/groups/{group}/topics/{topic}/leases                         list (creates missing)
 *   POST   /v1/groups/{group}/topics/{topic}/leases/{partition}/take        {owner, expectedCounter}
 *   POST   /v1/groups/{group}/topics/{topic}/leases/{partition}/renew       {owner, epoch}
 *   POST   /v1/groups/{group}/topics/{topic}/leases/{partition}/checkpoint  {owner, epoch, offset}
 *   POST   /v1/groups/{group}/topics/{topic}/leases/{partition}/release     {owner, epoch}
 *   DELETE /v1/groups/{group}/leases
 *
 * The server never judges expiry: a worker takes a lease whose counter it has seen stand still
 * for the lease duration on its own clock, conditionally on that counter. Refusals are 409 with
 * the lease's code — lease_lost (stop processing the partition now), lease_conflict (the take
 * lost), checkpoint_regressed, group_active (a Kafka group of that name has members) — and the
 * lease as stored. In Lambda these belong to the admin function: they write DynamoDB.
 */
import { LeaseError } from "../broker/leases/lease-errors.ts";
import { type LeaseListing, LeaseService } from "../broker/leases/lease-service.ts";
import type { LeaseRecord } from "../storage/ports.ts";
import type { HttpContext } from "./context.ts";
import type { Route, RouteInput } from "./router.ts";
import { partitionOrThrow, topicOrThrow } from "./topic-lookup.ts";
import { HttpError, type HttpResponse, jsonResponse } from "./types.ts";

interface HolderBody {
  owner: string;
  epoch: number;
}

const LEASES = "/v1/groups/{group}/topics/{topic}/leases";

function leaseJson(lease: LeaseRecord) {
  const { group: _, checkpoint, ...rest } = lease;
  return { ...rest, checkpoint: checkpoint === null ? null : Number(checkpoint) };
}

function listingJson(group: string, topic: string, listing: LeaseListing) {
  return {
    group,
    topic,
    kafkaGroupState: listing.kafkaGroupState,
    leases: listing.leases.map((l) => ({
      ...leaseJson(l),
      kafkaCommittedOffset: l.kafkaCommittedOffset === null ? null : Number(l.kafkaCommittedOffset),
    })),
  };
}

/** Runs a lease operation; its typed refusals become 409s with their code. */
async function leased(run: () => Promise<unknown>): Promise<HttpResponse> {
  try {
    return jsonResponse(200, await run());
  } catch (err) {
    if (err instanceof LeaseError) throw new HttpError(409, err.code, err.message, { cause: err });
    throw err;
  }
}

async function target(ctx: HttpContext, input: RouteInput) {
  const topic = await topicOrThrow(ctx, String(input.params.topic));
  const partition = Number(input.params.partition);
  partitionOrThrow(topic, partition);
  return {
    service: new LeaseService(ctx.metadata, ctx.now),
    group: String(input.params.group),
    topic: topic.name,
    partition,
  };
}

async function listLeases(ctx: HttpContext, input: RouteInput): Promise<HttpResponse> {
  const topic = await topicOrThrow(ctx, String(input.params.topic));
  const group = String(input.params.group);
  const listing = await new LeaseService(ctx.metadata, ctx.now).list(group, topic);
  return jsonResponse(200, listingJson(group, topic.name, listing));
}

async function takeLease(ctx: HttpContext, input: RouteInput): Promise<HttpResponse> {
  const t = await target(ctx, input);
  const body = input.body as { owner: string; expectedCounter: number };
  return leased(async () =>
    leaseJson(
      await t.service.take(t.group, t.topic, t.partition, body.owner, body.expectedCounter),
    ),
  );
}

/** renew and release: the owner in its epoch, nothing else. */
function holderAction(action: "renew" | "release") {
  return async (ctx: HttpContext, input: RouteInput): Promise<HttpResponse> => {
    const t = await target(ctx, input);
    const holder = input.body as HolderBody;
    return leased(async () =>
      leaseJson(await t.service[action](t.group, t.topic, t.partition, holder)),
    );
  };
}

async function checkpointLease(ctx: HttpContext, input: RouteInput): Promise<HttpResponse> {
  const t = await target(ctx, input);
  const body = input.body as HolderBody & { offset: number; metadata?: string | null };
  const holder = { owner: body.owner, epoch: body.epoch };
  return leased(async () =>
    leaseJson(
      await t.service.checkpoint(
        t.group,
        t.topic,
        t.partition,
        holder,
        BigInt(body.offset),
        body.metadata ?? null,
      ),
    ),
  );
}

async function deleteLeases(ctx: HttpContext, input: RouteInput): Promise<HttpResponse> {
  const group = String(input.params.group);
  const deleted = await new LeaseService(ctx.metadata, ctx.now).deleteGroup(group);
  return jsonResponse(200, { group, deleted });
}

export const consumerRoutes: readonly Route[] = [
  { method: "GET", path: LEASES, handle: listLeases },
  { method: "POST", path: `${LEASES}/{partition}/take`, handle: takeLease },
  { method: "POST", path: `${LEASES}/{partition}/renew`, handle: holderAction("renew") },
  { method: "POST", path: `${LEASES}/{partition}/checkpoint`, handle: checkpointLease },
  { method: "POST", path: `${LEASES}/{partition}/release`, handle: holderAction("release") },
  { method: "DELETE", path: "/v1/groups/{group}/leases", handle: deleteLeases },
];
