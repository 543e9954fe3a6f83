import type { Clock } from './network/clock.js';
import type { Config } from './config/config.js';
import { credentialsFromEnv } from './credentials/env-credentials.js';
import type { AwsEnvironment } from './credentials/aws-environment.js';
import type * as CredentialChain from './credentials/links/credential-chain.js';
import { isMiss, type ChainDeps, type LinkContext } from './credentials/links/chain-link.js';
import { environmentLink } from './credentials/links/environment.js';
import { AuthError, errorMessage, quoteForLog } from './safety/errors.js';
import type { HttpClient } from './network/http.js';
import type { Logger, SecretOptions } from './safety/log-safety.js';
import { remainingWithin, withRetries, type RetryOptions } from './network/retry.js';
import type { SigningClock } from './proof/signing-clock.js';
import type { AwsCredentials, StsTarget } from './proof/signing.js';
import { assumeRoleWithWebIdentity, lookupCallerIdentity, StsBadAnswer } from './sts/sts.js';
import type { CallerIdentity } from './sts/caller-identity.js';
import { describeToken, type WebIdentityTokenSource } from './ci-tokens/token-source.js';

/** The shortest time limit the identity lookup gets, whatever attempt-timeout-seconds says. */
export const LOOKUP_MIN_MS = 5000;

/** Whose credentials they are, or why that could not be learned. */
export interface LearnedIdentity {
  identity: CallerIdentity | undefined;
  /** What STS said when it was asked and could not tell. */
  failure: string | undefined;
  /** STS answered with a value that must not be handed on (StsBadAnswer): the run fails with it. */
  refused?: StsBadAnswer;
}

/** How to learn whose the credentials are. `learn` asks at most once, whoever calls first; it never rejects. */
export interface IdentityLookup {
  learn(): Promise<LearnedIdentity>;
}

/** What a credential source hands on: the credentials, where they came from, and how to learn the identity. */
export interface FoundCredentials {
  credentials: AwsCredentials;
  /** For the log: "environment variables (long-term access key)", "AssumeRoleWithWebIdentity (arn…)", … */
  source: string;
  identity: IdentityLookup;
}

export interface CredentialSource {
  resolve(): Promise<FoundCredentials>;
  /**
   * Whether STS will be asked while the credentials are resolved or learned early enough that its connection
   * is worth opening ahead: AssumeRoleWithWebIdentity always; the identity lookup of the SDK chain's
   * credentials when the run wants it. (With keys in the environment the lookup only starts once the exchange
   * is sent, so nothing waits for that handshake.)
   */
  readonly stsAhead: boolean;
}

/** What the sources need from the run. */
export interface SourceContext {
  config: Config;
  /** What the AWS credential chain reads from the environment (Deps.aws). */
  aws: AwsEnvironment;
  /** The end of the AWS_NO_CREDENTIALS message (Deps.credentialsFix). */
  credentialsFix: string;
  http: HttpClient;
  clock: Clock;
  log: Logger;
  /** Registers a secret with the masker. */
  secret(value: string, opts?: SecretOptions): void;
  /** The rest of the AWS SDK's default chain (links/credential-chain.ts), loaded only when no keys are in the environment. */
  credentialChain(): Promise<typeof CredentialChain>;
  webIdentity: WebIdentityTokenSource | undefined;
  /** Whether the run asks STS for the identity (see Deps.learnIdentity). */
  learnIdentity: boolean;
  retry: RetryOptions;
  signingClock: SigningClock;
  /** Where the tool's own STS calls go. */
  target: StsTarget;
}

/**
 * The source for this run: a role assumed with a web identity token when role-to-assume is set, else the AWS
 * SDK's default chain, link by link (credentials/links/chain-links.ts): keys in the environment first, refused
 * before any request when malformed, and read here; only without them is the rest of the chain loaded
 * (links/credential-chain.ts). Each link masks what it reads and names the link that answered.
 */
export function credentialSourceFor(ctx: SourceContext): CredentialSource {
  if (ctx.config.roleToAssume !== undefined) return webIdentitySource(ctx.config.roleToAssume, ctx);
  // Malformed keys in the environment are refused here, before any connection; the environment link reads them again.
  const keysInEnv = credentialsFromEnv(ctx.aws) !== undefined;
  return {
    // allowed-account-ids asks STS before the exchange, so its connection is worth opening ahead too.
    stsAhead: ctx.config.allowedAccountIds !== undefined || (!keysInEnv && ctx.learnIdentity),
    async resolve() {
      const { aws, credentialsFix, clock, log, secret, config } = ctx;
      const deps: Omit<ChainDeps, 'loadSdk'> = {
        aws,
        credentialsFix,
        clock,
        log,
        secret,
        http: ctx.http,
        deadline: ctx.retry.deadline,
        timeoutMs: config.timeoutMs,
        attemptTimeoutMs: config.attemptTimeoutMs,
        maxAttempts: config.maxAttempts,
        region: config.region,
        target: ctx.target,
      };
      const first: LinkContext = { deps: { ...deps, loadSdk: notLoaded }, aws, totalMs: 0, session: undefined };
      const fromEnv = environmentLink.applies(first) ? await environmentLink.resolve(first) : undefined;
      const credentials =
        fromEnv !== undefined && !isMiss(fromEnv)
          ? fromEnv
          : await (await ctx.credentialChain()).runCredentialChain(deps);
      return found(credentials, credentials.source, ctx);
    },
  };
}

