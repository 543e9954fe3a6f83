/**
 * The credential-source modules on their own: the container endpoint rules (the AWS SDK's), the RELATIVE_URI
 * URL (which no variable can point at loopback, so it is checked here with a scripted HTTP client), the
 * token and token-file checks, the answer's validation, the chain's deadline and its logging of the SDK.
 */
import { needTools } from '../../../testkit/system-tools.js';
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../src/core/network/clock.js';
import {
  authorizationToken,
  containerEndpoint,
  describeContainerSource,
  fetchContainerCredentials,
  CONTAINER_PLAIN_HTTP_HOSTS,
} from '../../../src/core/credentials/container-credentials.js';
import { isLoopbackHost } from '../../../src/core/safety/url-input.js';
import { beforeDeadline, unusedSources, type ChainDeps } from '../../../src/core/credentials/links/chain-link.js';
import { resolveCredentials } from '../../../src/core/credentials/links/chain-links.js';
import { routeProcessWarnings, sdkLogger } from '../../../src/core/credentials/links/sdk-session.js';
import { profileKind } from '../../../src/core/credentials/links/shared-profile.js';
import { roleArnNote } from '../../../src/core/credential-source.js';
import { readAwsEnvironment } from '../../../src/core/credentials/aws-environment.js';
import { readCiEnvironment } from '../../../src/core/ci-tokens/ci-environment.js';
import { AuthError, type HttpFailure, isTransient } from '../../../src/core/safety/errors.js';
import type { HttpClient, HttpRequest } from '../../../src/core/network/http.js';
import { NetworkError } from '../../../src/core/network/http.js';
import {
  CONTAINER_TOKEN_MAX_BYTES as MAX_TOKEN_FILE_BYTES,
  readSecretFile,
} from '../../../src/core/safety/secret-file.js';
import type * as SdkLinks from '../../../src/core/credentials/sdk-providers.js';
import { secretUrlProblem } from '../../../src/core/safety/url-input.js';
import { IMDS_PLAIN_HTTP_HOSTS, imdsSettings } from '../../../src/core/credentials/instance-metadata.js';
import { EventEmitter } from 'node:events';

const dir = mkdtempSync(join(tmpdir(), 'mondoo-unit-sources-'));
const NOW = Date.parse('2026-01-01T00:00:00Z');
const GOOD = {
  AccessKeyId: 'ASIAEXAMPLEEXAMPLE01',
  SecretAccessKey: 'secret/key',
  Token: 'session-token',
  Expiration: '2026-01-01T06:00:00Z',
};

function scripted(answer: (r: HttpRequest) => Promise<{ status: number; body: string }>): {
  http: HttpClient;
  requests: HttpRequest[];
} {
  const requests: HttpRequest[] = [];
  const http: HttpClient = async (r) => {
    requests.push(r);
    const { status, body } = await answer(r);
    return { status, body, headers: {} };
  };
  return { http, requests };
}

