/**
 * One link of the AWS SDK's default credential chain: the interface every link file implements, what the chain
 * hands each link, and the rules the links share (what else was set but not used, the deadline, SDK answers
 * checked and masked). The list and the loop are in chain-links.ts.
 */
import type * as SdkLinks from '../sdk-providers.js';
import type { Clock } from '../../network/clock.js';
import type { AwsCredentials, StsTarget } from '../../proof/signing.js';
import { FULL_URI_VAR, RELATIVE_URI_VAR, type AwsEnvironment } from '../aws-environment.js';
import type { ResolvedCredentials } from '../env-credentials.js';
import { AuthError, NetworkError, quoteForLog } from '../../safety/errors.js';
import type { Logger } from '../../safety/log-safety.js';
import { formatMs, type HttpClient } from '../../network/http.js';
import type { SdkSession } from './sdk-session.js';

export interface ChainDeps {
  /** What the chain reads from the environment, read at set-up. */
  aws: AwsEnvironment;
  /** What to do when no link gives credentials, in this CI's terms: the end of the AWS_NO_CREDENTIALS message. */
  credentialsFix: string;
  clock: Clock;
  log: Logger;
  secret(value: string): void;
  /** Loads the SDK's providers (sdk-providers.ts); called only when the environment holds no keys. */
  loadSdk(): Promise<typeof SdkLinks>;
  /** For container credentials: a client that never goes through a proxy (the endpoints are local). */
  directHttp?: HttpClient;
  /** The run's client (proxy, certificates, size limit): the AWS SDK's STS requests go through it (sdk-http.ts). */
  http?: HttpClient;
  /** The run's deadline (clock ms): no link may run past it. */
  deadline: number;
  /** timeout-seconds in ms, for messages (default: what is left of the deadline when the chain starts). */
  timeoutMs?: number;
  attemptTimeoutMs: number;
  maxAttempts: number;
  /** Region for the SDK's STS client (role_arn and web identity links), so it never guesses one. */
  region: string;
  /** Where the tool's own STS calls go (AssumeRole for role_arn + credential_source). */
  target?: StsTarget;
}

/** What the chain hands a link: the run, and once a link that needs it is reached, the SDK's providers. */
export interface LinkContext {
  deps: ChainDeps;
  /** deps.aws. */
  aws: AwsEnvironment;
  /** timeout-seconds in ms, for messages. */
  totalMs: number;
  /** Set by the loop before the first link with `sdk: true` runs. */
  session: SdkSession | undefined;
}

/** A link that applied but gave no credentials and let the chain go on: what it found, for the final message. */
export interface LinkMiss {
  missed: true;
  /** "what: error", for "Last error: …". */
  tried?: string;
  /** The error to report if no later link answers (a profile that exists but could not give credentials). */
  failure?: AuthError;
  /** Appended to the "No AWS credentials found" message. */
  hint?: string;
}

/** Which link answered, for "also set but not used". */
export type LinkId = 'env' | 'profile' | 'token-file' | 'container' | 'imds' | 'role';

/**
 * A link of the chain. The loop (chain-links.ts) runs the links in CHAIN_LINKS's order: the first that applies
 * and answers gives the credentials; one that applies and fails ends the chain with its error (a thrown
 * AuthError or ConfigError); a LinkMiss passes to the next link.
 */
export interface ChainLink {
  id: LinkId;
  /** How --help names it ("shared profile"). */
  short: string;
  /** How the docs' table names it (docs/aws-credential-sources.md). */
  name: string;
  /** Where it looks, for "No AWS credentials found. Looked in: …". */
  where(aws: AwsEnvironment): string;
  /** Whether it needs the AWS SDK's providers (or what the SDK read): the loop loads them before it. */
  sdk: boolean;
  applies(ctx: LinkContext): boolean;
  resolve(ctx: LinkContext): Promise<ResolvedCredentials | LinkMiss>;
}

export function isMiss(answer: ResolvedCredentials | LinkMiss): answer is LinkMiss {
  return (answer as LinkMiss).missed === true;
}

