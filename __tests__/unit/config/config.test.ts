import { describe, expect, it } from '@jest/globals';
import { normalizeUniverseDomain, type RawInputs } from '../../../src/core/config/config.js';
import { isLoopbackHost } from '../../../src/core/safety/url-input.js';
import { parseConfig } from '../../../src/core/config/settings.js';
import { ConfigError } from '../../../src/core/safety/errors.js';

const AUDIENCE = '//captain.api.mondoo.app/spaces/test-space-123';
const ok = (extra: RawInputs = {}, env: NodeJS.ProcessEnv = {}) => parseConfig({ audience: AUDIENCE, ...extra }, env);

function failure(extra: RawInputs, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig({ audience: AUDIENCE, ...extra }, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig defaults', () => {
  it('fills every action.yml default', () => {
    expect(ok()).toEqual({
      audience: AUDIENCE,
      universeDomain: 'https://us.api.mondoo.com',
      issuerUri: 'https://sts.amazonaws.com',
      roleToAssume: undefined,
      roleSessionName: 'GitHubActions',
      roleDurationSeconds: 900,
      webIdentityAudience: 'sts.amazonaws.com',
      region: 'us-east-1',
      exportEnv: true,
      maxAttempts: 3,
      attemptTimeoutMs: 10000,
      timeoutMs: 60000,
      responseType: 'credential',
      allowedAccountIds: undefined,
      proof: 'signed-request',
      awsJwtDurationSeconds: 300,
      awsJwtAlgorithm: 'RS256',
    });
  });

  it('takes proof signed-request or aws-jwt and its two settings (any letter case), refusing anything else', () => {
    expect(ok({ proof: ' AWS-JWT ', 'aws-jwt-algorithm': 'es384', 'aws-jwt-duration-seconds': '3600' })).toMatchObject({
      proof: 'aws-jwt',
      awsJwtAlgorithm: 'ES384',
      awsJwtDurationSeconds: 3600,
    });
    expect(() => ok({ proof: 'jwt' })).toThrow(
      'input "proof" "jwt" must be signed-request (a signed STS GetCallerIdentity, the default) or aws-jwt (an AWS-signed JWT for the Mondoo audience, from STS GetWebIdentityToken).',
    );
    expect(() => ok({ 'aws-jwt-algorithm': 'HS256' })).toThrow(
      'input "aws-jwt-algorithm" "HS256" must be RS256 (the default) or ES384, the algorithms STS GetWebIdentityToken signs with.',
    );
    // With aws-jwt the audience is GetWebIdentityToken's Audience.member.1: at most 1000 characters.
    expect(() => ok({ proof: 'aws-jwt', audience: 'a'.repeat(1001) })).toThrow(
      'input "audience" is 1001 characters long; with proof aws-jwt it becomes the JWT\'s audience, which STS GetWebIdentityToken limits to 1000.',
    );
    expect(ok({ audience: 'a'.repeat(1001) }).audience).toHaveLength(1001);
    expect(() => ok({ 'aws-jwt-duration-seconds': '3601' })).toThrow(
      'input "aws-jwt-duration-seconds" "3601" must be a whole number from 60 to 3600.',
    );
  });

  it('takes response-type credential or token (any letter case), and refuses anything else naming both', () => {
    expect(ok({ 'response-type': 'token' }).responseType).toBe('token');
    expect(ok({ 'response-type': ' TOKEN ' }).responseType).toBe('token');
    expect(ok({ 'response-type': '' }).responseType).toBe('credential');
    expect(failure({ 'response-type': 'jwt' }).message).toBe(
      'input "response-type" "jwt" must be credential (a service-account credential, the default) or token (a short-lived bearer token).',
    );
  });

  it('takes the region from the input, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(ok({ 'aws-region': 'eu-central-1' }, { AWS_REGION: 'us-west-2' }).region).toBe('eu-central-1');
    expect(ok({}, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' }).region).toBe('us-west-2');
    expect(ok({}, { AWS_DEFAULT_REGION: 'ap-south-1' }).region).toBe('ap-south-1');
    expect(ok({ 'aws-region': 'cn-north-1' }).region).toBe('cn-north-1');
  });

  it('accepts role ARNs of every partition, with paths', () => {
    expect(ok({ 'role-to-assume': 'arn:aws:iam::123456789012:role/mondoo-ci' }).roleToAssume).toBe(
      'arn:aws:iam::123456789012:role/mondoo-ci',
    );
    expect(
      ok({ 'role-to-assume': 'arn:aws-us-gov:iam::123456789012:role/ci/scanners/mondoo' }).roleToAssume,
    ).toBeDefined();
    expect(ok({ 'role-to-assume': 'arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f-g_h' }).roleToAssume).toBeDefined();
  });
});

describe('allowed-account-ids', () => {
  it('is unset when empty, else the listed IDs, trimmed, each once', () => {
    expect(ok().allowedAccountIds).toBeUndefined();
    expect(ok({ 'allowed-account-ids': ' , ' }).allowedAccountIds).toBeUndefined();
    expect(ok({ 'allowed-account-ids': '123456789012' }).allowedAccountIds).toEqual(['123456789012']);
    expect(ok({ 'allowed-account-ids': ' 123456789012 ,\n210987654321,123456789012,' }).allowedAccountIds).toEqual([
      '123456789012',
      '210987654321',
    ]);
  });
});

describe('settings that cannot work together are refused before any request', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/mondoo-ci';
  it('a role-to-assume of an account allowed-account-ids does not list', () => {
    const err = failure({ 'role-to-assume': ROLE, 'allowed-account-ids': '210987654321' });
    expect([err.input, err.message]).toEqual([
      'allowed-account-ids',
      'input "role-to-assume" is a role of account 123456789012, which input "allowed-account-ids" (210987654321) does not list. Add 123456789012 to input "allowed-account-ids", or assume a role of a listed account.',
    ]);
    expect(ok({ 'role-to-assume': ROLE, 'allowed-account-ids': '210987654321,123456789012' }).roleToAssume).toBe(ROLE);
  });

  it('with proof aws-jwt in role mode, a token at least as long as the role session', () => {
    const err = failure({ 'role-to-assume': ROLE, proof: 'aws-jwt', 'aws-jwt-duration-seconds': '900' });
    expect([err.input, err.message]).toEqual([
      'aws-jwt-duration-seconds',
      'input "aws-jwt-duration-seconds" (900) is not shorter than input "role-duration-seconds" (900): the AWS JWT would outlive the role\'s session, which STS refuses. Lower input "aws-jwt-duration-seconds" (the default is 300), or raise input "role-duration-seconds".',
    ]);
    expect(
      ok({ 'role-to-assume': ROLE, proof: 'aws-jwt', 'aws-jwt-duration-seconds': '899' }).awsJwtDurationSeconds,
    ).toBe(899);
    // Without a role the session is not the tool's to know: STS judges it (AWS_JWT_DURATION_TOO_LONG).
    expect(ok({ proof: 'aws-jwt', 'aws-jwt-duration-seconds': '3600' }).awsJwtDurationSeconds).toBe(3600);
  });
});

