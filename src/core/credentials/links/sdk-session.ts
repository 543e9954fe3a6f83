/**
 * What the links that use the AWS SDK's providers share, set up once by the loop before the first of them
 * runs: the SDK's providers (loaded only then), its log lines and process warnings through the tool's logger,
 * the shared files checked as small regular files (shared-files.ts) and every secret they hold masked, and
 * the STS client configuration that sends through the tool's client within the deadline (sdk-http.ts).
 */
import { inspect } from 'node:util';
import type * as SdkLinks from '../sdk-providers.js';
import { AuthError, errorMessage, quoteForLog, truncate } from '../../safety/errors.js';
import { createHttpClient } from '../../network/http.js';
import { sdkHttpHandler } from '../sdk-http.js';
import { readSecretFile, WEB_IDENTITY_TOKEN_MAX_BYTES } from '../../safety/secret-file.js';
import { checkSharedFiles, sharedFiles } from '../shared-files.js';
import type { AwsEnvironment } from '../aws-environment.js';
import { beforeDeadline, networkFailure, type ChainDeps } from './chain-link.js';
import type { Logger } from '../../safety/log-safety.js';

type Profiles = Record<string, Record<string, string | undefined>>;

export interface SdkSession {
  sdk: typeof SdkLinks;
  logger: ReturnType<typeof sdkLogger>;
  /** The STS client of the role links (see startSdkSession). */
  clientConfig: Record<string, unknown>;
  roleAssumerWithWebIdentity(
    p: SdkLinks.AssumeRoleWithWebIdentityParams,
  ): ReturnType<ReturnType<typeof SdkLinks.fromWebToken>>;
  /** AWS_PROFILE, else "default". */
  profile: string;
  /** Whether AWS_PROFILE names the profile. */
  explicitProfile: boolean;
  /** The profiles of the shared files, undefined when they could not be read (the SDK's own link reports it). */
  profiles: Profiles | undefined;
  profileSettings: Record<string, string | undefined> | undefined;
  /** Runs a link's work, failing at the deadline with a message naming `what`. */
  run<T>(what: string, work: () => Promise<T>): Promise<T>;
  /** A link's failure as an AuthError: the tool's own errors as they are, the SDK's with the link and `fix`. */
  failed(what: string, err: unknown, fix: string): AuthError;
}

/** One part of an SDK log call as text: strings as they are, errors by message, other values inspected (bounded). */
export function sdkLogText(part: unknown): string {
  if (typeof part === 'string') return part;
  if (part instanceof Error) return errorMessage(part);
  return inspect(plainForLog(part, 0), {
    depth: 4,
    breakLength: Infinity,
    maxArrayLength: 10,
    maxStringLength: 200,
    compact: true,
  });
}

/** A copy of a log value with errors as "Name: message" (no stack, no paths) and nesting cut at three levels. */
function plainForLog(value: unknown, depth: number): unknown {
  if (value instanceof Error) return `${value.name}: ${errorMessage(value)}`;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 3) return Array.isArray(value) ? '[Array]' : '[Object]';
  if (Array.isArray(value)) return value.slice(0, 10).map((v) => plainForLog(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value).slice(0, 20)) out[key] = plainForLog(v, depth + 1);
  return out;
}

/** The SDK's log lines, through the tool's logger: one line each, controls escaped, never raw to stderr. */
export function sdkLogger(
  log: Logger,
  open: () => boolean = () => true,
): {
  trace(...a: unknown[]): void;
  debug(...a: unknown[]): void;
  info(...a: unknown[]): void;
  warn(...a: unknown[]): void;
  error(...a: unknown[]): void;
} {
  const text = (parts: unknown[]): string => truncate(parts.map(sdkLogText).join(' '), 400);
  // Once the chain has answered, a late line (an SDK call cut off at the deadline logging its end) is dropped.
  const debug = (...parts: unknown[]): void => {
    if (open()) log.debug(`AWS SDK: ${text(parts)}`);
  };
  const warn = (...parts: unknown[]): void => {
    if (open()) log.warning(`AWS SDK: ${text(parts)}`);
  };
  return { trace: debug, debug, info: debug, warn, error: warn };
}