/**
 * Sources present in the environment besides the one used, for the log ("not used: …"): the precedence
 * made visible.
 */
export function unusedSources(aws: AwsEnvironment, used: LinkId): string[] {
  const out: string[] = [];
  if (used !== 'env' && aws.accessKeyId !== undefined && aws.secretAccessKey !== undefined)
    out.push('AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
  if (used !== 'profile' && used !== 'role' && aws.explicitProfile)
    out.push(`AWS_PROFILE ${quoteForLog(aws.profile, 64)}`);
  if (used !== 'token-file' && used !== 'role' && aws.roleArn !== undefined && aws.webIdentityTokenFile !== undefined)
    out.push('AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE');
  if (used !== 'container') {
    if (aws.containerRelativeUri !== undefined) out.push(RELATIVE_URI_VAR);
    else if (aws.containerFullUri !== undefined) out.push(FULL_URI_VAR);
  }
  return out;
}

export function withUnused(source: string, aws: AwsEnvironment, used: LinkId): string {
  const unused = unusedSources(aws, used);
  return unused.length === 0
    ? source
    : `${source}; also set but not used (lower in the AWS SDK's order): ${unused.join(', ')}`;
}

/**
 * Waits for `work`, but not past the deadline: then fails with a message naming the link. The SDK's
 * providers take no abort signal, but nothing they start outlives the deadline for long: their STS requests
 * end by it (sdk-http.ts), a credential_process is killed at it, and each adapter exits soon after reporting
 * (exit-soon.ts).
 */
export async function beforeDeadline<T>(
  work: Promise<T>,
  clock: Clock,
  deadline: number,
  what: string,
  totalMs: number,
): Promise<T> {
  const remaining = deadline - clock.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AuthError(
            `${what} did not answer before the overall timeout (timeout-seconds, ${formatMs(totalMs)}). Check that the source is reachable from this job, or raise timeout-seconds.`,
            { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
          ),
        ),
      Math.max(0, remaining),
    );
    timer.unref?.();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether an SDK error is a request that did not complete: its timeout (TimeoutError) or a socket error. */
export function networkFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if (err instanceof NetworkError) return true;
  const { name, code } = err as { name?: unknown; code?: unknown };
  return (
    name === 'TimeoutError' ||
    (typeof code === 'string' &&
      ['ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(
        code,
      ))
  );
}

/** An SDK link's failure: does the chain move on (the link does not apply) or stop (it applies and failed)? */
export function passesOn(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { tryNextLink?: unknown }).tryNextLink === true;
}

/** Credentials as the SDK's providers return them; `$source` is the SDK's public attribution (AttributedAwsCredentialIdentity). */
export interface SdkCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  $source?: Record<string, string>;
}

/** Turns SDK credentials into the tool's, masking the secret parts before anything else sees them. */
export function adopt(creds: SdkCredentials, source: string, deps: ChainDeps): ResolvedCredentials {
  if (
    typeof creds.accessKeyId !== 'string' ||
    creds.accessKeyId === '' ||
    typeof creds.secretAccessKey !== 'string' ||
    creds.secretAccessKey === ''
  ) {
    throw new AuthError(`${source} gave credentials without an access key ID or secret access key.`, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  }
  const adopted = handOn(creds, source, deps);
  if (creds.expiration instanceof Date && creds.expiration.getTime() <= deps.clock.now()) {
    throw new AuthError(
      `${source} gave credentials that expired at ${creds.expiration.toISOString()}. Refresh them (rerun the step that writes them), or fix the local clock.`,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  }
  return adopted;
}

/** What a link hands on: the keys, their secret parts masked first, and where they came from. */
export function handOn(creds: AwsCredentials, source: string, deps: ChainDeps): ResolvedCredentials {
  deps.secret(creds.secretAccessKey);
  if (creds.sessionToken) deps.secret(creds.sessionToken);
  return {
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
    source,
  };
}