/** The environment link needs none of the SDK's providers. */
function notLoaded(): never {
  throw new Error('the environment link does not load the AWS SDK');
}

/** Keys found without assuming a role: masked, and their identity asked of STS when wanted. */
function found(credentials: AwsCredentials, source: string, ctx: SourceContext): FoundCredentials {
  ctx.secret(credentials.secretAccessKey);
  if (credentials.sessionToken !== undefined) ctx.secret(credentials.sessionToken);
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return {
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) },
    source,
    identity: new StsIdentityLookup({ accessKeyId, secretAccessKey, sessionToken }, ctx),
  };
}

/** The note for a run where role-to-assume is set and AWS_ROLE_ARN names another role: which one is used. */
export function roleArnNote(aws: AwsEnvironment, roleToAssume: string): string | undefined {
  const fromEnv = aws.roleArn;
  if (fromEnv === undefined || fromEnv === roleToAssume) return undefined;
  return `AWS_ROLE_ARN ${quoteForLog(fromEnv, 120)} is set but not used: role-to-assume takes precedence.`;
}

/**
 * AssumeRoleWithWebIdentity with a token fetched afresh for every attempt. The identity is then known: it is
 * in STS's answer.
 */
function webIdentitySource(roleArn: string, ctx: SourceContext): CredentialSource {
  return {
    stsAhead: true,
    async resolve() {
      const tokens = ctx.webIdentity;
      if (tokens === undefined)
        throw new AuthError('role-to-assume is set but no web identity token source is available.', {
          code: 'UNEXPECTED',
        });
      const note = roleArnNote(ctx.aws, roleArn);
      if (note !== undefined) ctx.log.info(note);
      ctx.log.info(
        `Assuming ${roleArn} with a web identity token from ${tokens.name} (STS endpoint ${ctx.target.endpoint})`,
      );
      const assumed = await withRetries(
        `AssumeRoleWithWebIdentity for ${roleArn}`,
        async ({ timeoutMs }) => {
          const started = ctx.clock.now();
          const token = await tokens.fetch(timeoutMs);
          ctx.secret(token);
          return assumeRoleWithWebIdentity(ctx.http, {
            roleArn,
            sessionName: ctx.config.roleSessionName,
            durationSeconds: ctx.config.roleDurationSeconds,
            webIdentityToken: token,
            tokenDescription: describeToken(tokens.name, token),
            target: ctx.target,
            timeoutMs: Math.max(1, timeoutMs - (ctx.clock.now() - started)),
          });
        },
        ctx.retry,
      );
      for (const value of [
        assumed.credentials.accessKeyId,
        assumed.credentials.secretAccessKey,
        assumed.credentials.sessionToken,
      ])
        ctx.secret(value);
      const known: LearnedIdentity = { identity: assumed.identity, failure: undefined };
      return {
        credentials: assumed.credentials,
        source: `AssumeRoleWithWebIdentity (${assumed.identity.arn})`,
        identity: { learn: () => Promise.resolve(known) },
      };
    },
  };
}

/**
 * GetCallerIdentity to the tool's own STS endpoint: best effort, re-signed once if refused for its time.
 * One attempt: attempt-timeout-seconds, but at least LOOKUP_MIN_MS (a short attempt timeout is there to retry
 * the exchange sooner, and cutting the lookup short while the exchange is still being retried would save no
 * time), and never past the overall deadline.
 */
class StsIdentityLookup implements IdentityLookup {
  private asked: Promise<LearnedIdentity> | undefined;

  constructor(
    private readonly credentials: AwsCredentials,
    private readonly ctx: SourceContext,
  ) {}

  learn(): Promise<LearnedIdentity> {
    this.asked ??= this.ask().then(
      (identity) => ({ identity, failure: undefined }),
      (err: unknown) => {
        const failure = errorMessage(err);
        this.ctx.log.debug(`Could not learn the caller identity from STS at ${this.ctx.target.endpoint}: ${failure}`);
        return { identity: undefined, failure, ...(err instanceof StsBadAnswer ? { refused: err } : {}) };
      },
    );
    return this.asked;
  }

  private async ask(): Promise<CallerIdentity> {
    // The limit counts from when the lookup starts (after the exchange request is out, or to explain a
    // rejection); a request re-signed with the server's time gets what is left of it.
    const { clock, retry } = this.ctx;
    const until = clock.now() + remainingWithin(retry, Math.max(LOOKUP_MIN_MS, retry.attemptTimeoutMs));
    try {
      return await this.once(until);
    } catch (err) {
      if (!this.ctx.signingClock.adoptServerTime(err, 'STS')) throw err;
      return this.once(until);
    }
  }

  private once(until: number): Promise<CallerIdentity> {
    const timeoutMs = Math.max(1, until - this.ctx.clock.now());
    return lookupCallerIdentity(
      this.ctx.http,
      this.credentials,
      this.ctx.target,
      this.ctx.signingClock.now(),
      timeoutMs,
    );
  }
}
