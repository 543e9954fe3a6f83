/**
 * The Action tells its host every secret through setSecret (issue 16 item 4): whatever runs the toolkit (the
 * runner, @github/local-action, this double) learns each one before it can reach an output, an exported
 * variable or a log line. Its inputs come from the environment it is given (INPUT_*), not from the host's.
 * Runs src/action.ts in process against the simulators' handlers, with a host double.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import * as core from '@actions/core';
import { inputVariable, readInputs, run, type ActionHost } from '../../src/action.js';
import { ACTION_INPUTS } from '../../src/core/config/settings.js';
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

/** The runner's INPUT_* variables for `inputs` over action.yml's defaults. */
function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const all: Record<string, string> = { ...actionDefaults(), ...inputs };
  return Object.fromEntries(Object.entries(all).map(([name, value]) => [inputVariable(name), value]));
}

/** What the host saw, in order: every call as [method, argument]. */
function hostDouble(): { host: ActionHost; calls: [string, string][] } {
  const calls: [string, string][] = [];
  const host: ActionHost = {
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
    const { host, calls } = hostDouble();
    await run(
      { ...world.env('env-long'), ...inputEnv(inputs()), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token' },
      host,
      http,
    );
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
    const { host, calls } = hostDouble();
    await run(
      {
        ...world.env('env-long'),
        ...inputEnv({ ...inputs(), audience: '' }),
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
      },
      host,
      http,
    );
    expect(calls[0]).toEqual(['setSecret', 'runner-request-token']);
    expect(calls.filter(([m]) => m === 'setFailed')).toEqual([
      [
        'setFailed',
        expect.stringMatching(/^\[CONFIG_INVALID_INPUT\] Invalid configuration: input "audience" is required/),
      ],
    ]);
  });
});

describe('the Action takes its inputs from the environment it is given', () => {
  it('uses the INPUT_* of run()’s env, not those of the process the host reads (@actions/core getInput)', async () => {
    const saved = { ...process.env };
    // The process (and a host that still answered getInput from it) says another audience and universe.
    Object.assign(process.env, inputEnv({ audience: 'process-audience', 'universe-domain': 'https://process.test' }));
    try {
      const { host, calls } = hostDouble();
      const withGetInput = { ...host, getInput: core.getInput };
      await run({ ...world.env('env-long'), ...inputEnv(inputs()) }, withGetInput, http);
      expect(calls.filter(([m]) => m === 'setFailed')).toEqual([]);
      const audiences = sims().mondoo.requests.map((r) => (JSON.parse(r.rawBody) as { audience: string }).audience);
      expect(audiences).toEqual([sims().world.mondoo.audience]);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it('reads each input by @actions/core getInput’s rule: INPUT_, spaces as _, upper-cased, trimmed', () => {
    expect(inputVariable('role-to-assume')).toBe('INPUT_ROLE-TO-ASSUME');
    expect(inputVariable('my input name')).toBe('INPUT_MY_INPUT_NAME');
    const env = Object.fromEntries(ACTION_INPUTS.map(({ name }, i) => [inputVariable(name), ` value ${i}\n`]));
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const raw = readInputs(env);
      for (const { name } of ACTION_INPUTS) expect([name, raw[name]]).toEqual([name, core.getInput(name)]);
      for (const name of ['my input name', 'Role-To-Assume']) {
        process.env[inputVariable(name)] = ' x ';
        expect(core.getInput(name)).toBe('x');
      }
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
    expect(readInputs({})).toEqual(Object.fromEntries(ACTION_INPUTS.map(({ name }) => [name, ''])));
  });
});
