/**
 * Connect ahead, end to end (the built bundles against the simulators, directly and through the CONNECT
 * proxy): every run makes exactly the requests it made before and opens no more connections than it uses;
 * STS's and Mondoo's connections are opened while the OIDC token is on its way; a pre-opened connection the
 * proxy refuses costs nothing visible; an unused one does not keep the process alive; NO_PROXY applies.
 * The connection logic in process: __tests__/unit/network/preconnect.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { startProxy, type ProxySim } from '../../testkit/proxy.js';
import { actionDefaults, runAction, runCli } from '../../testkit/runner.js';

let sims: Simulators;
let proxy: ProxySim;
beforeAll(async () => {
  sims = await startSimulators();
  proxy = await startProxy();
});
afterAll(async () => {
  await Promise.all([sims.close(), proxy.close()]);
});
beforeEach(() => {
  sims.clearRecords();
  proxy.requests.length = 0;
  proxy.script.length = 0;
});

const sessionArn = () =>
  `arn:aws:sts::${sims.world.accountId}:assumed-role/mondoo-ci/${actionDefaults()['role-session-name'] ?? 'GitHubActions'}`;
const requests = () => ({
  oidc: sims.oidc.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`),
  sts: sims.sts.requests.map((r) => r.action),
  mondoo: sims.mondoo.requests.map((r) => `${r.method} ${r.path}`),
});
const connections = () => ({
  oidc: sims.connections('oidc').length,
  sts: sims.connections('sts').length,
  mondoo: sims.connections('mondoo').length,
});
const EXCHANGE = 'POST /SecureTokenService/ExchangeExternalToken';

/** Through the proxy: the `.test` names only the proxy resolves (a connection that skipped it could not be made). */
function viaProxy(env: Record<string, string>): Record<string, string> {
  return {
    ...env,
    AWS_ENDPOINT_URL_STS: `https://sts.test:${sims.sts.port}`,
    ...(env['ACTIONS_ID_TOKEN_REQUEST_URL']
      ? { ACTIONS_ID_TOKEN_REQUEST_URL: env['ACTIONS_ID_TOKEN_REQUEST_URL'].replace('//127.0.0.1:', '//oidc.test:') }
      : {}),
    HTTPS_PROXY: proxy.url,
  };
}
const connects = () =>
  proxy.requests
    .filter((r) => r.kind === 'CONNECT')
    .map((r) => `${r.host} ${r.status}`)
    .sort();

describe('connect ahead: the same requests, no more connections', () => {
  it('the Action in role mode: STS and Mondoo connected while the OIDC token was fetched, one request and one connection each', async () => {
    const r = await runAction(
      {
        audience: sims.world.mondoo.audience,
        'universe-domain': sims.mondoo.url,
        'role-to-assume': sims.world.role.roleArn,
      },
      sims.env('role'),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.code).toBe(0);
    expect(sims.mondoo.issued[0]?.identity.arn).toBe(sessionArn());
    expect(requests()).toEqual({ oidc: ['GET /token'], sts: ['AssumeRoleWithWebIdentity'], mondoo: [EXCHANGE] });
    expect(connections()).toEqual({ oidc: 1, sts: 1, mondoo: 1 });
    // Opened ahead: both before the OIDC simulator had even read the token request.
    const tokenAsked = sims.oidc.requests[0]?.time ?? 0;
    expect(sims.connections('sts')[0]?.opened).toBeLessThanOrEqual(tokenAsked);
    expect(sims.connections('mondoo')[0]?.opened).toBeLessThanOrEqual(tokenAsked);
  });

  it('the Action with keys in the environment: the exchange and the identity lookup, one connection each', async () => {
    const r = await runAction(
      { audience: sims.world.mondoo.audience, 'universe-domain': sims.mondoo.url },
      sims.env('env-long'),
    );
    expect(r.code).toBe(0);
    expect(r.warnings).toEqual([]);
    expect(r.outputs['aws-arn']).toBe(sims.world.user.arn);
    expect(requests()).toEqual({ oidc: [], sts: ['GetCallerIdentity'], mondoo: [EXCHANGE] });
    expect(connections()).toEqual({ oidc: 0, sts: 1, mondoo: 1 });
  });

  it('the CLI with raw output asks nothing of STS, and so does not connect to it', async () => {
    const r = await runCli(
      ['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--output', 'raw'],
      sims.env('env-long'),
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(sims.mondoo.issued[0]?.base64Credential);
    expect(requests()).toEqual({ oidc: [], sts: [], mondoo: [EXCHANGE] });
    expect(connections()).toEqual({ oidc: 0, sts: 0, mondoo: 1 });
  });

  it('the CLI on instance metadata with json output: Mondoo and STS connected while the credential chain asks IMDS', async () => {
    const r = await runCli(
      ['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--output', 'json'],
      sims.env('imds'),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).aws_arn).toBe(sims.world.instance.arn);
    expect(requests()).toEqual({ oidc: [], sts: ['GetCallerIdentity'], mondoo: [EXCHANGE] });
    expect(connections()).toEqual({ oidc: 0, sts: 1, mondoo: 1 });
    const firstImds = sims.imds.requests[0]?.time ?? 0;
    expect(sims.imds.requests.length).toBeGreaterThan(0);
    expect(sims.connections('mondoo')[0]?.opened).toBeLessThanOrEqual(firstImds);
    expect(sims.connections('sts')[0]?.opened).toBeLessThanOrEqual(firstImds);
  });

  it('an unused pre-opened connection does not keep the process alive: the role is refused, the Action fails and exits by itself', async () => {
    const r = await runAction(
      {
        audience: sims.world.mondoo.audience,
        'universe-domain': sims.mondoo.url,
        'role-to-assume': 'arn:aws:iam::123456789012:role/unknown-role',
      },
      sims.env('role'),
      { timeoutMs: 20_000 },
    );
    // Killed at the time limit, the code would be null: Mondoo keeps the idle connection open far longer.
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /^\[STS_ASSUME_ROLE_REFUSED\] STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role\/unknown-role failed: AccessDenied/,
    );
    expect(r.warnings).toEqual([]);
    expect(requests()).toEqual({ oidc: ['GET /token'], sts: ['AssumeRoleWithWebIdentity'], mondoo: [] });
    expect(connections()).toEqual({ oidc: 1, sts: 1, mondoo: 1 });
  });
});

