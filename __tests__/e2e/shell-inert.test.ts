/**
 * Outputs are shell-inert, end to end on dist/: `run: echo ${{ steps.mondoo.outputs.api-endpoint }}` must not
 * execute what a hostile Mondoo or STS answered. An api_endpoint or an ARN outside its alphabet fails the run
 * (MONDOO_BAD_RESPONSE, STS_FAILED) with the value quoted, and nothing is handed on: no output, no env, no
 * stdout from the CLI.
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

const KEY =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');
const inputs = () => ({
  audience: sims.world.mondoo.audience,
  'universe-domain': sims.mondoo.url,
  'max-attempts': '1',
});

function hostileEndpoint(): void {
  sims.mondoo.script.push({
    status: 200,
    json: {
      base64_credential: encode({
        mrn: '//agents.api.mondoo.app/spaces/s/serviceaccounts/sa',
        space_mrn: '//captain.api.mondoo.app/spaces/s',
        private_key: KEY,
        certificate: 'cert',
        api_endpoint: 'https://us.api.mondoo.com/$(touch pwned);{id}|`id`&',
      }),
    },
  });
}

function hostileArn(): void {
  sims.sts.script.push({
    action: 'GetCallerIdentity',
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body:
      '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/$(touch pwned) x</Arn>' +
      '<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>',
  });
}

describe('the Action hands on nothing a shell would act on', () => {
  it.each([
    [
      "an api_endpoint with $( ), ;, { }, |, backticks and & in Mondoo's answer",
      hostileEndpoint,
      '[MONDOO_BAD_RESPONSE] Mondoo returned a base64_credential that is not a service-account credential: the field api_endpoint is not an https URL',
      '"https://us.api.mondoo.com/$(touch pwned);{id}|`id`&"',
    ],
    [
      'an ARN with $( ) and a space from STS GetCallerIdentity',
      hostileArn,
      '[STS_FAILED] STS GetCallerIdentity answered with an Arn that is not one',
      '"arn:aws:iam::123456789012:user/$(touch pwned) x". Nothing was exported.',
    ],
  ])('%s: the run fails, quoting it, with no output and no env', async (_, script, error, quoted) => {
    script();
    const r = await runAction(inputs(), sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain(error);
    expect(r.errors[0]).toContain(quoted);
    expect(r.outputs).toEqual({});
    expect(r.exported).toEqual({});
  });

  it('the same run with ordinary answers sets api-endpoint and aws-arn', async () => {
    const r = await runAction(inputs(), sims.env('env-long'));
    expect(r.code).toBe(0);
    expect(r.outputs['api-endpoint']).toMatch(/^https?:\/\/[A-Za-z0-9.:[\]-]+(\/[A-Za-z0-9._~/-]*)?$/);
    expect(r.outputs['aws-arn']).toMatch(/^arn:aws:iam::\d{12}:user\/[A-Za-z0-9+=,.@/_-]+$/);
  });
});

describe('the CLI prints no credential when an answer is not shell-inert', () => {
  it.each([
    ['an api_endpoint', hostileEndpoint, '[MONDOO_BAD_RESPONSE]'],
    ['an ARN (--output json asks STS for it)', hostileArn, '[STS_FAILED]'],
  ])('%s: exit 1, nothing on stdout', async (_, script, code) => {
    script();
    const r = await runCli(
      ['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--output', 'json'],
      sims.env('env-long'),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`mondoo-aws-auth: error: ${code}`);
    expect(r.stderr).toContain('$(touch pwned)');
  });
});
