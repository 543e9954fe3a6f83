/**
 * credentialsFromChain measures how long the AWS SDK chain took with the injected clock: whether instance
 * metadata "did not answer" or "gave no credentials" follows that clock, not the wall clock.
 */
import { describe, expect, it } from '@jest/globals';
import type * as ChainModule from '@aws-sdk/credential-provider-node';
import { credentialsFromChain } from '../../src/core/credentials.js';

/** A chain that reaches instance metadata (as its debug line says) and then fails, as the SDK's does. */
function failingChain(onProvide: () => void): () => Promise<typeof ChainModule> {
  const defaultProvider = ((init: { logger?: { debug(...parts: unknown[]): void } }) => async () => {
    init.logger?.debug('@aws-sdk/credential-provider-imds - fromInstanceMetadata');
    onProvide();
    throw new Error('Could not load credentials from any providers');
  }) as unknown as typeof ChainModule.defaultProvider;
  return async () => ({ defaultProvider }) as typeof ChainModule;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e as Error,
  );
}

describe('credentialsFromChain and the clock', () => {
  it('says IMDS did not answer when the injected clock shows the whole IMDS time limit went by', async () => {
    let now = 1_000_000;
    const err = await failure(
      credentialsFromChain(
        failingChain(() => (now += 2_000)),
        {},
        10_000,
        { now: () => now },
      ),
    );
    expect(err.message).toContain('EC2 instance metadata (IMDSv2) did not answer within 2s.');
    expect(err.message).toContain('Last error: Could not load credentials from any providers.');
  });

  it('says IMDS gave no credentials when the injected clock shows it answered at once (however long the test took)', async () => {
    const err = await failure(
      credentialsFromChain(
        failingChain(() => {}),
        {},
        10_000,
        { now: () => 1_000_000 },
      ),
    );
    expect(err.message).toContain('EC2 instance metadata (IMDSv2) gave no credentials');
    expect(err.message).not.toContain('did not answer');
  });

  it('gives IMDS the attempt time limit when it is shorter than 2 s', async () => {
    let now = 0;
    const err = await failure(
      credentialsFromChain(
        failingChain(() => (now += 500)),
        {},
        500,
        { now: () => now },
      ),
    );
    expect(err.message).toContain('did not answer within 0.5s.');
  });
});
