/**
 * Proxy support: the settings, NO_PROXY matching, the HTTP client through the loopback CONNECT proxy
 * (in process), and the bundles with the variants of the variables. The main paths (every request of the
 * Action and the CLI tunnelled, role mode included, a wrong password, NO_PROXY) run end to end in
 * scenarios.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, HttpFailure, isTransient } from '../../src/core/safety/errors.js';
import { createHttpClient, NetworkError } from '../../src/core/network/http.js';
import {
  bypassesProxy,
  inIpv4Cidr,
  parseNoProxyEntry,
  proxyFor,
  proxySecrets,
  readProxySettings,
} from '../../src/core/network/proxy.js';
import { ConfigError } from '../../src/core/safety/errors.js';
import { startProxy, type ProxySim } from '../../testkit/proxy.js';
import { runIn, startWorld } from './world.js';

describe('proxy settings', () => {
  it('reads HTTPS_PROXY before https_proxy, HTTP_PROXY before http_proxy, and NO_PROXY before no_proxy', () => {
    const s = readProxySettings({
      HTTPS_PROXY: 'http://upper:3128',
      https_proxy: 'http://lower:3128',
      http_proxy: 'http://plain:3128',
      no_proxy: 'a.example, .b.example  c.example',
    });
    expect(s.https?.host).toBe('upper:3128');
    expect(s.http?.host).toBe('plain:3128');
    expect(s.noProxy).toEqual(['a.example', '.b.example', 'c.example']);
    expect(
      readProxySettings({ https_proxy: 'http://lower:3128', NO_PROXY: 'X.Example', no_proxy: 'y' }).noProxy,
    ).toEqual(['x.example']);
  });

  it('takes a proxy without a scheme as http://, and ignores empty variables', () => {
    expect(readProxySettings({ HTTPS_PROXY: 'proxy.internal:3128' }).https?.href).toBe('http://proxy.internal:3128/');
    expect(readProxySettings({ HTTPS_PROXY: '  ', https_proxy: '' })).toEqual({
      https: undefined,
      http: undefined,
      noProxy: [],
    });
  });

  it('refuses what it cannot use without echoing the value (it may hold a password)', () => {
    for (const value of ['http://user:s3cret-pw@[bad', 'socks5://user:s3cret-pw@proxy:1080']) {
      let err: unknown;
      try {
        readProxySettings({ HTTPS_PROXY: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).input).toBe('proxy');
      expect((err as Error).message).toMatch(/^HTTPS_PROXY /);
      expect((err as Error).message).not.toContain('s3cret-pw');
    }
  });

  it('lists the password (raw and percent-decoded) and the URL with credentials as secrets', () => {
    const secrets = proxySecrets(readProxySettings({ HTTPS_PROXY: 'http://ci:p%40ss%3Aw0rd@proxy:3128' }));
    expect(secrets).toEqual(
      expect.arrayContaining([
        'p%40ss%3Aw0rd',
        'p@ss:w0rd',
        'http://ci:p%40ss%3Aw0rd@proxy:3128/',
        'http://ci:p%40ss%3Aw0rd@proxy:3128',
      ]),
    );
    expect(new Set(secrets).size).toBe(secrets.length);
    expect(proxySecrets(readProxySettings({ HTTPS_PROXY: 'http://ci:plain@proxy:3128' }))).toEqual([
      'http://ci:plain@proxy:3128/',
      'http://ci:plain@proxy:3128',
      'plain',
    ]);
    expect(proxySecrets(readProxySettings({ HTTPS_PROXY: 'http://proxy:3128' }))).toEqual([]);
  });
});

describe('NO_PROXY', () => {
  const bypass = (url: string, ...entries: string[]) => bypassesProxy(new URL(url), entries);

  it.each<[string, string[], boolean]>([
    ['https://mondoo.test:443/x', ['mondoo.test'], true],
    ['https://us.api.mondoo.com/', ['mondoo.com'], true],
    ['https://us.api.mondoo.com/', ['.mondoo.com'], true],
    ['https://us.api.mondoo.com/', ['*.mondoo.com'], true],
    ['https://mondoo.com/', ['.mondoo.com'], true],
    ['https://notmondoo.com/', ['mondoo.com'], false],
    ['https://us.api.mondoo.com/', ['mondoo.com:443'], true],
    ['https://us.api.mondoo.com/', ['mondoo.com:8443'], false],
    ['https://anything.example/', ['*'], true],
    ['https://anything.example/', [], false],
    ['https://127.0.0.1:8443/', ['127.0.0.1'], true],
    ['https://10.0.0.1/', ['0.0.1'], false],
    ['https://10.1.2.3/', ['10.0.0.0/8'], true],
    ['https://11.1.2.3/', ['10.0.0.0/8'], false],
    ['https://192.168.7.9:8443/', ['192.168.0.0/16:8443'], true],
    ['https://[::1]:8443/', ['::1'], true],
    ['https://[::1]:8443/', ['[::1]'], true],
    ['https://[::1]:8443/', ['[::1]:8443'], true],
    ['https://[::1]:8443/', ['[::1]:9443'], false],
    ['http://169.254.169.254/latest', ['169.254.169.254'], true],
  ])('%s with NO_PROXY=%j → bypass %s', (url, entries, expected) => {
    expect(bypass(url, ...entries)).toBe(expected);
  });

  it('parses entries', () => {
    expect(parseNoProxyEntry('[fd00::1]:3128')).toEqual({ host: 'fd00::1', port: '3128' });
    expect(parseNoProxyEntry('fd00::1')).toEqual({ host: 'fd00::1', port: undefined });
    expect(parseNoProxyEntry('host.example:80')).toEqual({ host: 'host.example', port: '80' });
    expect(inIpv4Cidr('10.0.0.1', '10.0.0.0/33')).toBe(false);
    expect(inIpv4Cidr('10.0.0.1', '0.0.0.0/0')).toBe(true);
  });

  it('picks the proxy by the scheme of the target', () => {
    const settings = readProxySettings({
      HTTPS_PROXY: 'http://secure:1',
      HTTP_PROXY: 'http://plain:2',
      NO_PROXY: 'skip.example',
    });
    expect(proxyFor(new URL('https://a.example'), settings)?.host).toBe('secure:1');
    expect(proxyFor(new URL('http://a.example'), settings)?.host).toBe('plain:2');
    expect(proxyFor(new URL('https://skip.example'), settings)).toBeUndefined();
  });
});

describe('the HTTP client through the loopback proxy', () => {
  let proxy: ProxySim;
  let authProxy: ProxySim;
  let web: Server;
  let webPort = 0;
  beforeAll(async () => {
    proxy = await startProxy();
    authProxy = await startProxy({ auth: { user: 'ci', password: 'pr0xy-pw' } });
    web = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello ${req.url}`));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webPort = (web.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), authProxy.close(), new Promise((resolve) => web.close(resolve))]);
  });

  const client = (env: NodeJS.ProcessEnv) => createHttpClient(readProxySettings(env));
  const failure = async (promise: Promise<unknown>): Promise<Error> =>
    promise.then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );

  it('ends the attempt on time when the proxy never answers CONNECT', async () => {
    proxy.script.push({ hang: true });
    const started = Date.now();
    const err = await failure(
      client({ HTTPS_PROXY: proxy.url })({ url: 'https://mondoo.test:9/x', method: 'GET', timeoutMs: 300 }),
    );
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).timedOut).toBe(true);
    expect(err.message).toBe('mondoo.test:9 did not answer within 0.3s');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('makes a 407 final (another attempt cannot fix a password), without the password', async () => {
    const err = await failure(
      client({ HTTPS_PROXY: authProxy.urlWithAuth.replace('pr0xy-pw', 'wr0ng-pw') })({
        url: 'https://mondoo.test:9/x',
        method: 'GET',
        timeoutMs: 2000,
      }),
    );
    expect(err).toBeInstanceOf(AuthError);
    expect(isTransient(err)).toBe(false);
    expect(err).not.toBeInstanceOf(HttpFailure);
    expect((err as AuthError).code).toBe('PROXY_REFUSED');
    expect(err.message).toMatch(
      /^The proxy 127\.0\.0\.1:\d+ refused to open a tunnel to mondoo\.test:9: HTTP 407 \(proxy authentication failed: check the user and password in the proxy URL/,
    );
    expect(err.message).not.toMatch(/wr0ng-pw|pr0xy-pw/);
    const anonymous = await failure(
      client({ HTTPS_PROXY: authProxy.url })({ url: 'https://mondoo.test:9/x', method: 'GET', timeoutMs: 2000 }),
    );
    expect(anonymous.message).toMatch(
      /HTTP 407 \(it requires authentication: give the credentials in the proxy URL, as http:\/\/user:password@host:port\)/,
    );
  });

  it('retries a proxy that cannot reach the host (502), and makes a policy refusal (403) final', async () => {
    const bad = await failure(
      client({ HTTPS_PROXY: proxy.url })({ url: 'https://unknown.example:9/x', method: 'GET', timeoutMs: 2000 }),
    );
    expect(bad).toBeInstanceOf(NetworkError);
    expect(bad.message).toMatch(
      /^could not reach unknown\.example:9: the proxy 127\.0\.0\.1:\d+ refused to open a tunnel to unknown\.example:9: HTTP 502\.$/,
    );
    proxy.script.push({ status: 403 });
    const forbidden = await failure(
      client({ HTTPS_PROXY: proxy.url })({ url: 'https://mondoo.test:9/x', method: 'GET', timeoutMs: 2000 }),
    );
    expect(forbidden).toBeInstanceOf(AuthError);
    expect(forbidden.message).toMatch(
      /HTTP 403\. Allow mondoo\.test:9 in the proxy, or list the host in NO_PROXY if it is reachable directly\.$/,
    );
  });

  it('sends plain http through HTTP_PROXY as a forward proxy, with its credentials', async () => {
    authProxy.requests.length = 0;
    const answer = await client({ HTTP_PROXY: authProxy.urlWithAuth })({
      url: `http://web.test:${webPort}/path?q=1`,
      method: 'GET',
      timeoutMs: 2000,
    });
    expect(answer.body).toBe('hello /path?q=1');
    expect(authProxy.requests).toEqual([
      expect.objectContaining({
        kind: 'FORWARD',
        target: `web.test:${webPort}`,
        proxyAuthorization: `Basic ${Buffer.from('ci:pr0xy-pw').toString('base64')}`,
        status: 200,
      }),
    ]);
    const err = await failure(
      client({ HTTP_PROXY: authProxy.url })({ url: `http://web.test:${webPort}/`, method: 'GET', timeoutMs: 2000 }),
    );
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toMatch(/HTTP 407/);
  });

  it('goes direct to a host in NO_PROXY', async () => {
    proxy.requests.length = 0;
    const answer = await client({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' })({
      url: `http://127.0.0.1:${webPort}/direct`,
      method: 'GET',
      timeoutMs: 2000,
    });
    expect(answer.body).toBe('hello /direct');
    expect(proxy.requests).toEqual([]);
  });
});

describe('the bundles and the proxy variables', () => {
  it('honours lower-case https_proxy and no_proxy (CLI)', async () => {
    const world = await startWorld({ proxy: true });
    try {
      const { HTTPS_PROXY: proxyUrl, ...env } = world.env('env-long');
      const r = await runIn(world, 'cli', 'env-long', {
        env: { ...env, HTTPS_PROXY: '', https_proxy: proxyUrl ?? '', no_proxy: 'sts.test' },
      });
      expect(r.error).toBe('');
      expect(r.code).toBe(0);
      // Mondoo through the proxy; STS bypassed it (and, .test resolving nowhere else, could not be asked).
      expect(world.proxy!.requests.map((p) => p.target)).toEqual([`mondoo.test:${world.sims.mondoo.port}`]);
      expect(r.arn).toBe('');
    } finally {
      await world.close();
    }
  });

  it('tunnels each request once when NODE_USE_ENV_PROXY=1 is set as well (Node 24 has a proxy of its own)', async () => {
    const world = await startWorld({ proxy: true });
    try {
      const r = await runIn(world, 'action', 'role', { env: { NODE_USE_ENV_PROXY: '1' } });
      expect(r.error).toBe('');
      expect(r.code).toBe(0);
      expect(world.proxy!.requests.map((p) => `${p.kind} ${p.host}`)).toEqual([
        'CONNECT oidc.test',
        'CONNECT sts.test',
        'CONNECT mondoo.test',
      ]);
    } finally {
      await world.close();
    }
  });

  it('ends the run, with a clear message, when the proxy never answers (no hung process)', async () => {
    const world = await startWorld({ proxy: true });
    try {
      for (let i = 0; i < 10; i++) world.proxy!.script.push({ hang: true });
      const r = await runIn(world, 'action', 'env-long', {
        inputs: { 'attempt-timeout-seconds': '0.5', 'max-attempts': '2' },
        timeoutMs: 15_000,
      });
      expect(r.code).toBe(1);
      expect(r.error).toMatch(
        /^The Mondoo token exchange failed after 2 attempts: mondoo\.test:\d+ did not answer within 0\.5s$/,
      );
      expect(r.ms).toBeLessThan(8000);
    } finally {
      await world.close();
    }
  });
});
