/**
 * The profiles the tool resolves itself rather than the AWS SDK, so that what the SDK would run or fetch without
 * a bound is held to the run: role_arn + credential_source (the source from the tool's own fetchers, the role
 * assumed by the tool) and role chains that start at a credential_process (the helper run, and killed at the
 * deadline, by the tool). Used by the shared-profile link (shared-profile.ts).
 */
import { fetchInstanceCredentials, imdsSettings } from '../instance-metadata.js';
import { containerEndpoint } from '../container-credentials.js';
import { FULL_URI_VAR, RELATIVE_URI_VAR, type AwsEnvironment } from '../aws-environment.js';
import { credentialsFromEnv, type ResolvedCredentials } from '../env-credentials.js';
import { assumeRole } from '../../sts/assume-role.js';
import type { AwsCredentials } from '../../proof/signing.js';
import { AuthError, quoteForLog } from '../../safety/errors.js';
import { createHttpClient } from '../../network/http.js';
import { DEFAULT_RETRY, withRetries } from '../../network/retry.js';
import { withUnused, type ChainDeps } from './chain-link.js';
import { fromContainer } from './container.js';
import { sourceProfileChain } from './sdk-session.js';

/**
 * The credential_process command of a profile that gets its credentials from it, by the SDK's precedence
 * (fromIni: a role first, then static keys, then web identity, then the process); undefined otherwise.
 */
export function processCommand(settings: Record<string, string | undefined> | undefined): string | undefined {
  if (settings === undefined || typeof settings['credential_process'] !== 'string') return undefined;
  const role = typeof settings['role_arn'] === 'string';
  const sourced =
    (typeof settings['source_profile'] === 'string') !== (typeof settings['credential_source'] === 'string');
  if (role && sourced) return undefined;
  if (typeof settings['aws_access_key_id'] === 'string' && typeof settings['aws_secret_access_key'] === 'string')
    return undefined;
  if (role && typeof settings['web_identity_token_file'] === 'string') return undefined;
  return settings['credential_process'].trim() || undefined;
}

export function describeProfile(
  aws: AwsEnvironment,
  profile: string,
  kind: string,
  settings: Record<string, string | undefined> | undefined,
): string {
  const files = [aws.sharedCredentialsFile?.trim(), aws.configFile?.trim()].filter((f): f is string => Boolean(f));
  const where = files.length > 0 ? ` from ${files.map((f) => quoteForLog(f, 120)).join(' / ')}` : '';
  const role = settings?.['role_arn'] ? ` ${quoteForLog(settings['role_arn'], 120)}` : '';
  const via = settings?.['source_profile'] ? ` via profile ${quoteForLog(settings['source_profile'], 64)}` : '';
  return `shared profile ${quoteForLog(profile, 64)}${where} (${kind}${kind.startsWith('role_arn') || kind.startsWith('web_identity') ? `${role}${via}` : ''})`;
}

/** The credential_source of a profile the tool resolves itself: role_arn + credential_source, no source_profile. */
export function credentialSourceOf(settings: Record<string, string | undefined> | undefined): string | undefined {
  if (
    settings === undefined ||
    typeof settings['role_arn'] !== 'string' ||
    typeof settings['source_profile'] === 'string'
  )
    return undefined;
  return typeof settings['credential_source'] === 'string' ? settings['credential_source'].trim() : undefined;
}

/**
 * A chain of profiles (source_profile) that ends in credential_source = Ec2InstanceMetadata while
 * AWS_EC2_METADATA_DISABLED is set: refused before anything is asked (the SDK would ask IMDS regardless).
 */
export function refuseDisabledImdsSource(
  profile: string,
  profiles: Record<string, Record<string, string | undefined>> | undefined,
  aws: AwsEnvironment,
): void {
  if (profiles === undefined || !aws.imdsDisabled) return;
  for (const name of sourceProfileChain(profile, profiles))
    if (profiles[name]?.['credential_source']?.trim() === 'Ec2InstanceMetadata') throw imdsDisabledError(name);
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
export async function fromCredentialSource(
  profile: string,
  settings: Record<string, string | undefined>,
  deps: ChainDeps,
): Promise<ResolvedCredentials> {
  const { aws, clock } = deps;
  const kind = credentialSourceOf(settings)!;
  const name = quoteForLog(profile, 64);
  let source: AwsCredentials;
  let from: string;
  if (kind === 'Ec2InstanceMetadata') {
    if (aws.imdsDisabled) throw imdsDisabledError(profile);
    const http = deps.directHttp ?? createHttpClient({ https: undefined, http: undefined, noProxy: [] });
    const timeoutMs = Math.max(1, Math.min(deps.attemptTimeoutMs, 2000, deps.deadline - clock.now()));
    const creds = await fetchInstanceCredentials(http, imdsSettings(aws, settings), deps.secret, timeoutMs, () =>
      clock.now(),
    );
    source = creds;
    from = `EC2 instance metadata, instance role ${creds.roleName}`;
  } else if (kind === 'EcsContainer') {
    const endpoint = containerEndpoint(aws);
    if (endpoint === undefined)
      throw new AuthError(
        `Profile ${name} has credential_source = EcsContainer, but neither ${RELATIVE_URI_VAR} nor ${FULL_URI_VAR} is set. Run it in the container, or use another credential_source.`,
        { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
      );
    source = await fromContainer(endpoint, deps);
    from = `container credentials, ${endpoint.variable}`;
  } else if (kind === 'Environment') {
    const keys = credentialsFromEnv(aws);
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
      `${describeProfile(aws, profile, 'role_arn with credential_source: AssumeRole by the tool', settings)}, source credentials from ${from}`,
      aws,
      'profile',
    ),
  };
}

/**
 * AssumeRole for a profile's role_arn with `source` credentials, signed by the tool (assume-role.ts) to the tool's
 * STS endpoint, with the profile's role_session_name (else the SDK's aws-sdk-js-<ms>), external_id and
 * duration_seconds, retried within the deadline. The new credentials are masked.
 */
export async function assumeProfileRole(
  profile: string,
  settings: Record<string, string | undefined>,
  source: AwsCredentials,
  deps: ChainDeps,
): Promise<ResolvedCredentials & { sessionToken: string }> {
  const { clock } = deps;
  const name = quoteForLog(profile, 64);
  if (settings['mfa_serial'])
    throw new AuthError(
      `Profile ${name} needs an MFA code (mfa_serial), which a CI job cannot type. Use a role without MFA.`,
      {
        code: 'AWS_CREDENTIAL_SOURCE_FAILED',
      },
    );
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
    if (
      typeof data['role_arn'] === 'string' &&
      typeof source === 'string' &&
      typeof data['credential_source'] !== 'string'
    ) {
      roles.push(name);
      name = source;
      continue;
    }
    const command = processCommand(data);
    return roles.length > 0 && command !== undefined ? { roles, helperProfile: name, command } : undefined;
  }
}
