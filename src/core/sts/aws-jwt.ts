/**
 * proof aws-jwt: the audience-bound proof. STS GetWebIdentityToken signs a JWT whose `aud` is the Mondoo
 * audience; Mondoo verifies it offline through a custom OIDC identity provider (issuer, JWKS), so no server
 * replays a request the client built, and the token is good for Mondoo alone.
 */
import type { Clock } from '../network/clock.js';
import type { Logger } from '../safety/log-safety.js';
import type { Config } from '../config/config.js';
import { AuthError, truncate } from '../safety/errors.js';
import { DEFAULT_ISSUER_URI } from '../config/proof-settings.js';
import type { SignedProof } from '../proof/signed-proof.js';
import { MAX_ADOPTED_SKEW_MS } from '../proof/skew.js';
import { isArn } from '../safety/server-values.js';
import type { AwsCredentials } from '../proof/signing.js';
import { accountIdFromArn, type CallerIdentity } from './caller-identity.js';
import { getWebIdentityToken, type WebIdentityTokenContext } from './web-identity-token.js';

/** Where AWS puts its own claims in the token. */
export const AWS_CLAIMS_KEY = 'https://sts.amazonaws.com/';
/** The longest token read (STS's own limit is far lower). */
export const MAX_JWT_LENGTH = 16 * 1024;

/** What the tool reads from the token: nothing of it is trusted until it passed {@link readAwsJwt}. */
export interface AwsJwtClaims {
  /** `iss`: an https URL of printable ASCII (no user, query or fragment). */
  issuer: string;
  /** `sub`: the ARN of the IAM principal (for an assumed role, the role's ARN). */
  subject: string;
  /** `aud`, as a list; it contains the requested audience. */
  audience: string[];
  /** `exp`, ms since the epoch. */
  expiresAt: number;
  /** `https://sts.amazonaws.com/`.aws_account, else the subject's account. */
  accountId: string;
}

const PART = /^[A-Za-z0-9_-]+$/;
const ISSUER_TEXT = /^[\x21-\x7e]{1,1024}$/;

function invalid(reason: string): AuthError {
  return new AuthError(
    `STS GetWebIdentityToken answered with a token that is not a usable JWT: ${reason}. Nothing was sent to Mondoo. Check that AWS_ENDPOINT_URL_STS (if set) points at AWS STS.`,
    { code: 'AWS_JWT_INVALID' },
  );
}

