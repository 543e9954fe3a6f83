/**
 * allowed-account-ids in the core: which identities pass (requireAllowedAccount), and when authenticate()
 * asks STS for the account (in process, through the simulators' handlers; the simulators number every
 * request as it arrives). The built Action and CLI are run against the same cases in
 * __tests__/e2e/allowed-account-ids.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { requireAllowedAccount } from '../../../src/core/credentials/allowed-accounts.js';
import { AuthError } from '../../../src/core/safety/errors.js';
import { runInProcess } from '../../hardening/in-process.js';
import { startWorld, type World } from '../../hardening/world.js';

const ARN = 'arn:aws:iam::123456789012:user/ci';

function refusal(run: () => unknown): AuthError {
  try {
    run();
  } catch (err) {
    if (err instanceof AuthError) return err;
    throw err;
  }
  throw new Error('expected an AuthError');
}

describe('requireAllowedAccount', () => {
  it('passes an identity of a listed account', () => {
    const identity = { arn: ARN, accountId: '123456789012' };
    expect(requireAllowedAccount({ identity, failure: undefined }, ['210987654321', '123456789012'])).toBe(identity);
  });

  it('refuses another account, naming the ARN, the account and the list', () => {
    const err = refusal(() =>
      requireAllowedAccount({ identity: { arn: ARN, accountId: '123456789012' }, failure: undefined }, [
        '111111111111',
      ]),
    );
    expect(err.code).toBe('AWS_ACCOUNT_NOT_ALLOWED');
    expect(err.message).toBe(
      'The AWS credentials (arn:aws:iam::123456789012:user/ci) belong to account 123456789012, which allowed-account-ids (111111111111) does not list. Nothing was sent to Mondoo. Use credentials of an allowed account, or add 123456789012 to allowed-account-ids if it is meant to authenticate.',
    );
  });

  it('fails closed when the account could not be learned, with what STS said', () => {
    const err = refusal(() =>
      requireAllowedAccount({ identity: undefined, failure: 'could not reach sts.test: connection refused.' }, [
        '123456789012',
      ]),
    );
    expect(err.code).toBe('STS_FAILED');
    expect(err.message).toMatch(
      /^allowed-account-ids is set \(123456789012\), but the AWS account of the credentials could not be learned from STS GetCallerIdentity: could not reach sts\.test: connection refused\. Nothing was sent to Mondoo\./,
    );
  });

  it('does not trust an answer whose Account is not the account in its Arn', () => {
    const err = refusal(() =>
      requireAllowedAccount(
        { identity: { arn: 'arn:aws:iam::999999999999:user/ci', accountId: '123456789012' }, failure: undefined },
        ['123456789012'],
      ),
    );
    expect(err.code).toBe('STS_FAILED');
  });
});

/** The run's requests to STS and Mondoo, in the order they arrived. */
function arrivals(w: World): string[] {
  return [
    ...w.sims.sts.requests.map((r) => ({ what: `sts:${r.action}`, arrival: r.arrival })),
    ...w.sims.mondoo.requests.map((r) => ({ what: 'mondoo', arrival: r.arrival })),
  ]
    .sort((a, b) => a.arrival - b.arrival)
    .map((r) => r.what);
}

async function inWorld<T>(body: (w: World) => Promise<T>): Promise<T> {
  const world = await startWorld({ inMemory: true });
  try {
    return await body(world);
  } finally {
    await world.close();
  }
}

describe('authenticate() with allowed-account-ids', () => {
  it('unset: the exchange is sent first, the identity lookup after it (as before the setting existed)', async () => {
    await inWorld(async (w) => {
      const run = await runInProcess(w, 'env-long');
      expect({ code: run.code, error: run.error }).toEqual({ code: 0, error: '' });
      expect(arrivals(w)).toEqual(['mondoo', 'sts:GetCallerIdentity']);
    });
  });

  it('a listed account: GetCallerIdentity first, once, then the exchange', async () => {
    await inWorld(async (w) => {
      const run = await runInProcess(w, 'env-long', { inputs: { 'allowed-account-ids': '123456789012' } });
      expect({ code: run.code, error: run.error }).toEqual({ code: 0, error: '' });
      expect(arrivals(w)).toEqual(['sts:GetCallerIdentity', 'mondoo']);
      expect(run.log).toContain('AWS account 123456789012 is in allowed-account-ids');
    });
  });

  it('another account: AWS_ACCOUNT_NOT_ALLOWED, and Mondoo is never asked', async () => {
    await inWorld(async (w) => {
      const run = await runInProcess(w, 'env-session', { inputs: { 'allowed-account-ids': '111111111111' } });
      expect(run.errorCode).toBe('AWS_ACCOUNT_NOT_ALLOWED');
      expect(run.error).toContain(`The AWS credentials (${w.sims.world.session.arn}) belong to account 123456789012`);
      expect(arrivals(w)).toEqual(['sts:GetCallerIdentity']);
    });
  });

  it('role mode: a role of an account not listed is refused from its ARN, before any request', async () => {
    await inWorld(async (w) => {
      const refused = await runInProcess(w, 'role', { inputs: { 'allowed-account-ids': '111111111111' } });
      expect(refused.errorCode).toBe('CONFIG_INVALID_INPUT');
      expect(arrivals(w)).toEqual([]);
    });
  });

  it('an account that cannot be learned fails the run before the exchange', async () => {
    await inWorld(async (w) => {
      w.sims.sts.script.push({ action: 'GetCallerIdentity', status: 500, body: 'down' });
      const run = await runInProcess(w, 'env-long', { inputs: { 'allowed-account-ids': '123456789012' } });
      expect(run.errorCode).toBe('STS_FAILED');
      expect(run.error).toMatch(
        /^allowed-account-ids is set \(123456789012\), but the AWS account of the credentials could not be learned/,
      );
      expect(w.sims.mondoo.requests).toEqual([]);
    });
  });
});
