/**
 * readAwsEnvironment (src/core/credentials/aws-environment.ts): the one place the AWS credential chain's
 * variables are read, each field by the rule its consumer used to apply itself (trimmed or as set, blank as
 * unset, AWS_EC2_METADATA_DISABLED by the SDK's "anything but false").
 */
import { describe, expect, it } from '@jest/globals';
import { sep } from 'node:path';
import { readAwsEnvironment, type AwsEnvironment } from '../../../src/core/credentials/aws-environment.js';

/** The fields of an environment in which none of the chain's variables is set. */
const NOTHING_SET: AwsEnvironment = {
  accessKeyId: undefined,
  secretAccessKey: undefined,
  sessionToken: undefined,
  profile: 'default',
  explicitProfile: false,
  sharedCredentialsFile: undefined,
  configFile: undefined,
  home: undefined,
  roleArn: undefined,
  webIdentityTokenFile: undefined,
  containerRelativeUri: undefined,
  containerFullUri: undefined,
  containerTokenFile: undefined,
  containerToken: undefined,
  imdsDisabled: false,
  imdsEndpoint: undefined,
  imdsEndpointMode: undefined,
  imdsV1Disabled: undefined,
  instanceProfileName: undefined,
  sdkStsEndpointVariable: undefined,
  childEnv: {},
};

describe('readAwsEnvironment', () => {
  it('with none of the variables set: every field unset, the profile "default"', () => {
    const env = { PATH: '/usr/bin' };
    expect(readAwsEnvironment(env)).toEqual({ ...NOTHING_SET, childEnv: env });
  });

  const trimmedFields: [string, keyof AwsEnvironment][] = [
    ['AWS_ACCESS_KEY_ID', 'accessKeyId'],
    ['AWS_SECRET_ACCESS_KEY', 'secretAccessKey'],
    ['AWS_SESSION_TOKEN', 'sessionToken'],
    ['AWS_ROLE_ARN', 'roleArn'],
    ['AWS_WEB_IDENTITY_TOKEN_FILE', 'webIdentityTokenFile'],
    ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'containerRelativeUri'],
    ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'containerFullUri'],
    ['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'containerTokenFile'],
    ['AWS_CONTAINER_AUTHORIZATION_TOKEN', 'containerToken'],
    ['AWS_EC2_METADATA_SERVICE_ENDPOINT', 'imdsEndpoint'],
    ['AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE', 'imdsEndpointMode'],
    ['AWS_EC2_METADATA_V1_DISABLED', 'imdsV1Disabled'],
    ['AWS_EC2_INSTANCE_PROFILE_NAME', 'instanceProfileName'],
  ];
  it.each(trimmedFields)('%s is trimmed into %s, and blank is unset', (variable, field) => {
    expect(readAwsEnvironment({ [variable]: ' \tvalue x\n' })[field]).toBe('value x');
    expect(readAwsEnvironment({ [variable]: ' \t\n' })[field]).toBeUndefined();
    expect(readAwsEnvironment({ [variable]: '' })[field]).toBeUndefined();
    // Only that field: no other variable is read for it.
    const { [field]: _read, ...rest } = readAwsEnvironment({ [variable]: 'v' });
    const { [field]: _none, ...restNone } = NOTHING_SET;
    expect(rest).toEqual({ ...restNone, childEnv: { [variable]: 'v' } });
  });

  it('AWS_PROFILE, trimmed, names the profile; unset or blank it is "default" and not explicit', () => {
    expect(readAwsEnvironment({ AWS_PROFILE: '  ci ' })).toMatchObject({ profile: 'ci', explicitProfile: true });
    expect(readAwsEnvironment({ AWS_PROFILE: '   ' })).toMatchObject({ profile: 'default', explicitProfile: false });
    expect(readAwsEnvironment({})).toMatchObject({ profile: 'default', explicitProfile: false });
    // "default" named explicitly is still explicit: the keys in the environment are then skipped, as by the SDK.
    expect(readAwsEnvironment({ AWS_PROFILE: 'default' })).toMatchObject({
      profile: 'default',
      explicitProfile: true,
    });
  });

  it('AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE are kept as set (the SDK reads the path untrimmed)', () => {
    const aws = readAwsEnvironment({ AWS_SHARED_CREDENTIALS_FILE: ' /x/creds ', AWS_CONFIG_FILE: '~/cfg ' });
    expect([aws.sharedCredentialsFile, aws.configFile]).toEqual([' /x/creds ', '~/cfg ']);
    expect(readAwsEnvironment({ AWS_CONFIG_FILE: '' }).configFile).toBeUndefined();
    expect(readAwsEnvironment({ AWS_CONFIG_FILE: ' ' }).configFile).toBe(' ');
  });

  it('home: HOME, else USERPROFILE, else HOMEDRIVE + HOMEPATH (HOMEDRIVE defaulting to C:), else unset (the OS decides)', () => {
    const home = (env: NodeJS.ProcessEnv) => readAwsEnvironment(env).home;
    const all = { HOME: '/h', USERPROFILE: '/u', HOMEDRIVE: 'D:', HOMEPATH: '\\p' };
    expect(home(all)).toBe('/h');
    expect(home({ ...all, HOME: '' })).toBe('/u');
    expect(home({ ...all, HOME: '', USERPROFILE: '' })).toBe('D:\\p');
    expect(home({ HOMEPATH: '\\p' })).toBe(`C:${sep}\\p`);
    expect(home({ HOMEDRIVE: '', HOMEPATH: '\\p' })).toBe('\\p');
    expect(home({ HOMEDRIVE: 'D:' })).toBeUndefined();
    expect(home({})).toBeUndefined();
    // As set, not trimmed.
    expect(home({ HOME: ' /h ' })).toBe(' /h ');
  });

  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['true', true],
    ['TRUE', true],
    [' true ', true],
    ['1', true],
    ['yes', true],
    ['False', true],
    [' false', true],
    [' ', true],
  ])(
    'AWS_EC2_METADATA_DISABLED=%j: IMDS disabled %s (anything but "false", untrimmed, as in the SDK)',
    (value, disabled) => {
      const aws = readAwsEnvironment(value === undefined ? {} : { AWS_EC2_METADATA_DISABLED: value });
      expect(aws.imdsDisabled).toBe(disabled);
    },
  );

  it("the SDK's STS endpoint variable: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, blank as unset", () => {
    const variable = (env: NodeJS.ProcessEnv) => readAwsEnvironment(env).sdkStsEndpointVariable;
    expect(variable({ AWS_ENDPOINT_URL_STS: 'https://a', AWS_ENDPOINT_URL: 'https://b' })).toBe('AWS_ENDPOINT_URL_STS');
    expect(variable({ AWS_ENDPOINT_URL_STS: '  ', AWS_ENDPOINT_URL: 'https://b' })).toBe('AWS_ENDPOINT_URL');
    expect(variable({ AWS_ENDPOINT_URL: ' ' })).toBeUndefined();
    expect(variable({})).toBeUndefined();
  });

  it('a credential_process inherits the environment the run was given, unchanged (the same object)', () => {
    const env = { AWS_PROFILE: ' p ', SOME_TOOL_SETTING: ' kept as is ' };
    expect(readAwsEnvironment(env).childEnv).toBe(env);
  });
});
