/**
 * Issue 9, section 3: the gaps hostile-server testing found, in process. Each test here failed before its fix.
 * (Gap 1, server text in the log, and the output-file and token-file checks end to end are in
 * hostile-log.test.ts; gap 5 belongs to the credential chain.)
 */
import { needTools } from '../../testkit/system-tools.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutputPath, main, writePrivateFile } from '../../src/cli.js';
import { authenticate, type Deps } from '../../src/core/authenticate.js';
import { readAwsEnvironment } from '../../src/core/credentials/aws-environment.js';
import { readCiEnvironment } from '../../src/core/ci-tokens/ci-environment.js';
import { ciTokenSource } from '../../src/core/ci-tokens/ci-token-sources.js';
import type { Clock } from '../../src/core/network/clock.js';
import { normalizeUniverseDomain, readStsEndpoint } from '../../src/core/config/config.js';
import { parseConfig } from '../../src/core/config/settings.js';
import { AuthError, ConfigError } from '../../src/core/safety/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/core/network/http.js';
import { proxyFor, readProxySettings, TunnelAgent } from '../../src/core/network/proxy.js';
import { stsTargetFor } from '../../src/core/sts/sts.js';
import { gitHubTokenSource } from '../../src/core/ci-tokens/token-source.js';
import { startProxy, type ProxySim } from '../../testkit/proxy.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const unusedHttp: HttpClient = () => Promise.reject(new Error('no request may be sent'));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('gap 2: a server cannot choose the signing time', () => {
  const KEYS = {
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL_STS: 'https://sts.test',
  };
  const clock: Clock = { now: () => NOW, sleep: async () => undefined, random: () => 0 };

  async function exchangeAgainst(
    serverOffsetMs: number,
  ): Promise<{ dates: string[]; err: AuthError; warnings: string[] }> {
    const dates: string[] = [];
    const http: HttpClient = async (req: HttpRequest): Promise<HttpResponse> => {
      if (req.url.startsWith('https://sts.test')) return { status: 500, headers: {}, body: '' };
      dates.push(
        (
          JSON.parse(JSON.parse(req.body ?? '{}').jwt_token as string) as { headers: { key: string; value: string }[] }
        ).headers.find((h) => h.key === 'X-Amz-Date')!.value,
      );
      return {
        status: 401,
        headers: { date: new Date(NOW + serverOffsetMs).toUTCString() },
        body: JSON.stringify({
          code: 16,
          message:
            'failed to verify AWS identity: STS returned SignatureDoesNotMatch: Signature expired: 20260301T120000Z is now earlier than 20260304T114500Z',
        }),
      };
    };
    const warnings: string[] = [];
    const deps: Deps = {
      aws: readAwsEnvironment(KEYS),
      credentialsFix: readCiEnvironment(KEYS).credentialsFix,
      stsTarget: stsTargetFor('us-east-1', readStsEndpoint(KEYS)),
      http,
      clock,
      log: { info: () => undefined, warning: (m) => warnings.push(m), debug: () => undefined },
      lazy: { credentialChain: () => Promise.reject(new Error('not used')) },
      secret: () => undefined,
      webIdentity: undefined,
      learnIdentity: false,
    };
    const config = parseConfig(
      { audience: 'aud', 'universe-domain': 'https://mondoo.test', 'max-attempts': '5' },
      KEYS,
    );
    const err = await authenticate(config, deps).then(
      () => new AuthError('expected a failure', { code: 'UNEXPECTED' }),
      (e: unknown) => e as AuthError,
    );
    return { dates, err, warnings };
  }

  it('a Date header three days ahead is never used to sign: one request, then an error about the clock', async () => {
    const { dates, err, warnings } = await exchangeAgainst(3 * 24 * 3_600_000);
    expect(dates).toEqual(['20260301T120000Z']);
    expect(warnings).toEqual([]);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toMatch(
      /Mondoo's Date header is 72 h ahead of this machine's clock, more than the 1 h this tool corrects for; it did not sign with that time\. Fix: check this machine's clock \(NTP\)/,
    );
  });

  it("within the bound (50 min) the server's time is still adopted once", async () => {
    const { dates, warnings } = await exchangeAgainst(50 * 60_000);
    expect(dates).toEqual(['20260301T120000Z', '20260301T125000Z']);
    expect(warnings).toHaveLength(1);
  });
});

