/**
 * The two kinds of failure a user can act on.
 *
 * - {@link ConfigError}: an input is wrong. Raised before any request is sent; the CLI exits 2.
 * - {@link AuthError}: the identity could not be proven or exchanged (AWS, the OIDC provider or Mondoo
 *   said no, or could not be reached). The CLI exits 1.
 *
 * Messages are written for the person reading the CI log: what went wrong, then what to do about it.
 * They never contain a secret; callers only put non-secret values (ARNs, URLs, status codes) in them.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The input (Action input name or CLI flag) the message is about. */
  readonly input: string;

  constructor(input: string, message: string) {
    super(message);
    this.input = input;
  }
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
  /** True when another attempt may succeed (network error, 429, 5xx). */
  readonly transient: boolean;
  /** Milliseconds the server asked us to wait (Retry-After), if it said. */
  readonly retryAfterMs: number | undefined;
  /** HTTP status of the answer that caused this, if there was one. */
  readonly status: number | undefined;
  /** The server's clock (its Date header, in ms since the epoch), for clock-skew correction. */
  readonly serverTime: number | undefined;

  constructor(
    message: string,
    opts: { transient?: boolean; retryAfterMs?: number | undefined; status?: number | undefined; serverTime?: number | undefined } = {},
  ) {
    super(message);
    this.transient = opts.transient ?? false;
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
    this.serverTime = opts.serverTime;
  }
}

/** Message of anything thrown, without a stack trace. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Shortens text from a server so a log line stays readable. */
export function truncate(text: string, max = 300): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max)}… (${oneLine.length - max} more characters)`;
}
