/**
 * allowed-account-ids, end to end with the built Action (dist/index.js, through the runner harness) and the
 * built CLI (dist/cli.cjs) against the simulators: the account is learned before anything is sent to Mondoo,
 * a listed account authenticates, another one fails with AWS_ACCOUNT_NOT_ALLOWED and Mondoo receives nothing,
 * and unset, the requests come in today's order (the exchange first, the identity lookup after it is sent).
 * The simulators number every request as its head arrives (`arrival`), across servers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { runAction, runCli } from '../../testkit/runner.js';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  await sims.close();
});
beforeEach(() => sims.clearRecords());

type Mode = 'env-long' | 'role';
const ACCOUNT = '123456789012';
const OTHERS = '111111111111,222222222222';

/** The run's requests to STS and Mondoo, in the order they arrived. */
function arrivals(): string[] {
  return [
    ...sims.sts.requests.map((r) => ({ what: `sts:${r.action}`, arrival: r.arrival })),
    ...sims.mondoo.requests.map((r) => ({ what: 'mondoo:exchange', arrival: r.arrival })),
  ]
    .sort((a, b) => a.arrival - b.arrival)
    .map((r) => r.what);
}

async function action(mode: Mode, allowed: string | undefined, proof?: 'aws-jwt') {
  const inputs: Record<string, string> = {
    audience: sims.world.mondoo.audience,
    'universe-domain': sims.mondoo.url,
    'attempt-timeout-seconds': '5',
    ...(mode === 'role' ? { 'role-to-assume': sims.world.role.roleArn } : {}),
    ...(allowed !== undefined ? { 'allowed-account-ids': allowed } : {}),
    ...(proof !== undefined ? { proof } : {}),
  };
  const r = await runAction(inputs, sims.env(mode));
  return {
    code: r.code,
    error: r.errors.join('\n'),
    credential: r.outputs['base64-credential'],
    account: r.outputs['aws-account-id'],
  };
}

async function cli(mode: Mode, allowed: string | undefined, viaEnv = false, proof?: 'aws-jwt') {
  const args = ['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--output', 'raw'];
  if (mode === 'role') args.push('--role-to-assume', sims.world.role.roleArn);
  if (proof !== undefined) args.push('--proof', proof);
  const env: Record<string, string> = { ...sims.env(mode) };
  if (allowed !== undefined && viaEnv) env['MONDOO_ALLOWED_ACCOUNT_IDS'] = allowed;
  else if (allowed !== undefined) args.push('--allowed-account-ids', allowed);
  const r = await runCli(args, env);
  const error = /error: (.*)/.exec(r.stderr)?.[1] ?? '';
  return { code: r.code, error, credential: r.stdout.trim() || undefined, account: undefined };
}

const front = {
  action,
  cli: (mode: Mode, allowed: string | undefined, proof?: 'aws-jwt') => cli(mode, allowed, false, proof),
};

