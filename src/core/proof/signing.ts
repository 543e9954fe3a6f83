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

/** An STS Query-protocol POST to sign: its form body and content type, and the query string some requests also carry. */
export interface StsPost {
  body: string;
  contentType: string;
  /** Parameters in the URL's query string as well (the Mondoo-bound GetCallerIdentity: Action and Version). */
  query?: Record<string, string>;
}

/** A signed STS POST: what {@link signStsPost} returns. */
export interface SignedStsPost {
  url: string;
  /**
   * As sent, lower-case, every one of them signed: authorization, content-type, x-amz-date and, for temporary
   * credentials, x-amz-security-token. Host and Content-Length are signed too but not listed: the HTTP client sets
   * them from the URL and the body.
   */
  headers: Record<string, string>;
  body: string;
  /** The hex signature (a secret: with the request it is a bearer proof for about 15 minutes). */
  signature: string;
}

/**
 * The tool's one SigV4 signer, for every STS POST it sends or hands to Mondoo, at time `now`. Signed headers are
 * exactly content-length;content-type;host;x-amz-date (plus x-amz-security-token for temporary credentials): no
 * x-amz-content-sha256 and no user-agent, as Mondoo's Go client signs; the payload hash is the body's SHA-256.
 * Pinned by the golden vectors in __tests__/unit/proof/signing.test.ts and, for the tool's own calls, by
 * __tests__/unit/sts/web-identity-token.test.ts and __tests__/unit/sts/assume-role.test.ts (checked with aws4).
 */
export async function signStsPost(
  credentials: AwsCredentials,
  target: StsTarget,
  now: Date,
  post: StsPost,
): Promise<SignedStsPost> {
  const query = post.query === undefined ? '' : `?${new URLSearchParams(post.query).toString()}`;
  const url = new URL(`${target.endpoint}/${query}`);
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
  const contentLength = String(Buffer.byteLength(post.body));
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      ...(post.query === undefined ? {} : { query: post.query }),
      headers: { host: url.host, 'content-length': contentLength, 'content-type': post.contentType },
      body: post.body,
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
  const headers: Record<string, string> = { authorization, 'content-type': post.contentType, 'x-amz-date': amzDate };
  const token = h['x-amz-security-token'];
  if (token !== undefined) headers['x-amz-security-token'] = token;
  return { url: url.toString(), headers, body: post.body, signature };
}

/** The names Mondoo's Go client gives the signed headers (http.Header's canonical form), as they go into `jwt_token`. */
const GO_HEADER_NAMES: Partial<Record<string, string>> = {
  authorization: 'Authorization',
  'content-type': 'Content-Type',
  'x-amz-date': 'X-Amz-Date',
  'x-amz-security-token': 'X-Amz-Security-Token',
};

/**
 * Signs STS GetCallerIdentity at time `now` as Mondoo's Go client does ({@link signStsPost}): the Action and
 * Version in the query string and in the fixed body (resent by STS and Mondoo's replay with Content-Length 43),
 * and the header names as Go writes them: host, Authorization, Content-Type, X-Amz-Date, X-Amz-Security-Token.
 * The golden vectors in __tests__/unit/proof/signing.test.ts pin the result.
 */
export async function signGetCallerIdentity(
  credentials: AwsCredentials,
  now: Date,
  target: StsTarget = MONDOO_TARGET,
): Promise<SignedRequest> {
  const signed = await signStsPost(credentials, target, now, {
    body: GET_CALLER_IDENTITY_BODY,
    contentType: CONTENT_TYPE,
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
  });
  const headers: Record<string, string> = { host: new URL(signed.url).host };
  for (const [name, value] of Object.entries(signed.headers)) headers[GO_HEADER_NAMES[name] ?? name] = value;
  return { url: signed.url, method: 'POST', headers, body: signed.body, signature: signed.signature };
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