describe('gap 3: through a CONNECT proxy, the certificate is checked against the destination', () => {
  const cert = readFileSync(new URL('../../testkit/tls/name-only.pem', import.meta.url));
  const key = readFileSync(new URL('../../testkit/tls/name-only-key.pem', import.meta.url));
  let server: Server;
  let proxy: ProxySim;
  let port: number;
  beforeAll(async () => {
    // A certificate for the name localhost only: valid for the proxy's name, not for the IP 127.0.0.1.
    server = createServer({ cert, key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    proxy = await startProxy();
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (host: string): Promise<string> =>
    new Promise((resolve, reject) => {
      // The proxy is reached by the name localhost: that name must never stand in for the destination's.
      const agent = new TunnelAgent(new URL(`http://localhost:${proxy.port}`));
      const req = request({ host, port, path: '/', ca: cert, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
      });
      req.on('error', reject);
      req.end();
    });

  it('an IP-literal destination is verified as that IP (and the name-only certificate fails)', async () => {
    const err = await get('127.0.0.1').then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(err?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(err?.message).toContain("IP: 127.0.0.1 is not in the cert's list");
  });

  it('a named destination is verified as that name', async () => {
    await expect(get('localhost')).resolves.toBe('200');
  });
});

describe('gap 4: secrets travel over TLS only, except to loopback; loopback is never proxied', () => {
  it.each(['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'])(
    'refuses http:// in %s for a host that is not loopback',
    (name) => {
      const err = thrown(() => stsTargetFor('us-east-1', readStsEndpoint({ [name]: 'http://sts.example.com' })));
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe(
        `environment variable ${name} uses plain http to sts.example.com, which would send the web identity token and signed requests unencrypted. Use https:// (plain http is accepted only for a loopback host).`,
      );
      expect(stsTargetFor('us-east-1', readStsEndpoint({ [name]: 'http://127.0.0.1:4566' })).endpoint).toBe(
        'http://127.0.0.1:4566',
      );
    },
  );

  it('refuses an http:// ACTIONS_ID_TOKEN_REQUEST_URL for a host that is not loopback', () => {
    const err = thrown(() =>
      gitHubTokenSource(
        readCiEnvironment({
          ACTIONS_ID_TOKEN_REQUEST_URL: 'http://token.example.com/idtoken?x=1',
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-token',
        }).variables,
        'sts.amazonaws.com',
        unusedHttp,
      ),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      /^ACTIONS_ID_TOKEN_REQUEST_URL uses plain http to token\.example\.com, which would send the runner's token request token unencrypted/,
    );
    expect(() =>
      gitHubTokenSource(
        readCiEnvironment({
          ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:8080/x',
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
        }).variables,
        'a',
        unusedHttp,
      ),
    ).not.toThrow();
  });

  it('never sends a loopback destination through a proxy, whatever NO_PROXY says', () => {
    const settings = readProxySettings({
      HTTPS_PROXY: 'http://proxy.internal:3128',
      HTTP_PROXY: 'http://proxy.internal:3128',
    });
    for (const url of ['https://127.0.0.1:8443/x', 'http://localhost:8080/', 'https://[::1]:443/', 'http://127.1.2.3/'])
      expect(proxyFor(new URL(url), settings)).toBeUndefined();
    expect(proxyFor(new URL('https://sts.amazonaws.com/'), settings)?.host).toBe('proxy.internal:3128');
  });
});

describe('gap 6: --output-file writes only a new file or over a regular file, and leaves no temporary file behind', () => {
  it('refuses a device (checked only: nothing is written to it)', () => {
    const err = thrown(() => checkOutputPath('/dev/null'));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      '--output-file /dev/null is a device; the credential is written only to a new file or over a regular file. Choose another path.',
    );
  });

  it('removes the temporary file when the final rename fails, and passes the error on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mondoo-out-'));
    const failRename = () => {
      throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
    };
    const ops = {
      openSync,
      writeSync: (fd: number, text: string) => writeSync(fd, text),
      closeSync,
      renameSync: failRename,
      unlinkSync,
    };
    expect(() => writePrivateFile(join(dir, 'creds.env'), 'MONDOO_CONFIG_BASE64=secret\n', ops)).toThrow('EXDEV');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('gap 7: the CLI under GitHub Actions masks as the Action does', () => {
  const RUNNER = {
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '1',
    RUNNER_TEMP: '/tmp/runner',
    GITHUB_WORKSPACE: '/tmp/ws',
  };
  async function stderrOf(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const code = await main([], env, { stdout: () => undefined, stderr: (t) => (stderr += t) }, '0.0.0', {
      credentialChain: () => Promise.reject(new Error('not used')),
    });
    return { code, stderr };
  }

  it('masks ACTIONS_ID_TOKEN_REQUEST_TOKEN, escaped as core.setSecret escapes it (%, CR, LF), in one command', async () => {
    const { code, stderr } = await stderrOf({ ...RUNNER, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req%tok\r\nen-123' });
    expect(code).toBe(2);
    expect(stderr.split('\n').filter((l) => l.startsWith('::add-mask::'))).toEqual([
      '::add-mask::req%25tok%0D%0Aen-123',
    ]);
  });

  it('escapes % in a proxy password so the runner masks the value itself, not its decoding', async () => {
    const { stderr } = await stderrOf({ ...RUNNER, HTTPS_PROXY: 'http://ci:pa%25ss@proxy.internal:3128' });
    const masks = stderr.split('\n').filter((l) => l.startsWith('::add-mask::'));
    expect(masks).toContain('::add-mask::pa%2525ss');
    expect(masks).toContain('::add-mask::pa%25ss');
    expect(masks).not.toContain('::add-mask::pa%ss');
  });

  it.each<[string, NodeJS.ProcessEnv]>([
    ['outside GitHub Actions', {}],
    ['with GITHUB_ACTIONS=true in a GitLab job (round 3 #7)', { ...RUNNER, GITLAB_CI: 'true' }],
    ['with GITHUB_ACTIONS=true but none of the runner variables', { GITHUB_ACTIONS: 'true' }],
  ])('prints no ::add-mask:: %s', async (_, ci) => {
    const { stderr } = await stderrOf({ ...ci, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req-token-value' });
    expect(stderr).not.toContain('::add-mask::');
    expect(stderr).not.toContain('req-token-value');
  });
});

describe('gap 8: control characters in URL-like inputs are refused, not dropped by the URL parser', () => {
  it.each([
    'https://us.api.mon\tdoo.com',
    'https://us.api.mondoo.com/\npath',
    'https://us.api\r.mondoo.com',
    'https://us.api.mondoo.com\u0085',
  ])('universe-domain %j', (value) => {
    const err = thrown(() => normalizeUniverseDomain(value));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      /^input "universe-domain" contains a control character or an invisible one \(such as a tab, a line break or a zero-width space\)/,
    );
  });

  it('AWS_ENDPOINT_URL_STS, HTTPS_PROXY and ACTIONS_ID_TOKEN_REQUEST_URL', () => {
    expect(
      (
        thrown(() =>
          stsTargetFor('us-east-1', readStsEndpoint({ AWS_ENDPOINT_URL_STS: 'https://sts.exa\tmple.com' })),
        ) as Error
      ).message,
    ).toMatch(/^environment variable AWS_ENDPOINT_URL_STS contains a control character/);
    expect(
      (thrown(() => readProxySettings({ HTTPS_PROXY: 'http://user:pw@proxy\n.internal:3128' })) as Error).message,
    ).toMatch(/^HTTPS_PROXY contains a control character/);
    expect(
      (
        thrown(() =>
          gitHubTokenSource(
            readCiEnvironment({
              ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions\t.example/x',
              ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
            }).variables,
            'a',
            unusedHttp,
          ),
        ) as Error
      ).message,
    ).toMatch(/^ACTIONS_ID_TOKEN_REQUEST_URL contains a control character/);
  });
});

describe('gap 9: the web identity token file: a regular file, read with a size limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mondoo-token-file-'));
  const source = (path: string) =>
    ciTokenSource(
      readCiEnvironment({}).variables,
      { tokenEnv: undefined, tokenFile: path, audience: 'sts.amazonaws.com' },
      unusedHttp,
    );

  const fifoIt = needTools(['mkfifo'], 'the FIFO token file tests').it;
  fifoIt('a FIFO is a clear error before any request, not a hang', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const err = thrown(() => source(fifo));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `the web identity token file ${JSON.stringify(fifo)} is not a regular file (a FIFO, device or directory). Point it at the file holding the web identity token. Check --web-identity-token-file / AWS_WEB_IDENTITY_TOKEN_FILE.`,
    );
  });

  it('a device or a directory is refused too', () => {
    expect(thrown(() => source('/dev/zero'))).toBeInstanceOf(ConfigError);
    expect(thrown(() => source(dir))).toBeInstanceOf(ConfigError);
  });

  it('a file over 256 KB is refused; one of 256 KB is read', async () => {
    const big = join(dir, 'big');
    writeFileSync(big, 'x'.repeat(256 * 1024 + 1));
    expect((thrown(() => source(big)) as Error).message).toMatch(
      /is 262145 bytes, more than the 262144 bytes accepted\. Point it at the file holding the web identity token/,
    );
    const fits = join(dir, 'fits');
    writeFileSync(fits, 'y'.repeat(256 * 1024));
    await expect(source(fits).fetch(1000)).resolves.toHaveLength(256 * 1024);
  });

  fifoIt(
    'a token file swapped for a FIFO between attempts fails the read at once (checked on the open file)',
    async () => {
      const path = join(dir, 'rotating');
      writeFileSync(path, 'eyJ.token.sig\n');
      const src = source(path);
      await expect(src.fetch(1000)).resolves.toBe('eyJ.token.sig');
      const fifo = join(dir, 'fifo-2');
      execFileSync('mkfifo', [fifo]);
      renameSync(fifo, path);
      await expect(src.fetch(1000)).rejects.toThrow(/is not a regular file/);
    },
  );
});
