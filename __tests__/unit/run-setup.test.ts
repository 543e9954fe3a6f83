/**
 * The one set-up of every adapter (src/core/run-setup.ts): the host's secrets are registered before the
 * settings are read and the HTTP client is built, and a failure in either leaves them registered.
 */
import { describe, expect, it } from '@jest/globals';
import type { HttpClient } from '../../src/core/network/http.js';
import { maskingSignatures, prepareRun, registerHostSecrets, runDeps } from '../../src/core/run-setup.js';
import type { CiEnvironment } from '../../src/core/ci-tokens/ci-environment.js';
import { ConfigError } from '../../src/core/safety/errors.js';
import { addMaskCommand, createMasker } from '../../src/core/safety/masker.js';
import { readAwsEnvironment } from '../../src/core/credentials/aws-environment.js';
import { ignoredTlsOverride } from '../../src/core/network/tls-policy.js';

const masker = (withHost: boolean) => {
  const lines: string[] = [];
  return {
    lines,
    masker: createMasker({ registerWithHost: withHost ? (value) => lines.push(addMaskCommand(value)) : undefined }),
  };
};

describe('registerHostSecrets', () => {
  it("registers the runner's OIDC request token, then the proxy's credentials, in either adapter", () => {
    const m = masker(true);
    const proxy = registerHostSecrets(m.masker, {
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
      HTTPS_PROXY: 'http://ci:pr0xy-pw@proxy:3128',
    });
    expect(proxy.https?.host).toBe('proxy:3128');
    expect(m.lines.map((l) => l.trimEnd())).toEqual([
      '::add-mask::runner-request-token',
      '::add-mask::http://ci:pr0xy-pw@proxy:3128/',
      '::add-mask::http://ci:pr0xy-pw@proxy:3128',
      '::add-mask::pr0xy-pw',
    ]);
  });

  it('registers the request token even when the proxy URL is refused', () => {
    const m = masker(true);
    expect(() =>
      registerHostSecrets(m.masker, {
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
        HTTPS_PROXY: 'socks5://proxy:1080',
      }),
    ).toThrow(/HTTPS_PROXY uses socks5/);
    expect(m.lines.map((l) => l.trimEnd())).toEqual(['::add-mask::runner-request-token']);
  });
});

