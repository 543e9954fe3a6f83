import { AuthError, HttpFailure } from '../safety/errors.js';

/** A clock more than this far from the server's is corrected (once per request), with a warning. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * A server's time is adopted only within this distance of the local clock. Beyond it the run fails: a server
 * must not choose the signing time, and a signature dated days ahead would be a replayable proof for as long.
 */
export const MAX_ADOPTED_SKEW_MS = 60 * 60 * 1000;

/**
 * How STS (directly, or quoted by Mondoo after its replay) says a signature was refused for its time:
 * "Signature expired: … is now earlier than …", "Signature not yet current: …", and the codes other AWS
 * endpoints use. Deliberately not "expired" alone: an expired session token is not a clock problem.
 */
const TIME_REJECTION =
  /Signature expired|Signature not yet current|RequestExpired|RequestTimeTooSkewed|request time and the current time|clock skew/i;

/** Whether a server's message says a signature was refused for its time. */
export function isTimeRejection(message: string): boolean {
  return TIME_REJECTION.test(message);
}

/** The server's clock minus the local one, when `err` refused a signature for its time and has a Date. */
function refusalSkew(err: unknown, localNow: number): number | undefined {
  if (!(err instanceof HttpFailure) || err.serverTime === undefined || !isTimeRejection(err.message)) return undefined;
  return err.serverTime - localNow;
}

/**
 * How far the local clock is behind the server's, in ms (negative: ahead), when `err` refused a signature
 * for its time and the server's Date header shows more than {@link MAX_CLOCK_SKEW_MS} and at most
 * {@link MAX_ADOPTED_SKEW_MS} of difference. Otherwise undefined: nothing a re-signed request may fix.
 */
export function clockSkewOf(err: unknown, localNow: number): number | undefined {
  const skew = refusalSkew(err, localNow);
  return skew !== undefined && Math.abs(skew) > MAX_CLOCK_SKEW_MS && Math.abs(skew) <= MAX_ADOPTED_SKEW_MS
    ? skew
    : undefined;
}

/**
 * The error to fail with when `err` refused a signature for its time and the server's Date is more than
 * {@link MAX_ADOPTED_SKEW_MS} away: that time is never adopted. Otherwise undefined.
 */
export function farClockError(err: unknown, localNow: number, server: string): AuthError | undefined {
  const skew = refusalSkew(err, localNow);
  if (skew === undefined || Math.abs(skew) <= MAX_ADOPTED_SKEW_MS) return undefined;
  return new AuthError(
    `${(err as HttpFailure).message}\n${server}'s Date header is ${describeDuration(skew)} ${skew > 0 ? 'ahead of' : 'behind'} this machine's clock, more than the ${describeDuration(MAX_ADOPTED_SKEW_MS)} this tool corrects for; it did not sign with that time. Fix: check this machine's clock (NTP), or the proxy or server in front of ${server} that sends that date.`,
    { code: 'STS_CLOCK_SKEW' },
  );
}

/**
 * "20 min", "1 h 5 min", "45 s": a clock difference as a person reads it. A Date header has whole seconds,
 * so anything of a minute or more is rounded to whole minutes.
 */
export function describeDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h > 0 ? `${h} h` : '', m > 0 || h === 0 ? `${m} min` : ''].filter((p) => p !== '').join(' ');
}

/** The warning printed when a request is signed again with the server's time. */
export function skewWarning(skewMs: number, server: string): string {
  return `This machine's clock is about ${describeDuration(skewMs)} ${skewMs > 0 ? 'behind' : 'ahead of'} ${server}'s (by its Date header), and a signed request was refused for its time. Signing again with the server's time; fix the clock on this runner (NTP).`;
}
