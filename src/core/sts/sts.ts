import { AuthError, HttpFailure, isTransient, quoteForLog, truncate, type ErrorCode } from '../safety/errors.js';
import type { HttpClient, HttpResponse } from '../network/http.js';
import { isTimeRejection } from '../proof/skew.js';
import { signGetCallerIdentity, signStsPost, type AwsCredentials, type StsTarget } from '../proof/signing.js';
import { accountIdFromArn, type CallerIdentity } from './caller-identity.js';
import { ARN_SHAPE, isArn } from '../safety/server-values.js';
import { acceptSecretUrl } from '../safety/url-input.js';
import type { StsEndpointSetting } from '../config/config.js';

/**
 * Where the tool's own STS calls go: the endpoint the environment gives (AWS_ENDPOINT_URL_STS, the SDK's
 * standard variable, else AWS_ENDPOINT_URL), else the regional endpoint. Computed once at set-up (runDeps);
 * never used for the request signed for Mondoo.
 */
export function stsTargetFor(region: string, endpoint: StsEndpointSetting | undefined): StsTarget {
  if (endpoint !== undefined) {
    const url = acceptSecretUrl(endpoint.value, {
      input: 'aws-region',
      what: `environment variable ${endpoint.variable}`,
      fix: `Set it to an STS endpoint such as https://sts.${region}.amazonaws.com, or unset it.`,
      carries: 'the web identity token and signed requests',
    });
    return { endpoint: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`, region };
  }
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { endpoint: `https://sts.${region}.${suffix}`, region };
}

/** The content type of every form POST the tool sends to STS itself (query protocol), as the AWS SDK sends it. */
export const STS_FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

/** What the tool sends to its own STS endpoint: the URL, every header but host and content-length, and the body. */
export interface StsRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A form POST of the tool's own to STS (GetWebIdentityToken, AssumeRole), signed by the one signer
 * (signStsPost): its signed headers, and `accept: text/xml`, which is not signed.
 */
export async function signStsForm(
  credentials: AwsCredentials,
  target: StsTarget,
  now: Date,
  body: string,
): Promise<StsRequest> {
  const signed = await signStsPost(credentials, target, now, { body, contentType: STS_FORM_CONTENT_TYPE });
  return { url: signed.url, headers: { ...signed.headers, accept: 'text/xml' }, body };
}

/** Code and Message of an AWS query-protocol ErrorResponse. */
export function parseStsError(xml: string): { code: string; message: string } | undefined {
  const code = xmlText(xml, 'Code');
  if (code === undefined) return undefined;
  return { code, message: xmlText(xml, 'Message') ?? '' };
}

/** The text of the first `<name>` element of an STS answer, entities decoded ('' when empty, undefined when absent). */
export function xmlText(xml: string, name: string): string | undefined {
  const raw = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return raw?.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, entity: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[entity] ?? '',
  );
}

/**
 * STS answered, but with a value that must not reach outputs, the summary or a shell (an ARN outside AWS's
 * alphabet, an account that is not 12 digits): fatal even where asking STS is best effort (the identity lookup).
 */
export class StsBadAnswer extends AuthError {
  static override readonly kind: string = 'StsBadAnswer';
  constructor(message: string) {
    super(message, { code: 'STS_FAILED' });
  }
}

/** The end of a bad-ARN message: what an ARN is, the value (escaped, shortened), what to do. */
function notArn(arn: string, target: StsTarget): string {
  return `(${ARN_SHAPE}): ${quoteForLog(arn, 160)}. Nothing was exported. Check that ${target.endpoint} is AWS STS (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL).`;
}

/**
 * Asks STS who the credentials belong to, with a GetCallerIdentity signed for the tool's own STS endpoint
 * (not the request given to Mondoo). Used for the aws-arn output and for error messages. Its signature (with
 * long-term keys and the us-east-1 endpoint byte for byte a proof Mondoo would accept) is masked before it is
 * sent by the run's client, as every signature is (maskingSignatures, run-setup.ts).
 */
export async function lookupCallerIdentity(
  http: HttpClient,
  credentials: AwsCredentials,
  target: StsTarget,
  now: Date,
  timeoutMs: number,
): Promise<CallerIdentity> {
  const signed = await signGetCallerIdentity(credentials, now, target);
  const { host: _host, ...headers } = signed.headers;
  const response = await http({ url: signed.url, method: 'POST', headers, body: signed.body, timeoutMs });
  if (response.status !== 200) {
    const error = parseStsError(response.body);
    throw new HttpFailure(
      `STS GetCallerIdentity answered HTTP ${response.status}${error ? `: ${error.code}: ${truncate(error.message)}` : ''}`,
      response,
      { code: 'STS_FAILED' },
    );
  }
  const arn = xmlText(response.body, 'Arn') || undefined;
  const accountId = xmlText(response.body, 'Account') || (arn ? accountIdFromArn(arn) : undefined);
  if (arn === undefined || accountId === undefined)
    throw new AuthError('STS GetCallerIdentity answered without an Arn', { code: 'STS_FAILED' });
  // It reaches outputs, the job summary and log lines: only an ARN made of what ARNs are made of.
  if (!isArn(arn))
    throw new StsBadAnswer(`STS GetCallerIdentity answered with an Arn that is not one ${notArn(arn, target)}`);
  if (!/^\d{12}$/.test(accountId))
    throw new StsBadAnswer(
      `STS GetCallerIdentity answered with an Account that is not a 12-digit account ID: ${quoteForLog(accountId, 40)}. Nothing was exported. Check that ${target.endpoint} is AWS STS (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL).`,
    );
  return { arn, accountId };
}

export interface AssumedRole {
  credentials: AwsCredentials & { accessKeyId: string; sessionToken: string };
  identity: CallerIdentity;
  expiration: Date | undefined;
}

export interface AssumeRoleParams {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  webIdentityToken: string;
  /** A short, non-secret description of the token's origin and claims, for error messages. */
  tokenDescription: string;
  target: StsTarget;
  timeoutMs: number;
}

/** The request body of AssumeRoleWithWebIdentity (query protocol), as the AWS SDK sends it. Holds the token: never log it. */
export function assumeRoleBody(
  params: Pick<AssumeRoleParams, 'roleArn' | 'sessionName' | 'durationSeconds' | 'webIdentityToken'>,
): string {
  return new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: params.roleArn,
    RoleSessionName: params.sessionName,
    WebIdentityToken: params.webIdentityToken,
    DurationSeconds: String(params.durationSeconds),
  }).toString();
}

