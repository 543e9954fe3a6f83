/**
 * response-type token, end to end: the built Action and CLI ask Mondoo (the simulator) for a short-lived bearer
 * token instead of a service-account credential, mask it, and hand it on exactly as returned.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { tmpdir } from 'node:os';
import { gitHubRunnerEnv, leakedSecrets, runAction, runCli, type ActionRun } from '../../testkit/runner.js';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  await sims.close();
});
beforeEach(() => sims.clearRecords());

const inputs = (extra: Record<string, string> = {}) => ({
  audience: sims.world.mondoo.audience,
  'universe-domain': sims.mondoo.url,
  'attempt-timeout-seconds': '5',
  ...extra,
});
const cliFlags = () => ['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url];
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

function visible(r: ActionRun): string {
  return [
    r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
    r.stderr,
    r.summary,
  ].join('\n');
}

function issuedToken() {
  expect(sims.mondoo.tokens).toHaveLength(1);
  expect(sims.mondoo.issued).toHaveLength(0);
  return sims.mondoo.tokens[0]!;
}

describe('response-type token, the Action', () => {
  it('sends "response_type": "TOKEN", masks the token, and sets the outputs from the answer', async () => {
    const r = await runAction(inputs({ 'response-type': 'token' }), sims.env('env-long'));
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const body = JSON.parse(sims.mondoo.requests[0]!.rawBody) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['audience', 'issuer_uri', 'jwt_token', 'response_type']);
    expect(body['response_type']).toBe('TOKEN');
    const t = issuedToken();
    expect(r.masks).toEqual(expect.arrayContaining([t.base64Credential, t.token.token]));
    expect(r.masks.indexOf(t.token.token)).toBeGreaterThanOrEqual(0);
    expect(r.outputs).toEqual({
      'base64-credential': t.base64Credential,
      'aws-arn': sims.world.user.arn,
      'aws-account-id': '123456789012',
      'scope-mrn': t.token.scope_mrn,
      'service-account-mrn': t.token.mrn,
      'api-endpoint': t.token.api_endpoint,
    });
    expect(r.exported).toEqual({ MONDOO_CONFIG_BASE64: t.base64Credential });
    expect(r.stdout).toContain(
      `Authenticated to Mondoo with a short-lived token for ${t.token.mrn} (AWS identity ${sims.world.user.arn})`,
    );
    expect(leakedSecrets(visible(r), sims.secrets())).toEqual([]);
  });

  it('by default sends no response_type and gets a service-account credential', async () => {
    const r = await runAction(inputs(), sims.env('env-long'));
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(sims.mondoo.requests[0]!.rawBody) as object)).toEqual([
      'audience',
      'issuer_uri',
      'jwt_token',
    ]);
    expect(sims.mondoo.issued).toHaveLength(1);
  });

  it.each([
    [
      'a service-account credential instead of a token',
      () => ({
        mrn: '//agents.api.mondoo.app/spaces/s/serviceaccounts/x',
        private_key: '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGBy\n-----END PRIVATE KEY-----\n',
      }),
      /not a short-lived token: the field token is missing/,
    ],
    [
      'an empty token',
      () => ({ token: '', mrn: '//agents.api.mondoo.app/x' }),
      /the field token is not a non-empty string/,
    ],
  ])('fails clearly on %s, exporting nothing, with every string of the answer masked', async (_, answer, message) => {
    const value = answer();
    const b64 = encode(value);
    sims.mondoo.script.push({ status: 200, json: { base64_credential: b64 } });
    const r = await runAction(inputs({ 'response-type': 'token' }), sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(r.errors[0]).toMatch(/Nothing was exported\./);
    expect(r.outputs).toEqual({});
    expect(r.exported).toEqual({});
    expect(r.masks).toContain(b64);
    if ('private_key' in value) expect(r.masks).toContain(value.private_key);
  });

  it('refuses an unknown response-type before any request', async () => {
    const r = await runAction(inputs({ 'response-type': 'bearer' }), sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([
      '[CONFIG_INVALID_INPUT] Invalid configuration: input "response-type" "bearer" must be credential (a service-account credential, the default) or token (a short-lived bearer token).',
    ]);
    expect(sims.mondoo.requests).toHaveLength(0);
    expect(sims.sts.requests).toHaveLength(0);
  });
});

describe('response-type token, the CLI', () => {
  it('--response-type token prints the token answer as MONDOO_CONFIG_BASE64, and json names its fields', async () => {
    const r = await runCli([...cliFlags(), '--response-type', 'token', '--output', 'json'], sims.env('env-session'));
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const t = issuedToken();
    expect(JSON.parse(r.stdout)).toEqual({
      base64_credential: t.base64Credential,
      aws_arn: sims.world.session.arn,
      aws_account_id: '123456789012',
      scope_mrn: t.token.scope_mrn,
      service_account_mrn: t.token.mrn,
      api_endpoint: t.token.api_endpoint,
    });
    expect((JSON.parse(sims.mondoo.requests[0]!.rawBody) as Record<string, unknown>)['response_type']).toBe('TOKEN');
    expect(leakedSecrets(r.stderr, sims.secrets())).toEqual([]);
  });

  it('MONDOO_RESPONSE_TYPE=token works alone, and under GitHub Actions the token is masked (to stderr)', async () => {
    const r = await runCli([...cliFlags(), '--output', 'raw'], {
      ...sims.env('env-long'),
      MONDOO_RESPONSE_TYPE: 'token',
      ...gitHubRunnerEnv(tmpdir()),
    });
    expect(r.code).toBe(0);
    const t = issuedToken();
    expect(r.stdout).toBe(`${t.base64Credential}\n`);
    expect(r.stderr).toContain(`::add-mask::${t.token.token}\n`);
    expect(r.stderr).toContain(`mondoo-aws-auth: Authenticated to Mondoo with a short-lived token for ${t.token.mrn}.`);
  });

  it('exits 1 with nothing on stdout when the answer holds no usable token', async () => {
    sims.mondoo.script.push({ status: 200, json: { base64_credential: encode({ mrn: '//agents.api.mondoo.app/x' }) } });
    const r = await runCli([...cliFlags(), '--response-type', 'token'], sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^mondoo-aws-auth: error: \[MONDOO_BAD_RESPONSE\] Mondoo returned a base64_credential that is not a short-lived token: the field token is missing\. Nothing was exported\./m,
    );
  });

  it('exits 2 before any request on an unknown --response-type', async () => {
    const r = await runCli([...cliFlags(), '--response-type', 'TOKENS'], sims.env('env-long'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--response-type (or MONDOO_RESPONSE_TYPE) "TOKENS" must be credential');
    expect(sims.mondoo.requests).toHaveLength(0);
  });
});
