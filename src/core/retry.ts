import type { Clock } from './clock.js';
import { AuthError, errorMessage } from './errors.js';
import { NetworkError, formatMs } from './http.js';

export interface RetryPolicy {
  maxAttempts: number;
  /** First backoff ceiling; doubles each attempt ("full jitter": the wait is random below the ceiling). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server's Retry-After is honoured up to this. */
  retryAfterCapMs: number;
}

export const DEFAULT_RETRY: Omit<RetryPolicy, 'maxAttempts'> = {
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  retryAfterCapMs: 20_000,
};

/** Only failures another attempt can fix are retried: no answer at all, 429 and 5xx. */
export function isTransient(err: unknown): boolean {
  return err instanceof NetworkError || (err instanceof AuthError && err.transient);
}

/** How long to wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(attempt: number, err: unknown, policy: Omit<RetryPolicy, 'maxAttempts'>, random: number): number {
  if (err instanceof AuthError && err.retryAfterMs !== undefined) {
    return Math.min(Math.max(0, err.retryAfterMs), policy.retryAfterCapMs);
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random * ceiling);
}

/** Parses Retry-After (seconds, or an HTTP date relative to `now`) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryContext {
  attempt: number;
  /** Milliseconds this attempt may take: the per-attempt timeout, shortened to fit the deadline. */
  timeoutMs: number;
}

/**
 * Runs `operation` until it succeeds, fails for good, runs out of attempts, or would pass `deadline`.
 * Each attempt calls `operation` afresh, so a caller re-signs (or fetches a fresh token) every time.
 */
export async function withRetries<T>(
  what: string,
  operation: (ctx: RetryContext) => Promise<T>,
  opts: { policy: RetryPolicy; clock: Clock; deadline: number; attemptTimeoutMs: number; onRetry?: (message: string) => void },
): Promise<T> {
  const { policy, clock, deadline } = opts;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - clock.now();
    if (remaining <= 0) throw deadlineError(what, attempt - 1, undefined);
    try {
      return await operation({ attempt, timeoutMs: Math.min(opts.attemptTimeoutMs, remaining) });
    } catch (err) {
      if (!isTransient(err)) throw err;
      if (attempt >= policy.maxAttempts) {
        throw new AuthError(`${what} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${errorMessage(err)}`, {
          transient: true,
          status: err instanceof AuthError ? err.status : undefined,
        });
      }
      const delay = backoffDelay(attempt, err, policy, clock.random());
      if (clock.now() + delay >= deadline) throw deadlineError(what, attempt, err);
      opts.onRetry?.(`${what}: attempt ${attempt} of ${policy.maxAttempts} failed (${errorMessage(err)}); retrying in ${formatMs(delay)}`);
      await clock.sleep(delay);
    }
  }
}

function deadlineError(what: string, attempts: number, last: unknown): AuthError {
  const tail = last === undefined ? '' : ` Last error: ${errorMessage(last)}`;
  return new AuthError(`${what} did not succeed before the overall timeout (timeout-seconds) after ${attempts} attempt${attempts === 1 ? '' : 's'}.${tail}`, {
    transient: true,
    status: last instanceof AuthError ? last.status : undefined,
  });
}
