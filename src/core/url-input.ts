/**
 * Checks for URL-like values from inputs and the environment, made before the URL parser sees them (WHATWG URL
 * parsing silently drops tabs and line breaks inside a URL and trims controls around it), and for where a
 * secret may travel: only over TLS, except to a loopback host.
 */
import { isLoopbackHost } from './config.js';
import { ConfigError } from './errors.js';

/** C0 controls (tab, CR and LF included), DEL and C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws a ConfigError naming `what` when `value` holds a control character; never quotes the value. */
export function refuseControlCharacters(value: string, input: string, what: string): void {
  if (CONTROL.test(value)) {
    throw new ConfigError(
      input,
      `${what} contains a control character (such as a tab or a line break). Remove it: a URL is taken exactly as given, never with characters dropped.`,
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
