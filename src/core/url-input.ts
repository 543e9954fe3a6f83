/**
 * Checks for URL-like values from inputs and the environment, made before the URL parser sees them (WHATWG URL
 * parsing silently drops tabs and line breaks inside a URL and trims controls around it), and for where a
 * secret may travel: only over TLS, except to a loopback host.
 */
import { isLoopbackHost } from './config.js';
import { ConfigError } from './errors.js';
import { hasUnsafeChar } from './log-safety.js';

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
 * Throws a ConfigError when `url` is plain http to a host that is not loopback: `carries` says what would
 * travel unencrypted.
 */
export function requireTlsUnlessLoopback(url: URL, input: string, what: string, carries: string): void {
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      input,
      `${what} uses plain http to ${url.host}, which would send ${carries} unencrypted. Use https:// (plain http is accepted only for a loopback host).`,
    );
  }
}