/**
 * STS AssumeRoleWithWebIdentity, one attempt. The call is not signed (the web identity token is the proof),
 * so it is one form POST through the tool's own HTTP client, with the same proxy handling, time limit and
 * retries as every other request, and without loading the AWS SDK (about 1 MB of code) for it.
 */
export async function assumeRoleWithWebIdentity(http: HttpClient, params: AssumeRoleParams): Promise<AssumedRole> {
  const response = await http({
    url: `${params.target.endpoint}/`,
    method: 'POST',
    headers: { 'content-type': STS_FORM_CONTENT_TYPE, accept: 'text/xml' },
    body: assumeRoleBody(params),
    timeoutMs: params.timeoutMs,
  });
  if (response.status !== 200) throw assumeRoleRefusal(response, params);
  const field = (name: string): string | undefined => xmlText(response.body, name) || undefined;
  const accessKeyId = field('AccessKeyId');
  const secretAccessKey = field('SecretAccessKey');
  const sessionToken = field('SessionToken');
  const arn = field('Arn');
  if (accessKeyId === undefined || secretAccessKey === undefined || sessionToken === undefined || arn === undefined) {
    throw new AuthError(`STS AssumeRoleWithWebIdentity for ${params.roleArn} answered without credentials`, {
      code: 'STS_FAILED',
    });
  }
  if (!isArn(arn))
    throw new StsBadAnswer(
      `STS AssumeRoleWithWebIdentity for ${params.roleArn} answered with an assumed-role Arn that is not one ${notArn(arn, params.target)}`,
    );
  const expires = Date.parse(field('Expiration') ?? '');
  return {
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    identity: { arn, accountId: accountIdFromArn(arn) ?? '' },
    expiration: Number.isNaN(expires) ? undefined : new Date(expires),
  };
}

/**
 * What to do when STS refused the credentials presented (in GetCallerIdentity, or in Mondoo's replay of it),
 * from STS's code or message, with the error code that names it; undefined when the refusal is not about the
 * credentials.
 */
