import { ConfigError } from '../safety/errors.js';
import type { AwsCredentials } from '../proof/signing.js';
import type { AwsEnvironment } from './aws-environment.js';

export interface ResolvedCredentials extends AwsCredentials {
  /** Where they came from, for the log: "environment variables", "EC2 instance metadata", … */
  source: string;
}

/**
 * Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, read directly so the usual
 * case (aws-actions/configure-aws-credentials ran before) loads no SDK code. Like the SDK, this is skipped
 * when AWS_PROFILE is set.
 */
export function credentialsFromEnv(aws: AwsEnvironment): ResolvedCredentials | undefined {
  if (aws.explicitProfile) return undefined;
  const accessKeyId = aws.accessKeyId ?? '';
  const secretAccessKey = aws.secretAccessKey ?? '';
  const sessionToken = aws.sessionToken ?? '';
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
    source:
      sessionToken !== ''
        ? 'environment variables (temporary session credentials)'
        : 'environment variables (long-term access key)',
  };
}
