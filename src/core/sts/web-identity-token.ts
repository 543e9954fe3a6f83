import {
  AuthError,
  headerValue,
  HttpFailure,
  isTransient,
  parseHttpDate,
  truncate,
  type ErrorCode,
} from '../safety/errors.js';
import type { HttpClient, HttpResponse } from '../network/http.js';
import type { JwtAlgorithm } from '../config/proof-settings.js';
import { remainingWithin, withRetries, type RetryOptions } from '../network/retry.js';
import type { SigningClock } from '../proof/signing-clock.js';
import type { AwsCredentials, StsTarget } from '../proof/signing.js';
import {
  explainStsRefusal,
  isRetryableStsCode,
  parseStsError,
  signStsForm,
  stsErrorCode,
  xmlText,
  type StsRequest,
} from './sts.js';

/**
 * STS GetWebIdentityToken (outbound identity federation): a JWT signed by AWS for one audience. The call is
 * SigV4-signed with the job's AWS credentials and goes to the tool's own STS endpoint, which is regional
 * (stsTargetFor): the global endpoint does not serve it.
 */
export const GET_WEB_IDENTITY_TOKEN_VERSION = '2011-06-15';

export interface WebIdentityTokenRequest {
  /** Audience.member.1: the Mondoo audience, the token's `aud`. */
  audience: string;
  algorithm: JwtAlgorithm;
  durationSeconds: number;
}

/** RFC 3986 form encoding, as the AWS SDKs' query protocol writes values (encodeURIComponent plus !'()*). */
function formValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The form body, in this order: Action, Version, Audience.member.1, SigningAlgorithm, DurationSeconds.
 * Pinned by __tests__/unit/sts/web-identity-token.test.ts.
 */
export function webIdentityTokenBody(request: WebIdentityTokenRequest): string {
  return [
    ['Action', 'GetWebIdentityToken'],
    ['Version', GET_WEB_IDENTITY_TOKEN_VERSION],
    ['Audience.member.1', request.audience],
    ['SigningAlgorithm', request.algorithm],
    ['DurationSeconds', String(request.durationSeconds)],
  ]
    .map(([name, value]) => `${name}=${formValue(value ?? '')}`)
    .join('&');
}

/**
 * Signs the GetWebIdentityToken POST at `now` with the tool's one signer (signStsForm). Signed headers:
 * content-length;content-type;host;x-amz-date, plus x-amz-security-token for temporary credentials.
 */
export function signWebIdentityTokenRequest(
  credentials: AwsCredentials,
  request: WebIdentityTokenRequest,
  target: StsTarget,
  now: Date,
): Promise<StsRequest> {
  return signStsForm(credentials, target, now, webIdentityTokenBody(request));
}

export interface WebIdentityTokenContext {
  http: HttpClient;
  credentials: AwsCredentials;
  target: StsTarget;
  signingClock: SigningClock;
  retry: RetryOptions;
  /** Registers a secret with the masker: the token is registered as soon as it is read, before anything else. */
  secret(value: string): void;
}

/** The token STS issued (a secret, untrusted text until aws-jwt.ts has read it) and STS's clock when it answered. */
export interface IssuedWebIdentityToken {
  token: string;
  /** The answer's Date header, in ms since the epoch: the time the token's exp is judged against (aws-jwt.ts). */
  serverTime: number | undefined;
}

/**
 * GetWebIdentityToken, retried on transient failures, re-signed for every attempt (and once more with STS's
 * time if it refused the signature for its time). The token is registered as a secret before it is returned.
 */
export function getWebIdentityToken(
  request: WebIdentityTokenRequest,
  ctx: WebIdentityTokenContext,
): Promise<IssuedWebIdentityToken> {
  let resigned = false;
  const once = async (timeoutMs: number): Promise<IssuedWebIdentityToken> => {
    const signed = await signWebIdentityTokenRequest(ctx.credentials, request, ctx.target, ctx.signingClock.now());
    const response = await ctx.http({
      url: signed.url,
      method: 'POST',
      headers: signed.headers,
      body: signed.body,
      timeoutMs,
    });
    const token = readWebIdentityToken(response, request, ctx.secret);
    return { token, serverTime: parseHttpDate(headerValue(response.headers, 'date')) };
  };
  return withRetries(
    'STS GetWebIdentityToken',
    async ({ timeoutMs }) => {
      try {
        return await once(timeoutMs);
      } catch (err) {
        if (resigned || !ctx.signingClock.adoptServerTime(err, 'STS')) throw err;
        resigned = true;
        return once(remainingWithin(ctx.retry, ctx.retry.attemptTimeoutMs));
      }
    },
    ctx.retry,
  );
}

