import type * as ChainModule from '@aws-sdk/credential-provider-node';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { credentialsFromChain, credentialsFromEnv, type ResolvedCredentials } from './credentials.js';
import { AuthError, errorMessage } from './errors.js';
import { sendExchange } from './exchange.js';
import { formatMs, type HttpClient } from './http.js';
import { readIssued, type IssuedCredential } from './mondoo-credential.js';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.js';
import { serializeSignedRequest, signGetCallerIdentity } from './signing.js';
import { clockSkewOf, farClockError, skewWarning } from './skew.js';
import { assumeRoleWithWebIdentity, explainStsRefusal, lookupCallerIdentity, stsTargetFor } from './sts.js';
import { subjectPatternFor, type CallerIdentity } from './subject.js';
import { describeToken, type WebIdentityTokenSource } from './web-identity.js';

export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

/** Code that is loaded only when its path is taken; each adapter decides how (a lazy chunk, or inline). */
export interface LazyModules {
  /** The AWS SDK's default credential chain, for runs with no keys in the environment and no role. */
  credentialChain(): Promise<typeof ChainModule>;
}

export interface Deps {
  env: NodeJS.ProcessEnv;
  /** Every request the tool makes itself goes through it (proxies, time limits). */
  http: HttpClient;
  clock: Clock;
  log: Logger;
  lazy: LazyModules;
  /** Registers a value with the masker. Called before the value can reach any output, file or log line. */
  secret(value: string): void;
  /** Where the web identity token comes from; required when config.roleToAssume is set. */
  webIdentity: WebIdentityTokenSource | undefined;
  /**
   * Whether the result must name the AWS identity when the credentials did not come from AssumeRole: it is
   * then asked of STS alongside the exchange. When false, STS is asked only to explain a rejection.
   */
  learnIdentity: boolean;
}

export interface AuthResult {
  /** Exactly as Mondoo returned it: the value for MONDOO_CONFIG_BASE64. */
  base64Credential: string;
  /** Its validated, non-secret fields (a service-account credential, or a short-lived token with response-type token). */
  credential: IssuedCredential;
  /** The AWS identity presented, when it could be learned. */
  identity: CallerIdentity | undefined;
}

export { MAX_CLOCK_SKEW_MS } from './skew.js';

/**
 * The whole job: AWS credentials → a freshly signed GetCallerIdentity per attempt → Mondoo's exchange →
 * a decoded, masked credential. The AWS identity is learned concurrently and never delays the exchange.
 */
