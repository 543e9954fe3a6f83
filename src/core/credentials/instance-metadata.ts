/**
 * EC2 instance metadata (IMDS) credentials, fetched with the tool's own HTTP client instead of the AWS SDK's
 * (whose request timeout is a socket idle timeout, so an endpoint that drips bytes is never cut off, and
 * whose reads have no size limit): each request ends at its time limit, each answer is read up to the
 * client's size limit, the IMDS session token is masked.
 *
 * What the AWS SDK does, in the subset that applies to a CI runner:
 * - the endpoint is AWS_EC2_METADATA_SERVICE_ENDPOINT (or the profile's ec2_metadata_service_endpoint),
 *   else http://169.254.169.254, or http://[fd00:ec2::254] when the endpoint mode is IPv6
 *   (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE / ec2_metadata_service_endpoint_mode);
 * - IMDSv2: PUT /latest/api/token for a session token; when that is refused with 403, 404 or 405 it falls
 *   back to IMDSv1 unless AWS_EC2_METADATA_V1_DISABLED (or ec2_metadata_v1_disabled) is true;
 * - the role is AWS_EC2_INSTANCE_PROFILE_NAME, else the first line of /latest/meta-data/iam/security-credentials/;
 * - the credentials are /latest/meta-data/iam/security-credentials/<role>.
 *
 * Why not the SDK's providers (issue 17, item 6), measured by bench/sdk-providers.js (fromHttp,
 * fromContainerMetadata, fromInstanceMetadata with timeout 1000 and maxRetries 0, each raced against a 2 s
 * deadline, against the loopback container simulator): the race settles at 2 s, but against an endpoint that
 * drips bytes none of the three ever ends its request (the child never exited; killed at 20 s); against one that
 * floods, each reads without a limit (peak RSS 0.7 to 1.8 GB within the 2 s, never exited); against one that
 * accepts and never answers, fromHttp only warns and never ends. They take no abort signal and no HTTP handler,
 * so no wrapper can stop the socket or bound the read. The tool's client ends every attempt at its limit and stops
 * reading at 1 MiB (credential-sources.test.ts: "drips", "floods"), so it stays.
 */
import {
  credentialsFromDocument,
  parseJsonObject,
  sourceFailure,
  type ContainerCredentials,
} from './container-credentials.js';
import { AuthError, HttpFailure, quoteForLog, truncate } from '../safety/errors.js';
import type { HttpClient } from '../network/http.js';
import { acceptSecretUrl } from '../safety/url-input.js';
import type { AwsEnvironment } from './aws-environment.js';

const TOKEN_TTL_SECONDS = '21600';
/**
 * The instance metadata service's own addresses: link-local, answered by the instance itself, plain http by design.
 * The one exception to the secret-URL rule for this link (pinned by credential-sources.test.ts, "IMDS plain-http hosts").
 */
export const IMDS_PLAIN_HTTP_HOSTS: ReadonlySet<string> = new Set(['169.254.169.254', '[fd00:ec2::254]']);
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';

export interface ImdsSettings {
  /** Base URL, without a trailing slash. */
  endpoint: string;
  v1Disabled: boolean;
  /** AWS_EC2_INSTANCE_PROFILE_NAME, if set. */
  roleName: string | undefined;
}

