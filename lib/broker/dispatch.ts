/**
 * Turns one request frame into one response frame — the sans-I/O core of every Kafka host.
 * Header and body are decoded with the generated codec, version-checked against the handler
 * registry, handled, and encoded with the right response header version.
 *
 * Kafka's rules for requests it cannot serve: an unknown API key, an unsupported version of
 * anything but ApiVersions, or an undecodable frame closes the connection (no error can be
 * encoded reliably); an unsupported ApiVersions version is answered in the v0 body format with
 * UNSUPPORTED_VERSION and our ApiVersions range so the client can retry (KIP-511).
 */

import { type Logger, silentLogger } from "../logger.ts";
import { ProtocolDecodeError } from "../protocol/errors.ts";
import {
  API_CODECS,
  readRequestHeader,
  writeApiVersionsResponse,
} from "../protocol/generated/index.ts";
import { Reader } from "../protocol/primitives/reader.ts";
import { Writer } from "../protocol/primitives/writer.ts";
import type { ApiHandler, BrokerContext } from "./context.ts";
import { ErrorCode } from "./error-codes.ts";
import { apiVersionsBody } from "./handlers/api-versions.ts";
import type { ProduceOrder } from "./produce-order.ts";

export type DispatchResult =
  | { kind: "respond"; frame: Buffer[]; apiKey: number }
  | { kind: "silent"; apiKey: number }
  | { kind: "close"; reason: string };

const API_VERSIONS_KEY = 18;
const MIN_HEADER_BYTES = 8;

export class Dispatcher {
  private readonly handlers = new Map<number, ApiHandler>();
  private readonly ctx: BrokerContext;
  private readonly logger: Logger;

  constructor(ctx: BrokerContext, handlers: readonly ApiHandler[], logger: Logger = silentLogger) {
    this.ctx = ctx;
    this.logger = logger;
    for (const h of handlers) this.handlers.set(h.apiKey, h);
  }

  /**
   * `produceOrder` is the connection's (one per connection, ./produce-order.ts): the handler is
   * called synchronously, in frame order, so requests can take their place in it on arrival.
   */
  async dispatch(
    frame: Buffer,
    clientHost = "",
    produceOrder?: ProduceOrder,
  ): Promise<DispatchResult> {
    if (frame.length < MIN_HEADER_BYTES)
      return { kind: "close", reason: "frame shorter than a request header" };
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const handler = this.handlers.get(apiKey);
    const codec = API_CODECS.get(apiKey);
    if (!handler || !codec) return { kind: "close", reason: `unsupported API key ${apiKey}` };
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === API_VERSIONS_KEY) return this.unsupportedApiVersions(correlationId);
      return { kind: "close", reason: `unsupported version ${apiVersion} of API ${apiKey}` };
    }

    const reqFlexMin = codec.api.request.flexibleMin;
    const headerVersion = reqFlexMin !== null && apiVersion >= reqFlexMin ? 2 : 1;
    let request: unknown;
    let clientId: string | null;
    try {
      const r = new Reader(frame);
      clientId = readRequestHeader(r, headerVersion).clientId;
      request = codec.readRequest(r, apiVersion);
    } catch (err) {
      if (err instanceof ProtocolDecodeError) {
        return {
          kind: "close",
          reason: `malformed ${codec.api.name} v${apiVersion} request: ${err.message}`,
        };
      }
      throw err;
    }

    let response: unknown;
    try {
      response = await handler.handle(this.ctx, request, {
        apiVersion,
        correlationId,
        clientId,
        clientHost,
        produceOrder,
      });
    } catch (err) {
      this.logger.error("handler failed", { api: codec.api.name, apiVersion, err });
      return { kind: "close", reason: `internal error in ${codec.api.name}` };
    }
    if (response === null) return { kind: "silent", apiKey };

    const resFlexMin = codec.api.response.flexibleMin;
    const flexibleHeader =
      apiKey !== API_VERSIONS_KEY && resFlexMin !== null && apiVersion >= resFlexMin;
    try {
      const w = new Writer(256);
      w.int32(0).int32(correlationId);
      if (flexibleHeader) w.emptyTaggedFields();
      codec.writeResponse(w, apiVersion, response);
      return { kind: "respond", frame: withSize(w.toBuffers()), apiKey };
    } catch (err) {
      this.logger.error("response encoding failed", { api: codec.api.name, apiVersion, err });
      return { kind: "close", reason: `internal error encoding ${codec.api.name}` };
    }
  }

  private unsupportedApiVersions(correlationId: number): DispatchResult {
    const body = apiVersionsBody(
      [...this.handlers.values()].filter((h) => h.apiKey === API_VERSIONS_KEY),
      ErrorCode.UNSUPPORTED_VERSION,
    );
    const w = new Writer(64);
    w.int32(0).int32(correlationId);
    writeApiVersionsResponse(w, 0, body);
    return { kind: "respond", frame: withSize(w.toBuffers()), apiKey: API_VERSIONS_KEY };
  }
}

/** Patches the leading int32 placeholder with the frame size (bytes after the size field). */
function withSize(parts: Buffer[]): Buffer[] {
  let total = 0;
  for (const p of parts) total += p.length;
  parts[0].writeInt32BE(total - 4, 0);
  return parts;
}
