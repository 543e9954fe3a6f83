/**
 * The built action (dist/index.js) run as the GitHub runner runs it, against the loopback simulators: what
 * only the adapter decides. One run per way to authenticate, with the secret scan, is in scenarios.test.ts;
 * the behaviour of the core (retries, refusals, bad inputs) runs in process in __tests__/hardening.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { runAction } from '../../testkit/runner.js';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  await sims.close();
});
beforeEach(() => sims.clearRecords());

type Mode = Parameters<Simulators['env']>[0];
const inputsFor = (mode: Mode, extra: Record<string, string> = {}): Record<string, string> => ({
  audience: sims.world.mondoo.audience,
  'universe-domain': sims.mondoo.url,
  ...(mode === 'role' ? { 'role-to-assume': sims.world.role.roleArn } : {}),
  'attempt-timeout-seconds': '5',
  ...extra,
});
const run = (mode: Mode, extra: Record<string, string> = {}, env: Record<string, string> = {}) =>
  runAction(inputsFor(mode, extra), { ...sims.env(mode), ...env });

describe('the action, end to end', () => {
  it('refuses a universe-domain with a path before any request, naming the value to use', async () => {
    const r = await run('env-long', { 'universe-domain': 'https://us.api.mondoo.com/v1' });
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([
      '[CONFIG_INVALID_INPUT] Invalid configuration: input "universe-domain" "https://us.api.mondoo.com/v1" must not contain a path ("/v1"): it is the API\'s base URL, to which the tool adds the exchange\'s path. Use https://us.api.mondoo.com.',
    ]);
    expect([sims.mondoo.requests, sims.sts.requests]).toEqual([[], []]);
  });

  it('role mode without permissions: id-token: write fails with OIDC_TOKEN_UNAVAILABLE before any request', async () => {
    const r = await run('role', {}, { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' });
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([
      expect.stringMatching(
        /^\[OIDC_TOKEN_UNAVAILABLE\] .*Add `permissions: id-token: write` to the job or workflow\./,
      ),
    ]);
    expect([sims.mondoo.requests, sims.sts.requests, sims.oidc.requests]).toEqual([[], [], []]);
  });

  it('masks through core.setSecret: on the runner that is the exact ::add-mask:: line on stdout, for every secret', async () => {
    const r = await run('env-session');
    expect(r.code).toBe(0);
    const issued = sims.mondoo.issued[0]!;
    const jwtToken = sims.mondoo.requests[0]!.jwtToken!;
    const escaped = (value: string) => value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    for (const secret of [
      issued.base64Credential,
      issued.credential.private_key,
      sims.world.session.sessionToken,
      jwtToken,
    ])
      expect(r.stdout).toContain(`\n::add-mask::${escaped(secret)}\n`);
    // Nothing under 4 characters, and each value once.
    expect(r.masks.filter((m) => m.length < 4)).toEqual([]);
    expect(new Set(r.masks).size).toBe(r.masks.length);
  });

  it('does not export the variable with export-env: false, but still sets the output', async () => {
    const r = await run('env-long', { 'export-env': 'false' });
    expect(r.code).toBe(0);
    expect(r.exported).toEqual({});
    expect(r.outputs['base64-credential']).toBe(sims.mondoo.issued[0]!.base64Credential);
    expect(r.summary).toContain('<p>The credential is available as the <code>base64-credential</code> output.</p>');
  });

  it('reports a configuration error as an annotation with its code, before any request, with no outputs', async () => {
    const r = await run('env-long', { audience: '' });
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([
      expect.stringMatching(
        /^\[CONFIG_INVALID_INPUT\] Invalid configuration: input "audience" is required\. Copy the audience Mondoo shows/,
      ),
    ]);
    expect([sims.mondoo.requests, sims.sts.requests]).toEqual([[], []]);
    expect({ outputs: r.outputs, exported: r.exported }).toEqual({ outputs: {}, exported: {} });
  });
});
