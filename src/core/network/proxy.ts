import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { acceptSecretUrl, isLoopbackHost } from '../safety/url-input.js';
import { isTransientStatus, ToolError } from '../safety/errors.js';
import { checkedTls, untrustedCertificate } from './tls-policy.js';

/**
 * Proxy settings from the conventional variables, honoured for every request the tool makes
 * (HTTPS_PROXY/https_proxy, HTTP_PROXY/http_proxy, NO_PROXY/no_proxy), without NODE_USE_ENV_PROXY.
 */
export interface ProxySettings {
  https: URL | undefined;
  http: URL | undefined;
  noProxy: string[];
}

function firstSet(env: NodeJS.ProcessEnv, names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

function parseProxyUrl(value: string | undefined, variable: string): URL | undefined {
  if (value === undefined) return undefined;
  return acceptSecretUrl(value, {
    input: 'proxy',
    what: variable,
    fix: 'Use the form http://proxy.example.com:3128 (credentials, if any, as http://user:password@host:port).',
    carries: undefined,
    defaultScheme: 'http',
  });
}

export function readProxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const httpsValue = firstSet(env, ['HTTPS_PROXY', 'https_proxy']);
  const httpValue = firstSet(env, ['HTTP_PROXY', 'http_proxy']);
  const noProxy = (firstSet(env, ['NO_PROXY', 'no_proxy']) ?? '')
    .split(/[\s,]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
  return {
    https: parseProxyUrl(httpsValue, env['HTTPS_PROXY']?.trim() ? 'HTTPS_PROXY' : 'https_proxy'),
    http: parseProxyUrl(httpValue, env['HTTP_PROXY']?.trim() ? 'HTTP_PROXY' : 'http_proxy'),
    noProxy,
  };
}

/** Values in the proxy settings that must never be printed: the URLs with credentials, and the password; each once. */
export function proxySecrets(settings: ProxySettings): string[] {
  const secrets: string[] = [];
  for (const url of [settings.https, settings.http]) {
    if (url === undefined || (url.username === '' && url.password === '')) continue;
    secrets.push(url.href, url.href.replace(/\/$/, ''));
    if (url.password !== '') secrets.push(url.password, percentDecode(url.password).toString('utf8'));
  }
  return [...new Set(secrets)];
}

/** One NO_PROXY entry: a host name or domain (optionally `.domain` or `*.domain`), an IP, or an IPv4 CIDR; optionally :port. */
export function parseNoProxyEntry(entry: string): { host: string; port: string | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed !== null) return { host: bracketed[1] ?? '', port: bracketed[2] };
  // A bare IPv6 address has several colons and no port.
  if ((entry.match(/:/g) ?? []).length > 1) return { host: entry, port: undefined };
  const m = /^(.*?)(?::(\d+))?$/.exec(entry);
  return { host: m?.[1] ?? entry, port: m?.[2] };
}

function ipv4ToNumber(ip: string): number | undefined {
  if (!net.isIPv4(ip)) return undefined;
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Whether IPv4 `ip` lies in `cidr` (a.b.c.d/n). */
export function inIpv4Cidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText = ''] = cidr.split('/');
  const bits = /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  const address = ipv4ToNumber(ip);
  const network = ipv4ToNumber(base);
  if (address === undefined || network === undefined || !(bits >= 0 && bits <= 32)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(address / size) === Math.floor(network / size);
}

/**
 * NO_PROXY matching as curl does it: `*`; a host name, matching itself and its subdomains (a leading `.` or
 * `*.` is the same); an IP address, matching only itself; an IPv4 CIDR block; each optionally with :port.
 */
export function bypassesProxy(target: URL, noProxy: string[]): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return noProxy.some((entry) => {
    if (entry === '*') return true;
    const parsed = parseNoProxyEntry(entry);
    if (parsed.port !== undefined && parsed.port !== port) return false;
    if (parsed.host.includes('/')) return inIpv4Cidr(host, parsed.host);
    if (net.isIP(parsed.host) !== 0 || net.isIP(host) !== 0) return parsed.host === host;
    const domain = parsed.host.replace(/^\*?\./, '');
    return domain !== '' && (host === domain || host.endsWith(`.${domain}`));
  });
}

/** The proxy for a request, if any. A loopback destination never goes through a proxy (it could not reach it). */
export function proxyFor(target: URL, settings: ProxySettings): URL | undefined {
  if (isLoopbackHost(target.hostname)) return undefined;
  const proxy = target.protocol === 'https:' ? settings.https : settings.http;
  if (proxy === undefined || bypassesProxy(target, settings.noProxy)) return undefined;
  return proxy;
}

/**
 * The bytes a user name or password in a proxy URL stands for, decoded as curl decodes them: each `%` followed
 * by two hex digits is that byte, and any other `%` is itself (so a password with a literal `%`, as people paste
 * it into HTTPS_PROXY, works). The URL parser has already percent-encoded what a URL cannot hold literally.
 */
