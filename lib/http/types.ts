/**
 * The transport-agnostic shapes of the HTTP API: a request as the Lambda event or node:http
 * delivers it, a response to send back, and the typed error every route throws for a client
 * mistake. Errors travel as data: `{"error":{"code","message"}}` with a stable snake_case code.
 */

export interface HttpRequest {
  method: string;
  /** Path without the query string, still percent-encoded. */
  path: string;
  query: Record<string, string | undefined>;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  body: Buffer | undefined;
  /** Aborted when the client goes away or the host shuts down (ends a long poll early). */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON text (every route answers JSON). */
  body: string;
}

export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly status: number;
  /** Stable, machine-readable: what clients switch on. */
  readonly code: string;
  /** Extra response headers (Retry-After, Allow). */
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.headers = options?.headers ?? {};
  }
}

/** Seconds a client should wait before retrying a 503 (storage throttled or unavailable). */
export const RETRY_AFTER_SECONDS = 1;

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

export function errorBody(
  code: string,
  message: string,
): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

export function errorResponse(err: HttpError): HttpResponse {
  return jsonResponse(err.status, errorBody(err.code, err.message), err.headers);
}
