/**
 * The identity lookup (GetCallerIdentity to the tool's own STS endpoint, for aws-arn) is one attempt: it gets
 * attempt-timeout-seconds, at least LOOKUP_MIN_MS, and never runs past timeout-seconds.
 */
import { describe, expect, it } from '@jest/globals';
import type { Clock } from '../../../src/core/network/clock.js';
import { credentialSourceFor, LOOKUP_MIN_MS } from '../../../src/core/credential-source.js';
import { readAwsEnvironment } from '../../../src/core/credentials/aws-environment.js';
import { readCiEnvironment } from '../../../src/core/ci-tokens/ci-environment.js';
import type { HttpClient, HttpRequest } from '../../../src/core/network/http.js';
import { retryBudget } from '../../../src/core/network/retry.js';
import { parseConfig } from '../../../src/core/config/settings.js';
import { SigningClock } from '../../../src/core/proof/signing-clock.js';

const KEYS = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const NOW = Date.parse('2026-03-01T12:00:00Z');

/**
 * The time limit the lookup's request was given, with the settings `inputs`, when `beforeResolve` ms went by
 * before the credentials were found and `beforeLookup` ms more before the lookup started (the exchange's time).
 */
async function lookupLimit(inputs: Record<string, string>, beforeResolve = 0, beforeLookup = 0): Promise<number> {
  let now = NOW;
  const clock: Clock = { now: () => now, sleep: async () => undefined, random: () => 0 };
  const config = parseConfig({ audience: 'aud', ...inputs }, KEYS);
  const retry = retryBudget(config, clock, () => undefined);
  const requests: HttpRequest[] = [];
  const http: HttpClient = async (request) => {
    requests.push(request);
    return { status: 503, headers: {}, body: '' };
  };
  const log = { info: () => undefined, warning: () => undefined, debug: () => undefined };
  const source = credentialSourceFor({
    config,
    aws: readAwsEnvironment(KEYS),
    credentialsFix: readCiEnvironment(KEYS).credentialsFix,
    http,
    clock,
    log,
    secret: () => undefined,
    credentialChain: () => Promise.reject(new Error('not used')),
    webIdentity: undefined,
    learnIdentity: true,
    retry,
    signingClock: new SigningClock(clock, () => undefined),
    target: { endpoint: 'https://sts.test', region: 'us-east-1' },
  });
  now += beforeResolve;
  const found = await source.resolve();
  now += beforeLookup;
  const learned = await found.identity.learn();
  expect(learned.identity).toBeUndefined();
  expect(requests.map((r) => new URL(r.url).host)).toEqual(['sts.test']);
  return requests[0]!.timeoutMs;
}

describe("the identity lookup's time limit", () => {
  it('is attempt-timeout-seconds (the default 10 s)', async () => {
    expect(await lookupLimit({})).toBe(10_000);
    expect(await lookupLimit({ 'attempt-timeout-seconds': '30', 'timeout-seconds': '120' })).toBe(30_000);
  });

  it(`is at least ${LOOKUP_MIN_MS} ms when attempt-timeout-seconds is shorter`, async () => {
    expect(await lookupLimit({ 'attempt-timeout-seconds': '1' })).toBe(LOOKUP_MIN_MS);
  });

  it('ends at the overall deadline, counted when the lookup starts', async () => {
    expect(await lookupLimit({ 'attempt-timeout-seconds': '30', 'timeout-seconds': '20' }, 12_000)).toBe(8_000);
    // Found at once, but the exchange took 12 s before the lookup started: 8 s are left, not 20.
    expect(await lookupLimit({ 'attempt-timeout-seconds': '30', 'timeout-seconds': '20' }, 0, 12_000)).toBe(8_000);
    expect(await lookupLimit({}, 0, 55_000)).toBe(5_000);
  });
});
