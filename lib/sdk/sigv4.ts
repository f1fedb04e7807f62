/**
 * A SigV4 `signer` for the SDK's transport (./transport.ts), for the HTTP API behind API
 * Gateway's IAM authorizer (service "execute-api"). It uses @smithy/signature-v4 — the signer
 * inside every AWS SDK v3 client, installed here with @aws-sdk/client-dynamodb — hashing with
 * node:crypto, and by default the AWS SDK's default credential chain (environment, SSO, shared
 * files, ECS/EC2 roles; in Lambda, the function's role from the environment).
 *
 * The signer runs on every attempt, so a retried request carries a fresh date and signature.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, Provider } from "@smithy/types";
import type { FloeRequest, Signer } from "./transport.ts";

export interface SigV4Options {
  region: string;
  /** Default "execute-api" (API Gateway). */
  service?: string;
  /** Default: the AWS SDK's default credential provider chain. */
  credentials?: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  /** The signing time (tests); default now. */
  now?: () => Date;
}

/** SHA-256 (or HMAC-SHA-256 with a secret) over node:crypto, in the shape smithy expects. */
class NodeSha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | ArrayBuffer | ArrayBufferView | undefined;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret;
    this.hash = NodeSha256.create(secret);
  }

  private static create(secret?: string | ArrayBuffer | ArrayBufferView): Hash | Hmac {
    return secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(secret));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = NodeSha256.create(this.secret);
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export function sigV4Signer(options: SigV4Options): Signer {
  const signer = new SignatureV4({
    region: options.region,
    service: options.service ?? "execute-api",
    credentials: options.credentials ?? defaultProvider(),
    sha256: NodeSha256,
    // API Gateway needs no x-amz-content-sha256 header (S3 does): the body hash is signed anyway.
    applyChecksum: false,
  });
  return async (req: FloeRequest): Promise<FloeRequest> => {
    const url = new URL(req.url);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signed = await signer.sign(
      {
        method: req.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers: { ...req.headers, host: url.host },
        body: req.body,
      },
      { signingDate: options.now?.() },
    );
    return { ...req, headers: signed.headers as Record<string, string> };
  };
}
