import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { goMarshal } from './go-json.js';

/**
 * The request Mondoo replays against STS, as Mondoo's Go client (cnquery providers-sdk/v1/upstream,
 * fetchAWSIdentityToken) builds it. Its serialized form is pinned byte for byte against the Go client's two
 * reference tokens in __tests__/unit/proof/signing.test.ts.
 */
export const GET_CALLER_IDENTITY_QUERY = 'Action=GetCallerIdentity&Version=2011-06-15';
export const GET_CALLER_IDENTITY_BODY = GET_CALLER_IDENTITY_QUERY;
export const GLOBAL_STS_HOST = 'sts.amazonaws.com';
export const GLOBAL_STS_URL = `https://${GLOBAL_STS_HOST}/?${GET_CALLER_IDENTITY_QUERY}`;
export const GLOBAL_STS_REGION = 'us-east-1';
const CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** Signed (as Go's http.NewRequest sets it from the body and the v4 signer signs it), never listed in `headers`. */
const CONTENT_LENGTH = String(Buffer.byteLength(GET_CALLER_IDENTITY_BODY));

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** Where a GetCallerIdentity request is addressed and for which region it is signed. */
export interface StsTarget {
  /** https://host[:port][/path] without a trailing slash. */
  endpoint: string;
  region: string;
}

export const MONDOO_TARGET: StsTarget = { endpoint: `https://${GLOBAL_STS_HOST}`, region: GLOBAL_STS_REGION };

export interface SignedRequest {
  url: string;
  method: 'POST';
  /**
   * Header name → value, with the names as they go on the wire and into the serialized form. Content-Length is
   * signed but not listed here: whoever sends the body sets it from the body (43).
   */
  headers: Record<string, string>;
  body: string;
  /** The hex signature (a secret: it is a bearer proof for about 15 minutes). */
  signature: string;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function toBytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape @smithy/signature-v4 expects. */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    throw new Error('NodeSha256 is single-use');
  }
}

/**
 * Signs STS GetCallerIdentity with SigV4 at time `now`.
 *
 * Signed headers are exactly content-length;content-type;host;x-amz-date (plus x-amz-security-token for
 * temporary credentials): no x-amz-content-sha256 and no user-agent. The payload hash is the SHA-256 of the
 * fixed body, which STS (and Mondoo's replay) resend with Content-Length 43. The golden vectors in
 * __tests__/unit/proof/signing.test.ts pin the result.
 */
export async function signGetCallerIdentity(
  credentials: AwsCredentials,
  now: Date,
  target: StsTarget = MONDOO_TARGET,
): Promise<SignedRequest> {
  const url = new URL(`${target.endpoint}/?${GET_CALLER_IDENTITY_QUERY}`);
  const signer = new SignatureV4({
    service: 'sts',
    region: target.region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    sha256: NodeSha256,
    applyChecksum: false,
    uriEscapePath: true,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: url.host, 'content-length': CONTENT_LENGTH, 'content-type': CONTENT_TYPE },
      body: GET_CALLER_IDENTITY_BODY,
    },
    { signingDate: now },
  );
  const h = signed.headers as Record<string, string | undefined>;
  const authorization = h['authorization'];
  const amzDate = h['x-amz-date'];
  const signature = /Signature=([0-9a-f]{64})$/.exec(authorization ?? '')?.[1];
  if (authorization === undefined || amzDate === undefined || signature === undefined) {
    throw new Error('SigV4 signing produced no Authorization header');
  }
  const headers: Record<string, string> = {
    host: url.host,
    Authorization: authorization,
    'Content-Type': CONTENT_TYPE,
    'X-Amz-Date': amzDate,
  };
  const token = h['x-amz-security-token'];
  if (token !== undefined) headers['X-Amz-Security-Token'] = token;
  return { url: url.toString(), method: 'POST', headers, body: GET_CALLER_IDENTITY_BODY, signature };
}

/**
 * The `jwt_token` as Mondoo's Go client marshals it: a map with the keys headers, method, url (Go sorts them),
 * headers as {key, value} with `host` first and then the request's headers sorted by name, and Go's JSON
 * string escaping (the URL's `&` is \u0026). No body: Mondoo's server resends the fixed body. Pinned byte for
 * byte by __tests__/unit/proof/signing.test.ts.
 */
export function serializeSignedRequest(request: SignedRequest): string {
  const names = Object.keys(request.headers).filter((name) => name !== 'host');
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const host = request.headers['host'];
  const headers = [
    ...(host === undefined ? [] : [{ key: 'host', value: host }]),
    ...names.map((key) => ({ key, value: request.headers[key] as string })),
  ];
  return goMarshal({ headers, method: request.method, url: request.url });
}
