import * as http from 'node:http';
import * as https from 'node:https';
import { createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls';
import { AuthError, headerValue, NetworkError } from '../safety/errors.js';
import { WarmAgent } from './preconnect.js';
import {
  forwardProxyHeaders,
  proxyFor,
  ProxyTunnelError,
  TunnelAgent,
  tunnelRefusal,
  type ProxySettings,
} from './proxy.js';
import { untrustedCertificate } from './tls-policy.js';

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  /** The whole attempt (connect, send, receive) must finish within this many milliseconds. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * The one HTTP interface the core uses; tests and the adapters pass a real or a scripted one. The real one can
 * also open a connection ahead of the request that will use it (see preconnect.ts).
 */
export type HttpClient = ((request: HttpRequest) => Promise<HttpResponse>) & {
  /** Opens the connection for a later request to this https URL's origin; never fails, never sends a request. */
  preconnect?(url: string, limitMs: number): void;
};

export { NetworkError } from '../safety/errors.js';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * An HttpClient on node:http(s), proxy-aware, with a hard per-request timeout: the attempt ends when the
 * time is up even if no connection was ever made (a proxy that never answers CONNECT). Every certificate is
 * checked (tls-policy.ts), whatever NODE_TLS_REJECT_UNAUTHORIZED says; the set-up warns once that it is
 * ignored (prepareRun, run-setup.ts).
 */
export function createHttpClient(proxy: ProxySettings): HttpClient {
  // Keep-alive agents: a retry to the same origin reuses the connection, and a connection left idle at the
  // end does not hold the process open (the agent unrefs it) nor cost a close handshake before exit.
  // No TLS session cache: one connection per origin per run, so a session would never be resumed (and
  // caching serialises each ticket the server sends). One TLS context (the default one: Node's root
  // certificates and NODE_EXTRA_CA_CERTS) for every direct connection instead of a new one per connection.
  // Every WarmAgent checks certificates, whatever NODE_TLS_REJECT_UNAUTHORIZED says (see WarmAgent).
  const agents = {
    http: new http.Agent({ keepAlive: true }),
    https: new WarmAgent({ keepAlive: true, maxCachedSessions: 0 }),
  };
  let tlsContext: SecureContext | undefined;
  const secureContext = (): SecureContext => (tlsContext ??= createSecureContext());
  const tunnels = new Map<string, WarmAgent>();
  // Through a proxy, each connection is a CONNECT tunnel made by the TunnelAgent, with its settings (no keep-alive).
  const tunnelTo = (url: URL): WarmAgent => {
    let agent = tunnels.get(url.href);
    if (agent === undefined) {
      const tunnel = new TunnelAgent(url);
      agent = new WarmAgent(
        { keepAlive: false },
        (options, callback) => tunnel.createConnection(options as http.ClientRequestArgs & ConnectionOptions, callback),
        // A refusal another attempt cannot fix (407, 403): the request gets it as it would from its own CONNECT.
        (err) => err instanceof ProxyTunnelError && !err.transient,
      );
      tunnels.set(url.href, agent);
    }
    return agent;
  };
  const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '');

  const client: HttpClient = (request) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const target = new URL(request.url);
      const via = proxyFor(target, proxy);
      const headers: Record<string, string> = { ...request.headers };
      if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
      const secure = target.protocol === 'https:';
      let transport: typeof http | typeof https = secure ? https : http;
      let options: http.RequestOptions = {
        hostname: hostOf(target),
        port: target.port || (secure ? 443 : 80),
        path: `${target.pathname}${target.search}`,
        method: request.method,
        headers,
        agent: secure ? agents.https : agents.http,
        ...(secure ? { secureContext: secureContext() } : {}),
      };
      if (via !== undefined && secure) {
        options = { ...options, agent: tunnelTo(via) };
      } else if (via !== undefined) {
        // Plain http through a forward proxy: absolute-form request line to the proxy.
        transport = via.protocol === 'https:' ? https : http;
        options = {
          ...options,
          hostname: via.hostname.replace(/^\[|\]$/g, ''),
          port: via.port || (via.protocol === 'https:' ? 443 : 80),
          path: target.href,
          headers: { host: target.host, ...forwardProxyHeaders(via), ...headers },
          agent: via.protocol === 'https:' ? agents.https : agents.http,
        };
      }
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const req = transport.request(options, (res) => {
        if (via !== undefined && !secure && res.statusCode === 407) {
          res.resume();
          fail(tunnelRefusal(via, target.host, 407));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy(
              new NetworkError(`the answer from ${target.host} was larger than ${MAX_BODY_BYTES} bytes`, false),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          settle(() =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          ),
        );
        res.on('error', (err) => fail(err));
      });
      const fail = (err: Error): void => settle(() => reject(networkFailure(err, target)));
      const timer = setTimeout(() => {
        const err = noAnswerWithin(target, request.timeoutMs);
        fail(err);
        req.destroy(err);
      }, request.timeoutMs);
      req.on('error', fail);
      req.end(request.body);
    });

  // The connection a request to `url` would open, opened now by the agent that request will use (direct or
  // through the proxy NO_PROXY and HTTPS_PROXY choose for it). Only https: plain http goes to loopback services.
  client.preconnect = (url, limitMs) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return;
    }
    if (target.protocol !== 'https:') return;
    const via = proxyFor(target, proxy);
    const agent = via === undefined ? agents.https : tunnelTo(via);
    agent.preconnect(hostOf(target), Number(target.port || 443), { secureContext: secureContext() }, limitMs);
  };
  return client;
}

/** The attempt's time ran out before an answer came. */
export function noAnswerWithin(target: URL, timeoutMs: number): NetworkError {
  return new NetworkError(`${target.host} did not answer within ${formatMs(timeoutMs)}`, true);
}

/** What a failed request means for the caller: a proxy's final refusal is not worth another attempt. */
export function networkFailure(err: Error, target: URL): Error {
  if (err instanceof NetworkError || err instanceof AuthError) return err;
  if (err instanceof ProxyTunnelError) {
    // Not an HttpFailure: a proxy's 403 is not the server's.
    return err.transient
      ? new NetworkError(`could not reach ${target.host}: ${err.message}`, false)
      : new AuthError(`${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}`, { code: 'PROXY_REFUSED' });
  }
  return (
    untrustedCertificate(err, target.host) ??
    new NetworkError(`could not reach ${target.host}: ${describeSocketError(err)}`, false, unreachableHint(err, target))
  );
}

/** What to check when a connection keeps being refused, or a host name does not resolve (NETWORK_UNREACHABLE). */
function unreachableHint(err: Error, target: URL): string | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED')
    return `Fix: nothing accepted a connection at ${target.host} (or at the proxy, when HTTPS_PROXY is set). Check the host and port (universe-domain for Mondoo; aws-region, AWS_ENDPOINT_URL_STS for STS), that the service is up, and any firewall between this job and it.`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `Fix: the host name ${target.hostname} could not be resolved. Check it for a typo (universe-domain for Mondoo; aws-region, AWS_ENDPOINT_URL_STS for STS) and this job's DNS; a job that reaches the internet only through a proxy needs HTTPS_PROXY.`;
  return undefined;
}

function describeSocketError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'the connection was reset before an answer arrived';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name could not be resolved (check the URL, DNS, or HTTPS_PROXY)';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    default:
      return code ? `${err.message} (${code})` : err.message;
  }
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** Value of a response header as one string. */
export function header(response: HttpResponse, name: string): string | undefined {
  return headerValue(response.headers, name);
}