describe('prepareRun: the order the adapters share', () => {
  const env = { ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token', HTTPS_PROXY: 'http://ci:pr0xy-pw@proxy:3128' };

  it('registers the host secrets, then reads the settings, then builds the HTTP client', () => {
    const order: string[] = [];
    const m = createMasker({ registerWithHost: (value) => order.push(`mask ${value}`) });
    const warnings: string[] = [];
    const client: HttpClient = async () => ({ status: 200, headers: {}, body: '' });
    const { config, http } = prepareRun({
      env,
      masker: m,
      log: { info: () => undefined, warning: (w) => warnings.push(w), debug: () => undefined },
      inputs: () => {
        order.push('inputs');
        return { audience: 'aud' };
      },
      httpClient: (proxy) => {
        order.push(`http ${proxy.https?.host ?? ''}`);
        return client;
      },
    });
    expect(order).toEqual([
      'mask runner-request-token',
      'mask http://ci:pr0xy-pw@proxy:3128/',
      'mask http://ci:pr0xy-pw@proxy:3128',
      'mask pr0xy-pw',
      'inputs',
      'http proxy:3128',
    ]);
    expect(warnings).toEqual([]);
    expect(config.audience).toBe('aud');
    expect(http).not.toBe(client); // wrapped: see maskingSignatures
  });

  it('warns once that NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored, after the settings, before the client is built', () => {
    const order: string[] = [];
    const log = { info: () => undefined, warning: (w: string) => order.push(w), debug: () => undefined };
    const run = (value: string | undefined) =>
      prepareRun({
        env: value === undefined ? {} : { NODE_TLS_REJECT_UNAUTHORIZED: value },
        masker: createMasker(),
        log,
        inputs: () => {
          order.push('inputs');
          return { audience: 'aud' };
        },
        httpClient: () => {
          order.push('http');
          return async () => ({ status: 200, headers: {}, body: '' });
        },
      });
    run('0');
    expect(order).toEqual(['inputs', ignoredTlsOverride({ NODE_TLS_REJECT_UNAUTHORIZED: '0' }), 'http']);
    expect(order[1]).toMatch(
      /^NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: mondoo-aws-auth always checks TLS certificates/,
    );
    order.length = 0;
    for (const value of [undefined, '1', ' 0']) run(value);
    expect(order).toEqual(['inputs', 'http', 'inputs', 'http', 'inputs', 'http']);
  });

  it('a bad setting fails after the host secrets are registered, and no client is built', () => {
    const m = masker(true);
    let built = false;
    expect(() =>
      prepareRun({
        env,
        masker: m.masker,
        log: { info: () => undefined, warning: () => undefined, debug: () => undefined },
        inputs: () => ({ audience: '' }),
        httpClient: () => {
          built = true;
          throw new Error('not reached');
        },
      }),
    ).toThrow(/audience/);
    expect(built).toBe(false);
    expect(m.masker.redact('runner-request-token pr0xy-pw')).toBe('*** ***');
  });

  it("reads the credential chain's variables from the environment it is given (readAwsEnvironment), not process.env", () => {
    const given = { AWS_PROFILE: ' from-the-given-env ', AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/c' };
    const { aws } = prepareRun({
      env: given,
      masker: createMasker(),
      log: { info: () => undefined, warning: () => undefined, debug: () => undefined },
      inputs: () => ({ audience: 'aud' }),
      httpClient: () => async () => ({ status: 200, headers: {}, body: '' }),
    });
    expect(aws).toEqual(readAwsEnvironment(given));
    expect([aws.profile, aws.containerFullUri]).toEqual(['from-the-given-env', 'http://127.0.0.1:9/c']);
    expect(aws.childEnv).toBe(given);
  });
});

describe('prepareRun and runDeps: what the set-up reads from the environment, once', () => {
  const quiet = { info: () => undefined, warning: () => undefined, debug: () => undefined };
  const client: HttpClient = async () => ({ status: 200, headers: {}, body: '' });
  const lazy = { credentialChain: () => Promise.reject(new Error('not used')) };
  const options = (env: NodeJS.ProcessEnv, inputs: (ci: CiEnvironment) => Record<string, string>) => ({
    env,
    masker: createMasker(),
    log: quiet,
    inputs,
    tokenEnv: 'MY_ID_TOKEN',
    httpClient: () => client,
  });

  it('hands the adapter the CI variables it read (the CLI’s default session name, the named token variable)', () => {
    const seen: CiEnvironment[] = [];
    const env = { CIRCLECI: 'true', CIRCLE_PROJECT_REPONAME: 'repo', CIRCLE_BUILD_NUM: '5', MY_ID_TOKEN: ' eyJ.t ' };
    const prepared = prepareRun(
      options(env, (ci) => {
        seen.push(ci);
        return { audience: 'aud', 'role-session-name': ci.sessionName };
      }),
    );
    expect(seen).toEqual([prepared.ci]);
    expect(prepared.ci).toMatchObject({ system: 'circleci', tokenEnv: { name: 'MY_ID_TOKEN', value: 'eyJ.t' } });
    expect(prepared.config.roleSessionName).toBe('circleci-repo-5');
  });

  it('computes the STS target once, after the token source: a broken token setting is reported first', () => {
    const role = { audience: 'aud', 'role-to-assume': 'arn:aws:iam::123456789012:role/r', 'aws-region': 'eu-west-1' };
    const badSts = { AWS_ENDPOINT_URL_STS: 'http://sts.example.com' };
    const order: string[] = [];
    const choices = (fail: boolean) => ({
      lazy,
      learnIdentity: false,
      webIdentity: (_config: unknown, _http: unknown, ci: CiEnvironment) => {
        order.push(`token ${ci.tokenEnv?.value ?? ''}`);
        if (fail) throw new ConfigError('web-identity-token-env', 'no token');
        return { name: 'test', fetch: () => Promise.resolve('t') };
      },
    });
    const run = (env: NodeJS.ProcessEnv, inputs: Record<string, string>, fail: boolean) => {
      const opts = options(env, () => inputs);
      return runDeps(opts, prepareRun(opts), choices(fail));
    };
    expect(() => run(badSts, role, true)).toThrow('no token');
    expect(() => run(badSts, role, false)).toThrow(/^environment variable AWS_ENDPOINT_URL_STS uses plain http/);
    expect(() => run(badSts, { audience: 'aud' }, false)).toThrow(/AWS_ENDPOINT_URL_STS uses plain http/);
    expect(order).toEqual(['token ', 'token ']);
    const deps = run({ AWS_ENDPOINT_URL: 'https://127.0.0.1:4566/', MY_ID_TOKEN: 'x' }, role, false);
    expect(deps.stsTarget).toEqual({ endpoint: 'https://127.0.0.1:4566', region: 'eu-west-1' });
    expect(run({}, role, false).stsTarget).toEqual({
      endpoint: 'https://sts.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
    });
    expect(order).toEqual(['token ', 'token ', 'token x', 'token ']);
  });
});

describe('maskingSignatures: every signed request the run sends', () => {
  const SIG = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'b'.repeat(8);
  const AUTH = `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260301/eu-west-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=${SIG}`;

  it('registers the signature of an Authorization header (any case) and the header whole before the request leaves', async () => {
    const m = createMasker();
    let seenMasked = '';
    const inner = Object.assign(
      async () => {
        seenMasked = m.redact(`echo ${AUTH}; piece ${SIG.slice(10, 40)}`);
        return { status: 200, headers: {}, body: 'ok' };
      },
      { preconnect: () => undefined },
    );
    const http = maskingSignatures(inner, m);
    expect(typeof http.preconnect).toBe('function');
    await http({
      url: 'https://sts.eu-west-1.amazonaws.com/',
      method: 'POST',
      headers: { authorization: AUTH },
      body: 'x',
      timeoutMs: 1000,
    });
    expect(seenMasked).toBe('echo ***; piece ***');
  });

  it('registers the X-Amz-Signature of a presigned URL; a request without a signature registers nothing', async () => {
    const registered: string[] = [];
    const m = createMasker({ registerWithHost: (v) => registered.push(v) });
    const inner: HttpClient = async () => ({ status: 200, headers: {}, body: '' });
    const http = maskingSignatures(inner, m);
    await http({ url: 'https://example.com/', method: 'GET', timeoutMs: 1000 });
    expect(registered).toEqual([]);
    await http({
      url: `https://sts.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Signature=${SIG}`,
      method: 'GET',
      timeoutMs: 1000,
    });
    expect(registered).toEqual([SIG]);
  });
});
