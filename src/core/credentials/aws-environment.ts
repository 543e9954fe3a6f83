/**
 * What the AWS credential chain reads from the environment, read once at set-up (run-setup.ts's prepareRun) into
 * typed fields: the chain, its links and their clients take this, never the environment itself. The rules are the
 * ones each consumer applied when it read the variable itself; a value that is unset or blank (after trimming,
 * where it is trimmed) is undefined. Nothing is validated here: a set but unusable value is refused by the link
 * that uses it, only when that link is reached (the keys by credentialsFromEnv, the container URLs by
 * containerEndpoint, the IMDS endpoint by imdsSettings).
 */
import { sep } from 'node:path';
import { readStsEndpoint } from '../config/config.js';

/** The container credential variables, by name: messages name them (container-credentials.ts, unusedSources). */
export const RELATIVE_URI_VAR = 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI';
export const FULL_URI_VAR = 'AWS_CONTAINER_CREDENTIALS_FULL_URI';
export const TOKEN_VAR = 'AWS_CONTAINER_AUTHORIZATION_TOKEN';
export const TOKEN_FILE_VAR = 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE';

/** An environment as a child process gets it. */
export type ChildEnvironment = Readonly<Record<string, string | undefined>>;

export interface AwsEnvironment {
  /** AWS_ACCESS_KEY_ID, trimmed. */
  accessKeyId: string | undefined;
  /** AWS_SECRET_ACCESS_KEY, trimmed. */
  secretAccessKey: string | undefined;
  /** AWS_SESSION_TOKEN, trimmed. */
  sessionToken: string | undefined;
  /** The profile the SDK reads: AWS_PROFILE, trimmed, else "default". */
  profile: string;
  /** Whether AWS_PROFILE (trimmed) names the profile: the keys in the environment are then not used. */
  explicitProfile: boolean;
  /** AWS_SHARED_CREDENTIALS_FILE as set, not trimmed (the SDK reads the path as it is). */
  sharedCredentialsFile: string | undefined;
  /** AWS_CONFIG_FILE as set, not trimmed (the SDK reads the path as it is). */
  configFile: string | undefined;
  /** The home folder the SDK resolves ~/ and ~/.aws in: HOME, else USERPROFILE, else HOMEDRIVE + HOMEPATH; undefined: the OS's. */
  home: string | undefined;
  /** AWS_ROLE_ARN, trimmed. */
  roleArn: string | undefined;
  /** AWS_WEB_IDENTITY_TOKEN_FILE, trimmed. */
  webIdentityTokenFile: string | undefined;
  /** AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, trimmed. */
  containerRelativeUri: string | undefined;
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI, trimmed. */
  containerFullUri: string | undefined;
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, trimmed. */
  containerTokenFile: string | undefined;
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN, trimmed. */
  containerToken: string | undefined;
  /** AWS_EC2_METADATA_DISABLED is set to anything but "false" (the SDK's rule, not trimmed): IMDS is not asked. */
  imdsDisabled: boolean;
  /** AWS_EC2_METADATA_SERVICE_ENDPOINT, trimmed (it wins over the profile's ec2_metadata_service_endpoint). */
  imdsEndpoint: string | undefined;
  /** AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE, trimmed (it wins over the profile's ec2_metadata_service_endpoint_mode). */
  imdsEndpointMode: string | undefined;
  /** AWS_EC2_METADATA_V1_DISABLED, trimmed (it wins over the profile's ec2_metadata_v1_disabled). */
  imdsV1Disabled: string | undefined;
  /** AWS_EC2_INSTANCE_PROFILE_NAME, trimmed: the instance role to ask IMDS for instead of listing it. */
  instanceProfileName: string | undefined;
  /** The variable that moves the AWS SDK's STS endpoint (AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL), for messages. */
  sdkStsEndpointVariable: 'AWS_ENDPOINT_URL_STS' | 'AWS_ENDPOINT_URL' | undefined;
  /** The environment a credential_process inherits, unchanged: the one the run was given. */
  childEnv: ChildEnvironment;
}

/** The AWS credential chain's view of `env`; see AwsEnvironment for each field's rule. */
export function readAwsEnvironment(env: NodeJS.ProcessEnv): AwsEnvironment {
  const trimmed = (name: string): string | undefined => env[name]?.trim() || undefined;
  const asSet = (name: string): string | undefined => env[name] || undefined;
  const imdsOff = env['AWS_EC2_METADATA_DISABLED'];
  const homePath = asSet('HOMEPATH');
  const profile = trimmed('AWS_PROFILE');
  return {
    accessKeyId: trimmed('AWS_ACCESS_KEY_ID'),
    secretAccessKey: trimmed('AWS_SECRET_ACCESS_KEY'),
    sessionToken: trimmed('AWS_SESSION_TOKEN'),
    profile: profile ?? 'default',
    explicitProfile: profile !== undefined,
    sharedCredentialsFile: asSet('AWS_SHARED_CREDENTIALS_FILE'),
    configFile: asSet('AWS_CONFIG_FILE'),
    home:
      asSet('HOME') ??
      asSet('USERPROFILE') ??
      (homePath !== undefined ? `${env['HOMEDRIVE'] ?? `C:${sep}`}${homePath}` : undefined),
    roleArn: trimmed('AWS_ROLE_ARN'),
    webIdentityTokenFile: trimmed('AWS_WEB_IDENTITY_TOKEN_FILE'),
    containerRelativeUri: trimmed(RELATIVE_URI_VAR),
    containerFullUri: trimmed(FULL_URI_VAR),
    containerTokenFile: trimmed(TOKEN_FILE_VAR),
    containerToken: trimmed(TOKEN_VAR),
    imdsDisabled: imdsOff !== undefined && imdsOff !== '' && imdsOff !== 'false',
    imdsEndpoint: trimmed('AWS_EC2_METADATA_SERVICE_ENDPOINT'),
    imdsEndpointMode: trimmed('AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE'),
    imdsV1Disabled: trimmed('AWS_EC2_METADATA_V1_DISABLED'),
    instanceProfileName: trimmed('AWS_EC2_INSTANCE_PROFILE_NAME'),
    sdkStsEndpointVariable: readStsEndpoint(env)?.variable,
    childEnv: env,
  };
}
