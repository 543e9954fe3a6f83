import type { IncomingHttpHeaders } from 'node:http';
import { escapeChar, escapeUnsafe, UNSAFE_CHARS } from './log-safety.js';

/**
 * The failures a user can act on, each with a stable code (for scripts, support and tests) and a message
 * written for the person reading the CI log: what went wrong, then what to do about it. Messages never
 * contain a secret; callers only put non-secret values (ARNs, URLs, status codes) in them.
 *
 * - {@link ConfigError}: an input is wrong. Raised before any request is sent; the CLI exits 2.
 * - {@link AuthError}: the identity could not be proven or exchanged (AWS, the OIDC provider or Mondoo said
 *   no, or could not be reached). The CLI exits 1. {@link HttpFailure} is the one that carries what a server
 *   answered (status, headers, Retry-After, its clock).
 * - {@link NetworkError}: no answer at all; retried, and wrapped in an AuthError if it persists.
 */
export type ErrorCode =
  /** A setting (input, flag, environment variable, proxy URL, token source) is wrong. */
  | 'CONFIG_INVALID_INPUT'
  /** The CLI's command line is wrong (unknown option, repeated option, stray word, missing value). */
  | 'CONFIG_USAGE'
  /** No AWS credentials anywhere the AWS SDK's default chain looks. */
  | 'AWS_NO_CREDENTIALS'
  /**
   * A credential source is present but broken: container credentials or instance metadata unreachable or
   * refusing, a bad token file, a failing credential_process or profile, expired credentials.
   */
  | 'AWS_CREDENTIAL_SOURCE_FAILED'
  /** The AWS credentials belong to an account that allowed-account-ids does not list (nothing was sent to Mondoo). */
  | 'AWS_ACCOUNT_NOT_ALLOWED'
  /** The web identity (OIDC) token could not be had: endpoint refused, empty file or variable, agent failed. */
  | 'OIDC_TOKEN_UNAVAILABLE'
  /** STS refused AssumeRoleWithWebIdentity (trust policy, audience, subject, duration). */
  | 'STS_ASSUME_ROLE_REFUSED'
  /** STS answered with something unusable, or kept failing (throttling, 5xx). */
  | 'STS_FAILED'
  /** STS (in Mondoo's replay) refused the credentials: the session token has expired. */
  | 'STS_EXPIRED_TOKEN'
  /** STS does not know the access key (deleted, other partition, token of other keys). */
  | 'STS_UNKNOWN_ACCESS_KEY'
  /** STS computed another signature: the secret does not belong to the access key ID. */
  | 'STS_SIGNATURE_MISMATCH'
  /** STS refused the signature for its time: this machine's clock is off. */
  | 'STS_CLOCK_SKEW'
  /** proof aws-jwt: outbound identity federation is off in the account (aws iam enable-outbound-web-identity-federation). */
  | 'AWS_OUTBOUND_FEDERATION_DISABLED'
  /** proof aws-jwt: the identity may not call sts:GetWebIdentityToken for the audience (IAM policy). */
  | 'AWS_JWT_ACCESS_DENIED'
  /** proof aws-jwt: aws-jwt-duration-seconds outlives the AWS session (SessionDurationEscalationException). */
  | 'AWS_JWT_DURATION_TOO_LONG'
  /** proof aws-jwt: the token's claims exceed STS's size limit (JWTPayloadSizeExceededException). */
  | 'AWS_JWT_PAYLOAD_TOO_LARGE'
  /** proof aws-jwt: STS's answer is not a usable JWT for the audience (parts, iss, sub, aud, exp). */
  | 'AWS_JWT_INVALID'
  /** proof aws-jwt: issuer-uri is set and differs from the token's issuer. */
  | 'AWS_JWT_ISSUER_MISMATCH'
  /** Mondoo refused the AWS identity presented (401/403): the identity provider's subject or audience. */
  | 'MONDOO_REJECTED_IDENTITY'
  /** Mondoo refused the exchange for another reason (another 4xx). */
  | 'MONDOO_EXCHANGE_REFUSED'
  /** Mondoo kept answering 429 or 5xx. */
  | 'MONDOO_UNAVAILABLE'
  /** Mondoo answered 200 without a usable credential. */
  | 'MONDOO_BAD_RESPONSE'
  /** A server could not be reached, or did not answer, on any attempt. */
  | 'NETWORK_UNREACHABLE'
  /** The overall time limit (timeout-seconds) ran out. */
  | 'TIMEOUT'
  /** The HTTPS proxy refused to open a tunnel (authentication, policy). */
  | 'PROXY_REFUSED'
  /** A server's or proxy's TLS certificate was refused (unknown CA, self-signed, expired, another name); not retried. */
  | 'TLS_CERTIFICATE_UNTRUSTED'
  /** Anything else: a bug, or a local error such as a failed file write. */
  | 'UNEXPECTED';

/**
 * The base of the tool's errors, so that `instanceof` holds across the Action's two bundles. dist/index.js and
 * dist/credential-chain.js (loaded only when the AWS SDK's chain runs) each carry their own copy of these
 * classes, and an error made by one copy is caught by the other: a chain link's AuthError reaches the entry's
 * error code, the entry's HttpFailure reaches a chain link. So a class with a `kind` of its own is matched by the
 * kinds an error carries under a process-wide symbol, not by its prototype; a class without one is matched as
 * usual. (__tests__/unit/safety/error-kinds.test.ts builds two copies and checks both ways;
 * __tests__/e2e/credential-sources.test.ts, the codes and messages the built Action reports for the chain.)
 */
const KINDS = Symbol.for('mondoo-aws-auth.error-kinds');

