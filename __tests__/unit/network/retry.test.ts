import { describe, expect, it } from '@jest/globals';
import type { Clock } from '../../../src/core/network/clock.js';
import { type AuthError, HttpFailure } from '../../../src/core/safety/errors.js';
import { NetworkError } from '../../../src/core/network/http.js';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, withRetries } from '../../../src/core/network/retry.js';

/** A clock that only moves when something sleeps; records every sleep. */
function fakeClock(random = 0.5): Clock & { sleeps: number[]; t: number } {
  const clock = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
    random: () => random,
  };
  return clock;
}

const policy = { ...DEFAULT_RETRY, maxAttempts: 3 };

describe('withRetries', () => {
  it('retries network errors and 5xx with exponential full-jitter backoff, then succeeds', async () => {
    const clock = fakeClock(0.5);
    const failures: Error[] = [
      new NetworkError('reset', false),
      new HttpFailure('503', { status: 503, headers: {} }, { code: 'MONDOO_UNAVAILABLE' }),
    ];
    const seen: number[] = [];
    const result = await withRetries(
      'op',
      async ({ attempt }) => {
        seen.push(attempt);
        const next = failures.shift();
        if (next) throw next;
        return 'ok';
      },
      { policy, clock, deadline: clock.t + 60_000, attemptTimeoutMs: 10_000 },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(clock.sleeps).toEqual([250, 500]);
  });

  it('never retries a non-transient 4xx', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withRetries(
        'op',
        async () => {
          calls++;
          throw new HttpFailure('403', { status: 403, headers: {} }, { code: 'MONDOO_REJECTED_IDENTITY' });
        },
        { policy, clock, deadline: clock.t + 60_000, attemptTimeoutMs: 10_000 },
      ),
    ).rejects.toThrow('403');
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up after maxAttempts with the last error and status', async () => {
    const clock = fakeClock();
    let calls = 0;
    const err = await withRetries(
      'The Mondoo token exchange',
      async () => {
        calls++;
        throw new HttpFailure(
          `Mondoo answered HTTP 503 (#${calls})`,
          { status: 503, headers: {} },
          { code: 'MONDOO_UNAVAILABLE' },
        );
      },
      { policy, clock, deadline: clock.t + 60_000, attemptTimeoutMs: 10_000 },
    ).catch((e: unknown) => e as AuthError);
    expect(calls).toBe(3);
    expect(err.message).toBe('The Mondoo token exchange failed after 3 attempts: Mondoo answered HTTP 503 (#3)');
    expect(err.code).toBe('MONDOO_UNAVAILABLE');
    expect(err.cause).toBeInstanceOf(HttpFailure);
  });

  it('honours Retry-After within the cap', async () => {
    const clock = fakeClock();
    const throttled = (seconds: number) =>
      new HttpFailure(
        '429',
        { status: 429, headers: { 'retry-after': String(seconds) } },
        { code: 'MONDOO_UNAVAILABLE' },
      );
    const errors = [throttled(2), throttled(3600)];
    await withRetries(
      'op',
      async () => {
        const e = errors.shift();
        if (e) throw e;
        return 1;
      },
      { policy, clock, deadline: clock.t + 3_600_000, attemptTimeoutMs: 10_000 },
    );
    expect(clock.sleeps).toEqual([2000, DEFAULT_RETRY.retryAfterCapMs]);
  });

  it('does not start a wait that would pass the deadline, and says so', async () => {
    const clock = fakeClock();
    const err = await withRetries(
      'op',
      async () => {
        throw new HttpFailure(
          'slow',
          { status: 503, headers: { 'retry-after': '10' } },
          { code: 'MONDOO_UNAVAILABLE' },
        );
      },
      { policy, clock, deadline: clock.t + 5_000, attemptTimeoutMs: 1_000 },
    ).catch((e: unknown) => e as Error);
    expect(err.message).toBe(
      'op did not succeed before the overall timeout (timeout-seconds) after 1 attempt. Last error: slow',
    );
    expect((err as AuthError).code).toBe('TIMEOUT');
    expect(clock.sleeps).toEqual([]);
  });

  it("shortens the last attempt's timeout to fit the deadline", async () => {
    const clock = fakeClock();
    const timeouts: number[] = [];
    await withRetries(
      'op',
      async ({ timeoutMs }) => {
        timeouts.push(timeoutMs);
        if (timeouts.length < 2) throw new NetworkError('x', true);
        return 1;
      },
      { policy, clock, deadline: clock.t + 3_000, attemptTimeoutMs: 10_000 },
    );
    expect(timeouts).toEqual([3000, 2750]);
  });
});

describe('backoff and Retry-After', () => {
  it('doubles the ceiling up to the maximum', () => {
    const e = new NetworkError('x', false);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, e, DEFAULT_RETRY, 0.999999, 0))).toEqual([
      499, 999, 1999, 3999, 7999, 7999, 7999,
    ]);
    expect(backoffDelay(3, e, DEFAULT_RETRY, 0, 0)).toBe(0);
  });

  it('parses seconds and dates, ignores garbage', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:01 GMT', 4000)).toBe(0);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});