describe("container endpoint rules (the AWS SDK's)", () => {
  it('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is always a path on 169.254.170.2, and wins over _FULL_URI', () => {
    const e = containerEndpoint(
      readAwsEnvironment({
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc-123',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:8080/creds',
      }),
    )!;
    expect(e.url.href).toBe('http://169.254.170.2/v2/credentials/abc-123');
    expect(e.variable).toBe('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
    expect(e.ignored).toEqual([
      'AWS_CONTAINER_CREDENTIALS_FULL_URI (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI takes precedence, as in the AWS SDK)',
    ]);
  });

  it('a relative URI cannot reach another host: "@host" or "//host" tricks stay on 169.254.170.2 or are refused', () => {
    expect(() =>
      containerEndpoint(readAwsEnvironment({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '@127.0.0.1/x' })),
    ).toThrow(/is not a path\. It must start with \//);
    expect(
      containerEndpoint(readAwsEnvironment({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '//127.0.0.1/x' }))!.url.host,
    ).toBe('169.254.170.2');
  });

  it('the RELATIVE_URI request goes to http://169.254.170.2 (checked with a scripted client; nothing is sent)', async () => {
    const { http, requests } = scripted(async () => ({ status: 200, body: JSON.stringify(GOOD) }));
    const e = containerEndpoint(
      readAwsEnvironment({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/task' }),
    )!;
    const creds = await fetchContainerCredentials(http, e, undefined, 1000, NOW);
    expect(requests.map((r) => [r.method, r.url, r.headers])).toEqual([
      ['GET', 'http://169.254.170.2/v2/credentials/task', { accept: 'application/json' }],
    ]);
    expect(creds).toEqual({
      accessKeyId: GOOD.AccessKeyId,
      secretAccessKey: GOOD.SecretAccessKey,
      sessionToken: GOOD.Token,
      expiration: new Date(GOOD.Expiration),
    });
    expect(describeContainerSource(e)).toBe(
      'container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "http://169.254.170.2/v2/credentials/task", no authorization token)',
    );
  });

  it.each([
    ['https://creds.example.com/v1', true],
    ['http://127.0.0.1:51679/creds', true],
    ['http://127.1.2.3/creds', true],
    ['http://localhost:8080/creds', true],
    ['http://[::1]:8080/creds', true],
    ['http://169.254.170.2/v1/credentials', true],
    ['http://169.254.170.23/v1/credentials', true],
    ['http://[fd00:ec2::23]/v1/credentials', true],
    ['http://169.254.169.254/latest', false],
    ['http://10.0.0.5/creds', false],
    ['http://127.0.0.1.example.com/creds', false],
    ['ftp://127.0.0.1/creds', false],
    ['not a url', false],
    ['http://127.0.0.1/\ncreds', false],
  ])('FULL_URI %s accepted: %s', (url, ok) => {
    const attempt = () => containerEndpoint(readAwsEnvironment({ AWS_CONTAINER_CREDENTIALS_FULL_URI: url }));
    if (ok) expect(attempt()!.url.protocol).toMatch(/^https?:$/);
    else expect(attempt).toThrow(AuthError);
  });

  it('container plain-http hosts: the one exception to the secret-URL rule is exactly the ECS and EKS agents', () => {
    expect([...CONTAINER_PLAIN_HTTP_HOSTS].sort()).toEqual(['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]']);
    // The rule itself refuses them (they are not loopback): only the container link passes them in.
    for (const host of CONTAINER_PLAIN_HTTP_HOSTS) {
      expect(secretUrlProblem(new URL(`http://${host}/v1`), 'the token')).toBe(
        `uses plain http to ${host}, which would send the token unencrypted.`,
      );
      expect(secretUrlProblem(new URL(`http://${host}/v1`), 'the token', CONTAINER_PLAIN_HTTP_HOSTS)).toBeUndefined();
    }
    expect(secretUrlProblem(new URL('http://127.0.0.2:9/x'), 'the token')).toBeUndefined();
    expect(secretUrlProblem(new URL('https://sts.example.invalid/'), 'the token')).toBeUndefined();
  });

  it('IMDS plain-http hosts: the metadata service itself and loopback; any other plain-http endpoint is refused', () => {
    expect([...IMDS_PLAIN_HTTP_HOSTS].sort()).toEqual(['169.254.169.254', '[fd00:ec2::254]']);
    const endpoint = (value: string) =>
      imdsSettings(readAwsEnvironment({ AWS_EC2_METADATA_SERVICE_ENDPOINT: value }), undefined).endpoint;
    expect(endpoint('http://169.254.169.254')).toBe('http://169.254.169.254');
    expect(endpoint('http://[fd00:ec2::254]/')).toBe('http://[fd00:ec2::254]');
    expect(endpoint('http://127.0.0.1:8111')).toBe('http://127.0.0.1:8111');
    expect(endpoint('https://imds.example.com')).toBe('https://imds.example.com');
    expect(() => endpoint('http://imds.example.invalid')).toThrow(
      'AWS_EC2_METADATA_SERVICE_ENDPOINT "http://imds.example.invalid" uses plain http to imds.example.invalid, which would send the IMDS session token and the instance role credentials unencrypted.',
    );
  });

  it('loopback means 127.0.0.0/8, ::1 and localhost only', () => {
    expect(['127.0.0.1', '127.255.0.9', 'localhost', '[::1]'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['128.0.0.1', '127.0.0.256', '127.0.0', 'localhost.evil', '[::2]'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('the token file wins over the token variable; the log never shows either value', () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'from-file-token\n');
    const e = containerEndpoint(
      readAwsEnvironment({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1/c',
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'from-env-token',
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
      }),
    )!;
    expect(authorizationToken(e)).toBe('from-file-token');
    expect(e.ignored).toEqual([
      'AWS_CONTAINER_AUTHORIZATION_TOKEN (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE takes precedence, as in the AWS SDK)',
    ]);
    expect(describeContainerSource(e)).not.toMatch(/from-(file|env)-token/);
  });

  it('a token with a line break inside is refused (it would split the header)', () => {
    const e = containerEndpoint(
      readAwsEnvironment({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1/c',
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'abc\r\nX-Injected: 1',
      }),
    )!;
    expect(() => authorizationToken(e)).toThrow(
      /AWS_CONTAINER_AUTHORIZATION_TOKEN holds a line break or NUL inside the token/,
    );
  });
});

describe('token files: regular files of bounded size only', () => {
  it('reads a small regular file', () => {
    const file = join(dir, 'small');
    writeFileSync(file, 'tok');
    expect(readSecretFile(file, 10, 'VAR', 'a token')).toBe('tok');
  });

  it('refuses a file over the limit without reading it all', () => {
    const file = join(dir, 'big');
    writeFileSync(file, 'x'.repeat(MAX_TOKEN_FILE_BYTES + 1));
    expect(() =>
      readSecretFile(file, MAX_TOKEN_FILE_BYTES, 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'the token'),
    ).toThrow(`is ${MAX_TOKEN_FILE_BYTES + 1} bytes, more than the ${MAX_TOKEN_FILE_BYTES} bytes accepted`);
  });

  needTools(['mkfifo'], 'the FIFO token file test').it(
    'refuses a FIFO at once (opening one to read would block until a writer came)',
    () => {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      expect(() => readSecretFile(fifo, 100, 'AWS_WEB_IDENTITY_TOKEN_FILE', 'the token')).toThrow(
        /AWS_WEB_IDENTITY_TOKEN_FILE ".*fifo" is not a regular file/,
      );
    },
  );

  it('refuses a device', () => {
    expect(() => readSecretFile('/dev/zero', 100, 'VAR', 'the token')).toThrow(
      /VAR "\/dev\/zero" is not a regular file/,
    );
  });
});

describe('the container answer is validated before use', () => {
  const endpoint = containerEndpoint(
    readAwsEnvironment({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:1/v1/credentials' }),
  )!;
  const answer = (status: number, body: unknown) =>
    scripted(async () => ({ status, body: typeof body === 'string' ? body : JSON.stringify(body) })).http;

  it.each([
    [{ ...GOOD, AccessKeyId: undefined }, /answered without AccessKeyId/],
    [{ ...GOOD, Token: '' }, /answered without Token/],
    [{ ...GOOD, AccessKeyId: 'akia lower' }, /AccessKeyId that does not look like one/],
    [{ ...GOOD, Expiration: 'soon' }, /Expiration that is not a date: "soon"/],
    [
      { ...GOOD, Expiration: '2025-12-31T23:00:00Z' },
      /credentials that expired at 2025-12-31T23:00:00\.000Z\. The endpoint serves stale credentials/,
    ],
    ['<html>not json</html>', /answered HTTP 200 without a JSON object/],
    [[GOOD], /answered HTTP 200 without a JSON object/],
  ])('%j is refused', async (body, message) => {
    await expect(fetchContainerCredentials(answer(200, body), endpoint, undefined, 1000, NOW)).rejects.toThrow(message);
  });

  it('server text in an error answer is shown on one line, controls escaped', async () => {
    const err = await fetchContainerCredentials(
      answer(403, { Code: 'Denied', Message: 'no\n::error::injected\u001b[31m' }),
      endpoint,
      'tok',
      1000,
      NOW,
    ).then(
      () => {
        throw new Error('resolved');
      },
      (e: unknown) => e as HttpFailure,
    );
    expect(err.message).not.toMatch(/[\n\u001b]/);
    expect(err.message).toContain('answered HTTP 403: Denied no ::error::injected\\u001b[31m.');
    expect(err.status).toBe(403);
    expect(isTransient(err)).toBe(false);
  });

  it('5xx and 429 are transient (retried), 404 names the path setting', async () => {
    const e500 = await fetchContainerCredentials(answer(500, 'oops'), endpoint, undefined, 1000, NOW).then(
      () => {
        throw new Error('resolved');
      },
      (e: unknown) => e as HttpFailure,
    );
    expect(isTransient(e500)).toBe(true);
    const e404 = await fetchContainerCredentials(answer(404, {}), endpoint, undefined, 1000, NOW).then(
      () => {
        throw new Error('resolved');
      },
      (e: unknown) => e as HttpFailure,
    );
    expect(e404.message).toMatch(
      /HTTP 404\. Check AWS_CONTAINER_CREDENTIALS_FULL_URI: the path is wrong, or the task or pod has no IAM role/,
    );
  });
});

/** A clock whose sleep resolves at once, for the chain. */
const clock: Clock = { now: () => Date.now(), sleep: async () => undefined, random: () => 0 };

function chainDeps(
  env: NodeJS.ProcessEnv,
  sdk: Partial<typeof SdkLinks>,
  extra: Partial<ChainDeps> = {},
): ChainDeps & { logged: string[]; secrets: string[] } {
  const logged: string[] = [];
  const secrets: string[] = [];
  const notApplicable = () => async () => {
    throw Object.assign(new Error('does not apply'), { tryNextLink: true });
  };
  const links = {
    fromIni: notApplicable,
    fromProcess: notApplicable,
    fromTokenFile: notApplicable,
    fromWebToken: notApplicable,
    parseKnownFiles: async () => ({}),
    ...sdk,
  } as unknown as typeof SdkLinks;
  const withoutImds = { AWS_EC2_METADATA_DISABLED: 'true', ...env };
  return {
    aws: readAwsEnvironment(withoutImds),
    credentialsFix: readCiEnvironment(withoutImds).credentialsFix,
    clock,
    log: {
      info: (m) => logged.push(`info ${m}`),
      warning: (m) => logged.push(`warning ${m}`),
      debug: (m) => logged.push(`debug ${m}`),
    },
    secret: (v) => secrets.push(v),
    loadSdk: async () => links,
    deadline: Date.now() + 5000,
    attemptTimeoutMs: 1000,
    maxAttempts: 2,
    region: 'eu-west-1',
    logged,
    secrets,
    ...extra,
  };
}

describe('the chain', () => {
  it('a link that never answers fails at the deadline, naming the link', async () => {
    const deps = chainDeps(
      { AWS_PROFILE: 'slow' },
      { fromIni: () => () => new Promise(() => undefined) },
      { deadline: Date.now() + 150 },
    );
    await expect(resolveCredentials(deps)).rejects.toThrow(
      /^shared profile "slow" did not answer before the overall timeout \(timeout-seconds, [\d.]+m?s\)/,
    );
  });

  it("names the profile kind from the SDK's own attribution ($source), masks the keys it returns", async () => {
    const creds = {
      accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
      secretAccessKey: 'sk',
      sessionToken: 'st',
      $source: { CREDENTIALS_PROFILE_SOURCE_PROFILE: 'o', CREDENTIALS_STS_ASSUME_ROLE: 'i', CREDENTIALS_PROFILE: 'n' },
    };
    const deps = chainDeps(
      { AWS_PROFILE: 'ops' },
      {
        fromIni: () => async () => creds,
        parseKnownFiles: async () => ({
          ops: { role_arn: 'arn:aws:iam::1:role/r', source_profile: 'base' },
          base: { aws_secret_access_key: 'base-secret' },
        }),
      },
    );
    const got = await resolveCredentials(deps);
    expect(got.source).toBe(
      'shared profile "ops" (role_arn with source_profile: AssumeRole by the AWS SDK "arn:aws:iam::1:role/r" via profile "base")',
    );
    expect(deps.secrets).toEqual(['base-secret', 'sk', 'st']);
  });

  it('a link that applies and fails ends the chain with its error and the fix', async () => {
    const deps = chainDeps(
      { AWS_PROFILE: 'p' },
      { fromIni: () => async () => Promise.reject(new Error('AccessDenied\u001b[2J')) },
      { directHttp: async () => Promise.reject(new Error('must not be reached')) },
    );
    await expect(resolveCredentials(deps)).rejects.toThrow(
      'AWS credentials from shared profile "p" failed: AccessDenied\\u001b[2J. Fix profile "p" in the shared config/credentials files, or unset AWS_PROFILE.',
    );
  });

  it('expired credentials from a link are refused with the fix', async () => {
    const deps = chainDeps(
      {},
      {
        fromIni: () => async () => ({
          accessKeyId: 'AKIAEXAMPLEEXAMPLE1',
          secretAccessKey: 'sk',
          expiration: new Date(Date.now() - 1000),
          $source: { CREDENTIALS_PROFILE: 'n' },
        }),
      },
    );
    await expect(resolveCredentials(deps)).rejects.toThrow(
      /shared profile "default" \(static keys\) gave credentials that expired at .* Refresh them/,
    );
  });

  it('container credentials: retried on a network error within the deadline, token masked before the request', async () => {
    let calls = 0;
    const order: string[] = [];
    const { http } = scripted(async (r) => {
      order.push(`request ${r.headers?.['authorization'] ?? ''}`);
      if (++calls === 1) throw new NetworkError('127.0.0.1:1 reset', false);
      return {
        status: 200,
        body: JSON.stringify({ ...GOOD, Expiration: new Date(Date.now() + 3600_000).toISOString() }),
      };
    });
    const deps = chainDeps(
      { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:1/c', AWS_CONTAINER_AUTHORIZATION_TOKEN: 'ctok' },
      {},
      { directHttp: http },
    );
    const secret = deps.secret;
    deps.secret = (v) => {
      order.push(`mask ${v}`);
      secret(v);
    };
    const got = await resolveCredentials(deps);
    expect(order.slice(0, 3)).toEqual(['mask ctok', 'request ctok', 'request ctok']);
    expect(deps.secrets).toEqual(['ctok', 'secret/key', 'session-token']);
    expect(got.source).toBe(
      'container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI "http://127.0.0.1:1/c", authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN)',
    );
  });
});

describe('logging around the chain', () => {
  it("the SDK's lines go to the tool's logger on one line each", () => {
    const lines: string[] = [];
    const logger = sdkLogger({
      info: (m) => lines.push(`info ${m}`),
      warning: (m) => lines.push(`warning ${m}`),
      debug: (m) => lines.push(`debug ${m}`),
    });
    logger.warn('@smithy/node-http-handler - [WARN] a request\n::error::x');
    logger.debug('@aws-sdk/credential-provider-ini - fromIni', { a: 1 });
    expect(lines).toEqual([
      'warning AWS SDK: @smithy/node-http-handler - [WARN] a request ::error::x',
      'debug AWS SDK: @aws-sdk/credential-provider-ini - fromIni { a: 1 }',
    ]);
  });

  it('the SDK\'s log objects are rendered as bounded text (issue 16: never "[object Object]"), and late lines are dropped', () => {
    const lines: string[] = [];
    let open = true;
    const logger = sdkLogger(
      { info: () => undefined, warning: (m) => lines.push(m), debug: (m) => lines.push(m) },
      () => open,
    );
    logger.warn({
      clientName: 'STSClient',
      commandName: 'AssumeRoleCommand',
      error: new Error('boom'),
      deep: { a: { b: { c: { d: 1 } } } },
    });
    logger.debug({ big: 'x'.repeat(5000), list: Array.from({ length: 100 }, (_, i) => i) });
    open = false;
    logger.warn('after the answer');
    expect(lines[0]).toMatch(
      /^AWS SDK: \{ clientName: 'STSClient', commandName: 'AssumeRoleCommand', error: 'Error: boom'/,
    );
    expect(lines[0]).toContain("deep: { a: { b: '[Object]' } }");
    expect(lines[0]).not.toContain('credential-sources.test.ts');
    expect(lines[0]).not.toContain('[object Object]');
    expect(lines[1]!.length).toBeLessThanOrEqual('AWS SDK: '.length + 420);
    expect(lines).toHaveLength(2);
  });

  it("process warnings go to the logger while the SDK runs, and Node's listeners come back after", () => {
    const proc = new EventEmitter() as unknown as NodeJS.Process;
    const original = (): void => undefined;
    proc.on('warning', original);
    const lines: string[] = [];
    const restore = routeProcessWarnings(
      { info: () => undefined, warning: (m) => lines.push(m), debug: () => undefined },
      proc,
    );
    proc.emit('warning', Object.assign(new Error('NodeVersionSupportWarning: upgrade\nnow'), { name: 'Warning' }));
    expect(proc.listeners('warning')).not.toContain(original);
    restore();
    expect(proc.listeners('warning')).toEqual([original]);
    expect(lines).toEqual(['AWS SDK: Warning: NodeVersionSupportWarning: upgrade now']);
  });

  it('names what was set but not used, and AWS_ROLE_ARN beside role-to-assume', () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE1',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_PROFILE: 'p',
      AWS_ROLE_ARN: 'arn:aws:iam::1:role/x',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/t',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1',
    };
    expect(unusedSources(readAwsEnvironment(env), 'profile')).toEqual([
      'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
      'AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    ]);
    expect(roleArnNote(readAwsEnvironment(env), 'arn:aws:iam::1:role/y')).toBe(
      'AWS_ROLE_ARN "arn:aws:iam::1:role/x" is set but not used: role-to-assume takes precedence.',
    );
    expect(roleArnNote(readAwsEnvironment(env), 'arn:aws:iam::1:role/x')).toBeUndefined();
  });

  it("profileKind reads the SDK's attribution, outermost first", () => {
    expect(profileKind({ $source: { CREDENTIALS_PROFILE_PROCESS: 'v', CREDENTIALS_PROCESS: 'w' } })).toBe(
      'credential_process',
    );
    expect(profileKind({ $source: { CREDENTIALS_PROFILE: 'n' } })).toBe('static keys');
    expect(profileKind({})).toBe('shared profile');
  });

  it('beforeDeadline passes a result through and clears its timer', async () => {
    await expect(beforeDeadline(Promise.resolve(7), clock, Date.now() + 10_000, 'x', 10_000)).resolves.toBe(7);
  });
});