export class ToolError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (!Object.hasOwn(this, 'kind')) return Function.prototype[Symbol.hasInstance].call(this, value);
    const kinds = value instanceof Error ? (value as { [KINDS]?: unknown })[KINDS] : undefined;
    return kinds instanceof Set && kinds.has((this as { kind?: unknown }).kind);
  }

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const kinds = new Set<unknown>();
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c))
      if (Object.hasOwn(c, 'kind')) kinds.add((c as { kind?: unknown }).kind);
    Object.defineProperty(this, KINDS, { value: kinds });
  }
}

export class ConfigError extends ToolError {
  static readonly kind: string = 'ConfigError';
  override readonly name = 'ConfigError';
  readonly code: ErrorCode;
  /** The input (Action input name or CLI flag) the message is about. */
  readonly input: string;

  /**
   * `code` is CONFIG_INVALID_INPUT or CONFIG_USAGE, or OIDC_TOKEN_UNAVAILABLE for a job that cannot have a token
   * at all (no `permissions: id-token: write`), which is found before any request too.
   */
  constructor(
    input: string,
    message: string,
    code: 'CONFIG_INVALID_INPUT' | 'CONFIG_USAGE' | 'OIDC_TOKEN_UNAVAILABLE' = 'CONFIG_INVALID_INPUT',
  ) {
    super(message);
    this.input = input;
    this.code = code;
  }
}

export interface AuthErrorOptions {
  code: ErrorCode;
  /**
   * Another attempt may succeed although no server said so with a status (a CI agent command that failed).
   * Answers from servers are judged by {@link isTransient} from their status instead.
   */
  transient?: boolean;
  /** The failure this one reports on (the last attempt's, after retries). */
  cause?: unknown;
}

export class AuthError extends ToolError {
  static readonly kind: string = 'AuthError';
  override readonly name: string = 'AuthError';
  readonly code: ErrorCode;
  readonly transient: boolean;

  constructor(message: string, opts: AuthErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = opts.code;
    this.transient = opts.transient ?? false;
  }
}

/** The parts of an HTTP answer a failure keeps (the body is summarised in the message, never kept). */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
}

/**
 * A server answered, but not with what was asked: the one type that carries the transport facts. Whether
 * another attempt may help is decided by {@link isTransient}, not by whoever raised it.
 */
export class HttpFailure extends AuthError {
  static override readonly kind: string = 'HttpFailure';
  override readonly name = 'HttpFailure';
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The server's Retry-After, as it sent it (seconds, or an HTTP date): see {@link retryAfterMs}. */
  readonly retryAfter: string | undefined;
  /** The server's clock (its Date header, in ms since the epoch), for clock-skew correction. */
  readonly serverTime: number | undefined;
  /** The body said "slow down" whatever the status (STS answers throttling with 400). */
  readonly throttled: boolean;

  constructor(message: string, answer: HttpAnswer, opts: { code: ErrorCode; throttled?: boolean }) {
    super(message, { code: opts.code });
    this.status = answer.status;
    this.headers = answer.headers;
    this.retryAfter = headerValue(answer.headers, 'retry-after');
    this.serverTime = parseHttpDate(headerValue(answer.headers, 'date'));
    this.throttled = opts.throttled ?? false;
  }

  /** Milliseconds the server asked us to wait, counted from `now`, if it said. */
  retryAfterMs(now: number): number | undefined {
    return parseRetryAfter(this.retryAfter, now);
  }
}

/**
 * No answer: the connection failed, was reset, or the attempt ran out of time. Always worth another try.
 * `hint` says what to check when it persists (a refused connection, a name that does not resolve).
 */
export class NetworkError extends ToolError {
  static readonly kind: string = 'NetworkError';
  override readonly name = 'NetworkError';
  constructor(
    message: string,
    readonly timedOut: boolean,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The statuses another attempt may get past: 429 (slow down) and 5xx (the server's own trouble). */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The one place that decides what is retried: no answer at all, 429, 5xx, throttling, a failed CI agent. */
export function isTransient(err: unknown): boolean {
  if (err instanceof NetworkError) return true;
  if (err instanceof HttpFailure) return err.throttled || isTransientStatus(err.status);
  return err instanceof AuthError && err.transient;
}

/** Parses Retry-After (seconds, or an HTTP date relative to `now`) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** An HTTP date (a Date or Retry-After header) in ms since the epoch; undefined when absent or not a date. */
export function parseHttpDate(value: string | undefined): number | undefined {
  const time = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** Value of a header as one string. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The code of anything thrown: its own, or UNEXPECTED. */
export function errorCode(err: unknown): ErrorCode {
  return err instanceof ConfigError || err instanceof AuthError ? err.code : 'UNEXPECTED';
}

/** How an adapter shows a failure: `[CODE] message`, the same in the Action's annotation and the CLI's error line. */
export function failureLine(err: unknown): string {
  return `[${errorCode(err)}] ${errorMessage(err)}`;
}

/** Message of anything thrown, without a stack trace. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Shortens text from a server so a log line stays readable: one line, unsafe characters (log-safety.ts) escaped.
 * Secrets in it are redacted later, at the adapters' boundary, which finds a piece of one however it was cut.
 */
export function truncate(text: string, max = 300): string {
  const oneLine = text
    .replace(/[\s\u0085]+/g, ' ')
    .trim()
    .replace(UNSAFE_CHARS, escapeChar);
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
 * A user's value, quoted for a one-line log message: at most `max` characters, with unsafe characters escaped
 * (log-safety.ts; JSON.stringify leaves U+0085, U+2028, U+2029, bidi controls and zero-width characters as they
 * are, and a log viewer may break the line there, reorder or hide the text).
 */
export function quoteForLog(value: string, max = 80): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return escapeUnsafe(JSON.stringify(shown));
}