/** The settings from the environment, else the selected profile, else the defaults (the SDK's order). */
export function imdsSettings(
  aws: AwsEnvironment,
  profile: Record<string, string | undefined> | undefined,
): ImdsSettings {
  const setting = (fromEnv: string | undefined, profileKey: string): string | undefined =>
    fromEnv || profile?.[profileKey]?.trim() || undefined;
  const configured = setting(aws.imdsEndpoint, 'ec2_metadata_service_endpoint');
  const mode = (setting(aws.imdsEndpointMode, 'ec2_metadata_service_endpoint_mode') ?? 'IPv4').toLowerCase();
  let endpoint: string;
  if (configured !== undefined) {
    const url = acceptSecretUrl(configured, {
      input: sourceFailure,
      what: 'AWS_EC2_METADATA_SERVICE_ENDPOINT',
      fix: 'Unset it (the default is http://169.254.169.254) or set it to the metadata endpoint.',
      carries: 'the IMDS session token and the instance role credentials',
      plainHttpAlso: {
        hosts: IMDS_PLAIN_HTTP_HOSTS,
        fix: 'Use https, a loopback address, or the instance metadata service (http://169.254.169.254, http://[fd00:ec2::254]).',
      },
      showValue: true,
    });
    endpoint = `${url.protocol}//${url.host}`;
  } else if (mode === 'ipv6') {
    endpoint = 'http://[fd00:ec2::254]';
  } else if (mode === 'ipv4') {
    endpoint = 'http://169.254.169.254';
  } else {
    throw new AuthError(`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE ${quoteForLog(mode, 40)} is not IPv4 or IPv6.`, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  }
  const v1 = setting(aws.imdsV1Disabled, 'ec2_metadata_v1_disabled');
  return { endpoint, v1Disabled: v1 !== undefined && v1.toLowerCase() !== 'false', roleName: aws.instanceProfileName };
}

/**
 * Fetches the instance role's credentials: up to three requests, each within `timeoutMs`. `secret` gets the
 * IMDS session token before it is sent. Network failures are NetworkError; answers that say no are AuthError.
 */
export async function fetchInstanceCredentials(
  http: HttpClient,
  settings: ImdsSettings,
  secret: (value: string) => void,
  timeoutMs: number,
  now: () => number,
): Promise<ContainerCredentials & { roleName: string }> {
  const tokenAnswer = await http({
    url: `${settings.endpoint}/latest/api/token`,
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS },
    timeoutMs,
  });
  const headers: Record<string, string> = {};
  if (tokenAnswer.status === 200) {
    const token = tokenAnswer.body.trim();
    if (token === '' || /[\r\n\u0000]/.test(token))
      throw new AuthError('EC2 instance metadata answered the IMDSv2 token request without a usable token.', {
        code: 'AWS_CREDENTIAL_SOURCE_FAILED',
      });
    secret(token);
    headers['x-aws-ec2-metadata-token'] = token;
  } else if ([403, 404, 405].includes(tokenAnswer.status) && !settings.v1Disabled) {
    // IMDSv1, as the SDK falls back to it.
  } else {
    throw new HttpFailure(
      `EC2 instance metadata refused the IMDSv2 token request (HTTP ${tokenAnswer.status})${settings.v1Disabled ? ' and IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED)' : ''}.`,
      tokenAnswer,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  }
  const get = (path: string) => http({ url: `${settings.endpoint}${path}`, method: 'GET', headers, timeoutMs });

  let roleName = settings.roleName;
  if (roleName === undefined) {
    const list = await get(CREDENTIALS_PATH);
    if (list.status === 404)
      throw new HttpFailure(
        "EC2 instance metadata has no IAM role for this instance (no instance profile). Attach an instance profile to the runner's instance.",
        list,
        { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
      );
    if (list.status !== 200)
      throw new HttpFailure(`EC2 instance metadata answered HTTP ${list.status} for the instance role.`, list, {
        code: 'AWS_CREDENTIAL_SOURCE_FAILED',
      });
    roleName = list.body.split('\n')[0]?.trim() ?? '';
  }
  if (!/^[\w+=,.@-]{1,128}$/.test(roleName))
    throw new AuthError(
      `EC2 instance metadata named an instance role that is not a role name: ${quoteForLog(truncate(roleName, 130), 140)}.`,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  const answer = await get(`${CREDENTIALS_PATH}${roleName}`);
  const where = `EC2 instance metadata (role ${roleName})`;
  if (answer.status !== 200)
    throw new HttpFailure(`${where} answered HTTP ${answer.status} for the credentials.`, answer, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  const parsed = parseJsonObject(answer.body);
  if (parsed !== undefined && parsed['Code'] !== undefined && parsed['Code'] !== 'Success') {
    throw new AuthError(
      `${where} answered Code ${quoteForLog(String(parsed['Code']), 60)}: ${truncate(String(parsed['Message'] ?? ''), 200)}`,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  }
  const creds = credentialsFromDocument(
    parsed,
    where,
    'Check AWS_EC2_METADATA_SERVICE_ENDPOINT points at the instance metadata service.',
    now(),
    'The instance metadata service served stale credentials.',
  );
  return { ...creds, roleName };
}