describe('universe-domain normalisation', () => {
  it.each([
    ['us.api.mondoo.com', 'https://us.api.mondoo.com'],
    ['https://eu.api.mondoo.com/', 'https://eu.api.mondoo.com'],
    ['https://eu.api.mondoo.com///', 'https://eu.api.mondoo.com'],
    ['  https://us.api.mondoo.com  ', 'https://us.api.mondoo.com'],
    ['https://api.example.com:8443/', 'https://api.example.com:8443'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://localhost:3000/', 'http://localhost:3000'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
    ['http://127.255.0.9', 'http://127.255.0.9'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeUniverseDomain(input)).toBe(expected);
  });

  it.each([
    ['http://us.api.mondoo.com', /plain http/],
    ['http://128.0.0.1', /plain http/],
    ['http://localhost.evil.com', /plain http/],
    ['https://us.api.mondoo.com/?x=1', /query string or fragment/],
    [
      'https://us.api.mondoo.com/v1',
      /"https:\/\/us.api.mondoo.com\/v1" must not contain a path \("\/v1"\).* Use https:\/\/us.api.mondoo.com\.$/,
    ],
    [
      'https://api.example.com:8443/mondoo/',
      /must not contain a path \("\/mondoo"\).* Use https:\/\/api.example.com:8443\.$/,
    ],
    ['us.api.mondoo.com/v1/', /must not contain a path.* Use https:\/\/us.api.mondoo.com\.$/],
    ['https://us.api.mondoo.com/#frag', /query string or fragment/],
    ['https://us.api.mondoo.com?', /query string or fragment/],
    ['ftp://us.api.mondoo.com', /must be an https:\/\/ URL/],
    ['https://user:pw@us.api.mondoo.com', /user name or password/],
    ['https://', /not a URL/],
    ['', /is empty/],
  ])('refuses %j', (input, message) => {
    expect(() => normalizeUniverseDomain(input)).toThrow(message);
  });

  it('knows loopback hosts', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('127.0.0.256')).toBe(false);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });
});

