/**
 * Checks for URL-like values from inputs and the environment, made before the URL parser sees them (WHATWG URL
 * parsing silently drops tabs and line breaks inside a URL and trims controls around it), and for where a
 * secret may travel: only over TLS, except to a loopback host.
 */
import { ConfigError } from './errors.js';
import { hasUnsafeChar } from './log-safety.js';

/** The one loopback predicate: 127.0.0.0/8, ::1 and localhost (brackets and case ignored). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

/** Throws a ConfigError naming `what` when `value` holds an unsafe character (log-safety.ts); never quotes the value. */
export function refuseControlCharacters(value: string, input: string, what: string): void {
  if (hasUnsafeChar(value)) {
    throw new ConfigError(
      input,
      `${what} contains a control character or an invisible one (such as a tab, a line break or a zero-width space). Remove it: a URL is taken exactly as given, never with characters dropped.`,
    );
  }
}

/**
 * The one rule for a URL that will carry a secret: https, or plain http to a loopback host only (and to the hosts
 * in `plainHttpAlso`, for a caller whose protocol fixes other local hosts: the container credentials agent).
 * Returns what is wrong ("uses plain http to …, which would send … unencrypted.") or undefined when allowed;
 * `carries` says what would travel unencrypted.
 */
export function secretUrlProblem(url: URL, carries: string, plainHttpAlso: ReadonlySet<string> = new Set()): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return `is not an http(s) URL (${JSON.stringify(url.protocol)}).`;
  if (isLoopbackHost(url.hostname) || plainHttpAlso.has(url.hostname.toLowerCase())) return undefined;
  return `uses plain http to ${url.host}, which would send ${carries} unencrypted.`;
}

/**
 * Throws a ConfigError when `url` is plain http to a host that is not loopback ({@link secretUrlProblem}):
 * `carries` says what would travel unencrypted.
 */
export function requireTlsUnlessLoopback(url: URL, input: string, what: string, carries: string): void {
  const problem = url.protocol === 'http:' ? secretUrlProblem(url, carries) : undefined;
  if (problem !== undefined) {
    throw new ConfigError(input, `${what} ${problem} Use https:// (plain http is accepted only for a loopback host).`);
  }
}