function decodePart(part: string, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw invalid(`its ${name} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`its ${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** An https URL that is safe to show and send: printable ASCII, no user, query, fragment or markup. */
function isIssuerUrl(value: string): boolean {
  if (!ISSUER_TEXT.test(value) || /[<>"'`\\]/.test(value)) return false;
  try {
    const url = new URL(value);
    return (
      url.protocol === 'https:' && url.username === '' && url.password === '' && url.search === '' && url.hash === ''
    );
  } catch {
    return false;
  }
}

/**
 * Reads the token STS returned (already registered as a secret): three base64url parts, a JSON header and
 * payload, an https `iss`, a `sub` that is an ARN, an `aud` containing `audience`, an `exp` after `nowMs`.
 * Anything else is an AWS_JWT_INVALID error that quotes no part of the token. The signature is Mondoo's to
 * check (against the issuer's JWKS); the tool checks only what decides where the token goes and what it shows.
 */
export function readAwsJwt(token: string, audience: string, nowMs: number): AwsJwtClaims {
  if (token.length > MAX_JWT_LENGTH)
    throw invalid(`it is ${token.length} characters long (at most ${MAX_JWT_LENGTH} are read)`);
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => PART.test(part)))
    throw invalid('it is not three base64url parts separated by dots');
  decodePart(parts[0] as string, 'header');
  const payload = decodePart(parts[1] as string, 'payload');
  const { iss, sub, aud, exp } = payload;
  if (typeof iss !== 'string' || !isIssuerUrl(iss)) throw invalid('its "iss" is not an https URL');
  if (typeof sub !== 'string' || !isArn(sub)) throw invalid('its "sub" is not an AWS ARN');
  const audiences =
    typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? aud : undefined;
  if (audiences === undefined) throw invalid('its "aud" is not a string or a list of strings');
  if (!audiences.includes(audience))
    throw invalid(`its "aud" does not contain the audience requested (${truncate(audience, 200)})`);
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid('its "exp" is not a number');
  if (exp * 1000 <= nowMs)
    throw invalid(`it expired at ${new Date(exp * 1000).toISOString()}, before it could be used`);
  const awsClaims = payload[AWS_CLAIMS_KEY];
  const account =
    typeof awsClaims === 'object' && awsClaims !== null
      ? (awsClaims as Record<string, unknown>)['aws_account']
      : undefined;
  const accountId = typeof account === 'string' && /^\d{12}$/.test(account) ? account : accountIdFromArn(sub);
  if (accountId === undefined) throw invalid(`its "${AWS_CLAIMS_KEY}" claims name no 12-digit aws_account`);
  // aws-arn and aws-account-id (and allowed-account-ids) must speak of one account.
  if (accountId !== accountIdFromArn(sub))
    throw invalid(`its aws_account (${accountId}) is not the account of its "sub"`);
  return { issuer: iss, subject: sub, audience: audiences, expiresAt: exp * 1000, accountId };
}

/**
 * The issuer_uri sent with the token: the token's `iss`. An issuer-uri setting other than its default must be
 * that issuer, or the run fails here, before the exchange, naming both.
 */
export function issuerUriFor(config: Pick<Config, 'issuerUri'>, claims: AwsJwtClaims): string {
  if (config.issuerUri === DEFAULT_ISSUER_URI || config.issuerUri === claims.issuer) return claims.issuer;
  throw new AuthError(
    `issuer-uri is ${config.issuerUri}, but the AWS token's issuer (iss) is ${claims.issuer}. Nothing was sent to Mondoo. Set issuer-uri to ${claims.issuer} (the issuer of your Mondoo custom OIDC identity provider, from aws iam get-outbound-web-identity-federation-info), or leave it unset: with proof aws-jwt the token's issuer is sent.`,
    { code: 'AWS_JWT_ISSUER_MISMATCH' },
  );
}

/** aws-arn and aws-account-id in this mode: the token's subject (the role's ARN, not the session's) and account. */
export function identityOf(claims: AwsJwtClaims): CallerIdentity {
  return { arn: claims.subject, accountId: claims.accountId };
}

/** One line for the log: what the token proves (no part of the token itself). */
export function describeClaims(claims: AwsJwtClaims): string {
  return `issuer ${claims.issuer}, subject ${claims.subject}, audience ${claims.audience.join(', ')}, expires ${new Date(claims.expiresAt).toISOString()}`;
}

/** Mondoo answered 401/403 to the token: what its custom OIDC identity provider must say for this token. */
export function explainJwtRejection(err: AuthError, claims: AwsJwtClaims, audience: string): AuthError {
  const lines = [
    `Mondoo rejected the AWS token for audience "${audience}". ${err.message}`,
    `Token presented: ${describeClaims(claims)}.`,
    `Fix: Mondoo needs a custom OIDC identity provider (Settings → Identity Providers) with issuer ${claims.issuer}, subject ${claims.subject} and audience ${audience}. The issuer is the one aws iam get-outbound-web-identity-federation-info shows for this account.`,
  ];
  return new AuthError(lines.join('\n'), { code: 'MONDOO_REJECTED_IDENTITY', cause: err });
}

export interface AwsJwtProof {
  /** Hands the token to the exchange: the same token for every attempt while it is valid. */
  proof: SignedProof;
  claims: AwsJwtClaims;
  /** The issuer_uri to send: the token's issuer. */
  issuerUri: string;
}

export interface AwsJwtContext extends Omit<WebIdentityTokenContext, 'credentials'> {
  clock: Clock;
  log: Pick<Logger, 'info'>;
}

/**
 * Steps 2 of the aws-jwt run: GetWebIdentityToken for the Mondoo audience, the token read and checked, the
 * issuer settled; all before anything is sent to Mondoo.
 */
export async function awsJwtProof(
  config: Config,
  credentials: AwsCredentials,
  ctx: AwsJwtContext,
): Promise<AwsJwtProof> {
  ctx.log.info(
    `Requesting an AWS JWT for audience ${config.audience} (STS GetWebIdentityToken, ${config.awsJwtAlgorithm}, ${config.awsJwtDurationSeconds} s) at ${ctx.target.endpoint}`,
  );
  const request = {
    audience: config.audience,
    algorithm: config.awsJwtAlgorithm,
    durationSeconds: config.awsJwtDurationSeconds,
  };
  const { token, serverTime } = await getWebIdentityToken(request, { ...ctx, credentials });
  // exp is judged by STS's clock when its Date is within the hour this tool ever corrects for (a machine whose
  // clock runs fast would otherwise refuse a token STS just issued), else by the signing clock.
  const local = ctx.clock.now();
  const stsOffset =
    serverTime !== undefined && Math.abs(serverTime - local) <= MAX_ADOPTED_SKEW_MS ? serverTime - local : undefined;
  const now = (): number => (stsOffset !== undefined ? ctx.clock.now() + stsOffset : ctx.signingClock.now().getTime());
  const claims = readAwsJwt(token, config.audience, now());
  const issuerUri = issuerUriFor(config, claims);
  ctx.log.info(`AWS JWT: ${describeClaims(claims)}`);
  const proof: SignedProof = {
    sign: () => {
      if (claims.expiresAt <= now()) {
        throw new AuthError(
          `The AWS JWT expired at ${new Date(claims.expiresAt).toISOString()} while the exchange was retried. Raise aws-jwt-duration-seconds above timeout-seconds.`,
          { code: 'AWS_JWT_INVALID' },
        );
      }
      return Promise.resolve(token);
    },
  };
  return { proof, claims, issuerUri };
}
