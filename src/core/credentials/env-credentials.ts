import { ConfigError } from '../safety/errors.js';
import { formatMs } from '../network/http.js';
import type { AwsCredentials } from '../proof/signing.js';

export interface ResolvedCredentials extends AwsCredentials {
  /** Where they came from, for the log: "environment variables", "EC2 instance metadata", … */
  source: string;
}

/**
 * Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, read directly so the usual
 * case (aws-actions/configure-aws-credentials ran before) loads no SDK code. Like the SDK, this is skipped
 * when AWS_PROFILE is set.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): ResolvedCredentials | undefined {
  if (env['AWS_PROFILE']?.trim()) return undefined;
  const accessKeyId = env['AWS_ACCESS_KEY_ID']?.trim() ?? '';
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY']?.trim() ?? '';
  const sessionToken = env['AWS_SESSION_TOKEN']?.trim() ?? '';
  if (accessKeyId === '' && secretAccessKey === '') {
    if (sessionToken !== '')
      throw new ConfigError(
        'aws-credentials',
        'AWS_SESSION_TOKEN is set but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not. Set all three (temporary credentials) or unset AWS_SESSION_TOKEN.',
      );
    return undefined;
  }
  if (accessKeyId === '' || secretAccessKey === '') {
    const missing = accessKeyId === '' ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY';
    const present = accessKeyId === '' ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
    throw new ConfigError(
      'aws-credentials',
      `${present} is set but ${missing} is empty. Set both (and AWS_SESSION_TOKEN for temporary credentials), or unset both to use another credential source.`,
    );
  }
  if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId)) {
    throw new ConfigError(
      'aws-credentials',
      'AWS_ACCESS_KEY_ID does not look like an AWS access key ID (16 to 128 upper-case letters and digits, such as AKIA… or ASIA…). Check for stray quotes or spaces.',
    );
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken !== '' ? { sessionToken } : {}),
    source: sessionToken !== '' ? 'environment variables (temporary session credentials)' : 'environment variables (long-term access key)',
  };
}

/** Where the default chain looks, in order, for the "no credentials" message. */
export function chainDescription(env: NodeJS.ProcessEnv): string {
  const profile = env['AWS_PROFILE']?.trim() || 'default';
  const imds = env['AWS_EC2_METADATA_DISABLED']?.trim().toLowerCase() === 'true' ? ' (disabled by AWS_EC2_METADATA_DISABLED)' : '';
  return [
    'environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
    `the shared config and credentials files (profile "${profile}"; SSO, credential_process and role profiles included)`,
    'a web identity token file (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)',
    'container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI, ECS and EKS Pod Identity)',
    `EC2 instance metadata (IMDSv2)${imds}`,
  ].join('; ');
}

/**
 * What the chain's last link, EC2 instance metadata, says about a failure: the SDK's own error is only
 * "Could not load credentials from any providers". `tried` is whether the chain reached IMDS; a failure
 * that took the whole IMDS timeout means it did not answer.
 */
export function imdsHint(env: NodeJS.ProcessEnv, tried: boolean, elapsedMs: number, imdsTimeoutMs: number): string {
  if (!tried || env['AWS_EC2_METADATA_DISABLED']?.trim().toLowerCase() === 'true') return '';
  const hopLimit =
    'On a self-hosted runner in a container, IMDSv2 answers only if the instance metadata hop limit is at least 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2).';
  if (elapsedMs >= imdsTimeoutMs) {
    return ` EC2 instance metadata (IMDSv2) did not answer within ${formatMs(imdsTimeoutMs)}. ${hopLimit} Not on EC2: set AWS_EC2_METADATA_DISABLED=true and provide credentials another way.`;
  }
  return ` EC2 instance metadata (IMDSv2) gave no credentials: not on EC2, or the instance has no instance profile (IAM role). ${hopLimit}`;
}
