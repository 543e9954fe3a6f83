/**
 * Every scenario (scenarios.ts) that needs no socket, run in process against authenticate() through the Deps
 * seam, as the Action drives it, with the simulators' request handlers behind an in-memory HTTP client: what
 * each must do, that no attempt used a stale signature or token, and the secret scan of everything it logged.
 * The scenarios that need sockets, and one run per way to authenticate per artifact, run end to end in
 * __tests__/e2e/scenarios.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { expectFreshAttempts } from './freshness.js';
import { runInProcess } from './in-process.js';
import { expectedCode, SCENARIOS } from './scenarios.js';
import { expectNoSecretsLeaked, startWorld } from './world.js';

describe('every scenario, in process through the Deps seam, then the secret scan', () => {
  it.concurrent.each(SCENARIOS.filter((s) => s.endToEnd !== 'only').map((s) => [s.name, s] as const))(
    '%s',
    async (_, scenario) => {
      const world = await startWorld({ ...scenario.world, inMemory: true });
      try {
        const env = scenario.prepare?.(world) ?? {};
        const inputs = typeof scenario.inputs === 'function' ? scenario.inputs(world) : (scenario.inputs ?? {});
        const run = await runInProcess(world, scenario.mode, { inputs, env });
        expect({ code: run.code, error: run.error.slice(0, 600) }).toEqual({
          code: expectedCode(scenario, 'core'),
          error: expect.any(String),
        });
        scenario.check?.(run, world);
        expectFreshAttempts(world);
        expectNoSecretsLeaked(run, world);
      } finally {
        await world.close();
      }
    },
    30_000,
  );
});

describe("every bad input fails before any request, naming the input and the fix (the Action's settings)", () => {
  it.each<[string, Record<string, string>, Record<string, string>, string, RegExp]>([
    [
      'missing audience',
      { audience: '' },
      {},
      'audience',
      /^input "audience" is required\. Copy the audience Mondoo shows/,
    ],
    [
      'plain-http universe',
      { 'universe-domain': 'http://us.api.mondoo.com' },
      {},
      'universe-domain',
      /input "universe-domain" .*plain http/,
    ],
    [
      'universe with a query',
      { 'universe-domain': 'https://us.api.mondoo.com/?a=b' },
      {},
      'universe-domain',
      /query string or fragment/,
    ],
    [
      'issuer not a URL',
      { 'issuer-uri': 'sts' },
      {},
      'issuer-uri',
      /input "issuer-uri" "sts" must be an https:\/\/ URL/,
    ],
    [
      'role name instead of ARN',
      { 'role-to-assume': 'mondoo-ci' },
      {},
      'role-to-assume',
      /input "role-to-assume" "mondoo-ci" is not an IAM role ARN/,
    ],
    [
      'session name with a space',
      { 'role-session-name': 'my session' },
      {},
      'role-session-name',
      /input "role-session-name" "my session" is not a valid session name/,
    ],
    [
      'duration too short',
      { 'role-duration-seconds': '60' },
      {},
      'role-duration-seconds',
      /input "role-duration-seconds" "60" must be a whole number from 900 to 43200/,
    ],
    ['bad region', { 'aws-region': 'Europe' }, {}, 'aws-region', /input "aws-region" "Europe" is not an AWS region/],
    [
      'bad region from the environment',
      {},
      { AWS_REGION: 'moon-1' },
      'aws-region',
      /environment variable AWS_REGION "moon-1" is not an AWS region/,
    ],
    [
      'export-env not a boolean',
      { 'export-env': 'maybe' },
      {},
      'export-env',
      /input "export-env" "maybe" must be true or false/,
    ],
    [
      'max-attempts out of range',
      { 'max-attempts': '100' },
      {},
      'max-attempts',
      /input "max-attempts" "100" must be a whole number from 1 to 10/,
    ],
    [
      'half the keys',
      {},
      { AWS_SECRET_ACCESS_KEY: '' },
      'aws-credentials',
      /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is empty/,
    ],
    [
      'a proxy URL that is not one',
      {},
      { HTTPS_PROXY: 'socks5://proxy:1080' },
      'proxy',
      /HTTPS_PROXY uses socks5:\/\/, which is not supported/,
    ],
  ])('%s', async (_, inputs, env, input, message) => {
    const world = await startWorld({ inMemory: true });
    try {
      const run = await runInProcess(world, 'env-long', { inputs, env });
      expect({ code: run.errorCode, input: run.input }).toEqual({ code: 'CONFIG_INVALID_INPUT', input });
      expect(run.error).toMatch(message);
      expect([world.sims.mondoo.requests, world.sims.sts.requests, world.sims.oidc.requests]).toEqual([[], [], []]);
    } finally {
      await world.close();
    }
  });
  it('role mode without the id-token permission: OIDC_TOKEN_UNAVAILABLE (as the README lists), naming the permission, before any request', async () => {
    const world = await startWorld({ inMemory: true });
    try {
      const run = await runInProcess(world, 'env-long', {
        inputs: { 'role-to-assume': 'arn:aws:iam::123456789012:role/mondoo-ci' },
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: '' },
      });
      expect({ code: run.errorCode, input: run.input }).toEqual({
        code: 'OIDC_TOKEN_UNAVAILABLE',
        input: 'role-to-assume',
      });
      expect(run.error).toMatch(
        /cannot request a GitHub OIDC token .*Add `permissions: id-token: write` to the job or workflow/,
      );
      expect([world.sims.mondoo.requests, world.sims.sts.requests, world.sims.oidc.requests]).toEqual([[], [], []]);
    } finally {
      await world.close();
    }
  });
});
