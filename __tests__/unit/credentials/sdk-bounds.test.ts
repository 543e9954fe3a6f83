/**
 * What holds the AWS SDK's links to the run (issue 16): the HTTP handler its STS client gets (sdk-http.ts), the
 * credential_process output rules (credential-process.ts), which profiles the tool resolves itself
 * (links/profile-roles.ts), and the shared files check (shared-files.ts). Scripted HTTP and an injected clock: no
 * network, no sleeps.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentialSourceOf,
  processCommand,
  processRoleChain,
  refuseDisabledImdsSource,
} from '../../../src/core/credentials/links/profile-roles.js';
import { sourceProfileChain } from '../../../src/core/credentials/links/sdk-session.js';
import { parseProcessOutput } from '../../../src/core/credentials/credential-process.js';
import { AuthError, NetworkError } from '../../../src/core/safety/errors.js';
import type { HttpClient, HttpRequest } from '../../../src/core/network/http.js';
import { sdkHttpHandler, sdkRequestUrl, type SdkHttpRequest } from '../../../src/core/credentials/sdk-http.js';
import { checkSharedFiles, sharedFiles } from '../../../src/core/credentials/shared-files.js';
import { readAwsEnvironment } from '../../../src/core/credentials/aws-environment.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const stsRequest = (over: Partial<SdkHttpRequest> = {}): SdkHttpRequest => ({
  protocol: 'https:',
  hostname: 'sts.us-east-1.amazonaws.com',
  method: 'POST',
  path: '/',
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': '20',
    host: 'x',
    authorization: 'AWS4 …',
  },
  body: 'Action=AssumeRole&Version=2011-06-15',
  ...over,
});

function handlerWith(http: HttpClient, now: () => number, deadline = NOW + 3000) {
  return sdkHttpHandler({
    http,
    now,
    deadline,
    attemptTimeoutMs: 10_000,
    totalMs: 3000,
    endpointSource: () => 'The STS endpoint of profile "p" (in AWS_CONFIG_FILE "/c")',
  });
}

describe("the SDK's STS requests go through the tool's client, within the deadline and over TLS", () => {
  it('sends the request as the SDK built it, with an attempt limit cut to what is left of the deadline', async () => {
    const seen: HttpRequest[] = [];
    const http: HttpClient = async (request) => {
      seen.push(request);
      return { status: 200, headers: { 'content-type': 'text/xml', 'set-cookie': ['a', 'b'] }, body: '<ok/>' };
    };
    const { response } = await handlerWith(http, () => NOW + 1200).handle(
      stsRequest({ port: 8443, query: { X: 'y' } }),
    );
    expect(seen).toEqual([
      {
        url: 'https://sts.us-east-1.amazonaws.com:8443/?X=y',
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4 …' },
        body: 'Action=AssumeRole&Version=2011-06-15',
        timeoutMs: 1800,
      },
    ]);
    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'text/xml', 'set-cookie': 'a, b' });
    expect(Buffer.from(response.body).toString()).toBe('<ok/>');
  });

  it('refuses plain http to a host that is not loopback before anything is sent, naming where the endpoint came from', async () => {
    const http: HttpClient = () => Promise.reject(new Error('must not be reached'));
    const attempt = handlerWith(http, () => NOW).handle(
      stsRequest({ protocol: 'http:', hostname: 'sts.example.invalid' }),
    );
    await expect(attempt).rejects.toThrow(
      'The STS endpoint of profile "p" (in AWS_CONFIG_FILE "/c") uses plain http to sts.example.invalid, which would send the signed AWS SDK request and the credentials STS answers unencrypted. Set endpoint_url',
    );
    await expect(attempt).rejects.toBeInstanceOf(AuthError);
  });

  it('lets plain http to loopback through (the simulators, a local STS)', async () => {
    const urls: string[] = [];
    const http: HttpClient = async (request) => {
      urls.push(request.url);
      return { status: 200, headers: {}, body: '' };
    };
    await handlerWith(http, () => NOW).handle(stsRequest({ protocol: 'http:', hostname: '127.0.0.1', port: 4566 }));
    await handlerWith(http, () => NOW).handle(stsRequest({ protocol: 'http:', hostname: '::1', port: 4566 }));
    expect(urls).toEqual(['http://127.0.0.1:4566/', 'http://[::1]:4566/']);
  });

  it('no attempt starts at or after the deadline (an SDK retry included), and that refusal is not retryable', async () => {
    let calls = 0;
    const http: HttpClient = async () => {
      calls++;
      return { status: 200, headers: {}, body: '' };
    };
    const late = handlerWith(http, () => NOW + 3000).handle(stsRequest());
    await expect(late).rejects.toThrow(/would start after the overall timeout \(timeout-seconds, 3s\); not sent/);
    await expect(late).rejects.not.toHaveProperty('$retryable');
    expect(calls).toBe(0);
  });

  it('marks a request that got no answer as retryable for the SDK (its public $retryable trait)', async () => {
    const http: HttpClient = () => Promise.reject(new NetworkError('127.0.0.1:1 did not answer within 1s', true));
    await expect(handlerWith(http, () => NOW).handle(stsRequest())).rejects.toHaveProperty('$retryable', {});
  });

  it('builds the URL with IPv6 brackets and repeated query values', () => {
    expect(sdkRequestUrl(stsRequest({ hostname: 'fd00::1', query: { a: ['1', '2'], b: null } }))).toBe(
      'https://[fd00::1]/?a=1&a=2&b=',
    );
  });
});

describe('credential_process output (the SDK format)', () => {
  const ok = { Version: 1, AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 's3cr3t', SessionToken: 'tok' };
  it('accepts Version 1 with keys, an optional session token and a future Expiration', () => {
    expect(parseProcessOutput(JSON.stringify({ ...ok, Expiration: '2026-01-01T01:00:00Z' }), 'p', NOW)).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 's3cr3t',
      sessionToken: 'tok',
      expiration: new Date('2026-01-01T01:00:00Z'),
    });
  });
  it.each([
    ['not JSON', 'hello', /did not print JSON/],
    ['another Version', JSON.stringify({ ...ok, Version: 2 }), /did not return Version 1/],
    ['no secret', JSON.stringify({ Version: 1, AccessKeyId: 'A' }), /returned no AccessKeyId or SecretAccessKey/],
    [
      'expired',
      JSON.stringify({ ...ok, Expiration: '2025-12-31T23:59:59Z' }),
      /returned credentials that expired at 2025-12-31T23:59:59\.000Z/,
    ],
    ['a bad date', JSON.stringify({ ...ok, Expiration: 'soon' }), /Expiration that is not a date/],
  ])('refuses %s, naming the profile', (_what, stdout, message) => {
    expect(() => parseProcessOutput(stdout, 'vault', NOW)).toThrow(message);
    expect(() => parseProcessOutput(stdout, 'vault', NOW)).toThrow(/credential_process of profile "vault"/);
  });
});

describe('which profiles the tool resolves itself (the SDK precedence kept)', () => {
  it('a credential_process profile, unless a role, static keys or web identity come first', () => {
    expect(processCommand({ credential_process: ' /bin/helper ' })).toBe('/bin/helper');
    expect(processCommand({ credential_process: 'h', role_arn: 'r', source_profile: 's' })).toBeUndefined();
    expect(
      processCommand({ credential_process: 'h', aws_access_key_id: 'a', aws_secret_access_key: 'b' }),
    ).toBeUndefined();
    expect(processCommand({ credential_process: 'h', role_arn: 'r', web_identity_token_file: '/t' })).toBeUndefined();
    expect(processCommand({ credential_process: 'h', role_arn: 'r' })).toBe('h'); // a role without a source is not one
  });

  it('role_arn + credential_source, never with a source_profile', () => {
    expect(credentialSourceOf({ role_arn: 'r', credential_source: 'Ec2InstanceMetadata' })).toBe('Ec2InstanceMetadata');
    expect(
      credentialSourceOf({ role_arn: 'r', credential_source: 'EcsContainer', source_profile: 's' }),
    ).toBeUndefined();
    expect(credentialSourceOf({ credential_source: 'Environment' })).toBeUndefined();
  });

  it('a role chain down to a credential_process; a static source or a cycle stays the SDK’s', () => {
    const profiles = {
      outer: { role_arn: 'r1', source_profile: 'inner' },
      inner: { role_arn: 'r2', source_profile: 'helper' },
      helper: { credential_process: '/bin/helper' },
      keyed: { role_arn: 'r3', source_profile: 'keys' },
      keys: { aws_access_key_id: 'a', aws_secret_access_key: 'b', credential_process: 'h' },
      loop: { role_arn: 'r4', source_profile: 'loop' },
    };
    expect(processRoleChain('outer', profiles)).toEqual({
      roles: ['outer', 'inner'],
      helperProfile: 'helper',
      command: '/bin/helper',
    });
    expect(processRoleChain('helper', profiles)).toBeUndefined(); // no role: the profile link runs it
    expect(processRoleChain('keyed', profiles)).toBeUndefined();
    expect(processRoleChain('loop', profiles)).toBeUndefined();
  });

  it('the source_profile chain: each profile once, outermost first, ending at a loop or a profile not in the files', () => {
    const profiles = {
      a: { source_profile: 'b' },
      b: { source_profile: 'c' },
      c: { source_profile: 'a' },
      d: { source_profile: 'missing' },
      e: {},
    };
    expect(sourceProfileChain('a', profiles)).toEqual(['a', 'b', 'c']);
    expect(sourceProfileChain('d', profiles)).toEqual(['d', 'missing']);
    expect(sourceProfileChain('e', profiles)).toEqual(['e']);
    expect(sourceProfileChain('nowhere', profiles)).toEqual(['nowhere']);
  });

  it('a chain down to credential_source = Ec2InstanceMetadata is refused, naming that profile, only while IMDS is disabled', () => {
    const profiles = {
      outer: { role_arn: 'r1', source_profile: 'inner' },
      inner: { role_arn: 'r2', credential_source: ' Ec2InstanceMetadata ' },
      loop: { role_arn: 'r3', source_profile: 'loop' },
    };
    const disabled = readAwsEnvironment({ AWS_EC2_METADATA_DISABLED: 'true' });
    expect(() => refuseDisabledImdsSource('outer', profiles, disabled)).toThrow(
      'Profile "inner" has credential_source = Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is set, so instance metadata is not asked.',
    );
    expect(() => refuseDisabledImdsSource('loop', profiles, disabled)).not.toThrow();
    expect(() => refuseDisabledImdsSource('outer', profiles, readAwsEnvironment({}))).not.toThrow();
    expect(() => refuseDisabledImdsSource('outer', undefined, disabled)).not.toThrow();
  });
});

describe('the shared files the SDK would read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mondoo-unit-shared-'));
  it("are the SDK's paths: the variables, else ~/.aws under HOME, with ~/ expanded", () => {
    expect(sharedFiles(readAwsEnvironment({ HOME: '/home/ci' }))).toEqual([
      {
        variable: 'the default AWS credentials file (AWS_SHARED_CREDENTIALS_FILE unset)',
        path: '/home/ci/.aws/credentials',
      },
      { variable: 'the default AWS config file (AWS_CONFIG_FILE unset)', path: '/home/ci/.aws/config' },
    ]);
    expect(
      sharedFiles(
        readAwsEnvironment({ HOME: '/home/ci', AWS_CONFIG_FILE: '~/cfg', AWS_SHARED_CREDENTIALS_FILE: '/x/creds' }),
      ).map((f) => f.path),
    ).toEqual(['/x/creds', '/home/ci/cfg']);
  });

  it('missing files are fine; a directory or an oversized file is refused naming the variable', () => {
    expect(() => checkSharedFiles(readAwsEnvironment({ HOME: dir }))).not.toThrow();
    expect(() => checkSharedFiles(readAwsEnvironment({ HOME: dir, AWS_CONFIG_FILE: dir }))).toThrow(
      /^AWS_CONFIG_FILE ".*" is not a regular file/,
    );
    const big = join(dir, 'big');
    writeFileSync(big, 'x'.repeat(1024 * 1024 + 1));
    expect(() => checkSharedFiles(readAwsEnvironment({ HOME: dir, AWS_SHARED_CREDENTIALS_FILE: big }))).toThrow(
      /^AWS_SHARED_CREDENTIALS_FILE ".*big" is 1048577 bytes, more than the 1048576 bytes accepted\./,
    );
  });
});