describe.each(['action', 'cli'] as const)('%s', (kind) => {
  it('keys: a listed account authenticates, its account learned from STS before the exchange', async () => {
    const r = await front[kind]('env-long', `210987654321, ${ACCOUNT}`);
    expect({ code: r.code, error: r.error }).toEqual({ code: 0, error: '' });
    expect(r.credential).toBe(sims.mondoo.issued[0]!.base64Credential);
    // One lookup, asked before the proof was sent and reused afterwards (the Action's aws-account-id).
    expect(arrivals()).toEqual(['sts:GetCallerIdentity', 'mondoo:exchange']);
    if (kind === 'action') expect(r.account).toBe(ACCOUNT);
  });

  it('keys: another account fails with AWS_ACCOUNT_NOT_ALLOWED, naming it and the list; Mondoo receives nothing', async () => {
    const r = await front[kind]('env-long', OTHERS);
    expect(r.code).toBe(1);
    expect(r.error).toMatch(
      /^\[AWS_ACCOUNT_NOT_ALLOWED\] The AWS credentials \(arn:aws:iam::123456789012:user\/[^)]+\) belong to account/,
    );
    expect(r.error).toContain(
      `belong to account ${ACCOUNT}, which ${kind === 'cli' ? '--allowed-account-ids' : 'allowed-account-ids'} (111111111111, 222222222222) does not list. Nothing was sent to Mondoo.`,
    );
    expect(sims.mondoo.requests).toEqual([]);
    expect(r.credential).toBeFalsy();
  });

  it('role: the assumed role names the account, no extra STS call; a role of another account is refused before any request', async () => {
    const ok = await front[kind]('role', ACCOUNT);
    expect({ code: ok.code, error: ok.error }).toEqual({ code: 0, error: '' });
    expect(arrivals()).toEqual(['sts:AssumeRoleWithWebIdentity', 'mondoo:exchange']);
    sims.clearRecords();
    // The role's ARN names its account: a role of an account not listed cannot pass, so nothing is asked.
    const refused = await front[kind]('role', OTHERS);
    expect(refused.code).toBe(kind === 'action' ? 1 : 2);
    expect(refused.error).toMatch(
      /^\[CONFIG_INVALID_INPUT\] .*is a role of account 123456789012, which .*allowed-account-ids.* does not list/,
    );
    expect(arrivals()).toEqual([]);
    expect(sims.oidc.requests).toEqual([]);
  });

  it('unset: the requests are as before, the exchange first and (where the identity is named) the lookup after it', async () => {
    const r = await front[kind]('env-long', undefined);
    expect({ code: r.code, error: r.error }).toEqual({ code: 0, error: '' });
    // The Action names the identity (aws-arn), so it asks STS once the exchange is sent; the CLI's raw output does not.
    expect(arrivals()).toEqual(kind === 'action' ? ['mondoo:exchange', 'sts:GetCallerIdentity'] : ['mondoo:exchange']);
  });

  it.each<Mode>(['env-long', 'role'])(
    "proof aws-jwt, %s: the token's aws_account is judged before the exchange; no GetCallerIdentity",
    async (mode) => {
      const before =
        mode === 'role' ? ['sts:AssumeRoleWithWebIdentity', 'sts:GetWebIdentityToken'] : ['sts:GetWebIdentityToken'];
      const ok = await front[kind](mode, ACCOUNT, 'aws-jwt');
      expect({ code: ok.code, error: ok.error }).toEqual({ code: 0, error: '' });
      expect(arrivals()).toEqual([...before, 'mondoo:exchange']);
      if (mode === 'role') return; // a role of another account is refused before any request (above)
      sims.clearRecords();
      const refused = await front[kind](mode, OTHERS, 'aws-jwt');
      expect(refused.code).toBe(1);
      expect(refused.error).toMatch(/^\[AWS_ACCOUNT_NOT_ALLOWED\] The AWS credentials \(arn:aws:iam::123456789012:/);
      expect(arrivals()).toEqual(before);
    },
  );

  it('a malformed entry is refused before any request, naming the entry', async () => {
    const r = await front[kind]('env-long', `${ACCOUNT},12345678901x`);
    expect(r.code).toBe(kind === 'action' ? 1 : 2);
    expect(r.error).toContain('[CONFIG_INVALID_INPUT]');
    expect(r.error).toContain('has the entry "12345678901x", which is not a 12-digit AWS account ID');
    expect([sims.sts.requests, sims.mondoo.requests]).toEqual([[], []]);
  });
});

it('the CLI reads MONDOO_ALLOWED_ACCOUNT_IDS when --allowed-account-ids is not given', async () => {
  const r = await cli('env-long', OTHERS, true);
  expect(r.code).toBe(1);
  expect(r.error).toMatch(/^\[AWS_ACCOUNT_NOT_ALLOWED\]/);
  expect(sims.mondoo.requests).toEqual([]);
});
