import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';

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
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ProxyConfigError(`${variable} is not a proxy URL. Use the form http://proxy.example.com:3128 (credentials, if any, as http://user:password@host:port).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxyConfigError(`${variable} uses ${url.protocol.replace(':', '')}://, which is not supported. Use an http:// or https:// proxy URL.`);
  }
  return url;
}

export class ProxyConfigError extends Error {
  override readonly name = 'ProxyConfigError';
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

/** Values in the proxy settings that must never be printed: the URLs with credentials, and the password. */
export function proxySecrets(settings: ProxySettings): string[] {
  const secrets: string[] = [];
  for (const url of [settings.https, settings.http]) {
    if (url === undefined || (url.username === '' && url.password === '')) continue;
    secrets.push(url.href, url.href.replace(/\/$/, ''));
    if (url.password !== '') secrets.push(url.password, decodeURIComponent(url.password));
  }
  return secrets;
}

/** NO_PROXY matching as curl does it: `*`, exact hosts, domain suffixes (with or without a leading dot), optional :port. */
export function bypassesProxy(target: URL, noProxy: string[]): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return noProxy.some((entry) => {
    if (entry === '*') return true;
    let pattern = entry;
    let entryPort: string | undefined;
    const m = /^(.*?)(?::(\d+))?$/.exec(entry.startsWith('[') ? entry.replace(/^\[(.*)\](.*)$/, '$1$2') : entry);
    if (m !== null && !entry.includes('::')) {
      pattern = m[1] ?? entry;
      entryPort = m[2];
    }
    if (entryPort !== undefined && entryPort !== port) return false;
    const domain = pattern.replace(/^\*?\./, '');
    return host === domain || host.endsWith(`.${domain}`);
  });
}

export function proxyFor(target: URL, settings: ProxySettings): URL | undefined {
  const proxy = target.protocol === 'https:' ? settings.https : settings.http;
  if (proxy === undefined || bypassesProxy(target, settings.noProxy)) return undefined;
  return proxy;
}

function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === '' && proxy.password === '') return undefined;
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/** Headers to send to an http proxy that forwards a plain-http request (absolute-form request line). */
export function forwardProxyHeaders(proxy: URL): Record<string, string> {
  const auth = proxyAuthorization(proxy);
  return auth === undefined ? {} : { 'proxy-authorization': auth };
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
    const done = (callback ?? (() => undefined)) as (err: Error | null, stream?: Duplex) => void;
    const target = `${options.host ?? 'localhost'}:${String(options.port ?? 443)}`;
    const auth = proxyAuthorization(this.proxy);
    const request = (this.proxy.protocol === 'https:' ? https : http).request({
      host: this.proxy.hostname.replace(/^\[|\]$/g, ''),
      port: this.proxy.port || (this.proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...(auth === undefined ? {} : { 'proxy-authorization': auth }) },
      agent: false,
    });
    request.once('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        done(new Error(`the proxy ${this.proxy.host} refused to open a tunnel to ${target}: HTTP ${response.statusCode ?? '?'}${response.statusCode === 407 ? ' (proxy authentication required: check the user and password in HTTPS_PROXY)' : ''}`));
        return;
      }
      const name = options.servername ?? options.host ?? '';
      const { host: _host, port: _port, path: _path, ...tlsOptions } = options;
      const secure = tls.connect({ ...(tlsOptions as tls.ConnectionOptions), socket, ...(net.isIP(name) === 0 ? { servername: name } : {}) });
      done(null, secure);
    });
    request.once('error', (err) => done(new Error(`could not reach the proxy ${this.proxy.host}: ${err.message}`)));
    request.end();
    return undefined;
  }
}
