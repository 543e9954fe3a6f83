import type { Clock } from './clock.js';
import {
  AuthError,
  errorCode,
  errorMessage,
  HttpFailure,
  isTransient,
  NetworkError,
  type ErrorCode,
} from '../safety/errors.js';
import { formatMs } from './http.js';

export { isTransient, parseRetryAfter } from '../safety/errors.js';

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

/** How long to wait before attempt `attempt + 1` (attempt counts from 1), at `now`. */
export function backoffDelay(
  attempt: number,
  err: unknown,
  policy: Omit<RetryPolicy, 'maxAttempts'>,
  random: number,
  now: number,
): number {
  const retryAfterMs = err instanceof HttpFailure ? err.retryAfterMs(now) : undefined;
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.retryAfterCapMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random * ceiling);
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
export interface RetryOptions {
  policy: RetryPolicy;
  clock: Clock;
  /** No attempt or wait starts after this (ms since the epoch, by `clock`). */
  deadline: number;
  attemptTimeoutMs: number;
  onRetry?: (message: string) => void;
}

/** The retry budget every step of a run shares: its attempts, per-attempt limit and overall deadline. */
export function retryBudget(
  settings: { maxAttempts: number; attemptTimeoutMs: number; timeoutMs: number },
  clock: Clock,
  onRetry: (message: string) => void,
): RetryOptions {
  return {
    policy: { ...DEFAULT_RETRY, maxAttempts: settings.maxAttempts },
    clock,
    deadline: clock.now() + settings.timeoutMs,
    attemptTimeoutMs: settings.attemptTimeoutMs,
    onRetry,
  };
}

/** Milliseconds left before the deadline, at least 1 and at most `cap`. */
export function remainingWithin(opts: RetryOptions, cap: number): number {
  return Math.max(1, Math.min(cap, opts.deadline - opts.clock.now()));
}

export async function withRetries<T>(
  what: string,
  operation: (ctx: RetryContext) => Promise<T>,
  opts: RetryOptions,
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
        throw new AuthError(`${what} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${withHint(err)}`, {
          code: persistentCode(err),
          cause: err,
        });
      }
      const delay = backoffDelay(attempt, err, policy, clock.random(), clock.now());
      if (clock.now() + delay >= deadline) throw deadlineError(what, attempt, err);
      opts.onRetry?.(
        `${what}: attempt ${attempt} of ${policy.maxAttempts} failed (${errorMessage(err)}); retrying in ${formatMs(delay)}`,
      );
      await clock.sleep(delay);
    }
  }
}

function deadlineError(what: string, attempts: number, last: unknown): AuthError {
  const tail = last === undefined ? '' : ` Last error: ${withHint(last)}`;
  return new AuthError(
    `${what} did not succeed before the overall timeout (timeout-seconds) after ${attempts} attempt${attempts === 1 ? '' : 's'}.${tail}`,
    {
      code: 'TIMEOUT',
      cause: last,
    },
  );
}

/** A failure's message, and for one without an answer what to check (NetworkError's hint). */
function withHint(err: unknown): string {
  const message = errorMessage(err);
  return err instanceof NetworkError && err.hint !== undefined ? `${message.replace(/\.$/, '')}. ${err.hint}` : message;
}

/** The code of a failure that outlasted every attempt: the server's, or "unreachable" when none answered. */
function persistentCode(err: unknown): ErrorCode {
  return err instanceof NetworkError ? 'NETWORK_UNREACHABLE' : errorCode(err);
}