export function explainStsRefusal(text: string): { code: ErrorCode; fix: string } | undefined {
  const fix = stsRefusalFix(text);
  return fix === undefined ? undefined : { code: fix[0], fix: fix[1] };
}

function stsRefusalFix(text: string): [ErrorCode, string] | undefined {
  if (/\bExpiredToken\b|security token included in the request is expired/i.test(text)) {
    return [
      'STS_EXPIRED_TOKEN',
      'Fix: the temporary AWS credentials (session token) have expired. Get fresh ones right before this step: run aws-actions/configure-aws-credentials again (or give it a longer role-duration-seconds), refresh AWS_SESSION_TOKEN with its keys, or let this tool assume the role itself with role-to-assume.',
    ];
  }
  if (/\bInvalidClientTokenId\b|security token included in the request is invalid/i.test(text)) {
    return [
      'STS_UNKNOWN_ACCESS_KEY',
      'Fix: STS does not know this access key: it was deleted or deactivated, is from another partition, or the session token (AWS_SESSION_TOKEN) does not belong to the access key ID. Use an access key ID, secret and session token from the same, current credentials.',
    ];
  }
  if (isTimeRejection(text)) {
    return [
      'STS_CLOCK_SKEW',
      "Fix: STS refused the signature for its time: this machine's clock is more than 15 minutes off. Synchronise the runner's clock (NTP).",
    ];
  }
  if (/\bSignatureDoesNotMatch\b/.test(text)) {
    return [
      'STS_SIGNATURE_MISMATCH',
      'Fix: the secret access key does not belong to the access key ID (STS computed a different signature). Check AWS_SECRET_ACCESS_KEY for stray spaces or quotes, or a rotated key.',
    ];
  }
  return undefined;
}

const RETRYABLE_STS_CODES = new Set([
  'Throttling',
  'TooManyRequests',
  'RequestLimitExceeded',
  'IDPCommunicationError',
  'ServiceUnavailable',
  'InternalFailure',
]);

/** Whether an STS error code means "slow down" or STS's own trouble: worth another attempt whatever the status. */
export function isRetryableStsCode(code: string): boolean {
  return RETRYABLE_STS_CODES.has(stsErrorCode(code));
}

/** An STS error code without the "Exception" some codes carry (ExpiredTokenException), as the hints match them. */
export function stsErrorCode(name: string): string {
  return name.endsWith('Exception') && name !== 'Exception' ? name.slice(0, -'Exception'.length) : name;
}

/** STS refused AssumeRoleWithWebIdentity: its code and message, whether it is throttling, and what to fix. */
function assumeRoleRefusal(response: HttpResponse, params: AssumeRoleParams): HttpFailure {
  const error = parseStsError(response.body);
  const code = stsErrorCode(error?.code ?? '');
  const what = error
    ? `${error.code}: ${truncate(error.message)}`
    : `HTTP ${response.status}${response.body.trim() ? ` (${truncate(response.body.trim().replace(/\s+/g, ' '), 200)})` : ''}`;
  const where = `STS AssumeRoleWithWebIdentity for ${params.roleArn} failed: ${what}`;
  const throttled = RETRYABLE_STS_CODES.has(code);
  const failure = (message: string, errorCode: ErrorCode): HttpFailure =>
    new HttpFailure(message, response, { code: errorCode, throttled });
  const refusal = failure(where, 'STS_FAILED');
  return isTransient(refusal)
    ? refusal
    : failure(`${where}\n${assumeRoleHint(code, params.tokenDescription)}`, 'STS_ASSUME_ROLE_REFUSED');
}

/** What to check when STS refuses the web identity: the role's trust policy against the token's claims. */
function assumeRoleHint(code: string, tokenDescription: string): string {
  if (code === 'InvalidIdentityToken' || code === 'AccessDenied' || code === 'ExpiredToken') {
    return `Fix: check the role's trust policy. It must trust the OIDC provider that issued the token, its "aud" condition must equal the token's audience (web-identity-audience), and its "sub" condition must match the token's subject. The token presented: ${tokenDescription}.`;
  }
  if (code === 'ValidationError')
    return "Fix: check role-to-assume, role-session-name and role-duration-seconds (the role's maximum session duration may be lower).";
  return `The token presented: ${tokenDescription}.`;
}
