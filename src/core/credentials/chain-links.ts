/**
 * The AWS SDK's default credential chain, link by link in the SDK's order, so the tool knows (and logs)
 * which link answered, masks every secret a link reads, routes the SDK's warnings through the tool's
 * logger, and holds the whole chain to the run's deadline:
 *
 *   1. environment variables (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; skipped when AWS_PROFILE is set)
 *   2. the shared config and credentials files (profile AWS_PROFILE or "default": static keys,
 *      credential_process, role_arn + source_profile, web_identity_token_file, SSO)
 *   3. credential_process of that profile
 *   4. a web identity token file (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)
 *   5. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI), else
 *      EC2 instance metadata (IMDSv2) unless AWS_EC2_METADATA_DISABLED
 *
 * This is @aws-sdk/credential-provider-node's defaultProvider order (its SSO link only runs with SSO
 * options passed in code, never from the environment, so it is left out). Links 2 to 4 are the SDK's own
 * providers, held to the run: the shared files are checked as small regular files first (shared-files.ts),
 * their STS client sends through the tool's client within the deadline and only over TLS or to loopback
 * (sdk-http.ts), and what the SDK would run or fetch without a bound is done by the tool instead: a
 * credential_process (credential-process.ts, killed at the deadline) and role_arn + credential_source (the
 * tool's fetchers, then assume-role.ts). Link 1 is read directly (env-credentials.ts), and link 5 is fetched by
 * the tool (container-credentials.ts, instance-metadata.ts) so that no endpoint can hold the run past its
 * deadline or fill its memory. Like the SDK, a link that does not apply passes to the next; a link that
 * applies and fails ends the chain with its error.
 */
import { inspect } from 'node:util';
import type * as SdkLinks from './credential-chain.js';
import type { Clock } from '../network/clock.js';
import {
  authorizationToken,
  containerEndpoint,
  describeContainerSource,
  fetchContainerCredentials,
  FULL_URI_VAR,
  RELATIVE_URI_VAR,
  type ContainerEndpoint,
} from './container-credentials.js';
import { assumeRole } from '../sts/assume-role.js';
import { credentialsFixFor } from '../ci-tokens/ci-token-sources.js';
import type { AwsCredentials, StsTarget } from '../proof/signing.js';
import { chainDescription, credentialsFromEnv, imdsHint, type ResolvedCredentials } from './env-credentials.js';
import { AuthError, errorMessage, HttpFailure, NetworkError, quoteForLog, truncate } from '../safety/errors.js';
import { createHttpClient, formatMs, type HttpClient } from '../network/http.js';
import { imdsSettings, fetchInstanceCredentials } from './instance-metadata.js';
import { DEFAULT_RETRY, withRetries } from '../network/retry.js';
import { parseProcessOutput, runCredentialProcess } from './credential-process.js';
import { sdkHttpHandler } from './sdk-http.js';
import { readSecretFile, WEB_IDENTITY_TOKEN_MAX_BYTES } from '../safety/secret-file.js';
import { checkSharedFiles, sharedFiles } from './shared-files.js';

export interface ChainLogger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

export interface ChainDeps {
  env: NodeJS.ProcessEnv;
  clock: Clock;
  log: ChainLogger;
  secret(value: string): void;
  /** Loads the SDK's providers (credential-chain.ts); called only when the environment holds no keys. */
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

/** Credentials as the SDK's providers return them; `$source` is the SDK's public attribution (AttributedAwsCredentialIdentity). */
interface SdkCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  $source?: Record<string, string>;
}

/** What the SDK's $source feature says about how a profile gave its credentials. */
const PROFILE_FEATURES: [string, string][] = [
  ['CREDENTIALS_PROFILE_SOURCE_PROFILE', 'role_arn with source_profile: AssumeRole by the AWS SDK'],
  ['CREDENTIALS_PROFILE_NAMED_PROVIDER', 'role_arn with credential_source: AssumeRole by the AWS SDK'],
  ['CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN', 'web_identity_token_file: AssumeRoleWithWebIdentity by the AWS SDK'],
  ['CREDENTIALS_PROFILE_PROCESS', 'credential_process'],
  ['CREDENTIALS_PROFILE_SSO', 'IAM Identity Center (SSO)'],
  ['CREDENTIALS_PROFILE_SSO_LEGACY', 'IAM Identity Center (SSO)'],
  ['CREDENTIALS_PROFILE_LOGIN', 'console login'],
  ['CREDENTIALS_PROCESS', 'credential_process'],
  ['CREDENTIALS_PROFILE', 'static keys'],
];

