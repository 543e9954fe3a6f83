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

/** Characters that may break or reorder a log line: controls (C0, DEL, C1), line and paragraph separators, bidi controls. */
const LOG_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Shortens text from a server so a log line stays readable (one line; controls and bidi overrides escaped). */
export function truncate(text: string, max = 300): string {
  const oneLine = text.replace(/[\s\u0085]+/g, ' ').trim().replace(LOG_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max)}… (${oneLine.length - max} more characters)`;
}

/**
 * A URL-like value with any user name and password replaced by ***, for quoting in a message: a URL that is
 * refused for another reason (a query string, a space) may still carry credentials.
 */
export function redactUserinfo(value: string): string {
  return value.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?)[^/?#]*@/i, '$1***@');
}

/**
 * A user's value, quoted for a one-line log message: at most `max` characters, with control characters, line
 * and paragraph separators and bidirectional overrides escaped (JSON.stringify leaves U+0085, U+2028, U+2029
 * and the bidi controls as they are, and a log viewer may break the line there or reorder the text).
 */
export function quoteForLog(value: string, max = 80): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown).replace(LOG_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
