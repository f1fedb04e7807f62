/**
 * How record bytes travel in JSON. Values: "json" (any JSON value, stored as its JSON text —
 * the default for produce), "string" (UTF-8 text) or "base64" (any bytes — the default for
 * fetch, since only it is lossless for what Kafka clients wrote). Keys and header values:
 * "string" or "base64". JSON null is a Kafka null (a tombstone value, a null key) in every
 * encoding.
 */
import { HttpError } from "./types.ts";

export type ValueEncoding = "json" | "string" | "base64";
export type KeyEncoding = "string" | "base64";

const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** Bytes of one key, value or header value from the request; `field` names it in errors. */
export function bytesIn(value: unknown, encoding: ValueEncoding, field: string): Buffer | null {
  if (value === null || value === undefined) return null;
  if (encoding === "json") return Buffer.from(JSON.stringify(value), "utf8");
  if (typeof value !== "string") {
    throw new HttpError(
      400,
      "invalid_body",
      `${field} must be a string or null with ${encoding} encoding`,
    );
  }
  if (encoding === "string") return Buffer.from(value, "utf8");
  if (!BASE64.test(value)) throw new HttpError(400, "invalid_body", `${field} is not valid base64`);
  return Buffer.from(value, "base64");
}

/** One key, value or header value for the response; `where` names the record in errors. */
export function bytesOut(bytes: Buffer | null, encoding: ValueEncoding, where: string): unknown {
  if (bytes === null) return null;
  if (encoding === "base64") return bytes.toString("base64");
  const text = bytes.toString("utf8");
  if (encoding === "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(
      422,
      "not_json",
      `${where} is not JSON; ask for valueEncoding=base64 (or string)`,
    );
  }
}