/**
 * While the SDK's providers run, process warnings (the SDK emits some with process.emitWarning, such as its
 * Node version notice) go through the tool's logger instead of Node's default printer on stderr. Returns
 * the function that puts Node's listeners back.
 */
export function routeProcessWarnings(log: Logger, proc: NodeJS.Process = process): () => void {
  const previous = proc.listeners('warning');
  const listener = (warning: Error): void =>
    log.warning(`AWS SDK: ${truncate(`${warning.name}: ${warning.message}`, 400)}`);
  proc.removeAllListeners('warning');
  proc.on('warning', listener);
  return () => {
    proc.off('warning', listener);
    for (const l of previous) proc.on('warning', l as (w: Error) => void);
  };
}

/** Where the SDK's STS client sends its calls, for a message. */
function stsDescription(aws: AwsEnvironment, region: string): string {
  const override = aws.sdkStsEndpointVariable;
  return override !== undefined ? `the STS endpoint in ${override}` : `STS (sts.${region}.amazonaws.com)`;
}

/** Masks a token file's content before the SDK reads it, and refuses one that is not a small regular file. */
export function maskTokenFile(path: string, variable: string, deps: ChainDeps): void {
  const token = readSecretFile(path, WEB_IDENTITY_TOKEN_MAX_BYTES, variable, 'the web identity (OIDC) token').trim();
  if (token === '')
    throw new AuthError(`${variable} ${quoteForLog(path, 200)} is empty. It must hold the web identity (OIDC) token.`, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  deps.secret(token);
}

/**
 * A profile and the source profiles it chains through (source_profile), each once, outermost first: the walk stops
 * at a profile without source_profile, at one that is not in the files, or where the chain loops.
 */
export function sourceProfileChain(profile: string, profiles: Profiles): string[] {
  const chain: string[] = [];
  for (let name: string | undefined = profile; name !== undefined && !chain.includes(name);) {
    chain.push(name);
    name = profiles[name]?.['source_profile'];
  }
  return chain;
}

/**
 * Every secret a profile has the SDK read: the keys and web identity token files of the profile and of the
 * source profiles it chains through (a source profile's keys never come back in the credentials).
 */
async function maskProfileFiles(sdk: typeof SdkLinks, profile: string, deps: ChainDeps): Promise<Profiles | undefined> {
  let profiles: Profiles;
  try {
    profiles = (await sdk.parseKnownFiles({ profile, ignoreCache: true })) as Profiles;
  } catch {
    return undefined; // unreadable files: the SDK's own link reports it
  }
  for (const name of sourceProfileChain(profile, profiles)) {
    for (const key of ['aws_secret_access_key', 'aws_session_token']) {
      const value = profiles[name]?.[key]?.trim();
      if (value) deps.secret(value);
    }
    const file = profiles[name]?.['web_identity_token_file'];
    if (file) maskTokenFile(file, `web_identity_token_file of profile ${quoteForLog(name, 64)}`, deps);
  }
  return profiles;
}

/**
 * Loads the SDK's providers and sets up what its links share. Returns the session and the function that ends
 * it (the SDK's late log lines dropped, Node's warning listeners back), which the loop calls once the chain
 * has answered or failed.
 */
export async function startSdkSession(
  deps: ChainDeps,
  totalMs: number,
): Promise<{ session: SdkSession; stop(): Promise<void> }> {
  const { aws, log } = deps;
  if (aws.explicitProfile && aws.accessKeyId !== undefined && aws.secretAccessKey !== undefined) {
    log.warning(
      `AWS_PROFILE ${quoteForLog(aws.profile, 64)} and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are both set: using the profile, as the AWS SDK does. Unset one of them to make the choice explicit.`,
    );
  }
  log.debug('No AWS keys in the environment; trying the rest of the AWS SDK default credential chain');
  const sdk = await deps.loadSdk();
  const restoreWarnings = routeProcessWarnings(log);
  let answered = false;
  const stop = async (): Promise<void> => {
    answered = true;
    // After a tick, so a warning the SDK emitted (delivered on the next tick) still goes through the logger.
    await new Promise((resolve) => setImmediate(resolve));
    restoreWarnings();
  };
  try {
    return {
      session: await sessionWith(
        sdk,
        deps,
        sdkLogger(log, () => !answered),
        totalMs,
      ),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function sessionWith(
  sdk: typeof SdkLinks,
  deps: ChainDeps,
  logger: SdkSession['logger'],
  totalMs: number,
): Promise<SdkSession> {
  const { aws, clock } = deps;
  const profile = aws.profile;
  // Before the SDK reads them (its STS client reads them too, for any link): small regular files only.
  checkSharedFiles(aws);
  const configFile = sharedFiles(aws)[1]!;
  // The STS client of the role links: the run's region (no "default STS region" notice), every request through
  // the tool's client, each attempt within the deadline, plain http only to loopback (sdk-http.ts), and no more
  // attempts than max-attempts.
  const clientConfig = {
    region: deps.region,
    logger,
    maxAttempts: deps.maxAttempts,
    requestHandler: sdkHttpHandler({
      http: deps.http ?? createHttpClient({ https: undefined, http: undefined, noProxy: [] }),
      now: () => clock.now(),
      deadline: deps.deadline,
      attemptTimeoutMs: deps.attemptTimeoutMs,
      totalMs,
      endpointSource: () =>
        `The STS endpoint the AWS SDK would use for profile ${quoteForLog(profile, 64)} (endpoint_url, or the sts endpoint_url of its [services] section, in ${configFile.variable} ${quoteForLog(configFile.path, 160)})`,
    }),
  };
  const profiles = await maskProfileFiles(sdk, profile, deps);
  return {
    sdk,
    logger,
    clientConfig,
    // A web_identity_token_file profile: the SDK would build its STS client without clientConfig (and guess the
    // region, with a notice on stderr); this assumer is the SDK's own, given the same clientConfig.
    roleAssumerWithWebIdentity: (p) =>
      sdk.fromWebToken({
        roleArn: p.RoleArn,
        webIdentityToken: p.WebIdentityToken,
        ...(p.RoleSessionName !== undefined ? { roleSessionName: p.RoleSessionName } : {}),
        ...(p.ProviderId !== undefined ? { providerId: p.ProviderId } : {}),
        ...(p.PolicyArns !== undefined ? { policyArns: p.PolicyArns } : {}),
        ...(p.Policy !== undefined ? { policy: p.Policy } : {}),
        ...(p.DurationSeconds !== undefined ? { durationSeconds: p.DurationSeconds } : {}),
        clientConfig,
        logger,
      })(),
    profile,
    explicitProfile: aws.explicitProfile,
    profiles,
    profileSettings: profiles?.[profile],
    run: (what, work) => beforeDeadline(work(), clock, deps.deadline, what, totalMs),
    // The tool's own errors (token files, the deadline) already say what to fix; the SDK's get the link and a fix.
    // A request the SDK could not complete (no answer in time, refused, reset) is about the network, not the link's setup.
    failed: (what, err, fix) =>
      err instanceof AuthError
        ? err
        : new AuthError(
            `AWS credentials from ${what} failed: ${truncate(errorMessage(err), 400).replace(/\.$/, '')}. ${networkFailure(err) ? `STS could not be reached in time: check that this job can reach ${stsDescription(aws, deps.region)}, or raise attempt-timeout-seconds.` : fix}`,
            { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
          ),
  };
}
