// @ts-check
/**
 * A forward proxy on 127.0.0.1 (plain HTTP, like squid on :3128): CONNECT tunnels for https and
 * absolute-form requests for plain http. It resolves host names itself from a fixed table (by default
 * every `*.test` name → 127.0.0.1), and refuses every other name, so a client that reaches `mondoo.test`
 * can only have done so through this proxy (nothing else resolves `.test`).
 *
 * It records every CONNECT and forwarded request with its Proxy-Authorization header, can require Basic
 * credentials (answering 407 otherwise), and takes scripted faults for the next CONNECT.
 */
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';

/**
 * @typedef {object} ProxyRecord
 * @property {'CONNECT' | 'FORWARD'} kind
 * @property {string} target host:port asked for
 * @property {string} host host name part of `target`
 * @property {string | undefined} proxyAuthorization the Proxy-Authorization header as received
 * @property {number} status what the proxy answered (200 for an open tunnel)
 * @property {number} time ms since the epoch
 * @property {string} [fault] the scripted fault used, if any
 */

/**
 * One scripted misbehaviour for the next CONNECT (to `host`, if given): `hang` never answers, `reset` drops
 * the connection, otherwise it refuses with `status` (default 502).
 * @typedef {{ host?: string, hang?: boolean, reset?: boolean, status?: number }} ProxyFault
 */

/**
 * @typedef {object} ProxyOptions
 * @property {{ user: string, password: string }} [auth] require these Basic credentials
 * @property {(host: string) => string | undefined} [resolve] host name → address (default: `*.test` and
 *   `localhost` → 127.0.0.1, IP literals as they are, anything else unresolvable)
 */

/** @param {string} host */
export function resolveTestNames(host) {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name === 'test' || name.endsWith('.test')) return '127.0.0.1';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':')) return name;
  return undefined;
}

/**
 * Splits `host:port` (IPv6 in brackets).
 * @param {string} target
 * @returns {{ host: string, port: number } | undefined}
 */
function splitTarget(target) {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(target);
  if (!m?.[1] || !m[2]) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/**
 * Starts the proxy.
 * @param {ProxyOptions} [opts]
 */
export async function startProxy(opts = {}) {
  const resolve = opts.resolve ?? resolveTestNames;
  const expectedAuth =
    opts.auth && `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}`;
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();

  const proxy = {
    /** @type {ProxyRecord[]} */ requests: [],
    /** @type {ProxyFault[]} */ script: [],
    /** Tunnels open right now. */
    open: 0,
  };

  /** @param {string | string[] | undefined} header */
  const authOk = (header) => expectedAuth === undefined || header === expectedAuth;

  const server = createServer((req, res) => {
    // Plain http through the proxy: GET http://host:port/path HTTP/1.1
    let target;
    try {
      target = new URL(req.url ?? '');
    } catch {
      target = undefined;
    }
    const auth = req.headers['proxy-authorization'];
    /** @type {ProxyRecord} */
    const record = {
      kind: 'FORWARD',
      target: target?.host ?? String(req.url),
      host: target?.hostname ?? '',
      proxyAuthorization: typeof auth === 'string' ? auth : undefined,
      status: 0,
      time: Date.now(),
    };
    proxy.requests.push(record);
    if (target === undefined || target.protocol !== 'http:') {
      record.status = 400;
      res.writeHead(400, { 'content-type': 'text/plain' }).end('absolute http:// URL expected');
      return;
    }
    if (!authOk(auth)) {
      record.status = 407;
      res
        .writeHead(407, { 'proxy-authenticate': 'Basic realm="test proxy"', 'content-type': 'text/plain' })
        .end('proxy authentication required');
      return;
    }
    const address = resolve(target.hostname);
    if (address === undefined) {
      record.status = 502;
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`cannot resolve ${target.hostname}`);
      return;
    }
    /** @type {Record<string, string | string[] | undefined>} */
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(
      {
        host: address,
        port: Number(target.port || 80),
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        record.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      record.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('upstream error');
    });
    req.pipe(upstream);
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.on('connect', (req, client, head) => {
    const auth = req.headers['proxy-authorization'];
    const target = req.url ?? '';
    const parts = splitTarget(target);
    /** @type {ProxyRecord} */
    const record = {
      kind: 'CONNECT',
      target,
      host: parts?.host ?? '',
      proxyAuthorization: typeof auth === 'string' ? auth : undefined,
      status: 0,
      time: Date.now(),
    };
    proxy.requests.push(record);
    client.on('error', () => undefined);
    /** @param {number} status @param {string} reason @param {string} [extra] */
    const refuse = (status, reason, extra = '') => {
      record.status = status;
      client.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}content-length: 0\r\nconnection: close\r\n\r\n`);
    };
    const index = proxy.script.findIndex((f) => f.host === undefined || f.host === parts?.host);
    const fault = index < 0 ? undefined : proxy.script.splice(index, 1)[0];
    if (fault) {
      record.fault = fault.hang ? 'hang' : fault.reset ? 'reset' : `status ${fault.status}`;
      if (fault.hang) return;
      if (fault.reset) {
        client.destroy();
        return;
      }
      refuse(fault.status ?? 502, 'Scripted');
      return;
    }
    if (!authOk(auth)) {
      refuse(407, 'Proxy Authentication Required', 'proxy-authenticate: Basic realm="test proxy"\r\n');
      return;
    }
    const address = parts && resolve(parts.host);
    if (parts === undefined || address === undefined) {
      refuse(502, 'Bad Gateway');
      return;
    }
    const upstream = connect(parts.port, address, () => {
      record.status = 200;
      proxy.open += 1;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (record.status === 200) proxy.open -= 1;
      client.destroy();
    });
    upstream.on('error', () => {
      if (record.status === 0) refuse(502, 'Bad Gateway');
    });
    client.on('close', () => upstream.destroy());
  });

  await new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  return Object.assign(proxy, {
    port: address.port,
    /** http://127.0.0.1:<port>, without credentials. */
    url: `http://127.0.0.1:${address.port}`,
    /** The proxy URL as a user writes it, with credentials when the proxy requires them. */
    urlWithAuth: opts.auth
      ? `http://${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.password)}@127.0.0.1:${address.port}`
      : `http://127.0.0.1:${address.port}`,
    /** @returns {Promise<void>} */
    close: () =>
      new Promise((resolvePromise) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  });
}

/** @typedef {Awaited<ReturnType<typeof startProxy>>} ProxySim */