/** How a profile's credentials were obtained, from the SDK's attribution; the first (outermost) feature that says. */
export function profileKind(creds: { $source?: Record<string, string> }): string {
  const features = creds.$source ?? {};
  for (const [feature, kind] of PROFILE_FEATURES) if (feature in features) return kind;
  return 'shared profile';
}

/** One part of an SDK log call as text: strings as they are, errors by message, other values inspected (bounded). */
export function sdkLogText(part: unknown): string {
  if (typeof part === 'string') return part;
  if (part instanceof Error) return errorMessage(part);
  return inspect(plainForLog(part, 0), { depth: 4, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 200, compact: true });
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
  log: ChainLogger,
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
export function routeProcessWarnings(log: ChainLogger, proc: NodeJS.Process = process): () => void {
  const previous = proc.listeners('warning');
  const listener = (warning: Error): void => log.warning(`AWS SDK: ${truncate(`${warning.name}: ${warning.message}`, 400)}`);
  proc.removeAllListeners('warning');
  proc.on('warning', listener);
  return () => {
    proc.off('warning', listener);
    for (const l of previous) proc.on('warning', l as (w: Error) => void);
  };
}

/** Whether AWS_EC2_METADATA_DISABLED turns IMDS off (the SDK treats any value other than "false" as off). */
function imdsDisabled(env: NodeJS.ProcessEnv): boolean {
  const value = env['AWS_EC2_METADATA_DISABLED'];
  return value !== undefined && value !== '' && value !== 'false';
}

/** The profile the SDK reads: AWS_PROFILE, else "default". */
export function profileName(env: NodeJS.ProcessEnv): string {
  return env['AWS_PROFILE']?.trim() || 'default';
}

/**
 * Sources present in the environment besides the one used, for the log ("not used: …"): the precedence
 * made visible.
 */
export function unusedSources(env: NodeJS.ProcessEnv, used: 'env' | 'profile' | 'token-file' | 'container' | 'imds' | 'role'): string[] {
  const out: string[] = [];
  const set = (name: string): boolean => (env[name]?.trim() ?? '') !== '';
  if (used !== 'env' && set('AWS_ACCESS_KEY_ID') && set('AWS_SECRET_ACCESS_KEY')) out.push('AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
  if (used !== 'profile' && used !== 'role' && set('AWS_PROFILE'))
    out.push(`AWS_PROFILE ${quoteForLog(env['AWS_PROFILE']?.trim() ?? '', 64)}`);
  if (used !== 'token-file' && used !== 'role' && set('AWS_ROLE_ARN') && set('AWS_WEB_IDENTITY_TOKEN_FILE'))
    out.push('AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE');
  if (used !== 'container') {
    if (set(RELATIVE_URI_VAR)) out.push(RELATIVE_URI_VAR);
    else if (set(FULL_URI_VAR)) out.push(FULL_URI_VAR);
  }
  return out;
}

function withUnused(source: string, env: NodeJS.ProcessEnv, used: Parameters<typeof unusedSources>[1]): string {
  const unused = unusedSources(env, used);
  return unused.length === 0 ? source : `${source}; also set but not used (lower in the AWS SDK's order): ${unused.join(', ')}`;
}

/** The note for a run where role-to-assume is set and AWS_ROLE_ARN names another role: which one is used. */
export function roleArnNote(env: NodeJS.ProcessEnv, roleToAssume: string): string | undefined {
  const fromEnv = env['AWS_ROLE_ARN']?.trim();
  if (!fromEnv || fromEnv === roleToAssume) return undefined;
  return `AWS_ROLE_ARN ${quoteForLog(fromEnv, 120)} is set but not used: role-to-assume takes precedence.`;
}

/**
 * Waits for `work`, but not past the deadline: then fails with a message naming the link. The SDK's
 * providers take no abort signal, but nothing they start outlives the deadline for long: their STS requests
 * end by it (sdk-http.ts), a credential_process is killed at it, and each adapter exits soon after reporting
 * (exit-soon.ts).
 */
export async function beforeDeadline<T>(work: Promise<T>, clock: Clock, deadline: number, what: string, totalMs: number): Promise<T> {
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
      ['ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code))
  );
}

/** Where the SDK's STS client sends its calls, for a message. */
function stsDescription(env: NodeJS.ProcessEnv, region: string): string {
  const override = env['AWS_ENDPOINT_URL_STS']?.trim()
    ? 'AWS_ENDPOINT_URL_STS'
    : env['AWS_ENDPOINT_URL']?.trim()
      ? 'AWS_ENDPOINT_URL'
      : undefined;
  return override !== undefined ? `the STS endpoint in ${override}` : `STS (sts.${region}.amazonaws.com)`;
}

/**
 * The credential_process command of a profile that gets its credentials from it, by the SDK's precedence
 * (fromIni: a role first, then static keys, then web identity, then the process); undefined otherwise.
 */
export function processCommand(settings: Record<string, string | undefined> | undefined): string | undefined {
  if (settings === undefined || typeof settings['credential_process'] !== 'string') return undefined;
  const role = typeof settings['role_arn'] === 'string';
  const sourced = (typeof settings['source_profile'] === 'string') !== (typeof settings['credential_source'] === 'string');
  if (role && sourced) return undefined;
  if (typeof settings['aws_access_key_id'] === 'string' && typeof settings['aws_secret_access_key'] === 'string') return undefined;
  if (role && typeof settings['web_identity_token_file'] === 'string') return undefined;
  return settings['credential_process'].trim() || undefined;
}

/** An SDK link's failure: does the chain move on (the link does not apply) or stop (it applies and failed)? */
function passesOn(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { tryNextLink?: unknown }).tryNextLink === true;
}

/** Masks a token file's content before the SDK reads it, and refuses one that is not a small regular file. */
function maskTokenFile(path: string, variable: string, deps: ChainDeps): void {
  const token = readSecretFile(path, WEB_IDENTITY_TOKEN_MAX_BYTES, variable, 'the web identity (OIDC) token').trim();
  if (token === '')
    throw new AuthError(`${variable} ${quoteForLog(path, 200)} is empty. It must hold the web identity (OIDC) token.`, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  deps.secret(token);
}

/**
 * Every secret a profile has the SDK read: the keys and web identity token files of the profile and of the
 * source profiles it chains through (a source profile's keys never come back in the credentials).
 */
async function maskProfileFiles(
  sdk: typeof SdkLinks,
  profile: string,
  deps: ChainDeps,
): Promise<Record<string, Record<string, string | undefined>> | undefined> {
  let profiles: Record<string, Record<string, string | undefined>>;
  try {
    profiles = (await sdk.parseKnownFiles({ profile, ignoreCache: true })) as Record<string, Record<string, string | undefined>>;
  } catch {
    return undefined; // unreadable files: the SDK's own link reports it
  }
  const seen = new Set<string>();
  for (let name: string | undefined = profile; name !== undefined && !seen.has(name); name = profiles[name]?.['source_profile']) {
    seen.add(name);
    for (const key of ['aws_secret_access_key', 'aws_session_token']) {
      const value = profiles[name]?.[key]?.trim();
      if (value) deps.secret(value);
    }
    const file = profiles[name]?.['web_identity_token_file'];
    if (file) maskTokenFile(file, `web_identity_token_file of profile ${quoteForLog(name, 64)}`, deps);
  }
  return profiles;
}

function describeProfile(
  env: NodeJS.ProcessEnv,
  profile: string,
  kind: string,
  settings: Record<string, string | undefined> | undefined,
): string {
  const files = [env['AWS_SHARED_CREDENTIALS_FILE']?.trim(), env['AWS_CONFIG_FILE']?.trim()].filter((f): f is string => Boolean(f));
  const where = files.length > 0 ? ` from ${files.map((f) => quoteForLog(f, 120)).join(' / ')}` : '';
  const role = settings?.['role_arn'] ? ` ${quoteForLog(settings['role_arn'], 120)}` : '';
  const via = settings?.['source_profile'] ? ` via profile ${quoteForLog(settings['source_profile'], 64)}` : '';
  return `shared profile ${quoteForLog(profile, 64)}${where} (${kind}${kind.startsWith('role_arn') || kind.startsWith('web_identity') ? `${role}${via}` : ''})`;
}

/** Turns SDK credentials into the tool's, masking the secret parts before anything else sees them. */
function adopt(creds: SdkCredentials, source: string, deps: ChainDeps): ResolvedCredentials {
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
  deps.secret(creds.secretAccessKey);
  if (creds.sessionToken) deps.secret(creds.sessionToken);
  if (creds.expiration instanceof Date && creds.expiration.getTime() <= deps.clock.now()) {
    throw new AuthError(
      `${source} gave credentials that expired at ${creds.expiration.toISOString()}. Refresh them (rerun the step that writes them), or fix the local clock.`,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  }
  return {
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
    source,
  };
}

/** The credential_source of a profile the tool resolves itself: role_arn + credential_source, no source_profile. */
export function credentialSourceOf(settings: Record<string, string | undefined> | undefined): string | undefined {
  if (settings === undefined || typeof settings['role_arn'] !== 'string' || typeof settings['source_profile'] === 'string')
    return undefined;
  return typeof settings['credential_source'] === 'string' ? settings['credential_source'].trim() : undefined;
}

/**
 * A chain of profiles (source_profile) that ends in credential_source = Ec2InstanceMetadata while
 * AWS_EC2_METADATA_DISABLED is set: refused before anything is asked (the SDK would ask IMDS regardless).
 */
function refuseDisabledImdsSource(
  profile: string,
  profiles: Record<string, Record<string, string | undefined>> | undefined,
  env: NodeJS.ProcessEnv,
): void {
  if (profiles === undefined || !imdsDisabled(env)) return;
  const seen = new Set<string>();
  for (let name: string | undefined = profile; name !== undefined && !seen.has(name); name = profiles[name]?.['source_profile']) {
    seen.add(name);
    if (profiles[name]?.['credential_source']?.trim() === 'Ec2InstanceMetadata') throw imdsDisabledError(name);
  }
}

function imdsDisabledError(profile: string): AuthError {
  return new AuthError(
    `Profile ${quoteForLog(profile, 64)} has credential_source = Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is set, so instance metadata is not asked. Unset AWS_EC2_METADATA_DISABLED on an EC2 runner, or use another credential_source.`,
    { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
  );
}

/**
 * role_arn + credential_source: the source credentials from the tool's own fetchers (instance metadata, container
 * credentials, or the environment's keys), then AssumeRole signed by the tool (assume-role.ts) with the profile's
 * role_session_name, external_id and duration_seconds, retried within the deadline.
 */
async function fromCredentialSource(
  profile: string,
  settings: Record<string, string | undefined>,
  deps: ChainDeps,
): Promise<ResolvedCredentials> {
  const { env, clock } = deps;
  const kind = credentialSourceOf(settings)!;
  const name = quoteForLog(profile, 64);
  let source: AwsCredentials;
  let from: string;
  if (kind === 'Ec2InstanceMetadata') {
    if (imdsDisabled(env)) throw imdsDisabledError(profile);
    const http = deps.directHttp ?? createHttpClient({ https: undefined, http: undefined, noProxy: [] });
    const timeoutMs = Math.max(1, Math.min(deps.attemptTimeoutMs, 2000, deps.deadline - clock.now()));
    const creds = await fetchInstanceCredentials(http, imdsSettings(env, settings), deps.secret, timeoutMs, () => clock.now());
    source = creds;
    from = `EC2 instance metadata, instance role ${creds.roleName}`;
  } else if (kind === 'EcsContainer') {
    const endpoint = containerEndpoint(env);
    if (endpoint === undefined)
      throw new AuthError(
        `Profile ${name} has credential_source = EcsContainer, but neither ${RELATIVE_URI_VAR} nor ${FULL_URI_VAR} is set. Run it in the container, or use another credential_source.`,
        { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
      );
    source = await fromContainer(endpoint, deps);
    from = `container credentials, ${endpoint.variable}`;
  } else if (kind === 'Environment') {
    const keys = credentialsFromEnv(env);
    if (keys === undefined)
      throw new AuthError(
        `Profile ${name} has credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set.`,
        { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
      );
    source = keys;
    from = 'environment variables';
  } else {
    throw new AuthError(
      `Profile ${name} has credential_source ${quoteForLog(kind, 40)}; expected EcsContainer, Ec2InstanceMetadata or Environment.`,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  }
  deps.secret(source.secretAccessKey);
  if (source.sessionToken) deps.secret(source.sessionToken);
  const assumed = await assumeProfileRole(profile, settings, source, deps);
  return {
    accessKeyId: assumed.accessKeyId,
    secretAccessKey: assumed.secretAccessKey,
    sessionToken: assumed.sessionToken,
    source: withUnused(
      `${describeProfile(env, profile, 'role_arn with credential_source: AssumeRole by the tool', settings)}, source credentials from ${from}`,
      env,
      'profile',
    ),
  };
}

/**
 * AssumeRole for a profile's role_arn with `source` credentials, signed by the tool (assume-role.ts) to the tool's
 * STS endpoint, with the profile's role_session_name (else the SDK's aws-sdk-js-<ms>), external_id and
 * duration_seconds, retried within the deadline. The new credentials are masked.
 */
async function assumeProfileRole(
  profile: string,
  settings: Record<string, string | undefined>,
  source: AwsCredentials,
  deps: ChainDeps,
): Promise<ResolvedCredentials & { sessionToken: string }> {
  const { clock } = deps;
  const name = quoteForLog(profile, 64);
  if (settings['mfa_serial'])
    throw new AuthError(`Profile ${name} needs an MFA code (mfa_serial), which a CI job cannot type. Use a role without MFA.`, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  const target = deps.target ?? { endpoint: `https://sts.${deps.region}.amazonaws.com`, region: deps.region };
  const roleArn = settings['role_arn']!.trim();
  const duration = Number.parseInt(settings['duration_seconds'] ?? '3600', 10);
  const request = {
    roleArn,
    sessionName: settings['role_session_name']?.trim() || `aws-sdk-js-${clock.now()}`,
    durationSeconds: Number.isNaN(duration) ? 3600 : duration,
    externalId: settings['external_id']?.trim() || undefined,
  };
  const http = deps.http ?? createHttpClient({ https: undefined, http: undefined, noProxy: [] });
  const assumed = await withRetries(
    `AssumeRole for ${roleArn} (profile ${name})`,
    ({ timeoutMs }) => assumeRole(http, source, request, target, new Date(clock.now()), timeoutMs),
    {
      policy: { ...DEFAULT_RETRY, maxAttempts: deps.maxAttempts },
      clock,
      deadline: deps.deadline,
      attemptTimeoutMs: deps.attemptTimeoutMs,
      onRetry: (m) => deps.log.warning(m),
    },
  );
  deps.secret(assumed.secretAccessKey);
  deps.secret(assumed.sessionToken);
  return { ...assumed, source: `AssumeRole ${assumed.arn}` };
}

/**
 * A role chain (role_arn + source_profile, possibly several) whose first credentials come from a credential_process
 * (by the SDK's precedence): the role profiles, outermost first, and the helper's profile and command. The tool
 * runs that chain itself, so the helper is killed at the deadline; any other chain stays the SDK's.
 */
export function processRoleChain(
  profile: string,
  profiles: Record<string, Record<string, string | undefined>> | undefined,
): { roles: string[]; helperProfile: string; command: string } | undefined {
  if (profiles === undefined) return undefined;
  const roles: string[] = [];
  for (let name = profile; ;) {
    const data = profiles[name];
    if (data === undefined || roles.includes(name)) return undefined;
    const isStatic = typeof data['aws_access_key_id'] === 'string' && typeof data['aws_secret_access_key'] === 'string';
    if (roles.length > 0 && isStatic) return undefined; // the SDK takes a source profile's static keys first
    const source = data['source_profile'];
    if (typeof data['role_arn'] === 'string' && typeof source === 'string' && typeof data['credential_source'] !== 'string') {
      roles.push(name);
      name = source;
      continue;
    }
    const command = processCommand(data);
    return roles.length > 0 && command !== undefined ? { roles, helperProfile: name, command } : undefined;
  }
}

/** The container link: the tool's own fetch, retried on network errors and 5xx within the deadline. */
async function fromContainer(endpoint: ContainerEndpoint, deps: ChainDeps): Promise<ResolvedCredentials> {
  const source = describeContainerSource(endpoint);
  for (const note of endpoint.ignored) deps.log.info(`Container credentials: ignoring ${note}.`);
  const token = authorizationToken(endpoint);
  if (token !== undefined) deps.secret(token);
  const http = deps.directHttp ?? createHttpClient({ https: undefined, http: undefined, noProxy: [] });
  const creds = await withRetries(
    `Container credentials from ${endpoint.variable}`,
    ({ timeoutMs }) => fetchContainerCredentials(http, endpoint, token, timeoutMs, deps.clock.now()),
    {
      policy: { ...DEFAULT_RETRY, maxAttempts: deps.maxAttempts },
      clock: deps.clock,
      deadline: deps.deadline,
      attemptTimeoutMs: deps.attemptTimeoutMs,
      onRetry: (m) => deps.log.warning(m),
    },
  ).catch((err: unknown) => {
    const message = errorMessage(err).replace(/([^.])$/, '$1.');
    const text = `${message}${/before the overall timeout|failed after/.test(message) ? ` The endpoint is ${endpoint.variable}; on ECS or EKS check the agent serving it, elsewhere unset ${endpoint.variable}.` : ''}`;
    throw err instanceof HttpFailure
      ? new HttpFailure(text, err, { code: err.code })
      : new AuthError(text, { code: 'AWS_CREDENTIAL_SOURCE_FAILED', cause: err });
  });
  deps.secret(creds.secretAccessKey);
  deps.secret(creds.sessionToken);
  return { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken, source };
}

/**
 * Runs the chain. Returns the first link's credentials, with `source` naming the link (and what else was
 * set but not used); throws an AuthError naming the link that failed, or listing where it looked.
 */
export async function resolveCredentials(deps: ChainDeps): Promise<ResolvedCredentials> {
  const { env, log, clock } = deps;
  const totalMs = deps.timeoutMs ?? Math.max(0, deps.deadline - clock.now());

  // 1. Environment variables (never loads the SDK).
  const fromEnv = credentialsFromEnv(env);
  if (fromEnv !== undefined) {
    deps.secret(fromEnv.secretAccessKey);
    if (fromEnv.sessionToken !== undefined) deps.secret(fromEnv.sessionToken);
    return { ...fromEnv, source: withUnused(fromEnv.source, env, 'env') };
  }
  if (env['AWS_PROFILE']?.trim() && env['AWS_ACCESS_KEY_ID']?.trim() && env['AWS_SECRET_ACCESS_KEY']?.trim()) {
    log.warning(
      `AWS_PROFILE ${quoteForLog(env['AWS_PROFILE'].trim(), 64)} and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are both set: using the profile, as the AWS SDK does. Unset one of them to make the choice explicit.`,
    );
  }
  log.debug('No AWS keys in the environment; trying the rest of the AWS SDK default credential chain');

  // Parsed before the SDK loads, but a broken setting is reported only if the chain reaches that link (an
  // earlier link may answer first, as in the SDK).
  let container: ContainerEndpoint | undefined;
  let containerProblem: unknown;
  try {
    container = containerEndpoint(env);
  } catch (err) {
    containerProblem = err;
  }

  const sdk = await deps.loadSdk();
  const restoreWarnings = routeProcessWarnings(log);
  try {
    return await sdkLinks(sdk, deps, { container, containerProblem, totalMs });
  } finally {
    // After a tick, so a warning the SDK emitted (delivered on the next tick) still goes through the logger.
    await new Promise((resolve) => setImmediate(resolve));
    restoreWarnings();
  }
}

/** Links 2 to 5, once the SDK's providers are loaded. */
async function sdkLinks(
  sdk: typeof SdkLinks,
  deps: ChainDeps,
  { container, containerProblem, totalMs }: { container: ContainerEndpoint | undefined; containerProblem: unknown; totalMs: number },
): Promise<ResolvedCredentials> {
  const { log } = deps;
  let answered = false;
  const logger = sdkLogger(log, () => !answered);
  try {
    return await sdkLinksWith(sdk, deps, logger, { container, containerProblem, totalMs });
  } finally {
    answered = true;
  }
}

async function sdkLinksWith(
  sdk: typeof SdkLinks,
  deps: ChainDeps,
  logger: ReturnType<typeof sdkLogger>,
  { container, containerProblem, totalMs }: { container: ContainerEndpoint | undefined; containerProblem: unknown; totalMs: number },
): Promise<ResolvedCredentials> {
  const { env, log, clock } = deps;
  const profile = profileName(env);
  // Before the SDK reads them (its STS client reads them too, for any link): small regular files only.
  checkSharedFiles(env);
  const configFile = sharedFiles(env)[1]!;
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
  // A web_identity_token_file profile: the SDK would build its STS client without clientConfig (and guess the
  // region, with a notice on stderr); this assumer is the SDK's own, given the same clientConfig.
  const roleAssumerWithWebIdentity = (p: SdkLinks.AssumeRoleWithWebIdentityParams) =>
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
    })();
  const explicitProfile = Boolean(env['AWS_PROFILE']?.trim());
  const tried: string[] = [];
  let profileFailure: AuthError | undefined;
  const run = async <T>(what: string, work: () => Promise<T>): Promise<T> => beforeDeadline(work(), clock, deps.deadline, what, totalMs);
  // The tool's own errors (token files, the deadline) already say what to fix; the SDK's get the link and a fix.
  // A request the SDK could not complete (no answer in time, refused, reset) is about the network, not the link's setup.
  const failed = (what: string, err: unknown, fix: string): AuthError =>
    err instanceof AuthError
      ? err
      : new AuthError(
          `AWS credentials from ${what} failed: ${truncate(errorMessage(err), 400).replace(/\.$/, '')}. ${networkFailure(err) ? `STS could not be reached in time: check that this job can reach ${stsDescription(env, deps.region)}, or raise attempt-timeout-seconds.` : fix}`,
          { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
        );

  // 2 and 3. The shared profile, and its credential_process.
  const profiles = await maskProfileFiles(sdk, profile, deps);
  const profileSettings = profiles?.[profile];
  // role_arn + credential_source: the source fetched by the tool's bounded fetchers, the role assumed by the tool.
  if (credentialSourceOf(profileSettings) !== undefined) {
    const what = `shared profile ${quoteForLog(profile, 64)}`;
    try {
      return await run(what, () => fromCredentialSource(profile, profileSettings!, deps));
    } catch (err) {
      throw failed(
        what,
        err,
        `Fix profile ${quoteForLog(profile, 64)} in the shared config/credentials files${explicitProfile ? ', or unset AWS_PROFILE' : ''}.`,
      );
    }
  }
  refuseDisabledImdsSource(profile, profiles, env);
  // role_arn + source_profile down to a credential_process: the helper run (and killed) by the tool, the roles assumed by it.
  const processChain = processRoleChain(profile, profiles);
  if (processChain !== undefined) {
    const what = `shared profile ${quoteForLog(profile, 64)}`;
    try {
      return await run(what, async () => {
        const stdout = await runCredentialProcess({
          command: processChain.command,
          profile: processChain.helperProfile,
          limitMs: deps.deadline - clock.now(),
          totalMs,
          env,
        });
        let creds: AwsCredentials = parseProcessOutput(stdout, processChain.helperProfile, clock.now());
        deps.secret(creds.secretAccessKey);
        if (creds.sessionToken) deps.secret(creds.sessionToken);
        for (const role of [...processChain.roles].reverse()) creds = await assumeProfileRole(role, profiles![role]!, creds, deps);
        return adopt(
          creds as SdkCredentials,
          withUnused(
            `${describeProfile(env, profile, 'role_arn with source_profile: AssumeRole by the tool', profileSettings)}, source credentials from credential_process of profile ${quoteForLog(processChain.helperProfile, 64)}`,
            env,
            'profile',
          ),
          deps,
        );
      });
    } catch (err) {
      throw failed(
        what,
        err,
        `Fix profile ${quoteForLog(profile, 64)} in the shared config/credentials files${explicitProfile ? ', or unset AWS_PROFILE' : ''}.`,
      );
    }
  }
  // A profile whose credentials come from credential_process (the SDK's precedence: not a role, no static keys,
  // no web identity): the tool runs the helper, killed at the deadline (credential-process.ts).
  const helper = processCommand(profileSettings);
  // The process link (3) runs the profile's credential_process too, whenever it has one: never the SDK's exec.
  const command = helper ?? (profileSettings?.['credential_process']?.trim() || undefined);
  // Its refusals become plain errors, so the failure names the profile and its fix as an SDK link's does.
  const ownProcess = async (): Promise<SdkCredentials> => {
    try {
      const stdout = await runCredentialProcess({ command: command!, profile, limitMs: deps.deadline - clock.now(), totalMs, env });
      return parseProcessOutput(stdout, profile, clock.now());
    } catch (err) {
      throw new Error(errorMessage(err), { cause: err });
    }
  };
  for (const [link, provider] of [
    [
      'profile',
      helper !== undefined
        ? ownProcess
        : () => sdk.fromIni({ profile, logger, clientConfig, ignoreCache: true, roleAssumerWithWebIdentity })(),
    ],
    ['process', command !== undefined ? ownProcess : () => sdk.fromProcess({ profile, logger })()],
  ] as const) {
    if (link === 'process' && helper !== undefined) break; // the profile link ran it already
    const what = `shared profile ${quoteForLog(profile, 64)}`;
    try {
      const creds = (await run(what, provider)) as SdkCredentials;
      return adopt(
        creds,
        withUnused(
          describeProfile(
            env,
            profile,
            link === 'process' || helper !== undefined ? 'credential_process' : profileKind(creds),
            profileSettings,
          ),
          env,
          'profile',
        ),
        deps,
      );
    } catch (err) {
      if (!passesOn(err)) {
        throw failed(
          what,
          err,
          `Fix profile ${quoteForLog(profile, 64)} in the shared config/credentials files${explicitProfile ? ', or unset AWS_PROFILE' : ''}.`,
        );
      }
      if (link === 'profile') tried.push(`${what}: ${truncate(errorMessage(err), 160)}`);
      // The profile exists but could not give credentials: if no later link answers, that is the error to fix.
      if (link === 'profile' && profileSettings !== undefined)
        profileFailure ??= failed(
          what,
          err,
          `Fix profile ${quoteForLog(profile, 64)} in the shared config/credentials files${explicitProfile ? ', or unset AWS_PROFILE' : ''}.`,
        );
    }
  }

  // 4. A web identity token file from the environment (IRSA on EKS, e.g. Actions Runner Controller).
  const roleArn = env['AWS_ROLE_ARN']?.trim();
  const tokenFile = env['AWS_WEB_IDENTITY_TOKEN_FILE']?.trim();
  if (roleArn && tokenFile) {
    const what = `the web identity token file (AWS_ROLE_ARN ${quoteForLog(roleArn, 120)}, AWS_WEB_IDENTITY_TOKEN_FILE ${quoteForLog(tokenFile, 160)})`;
    try {
      maskTokenFile(tokenFile, 'AWS_WEB_IDENTITY_TOKEN_FILE', deps);
      const creds = (await run(what, () => sdk.fromTokenFile({ logger, clientConfig })())) as SdkCredentials;
      return adopt(creds, withUnused(`${what}: AssumeRoleWithWebIdentity by the AWS SDK`, env, 'token-file'), deps);
    } catch (err) {
      if (!passesOn(err)) {
        throw failed(
          what,
          err,
          "Check that the role trusts the cluster's OIDC provider and the service account (IRSA), that the token file is the one EKS mounts, and that AWS_ROLE_ARN is the role to use.",
        );
      }
    }
  } else if (roleArn || tokenFile) {
    log.debug(`Only one of AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE is set; the web identity token file link does not apply`);
  }

  // 5. Container credentials, else EC2 instance metadata.
  if (containerProblem !== undefined) throw containerProblem;
  if (container !== undefined) return fromContainer(container, deps);

  const imdsTimeoutMs = Math.max(1, Math.min(deps.attemptTimeoutMs, 2000, deps.deadline - clock.now()));
  const started = clock.now();
  let imdsTried = false;
  if (!imdsDisabled(env)) {
    imdsTried = true;
    const settings = imdsSettings(env, profileSettings);
    const http = deps.directHttp ?? createHttpClient({ https: undefined, http: undefined, noProxy: [] });
    try {
      // One attempt, each request within the IMDS time limit, as the SDK's (maxRetries 0): a machine that is not on
      // EC2 fails within seconds.
      const creds = await run('EC2 instance metadata (IMDSv2)', () =>
        fetchInstanceCredentials(http, settings, deps.secret, imdsTimeoutMs, () => clock.now()),
      );
      deps.secret(creds.secretAccessKey);
      deps.secret(creds.sessionToken);
      return {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
        source: withUnused(`EC2 instance metadata (IMDSv2, instance role ${creds.roleName})`, env, 'imds'),
      };
    } catch (err) {
      tried.push(`EC2 instance metadata: ${truncate(errorMessage(err), 160)}`);
    }
  }
  if (profileFailure !== undefined) throw profileFailure;
  const last = tried.length > 0 ? ` Last error: ${tried[tried.length - 1]}.` : '';
  const imds = imdsHint(env, imdsTried, clock.now() - started, imdsTimeoutMs);
  throw new AuthError(`No AWS credentials found. Looked in: ${chainDescription(env)}.${last}${imds} ${credentialsFixFor(env)}`, {
    code: 'AWS_NO_CREDENTIALS',
  });
}
