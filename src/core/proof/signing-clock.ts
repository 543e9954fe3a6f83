import type { Clock } from '../network/clock.js';
import { clockSkewOf, farClockError, skewWarning } from './skew.js';

/**
 * The time signed requests carry: this machine's clock, until a server refuses a signature for its time and
 * its Date header shows this clock far off. Then the server's time is adopted, once for the run, with one
 * warning; every later signature (a retry, the identity lookup) uses it.
 */
export class SigningClock {
  private offsetMs: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly warn: (message: string) => void,
  ) {}

  now(): Date {
    return new Date(this.clock.now() + (this.offsetMs ?? 0));
  }

  /**
   * After a failure from `server`: whether signing again can help, because the failure was a refusal for time
   * from a server whose clock is far from ours. The first such refusal sets the time for the rest of the run.
   */
  adoptServerTime(err: unknown, server: string): boolean {
    const skew = clockSkewOf(err, this.clock.now());
    if (skew === undefined) {
      // A server's time far from ours is never adopted: it would choose when the signature is valid.
      const far = farClockError(err, this.clock.now(), server);
      if (far !== undefined) throw far;
      return false;
    }
    if (this.offsetMs === undefined) {
      this.offsetMs = skew;
      this.warn(skewWarning(skew, server));
    }
    return true;
  }
}