export function percentDecode(text: string): Buffer {
  const bytes: number[] = [];
  const utf8 = Buffer.from(text, 'utf8');
  for (let i = 0; i < utf8.length; i++) {
    const hex = utf8[i] === 0x25 ? utf8.subarray(i + 1, i + 3).toString('latin1') : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(utf8[i] ?? 0);
    }
  }
  return Buffer.from(bytes);
}

/** The Proxy-Authorization value for the credentials in `proxy`'s URL (Basic over their bytes), if any. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === '' && proxy.password === '') return undefined;
  return `Basic ${Buffer.concat([percentDecode(proxy.username), Buffer.from(':'), percentDecode(proxy.password)]).toString('base64')}`;
}

/** Headers to send to an http proxy that forwards a plain-http request (absolute-form request line). */
export function forwardProxyHeaders(proxy: URL): Record<string, string> {
  const auth = proxyAuthorization(proxy);
  return auth === undefined ? {} : { 'proxy-authorization': auth };
}

/**
 * The proxy would not open a tunnel. `transient` is false when another attempt cannot help: the proxy wants
 * credentials (407) or its policy forbids the destination (403, and other 4xx).
 */
export class ProxyTunnelError extends ToolError {
  static readonly kind: string = 'ProxyTunnelError';
  override readonly name = 'ProxyTunnelError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/** Why a proxy refused a CONNECT, and what to do about it. Never includes the proxy's credentials. */
export function tunnelRefusal(proxy: URL, target: string, status: number): ProxyTunnelError {
  const where = `the proxy ${proxy.host} refused to open a tunnel to ${target}: HTTP ${status}`;
  if (status === 407) {
    const fix =
      proxy.username === '' && proxy.password === ''
        ? 'it requires authentication: give the credentials in the proxy URL, as http://user:password@host:port'
        : 'proxy authentication failed: check the user and password in the proxy URL (percent-encode @ : / and % in them)';
    return new ProxyTunnelError(`${where} (${fix}).`, status, false);
  }
  if (isTransientStatus(status)) return new ProxyTunnelError(`${where}.`, status, true);
  return new ProxyTunnelError(
    `${where}. Allow ${target} in the proxy, or list the host in NO_PROXY if it is reachable directly.`,
    status,
    false,
  );
}

/** An https.Agent that reaches every origin through an HTTP CONNECT tunnel to `proxy`. */
export class TunnelAgent extends https.Agent {
  constructor(private readonly proxy: URL) {
    super({ keepAlive: false });
  }

  override createConnection(
    options: http.ClientRequestArgs & tls.ConnectionOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    let settled = false;
    const done = (err: Error | null, stream?: Duplex): void => {
      if (settled) return;
      settled = true;
      (callback as ((err: Error | null, stream?: Duplex) => void) | undefined)?.(err, stream);
    };
    const target = `${options.host ?? 'localhost'}:${String(options.port ?? 443)}`;
    const auth = proxyAuthorization(this.proxy);
    // An https:// proxy's own certificate is checked too (tls-policy.ts): the tunnel carries secrets.
    const request = (this.proxy.protocol === 'https:' ? https : http).request(
      checkedTls({
        host: this.proxy.hostname.replace(/^\[|\]$/g, ''),
        port: this.proxy.port || (this.proxy.protocol === 'https:' ? 443 : 80),
        method: 'CONNECT',
        path: target,
        headers: { host: target, ...(auth === undefined ? {} : { 'proxy-authorization': auth }) },
        agent: false,
      }),
    );
    // Until the tunnel is open, only the caller's own timers keep the process alive: a proxy that never
    // answers a CONNECT must not hold a finished run open after its attempt has timed out.
    request.once('socket', (socket) => socket.unref());
    request.once('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        done(tunnelRefusal(this.proxy, target, response.statusCode ?? 0));
        return;
      }
      socket.ref();
      // The certificate is checked against the destination (an IP literal as that IP, without SNI), never
      // against the proxy: without `host`, Node would check it against the name of the socket's peer.
      const host = (options.host ?? '').replace(/^\[|\]$/g, '');
      const { host: _host, port: _port, path: _path, servername: _servername, ...tlsOptions } = options;
      const servername = net.isIP(host) === 0 ? options.servername || host : undefined;
      const secure = tls.connect(
        checkedTls({ ...(tlsOptions as tls.ConnectionOptions), socket, host, ...(servername ? { servername } : {}) }),
      );
      done(null, secure);
    });
    request.once('error', (err) =>
      done(
        untrustedCertificate(err, `the proxy ${this.proxy.host}`) ??
          new ProxyTunnelError(`could not reach the proxy ${this.proxy.host}: ${err.message}`, undefined, true),
      ),
    );
    request.end();
    return undefined;
  }
}
