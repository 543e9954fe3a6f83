/**
 * Checks for URL-like values from inputs and the environment, made before the URL parser sees them (WHATWG URL
 * parsing silently drops tabs and line breaks inside a URL and trims controls around it), and for where a
 * secret may travel: only over TLS, except to a loopback host.
 */
import { ConfigError, quoteForLog, redactUserinfo } from './errors.js';
import { hasUnsafeChar } from './log-safety.js';

/** The one loopback predicate: 127.0.0.0/8, ::1 and localhost (brackets and case ignored). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

/**
 * The one rule for a URL that will carry a secret: https, or plain http to a loopback host only (and to the hosts
 * in `plainHttpAlso`, for a caller whose protocol fixes other local hosts: the container credentials agent).
 * Returns what is wrong ("uses plain http to …, which would send … unencrypted.") or undefined when allowed;
 * `carries` says what would travel unencrypted.
 */
export function secretUrlProblem(
  url: URL,
  carries: string,
  plainHttpAlso: ReadonlySet<string> = new Set(),
): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return `is not an http(s) URL (${JSON.stringify(url.protocol)}).`;
  if (isLoopbackHost(url.hostname) || plainHttpAlso.has(url.hostname.toLowerCase())) return undefined;
  return `uses plain http to ${url.host}, which would send ${carries} unencrypted.`;
}

/** How {@link acceptSecretUrl} names one input in its messages, and what it assumes for it. */
export interface SecretUrlInput {
  /**
   * The setting the ConfigError is filed under; or, for a credential source the AWS chain found set but broken,
   * how to make its error (an AuthError).
   */
  input: string | ((message: string) => Error);
  /** How messages name the value: `input "universe-domain"`, `environment variable AWS_ENDPOINT_URL_STS`, `HTTPS_PROXY`. */
  what: string;
  /** The last sentence of a "not a URL" or "not http(s)" message: what to set instead. */
  fix: string;
  /**
   * What would travel unencrypted over plain http to a host that is not loopback; plain http is then refused
   * ({@link secretUrlProblem}). `undefined` for a proxy's own URL only: requests go through it in a CONNECT tunnel
   * that carries TLS, and a proxy at http:// (the usual corporate one, to which its own password goes as the proxy
   * asks) is accepted on any host (__tests__/hardening/proxy.test.ts sends through one).
   */
  carries: string | undefined;
  /**
   * Hosts besides loopback that plain http may go to, where the AWS SDK fixes them (the container credentials agents,
   * the instance metadata service), and `fix`: the sentence that names them, ending a plain-http refusal.
   */
  plainHttpAlso?: { hosts: ReadonlySet<string>; fix: string };
  /** The scheme assumed when the value has none (`us.api.mondoo.com`, `proxy:3128`); without it such a value is refused. */
  defaultScheme?: 'http' | 'https';
  /** Whether messages quote the value ({@link quoteUrl}). Off for values a runner or a proxy sets. */
  showValue?: boolean;
}

/**
 * Shows a user's URL in an error message: never its user name or password, nor its query string or fragment
 * (either could carry a secret), nor a control character; at most 80 characters.
 */
export function quoteUrl(value: string): string {
  return quoteForLog(redactUserinfo(value).replace(/[?#][^]*$/, ''), 80);
}

const CONTROL_FIX = 'Remove it: a URL is taken exactly as given, never with characters dropped.';

/**
 * The one function that accepts a URL that will carry a secret: no control or invisible character (log-safety.ts;
 * checked before the URL parser could drop one), a URL, http or https, and plain http only to a loopback host
 * ({@link secretUrlProblem}) or, where the SDK says so, to `plainHttpAlso`; a proxy (`carries` undefined) may be
 * plain http anywhere. Throws a ConfigError (or `input`'s error) naming the input and the fix. Each site's
 * messages are pinned by __tests__/unit/safety/url-input.test.ts.
 */
export function acceptSecretUrl(value: string, spec: SecretUrlInput): URL {
  const input = spec.input;
  const refuse = (message: string): Error =>
    typeof input === 'string' ? new ConfigError(input, message) : input(message);
  if (hasUnsafeChar(value)) {
    throw refuse(
      `${spec.what} contains a control character or an invisible one (such as a tab, a line break or a zero-width space). ${CONTROL_FIX}`,
    );
  }
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  const named = spec.showValue === true ? `${spec.what} ${quoteUrl(value)}` : spec.what;
  let url: URL;
  try {
    url = new URL(hasScheme || spec.defaultScheme === undefined ? value : `${spec.defaultScheme}://${value}`);
  } catch {
    throw refuse(`${named} is not a URL. ${spec.fix}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    const allowed =
      spec.carries === undefined || spec.plainHttpAlso !== undefined ? 'an http:// or https:// URL' : 'an https:// URL';
    throw refuse(
      `${named} uses ${url.protocol.replace(':', '')}://, which is not supported: it must be ${allowed}. ${spec.fix}`,
    );
  }
  const problem =
    spec.carries === undefined ? undefined : secretUrlProblem(url, spec.carries, spec.plainHttpAlso?.hosts);
  if (problem !== undefined) {
    throw refuse(
      `${named} ${problem} ${spec.plainHttpAlso?.fix ?? 'Use https:// (plain http is accepted only for a loopback host).'}`,
    );
  }
  return url;
}