describe('connect ahead through the CONNECT proxy', () => {
  const mondooUrl = () => `https://mondoo.test:${sims.mondoo.port}`;

  it('role mode: one tunnel per host, the same requests', async () => {
    const r = await runAction(
      {
        audience: sims.world.mondoo.audience,
        'universe-domain': mondooUrl(),
        'role-to-assume': sims.world.role.roleArn,
      },
      viaProxy(sims.env('role')),
    );
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(connects()).toEqual(['mondoo.test 200', 'oidc.test 200', 'sts.test 200']);
    expect(requests()).toEqual({ oidc: ['GET /token'], sts: ['AssumeRoleWithWebIdentity'], mondoo: [EXCHANGE] });
    expect(connections()).toEqual({ oidc: 1, sts: 1, mondoo: 1 });
  });

  it('a pre-opened tunnel the proxy refuses costs nothing visible: no warning, no retry, the request opens its own', async () => {
    proxy.script.push({ host: 'mondoo.test', status: 502 });
    const r = await runAction(
      {
        audience: sims.world.mondoo.audience,
        'universe-domain': mondooUrl(),
        'role-to-assume': sims.world.role.roleArn,
      },
      viaProxy(sims.env('role')),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    // The log's own lines: an ::add-mask:: line carries a random secret, which may hold "502" by chance.
    const logLines = r.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(logLines.join('\n')).not.toMatch(/retry|attempt|502/i);
    expect(r.code).toBe(0);
    expect(proxy.requests.filter((q) => q.host === 'mondoo.test').map((q) => q.status)).toEqual([502, 200]);
    expect(requests()).toEqual({ oidc: ['GET /token'], sts: ['AssumeRoleWithWebIdentity'], mondoo: [EXCHANGE] });
    expect(connections()).toEqual({ oidc: 1, sts: 1, mondoo: 1 });
  });

  it('the CLI through the proxy: one tunnel, to Mondoo only', async () => {
    const r = await runCli(
      ['--audience', sims.world.mondoo.audience, '--universe-domain', mondooUrl(), '--output', 'raw'],
      viaProxy(sims.env('env-long')),
    );
    expect(r.code).toBe(0);
    expect(connects()).toEqual(['mondoo.test 200']);
    expect(requests()).toEqual({ oidc: [], sts: [], mondoo: [EXCHANGE] });
  });

  it('an unused pre-opened tunnel does not keep the process alive either', async () => {
    const r = await runAction(
      {
        audience: sims.world.mondoo.audience,
        'universe-domain': mondooUrl(),
        'role-to-assume': 'arn:aws:iam::123456789012:role/unknown-role',
      },
      viaProxy(sims.env('role')),
      { timeoutMs: 20_000 },
    );
    expect(r.code).toBe(1);
    expect(r.errors[0]).toMatch(
      /^\[STS_ASSUME_ROLE_REFUSED\] STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role\/unknown-role failed: AccessDenied/,
    );
    expect(connects()).toEqual(['mondoo.test 200', 'oidc.test 200', 'sts.test 200']);
    expect(requests()).toEqual({ oidc: ['GET /token'], sts: ['AssumeRoleWithWebIdentity'], mondoo: [] });
  });

  it('NO_PROXY applies to the connections opened ahead: none goes to the proxy', async () => {
    const r = await runAction(
      {
        audience: sims.world.mondoo.audience,
        'universe-domain': sims.mondoo.url,
        'role-to-assume': sims.world.role.roleArn,
      },
      { ...sims.env('role'), HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' },
    );
    expect(r.code).toBe(0);
    expect(proxy.requests).toEqual([]);
    expect(requests()).toEqual({ oidc: ['GET /token'], sts: ['AssumeRoleWithWebIdentity'], mondoo: [EXCHANGE] });
    expect(connections()).toEqual({ oidc: 1, sts: 1, mondoo: 1 });
  });
});