/** The token from STS's answer (masked first), or the refusal with its code and fix. */
export function readWebIdentityToken(
  response: HttpResponse,
  request: WebIdentityTokenRequest,
  secret: (value: string) => void,
): string {
  if (response.status !== 200) throw webIdentityTokenRefusal(response, request);
  const token = xmlText(response.body, 'WebIdentityToken');
  if (token !== undefined) secret(token);
  if (token === undefined || token === '') {
    throw new AuthError('STS GetWebIdentityToken answered HTTP 200 without a WebIdentityToken.', {
      code: 'STS_FAILED',
    });
  }
  return token;
}

/** STS refused GetWebIdentityToken: its code and message, whether another attempt may help, and what to fix. */
export function webIdentityTokenRefusal(response: HttpResponse, request: WebIdentityTokenRequest): HttpFailure {
  const error = parseStsError(response.body);
  const what = error
    ? `${error.code}: ${truncate(error.message)}`
    : `HTTP ${response.status}${response.body.trim() ? ` (${truncate(response.body.trim(), 200)})` : ''}`;
  const where = `STS GetWebIdentityToken failed: ${what}`;
  const throttled = isRetryableStsCode(error?.code ?? '');
  const plain = new HttpFailure(where, response, { code: 'STS_FAILED', throttled });
  if (isTransient(plain)) return plain;
  const hint = webIdentityTokenHint(error?.code ?? '', `${error?.code ?? ''} ${error?.message ?? ''}`, request);
  return hint === undefined ? plain : new HttpFailure(`${where}\n${hint.fix}`, response, { code: hint.code });
}

/** The IAM policy statement that allows GetWebIdentityToken for exactly this audience. */
export function webIdentityTokenStatement(audience: string): string {
  return JSON.stringify({
    Effect: 'Allow',
    Action: 'sts:GetWebIdentityToken',
    Resource: '*',
    Condition: { 'ForAllValues:StringEquals': { 'sts:IdentityTokenAudience': audience } },
  });
}

function webIdentityTokenHint(
  rawCode: string,
  text: string,
  request: WebIdentityTokenRequest,
): { code: ErrorCode; fix: string } | undefined {
  const code = stsErrorCode(rawCode);
  if (code === 'OutboundWebIdentityFederationDisabled') {
    return {
      code: 'AWS_OUTBOUND_FEDERATION_DISABLED',
      fix: 'Fix: outbound identity federation is not enabled in this AWS account. An account administrator enables it once with: aws iam enable-outbound-web-identity-federation (then aws iam get-outbound-web-identity-federation-info shows the issuer URL for the Mondoo identity provider). Or use proof signed-request.',
    };
  }
  if (code === 'AccessDenied') {
    return {
      code: 'AWS_JWT_ACCESS_DENIED',
      fix: `Fix: the AWS identity may not call sts:GetWebIdentityToken for this audience. Add this statement to the policy of the role or user: ${webIdentityTokenStatement(request.audience)}`,
    };
  }
  if (code === 'SessionDurationEscalation') {
    return {
      code: 'AWS_JWT_DURATION_TOO_LONG',
      fix: `Fix: aws-jwt-duration-seconds (${request.durationSeconds}) outlives the AWS session the credentials belong to. Lower aws-jwt-duration-seconds (the default is 300), or get credentials with a longer session (role-duration-seconds).`,
    };
  }
  if (code === 'JWTPayloadSizeExceeded') {
    return {
      code: 'AWS_JWT_PAYLOAD_TOO_LARGE',
      fix: 'Fix: the claims STS would put in the token (the principal and session tags among them) exceed its size limit. Remove session or principal tags from this identity, or use proof signed-request.',
    };
  }
  if (code === 'InvalidAction' || code === 'UnknownOperation') {
    return {
      code: 'STS_FAILED',
      fix: 'Fix: this STS endpoint does not serve GetWebIdentityToken. The global endpoint (sts.amazonaws.com) never does: the tool sends it to the regional endpoint of aws-region, so check that AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL), if set, names a regional STS endpoint such as https://sts.eu-central-1.amazonaws.com.',
    };
  }
  return explainStsRefusal(text);
}
