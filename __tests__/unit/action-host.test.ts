/**
 * The Action tells its host every secret through setSecret (issue 16 item 4): whatever runs the toolkit (the
 * runner, @github/local-action, this double) learns each one before it can reach an output, an exported
 * variable or a log line. Runs src/action.ts in process against the simulators' handlers, with a host double.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { run, type ActionHost } from '../../src/action.js';
import { actionDefaults } from '../../testkit/runner.js';
import { inMemoryHttpClient } from '../hardening/in-process.js';
import { startWorld, type World } from '../hardening/world.js';

let world: World;
beforeAll(async () => {
  world = await startWorld({ inMemory: true });
});
afterAll(async () => {
  await world.close();
});
beforeEach(() => world.sims.clearRecords());
const sims = () => world.sims;
const http = () => inMemoryHttpClient(world.network!);

/** What the host saw, in order: every call as [method, argument]. */
function hostDouble(inputs: Record<string, string>): { host: ActionHost; calls: [string, string][] } {
  const calls: [string, string][] = [];
  const all = { ...actionDefaults(), ...inputs };
  const host: ActionHost = {
    getInput: (name: string) => all[name] ?? '',
    setOutput: (name: string, value: unknown) => void calls.push(['setOutput', `${name}=${String(value)}`]),
    exportVariable: (name: string, value: unknown) => void calls.push(['exportVariable', `${name}=${String(value)}`]),
    setSecret: (value: string) => void calls.push(['setSecret', value]),
    info: (message: string) => void calls.push(['info', message]),
    warning: (message: string | Error) => void calls.push(['warning', String(message)]),
    debug: (message: string) => void calls.push(['debug', message]),
    setFailed: (message: string | Error) => void calls.push(['setFailed', String(message)]),
  };
  return { host, calls };
}

const inputs = () => ({
  audience: sims().world.mondoo.audience,
  'universe-domain': world.mondooUrl,
  'attempt-timeout-seconds': '5',
});

describe('the Action registers every secret with its host (core.setSecret), whoever the host is', () => {
  it('tells setSecret the AWS secret key, the signed proof and the credential before any output or log line holds them', async () => {
    const { host, calls } = hostDouble(inputs());
    await run({ ...world.env('env-long'), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token' }, host, http);
    expect(calls.filter(([m]) => m === 'setFailed')).toEqual([]);
    const secrets = calls.filter(([m]) => m === 'setSecret').map(([, v]) => v);
    const credential = sims().mondoo.issued[0]!.base64Credential;
    for (const value of ['runner-request-token', sims().world.user.secretAccessKey, credential])
      expect(secrets).toContain(value);
    const jwtToken = sims().mondoo.requests[0]!.jwtToken!;
    expect(secrets).toContain(jwtToken);
    // Each secret is told before the first call that carries it.
    for (const secret of secrets) {
      const told = calls.findIndex(([m, v]) => m === 'setSecret' && v === secret);
      const carried = calls.findIndex(([m, v]) => m !== 'setSecret' && v.includes(secret));
      if (carried !== -1) expect(told).toBeLessThan(carried);
    }
    expect(calls).toContainEqual(['setOutput', `base64-credential=${credential}`]);
    expect(calls).toContainEqual(['exportVariable', `MONDOO_CONFIG_BASE64=${credential}`]);
  });

  it('tells setSecret the request token even when the run fails, and fails through the host', async () => {
    const { host, calls } = hostDouble({ ...inputs(), audience: '' });
    await run({ ...world.env('env-long'), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token' }, host, http);
    expect(calls[0]).toEqual(['setSecret', 'runner-request-token']);
    expect(calls.filter(([m]) => m === 'setFailed')).toEqual([
      [
        'setFailed',
        expect.stringMatching(/^\[CONFIG_INVALID_INPUT\] Invalid configuration: input "audience" is required/),
      ],
    ]);
  });
});