describe('every bad input gets an error naming the input and the fix', () => {
  it.each<[RawInputs, string, RegExp]>([
    [{ audience: '' }, 'audience', /input "audience" is required\. Copy the audience Mondoo shows/],
    [{ audience: '   ' }, 'audience', /is required/],
    [{ audience: 'a\nb' }, 'audience', /control character/],
    [
      { 'universe-domain': 'http://us.api.mondoo.com' },
      'universe-domain',
      /input "universe-domain" .* plain http.*Use https:\/\//,
    ],
    [
      { 'issuer-uri': 'sts.amazonaws.com' },
      'issuer-uri',
      /input "issuer-uri" "sts.amazonaws.com" must be an https:\/\/ URL/,
    ],
    [
      { 'role-to-assume': 'mondoo-ci' },
      'role-to-assume',
      /not an IAM role ARN\. Use the form arn:aws:iam::123456789012:role\/RoleName.*Give the full ARN/,
    ],
    [{ 'role-to-assume': '123456789012' }, 'role-to-assume', /Give the full ARN, not a role name or account ID/],
    [{ 'role-to-assume': 'arn:aws:iam::12345:role/x' }, 'role-to-assume', /not an IAM role ARN/],
    [{ 'role-to-assume': 'arn:aws:iam::123456789012:user/bob' }, 'role-to-assume', /not an IAM role ARN/],
    [{ 'role-to-assume': 'arn:aws:sts::123456789012:assumed-role/x/y' }, 'role-to-assume', /not an IAM role ARN/],
    [
      { 'role-session-name': 'a' },
      'role-session-name',
      /input "role-session-name" "a" is not a valid session name\. Use 2 to 64 characters/,
    ],
    [{ 'role-session-name': 'has space' }, 'role-session-name', /not a valid session name/],
    [{ 'role-session-name': 'x'.repeat(65) }, 'role-session-name', /not a valid session name/],
    [{ 'role-duration-seconds': '899' }, 'role-duration-seconds', /must be a whole number from 900 to 43200/],
    [{ 'role-duration-seconds': '43201' }, 'role-duration-seconds', /from 900 to 43200/],
    [{ 'role-duration-seconds': '1h' }, 'role-duration-seconds', /whole number/],
    [{ 'role-duration-seconds': '900.5' }, 'role-duration-seconds', /whole number/],
    [{ 'aws-region': 'US-EAST-1' }, 'aws-region', /input "aws-region" "US-EAST-1" is not an AWS region/],
    [{ 'aws-region': 'mars' }, 'aws-region', /not an AWS region/],
    [{ 'export-env': 'yes' }, 'export-env', /input "export-env" "yes" must be true or false/],
    [{ 'max-attempts': '0' }, 'max-attempts', /whole number from 1 to 10/],
    [{ 'max-attempts': '11' }, 'max-attempts', /whole number from 1 to 10/],
    [{ 'attempt-timeout-seconds': '0' }, 'attempt-timeout-seconds', /number of seconds from 0.1 to 300/],
    [{ 'timeout-seconds': '-1' }, 'timeout-seconds', /number of seconds/],
    [
      { 'allowed-account-ids': '123456789012,12345' },
      'allowed-account-ids',
      /^input "allowed-account-ids" has the entry "12345", which is not a 12-digit AWS account ID\. Give account IDs separated by commas/,
    ],
    [
      { 'allowed-account-ids': 'arn:aws:iam::123456789012:root' },
      'allowed-account-ids',
      /the entry "arn:aws:iam::123456789012:root"/,
    ],
    [
      { 'allowed-account-ids': '123456789012 210987654321' },
      'allowed-account-ids',
      /the entry "123456789012 210987654321"/,
    ],
  ])('%j', (inputs, input, message) => {
    const err = failure(inputs);
    expect(err.input).toBe(input);
    expect(err.message).toMatch(message);
  });

  it('names the environment variable when the region comes from there', () => {
    expect(failure({}, { AWS_REGION: 'nowhere' }).message).toMatch(
      /environment variable AWS_REGION "nowhere" is not an AWS region/,
    );
  });

  it("uses the adapter's names for its settings", () => {
    expect(() => parseConfig({ audience: '' }, {}, (name: string) => `--${name}`)).toThrow(/^--audience is required/);
  });
});