export async function authenticate(config: Config, deps: Deps): Promise<AuthResult> {
  const { clock, log } = deps;
  // Each value is handed to the masker once: the base64 credential, for one, is registered as soon as it
  // arrives and again among the values decoded from it.
  const registered = new Set<string>();
  const secret = (value: string): void => {
    if (value === '' || registered.has(value)) return;
    registered.add(value);
    deps.secret(value);
  };
  const deadline = clock.now() + config.timeoutMs;
  const policy: RetryPolicy = { ...DEFAULT_RETRY, maxAttempts: config.maxAttempts };
  const retryOpts = { policy, clock, deadline, attemptTimeoutMs: config.attemptTimeoutMs, onRetry: (m: string) => log.warning(m) };
  const target = stsTargetFor(config.region, deps.env);

  // Signed requests use the local clock, corrected by the server's once a signature was refused for its time.
  let skewMs = 0;
  let skewReported = false;
  const signingTime = (): Date => new Date(clock.now() + skewMs);
  /** After a refusal for time from a server whose clock is far from ours: adopt its time; warn once per run. */
  const adoptServerClock = (err: unknown, server: string): boolean => {
    const skew = clockSkewOf(err, clock.now());
    if (skew === undefined) {
      // A server's time far from ours is never adopted (it would choose the signing time).
      const far = farClockError(err, clock.now(), server);
      if (far !== undefined) throw far;
      return false;
    }
    skewMs = skew;
    if (!skewReported) {
      skewReported = true;
      log.warning(skewWarning(skew, server));
    }
    return true;
  };

  let credentials: ResolvedCredentials;
  /** The AWS identity presented; in env mode the lookup starts on the first call (after the exchange is sent). */
  let identity: () => Promise<CallerIdentity | undefined>;
  let lookupFailure: string | undefined;
  if (config.roleToAssume !== undefined) {
    const source = deps.webIdentity;
    if (source === undefined) throw new AuthError('role-to-assume is set but no web identity token source is available.');
    const roleArn = config.roleToAssume;
    log.info(`Assuming ${roleArn} with a web identity token from ${source.name} (STS endpoint ${target.endpoint})`);
    const assumed = await withRetries(`AssumeRoleWithWebIdentity for ${roleArn}`, async ({ timeoutMs }) => {
      const started = clock.now();
      const token = await source.fetch(timeoutMs);
      secret(token);
      return assumeRoleWithWebIdentity(deps.http, {
        roleArn,
        sessionName: config.roleSessionName,
        durationSeconds: config.roleDurationSeconds,
        webIdentityToken: token,
        tokenDescription: describeToken(source.name, token),
        target,
        timeoutMs: Math.max(1, timeoutMs - (clock.now() - started)),
      });
    }, retryOpts);
    secret(assumed.credentials.accessKeyId);
    secret(assumed.credentials.secretAccessKey);
    secret(assumed.credentials.sessionToken);
    credentials = { ...assumed.credentials, source: `AssumeRoleWithWebIdentity (${assumed.identity.arn})` };
    const known = Promise.resolve(assumed.identity);
    identity = () => known;
  } else {
    const fromEnv = credentialsFromEnv(deps.env);
    if (fromEnv === undefined) log.debug('No AWS keys in the environment; loading the AWS SDK default credential chain');
    credentials = fromEnv ?? (await credentialsFromChain(deps.lazy.credentialChain, deps.env, config.attemptTimeoutMs));
    secret(credentials.secretAccessKey);
    if (credentials.sessionToken !== undefined) secret(credentials.sessionToken);
    // Learned alongside the exchange, started right after the exchange request is sent (never before it,
    // so it cannot delay it); best effort, re-signed once if refused for its time.
    // Its own limit, not the exchange's per-attempt one: a short attempt timeout is there to retry the exchange
    // sooner, and cutting the lookup short while the exchange is still being retried would save no time.
    const lookupTimeoutMs = Math.max(1, Math.min(5000, deadline - clock.now()));
    const resolved = credentials;
    const lookup = async (): Promise<CallerIdentity> => {
      try {
        return await lookupCallerIdentity(deps.http, resolved, target, signingTime(), lookupTimeoutMs);
      } catch (err) {
        if (!adoptServerClock(err, 'STS')) throw err;
        return lookupCallerIdentity(deps.http, resolved, target, signingTime(), lookupTimeoutMs);
      }
    };
    let started: Promise<CallerIdentity | undefined> | undefined;
    identity = () =>
      (started ??= lookup().then(
        (found) => found,
        (err: unknown) => {
          lookupFailure = errorMessage(err);
          log.debug(`Could not learn the caller identity from STS at ${target.endpoint}: ${lookupFailure}`);
          return undefined;
        },
      ));
  }
  log.info(`AWS credentials: ${credentials.source}`);

  const exchangeOnce = async (timeoutMs: number): Promise<string> => {
    // Signed immediately before each attempt: the signature is valid for about 15 minutes.
    const signed = await signGetCallerIdentity(credentials, signingTime());
    const jwtToken = serializeSignedRequest(signed);
    secret(signed.signature);
    secret(jwtToken);
    const started = clock.now();
    const exchanged = sendExchange(deps.http, { universeDomain: config.universeDomain, audience: config.audience, issuerUri: config.issuerUri, jwtToken, responseType: config.responseType }, timeoutMs, clock.now());
    if (deps.learnIdentity) void identity(); // never rejects
    const { base64Credential } = await exchanged;
    log.debug(`Mondoo answered the exchange in ${formatMs(clock.now() - started)}`);
    return base64Credential;
  };

  log.info(`Exchanging a signed STS GetCallerIdentity request with Mondoo at ${config.universeDomain}`);
  let base64Credential: string;
  let resigned = false;
  try {
    base64Credential = await withRetries('The Mondoo token exchange', async ({ timeoutMs }) => {
      try {
        return await exchangeOnce(timeoutMs);
      } catch (err) {
        if (resigned || !adoptServerClock(err, 'Mondoo')) throw err;
        resigned = true;
        // A new request, signed now with the server's time: it gets a whole attempt's time, within the deadline.
        return exchangeOnce(Math.max(1, Math.min(config.attemptTimeoutMs, deadline - clock.now())));
      }
    }, retryOpts);
  } catch (err) {
    if (err instanceof AuthError && (err.status === 401 || err.status === 403)) {
      throw await rejection(err, await identity(), lookupFailure, config);
    }
    throw err;
  }
  // Masked (whatever could be decoded) before it is checked.
  const credential = readIssued(base64Credential, config.responseType, secret);
  return { base64Credential, credential, identity: deps.learnIdentity || config.roleToAssume !== undefined ? await identity() : undefined };
}

/** A 401/403 from Mondoo: name the ARN presented and the subject that would match it. */
async function rejection(err: AuthError, identity: CallerIdentity | undefined, lookupFailure: string | undefined, config: Config): Promise<AuthError> {
  const lines = [`Mondoo rejected the AWS identity for audience "${config.audience}". ${err.message}`];
  // STS refused the credentials themselves (expired, unknown, wrong secret, clock): that is the fix, not the subject.
  const stsFix = explainStsRefusal(err.message) ?? (identity === undefined && lookupFailure !== undefined ? explainStsRefusal(lookupFailure) : undefined);
  if (stsFix !== undefined) {
    if (identity !== undefined) lines.push(`AWS identity presented: ${identity.arn}`);
    lines.push(stsFix);
  } else if (identity !== undefined) {
    lines.push(`AWS identity presented: ${identity.arn}`);
    lines.push(`To allow it, set the Mondoo identity provider's subject to: ${subjectPatternFor(identity.arn)} (issuer ${config.issuerUri}), and check the audience matches.`);
  } else {
    lines.push(`The AWS identity presented could not be determined${lookupFailure ? ` (STS said: ${lookupFailure})` : ''}.`);
    lines.push('Check the identity provider in Mondoo: its subject must match the caller ARN (for an assumed role: arn:aws:sts::<account>:assumed-role/<RoleName>/*).');
  }
  return new AuthError(lines.join('\n'), { status: err.status });
}
