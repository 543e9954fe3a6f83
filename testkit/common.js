// @ts-check
/**
 * Plumbing shared by the loopback simulators: servers on 127.0.0.1 with a random port, request
 * bodies, scripted faults, and random values shaped like the real ones.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The TEST-ONLY CA that signed the simulators' certificate (give it to clients as NODE_EXTRA_CA_CERTS). */
export const CA_FILE = fileURLToPath(new URL('./tls/ca.pem', import.meta.url));

const TLS = {
  cert: readFileSync(new URL('./tls/server.pem', import.meta.url)),
  key: readFileSync(new URL('./tls/server-key.pem', import.meta.url)),
};

/** Largest request body a simulator reads. */
const MAX_BODY_BYTES = 1024 * 1024;

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */
/** @typedef {() => number} Clock milliseconds since the epoch */

/**
 * One scripted misbehaviour, used for the next matching request instead of the normal answer.
 * @typedef {object} Fault
 * @property {string} [action] only for requests of this kind: the STS Action, or the path for the other simulators
 * @property {boolean} [reset] destroy the connection without answering
 * @property {boolean} [hang] never answer (the connection stays open until the simulator closes)
 * @property {boolean} [drip] answer 200 and then one byte every 100 ms, never finishing (until the client goes)
 * @property {number} [status] HTTP status of the scripted answer (default 500)
 * @property {unknown} [json] body, serialized as JSON with Content-Type application/json
 * @property {string} [body] body as is (Content-Type text/plain unless `headers` says otherwise)
 * @property {string} [text] same as `body`
 * @property {Record<string, string>} [headers] extra or overriding response headers
 * @property {(request: EchoedRequest) => Fault} [echo] the answer made from the request (a gateway that quotes
 *   what it was sent, headers and body; only the simulators that pass the request to answerFault: Mondoo, STS)
 */

/** @typedef {{ headers: import('node:http').IncomingHttpHeaders, body: string }} EchoedRequest */

/**
 * One TCP connection a simulator accepted (ms since the epoch).
 * @typedef {object} ConnectionRecord
 * @property {number} opened
 * @property {number | undefined} closed
 */

let arrivals = 0;
/**
 * The next number in the order in which requests reached any simulator of this process (taken when the
 * request's head arrives), so a test can tell which of two servers was asked first.
 */
export function nextArrival() {
  arrivals += 1;
  return arrivals;
}

/** @type {Map<number, ConnectionRecord[]>} every simulator's accepted connections, by port */
const connectionLogs = new Map();

/**
 * The connections the simulator listening on `port` accepted, in order (the live list: clear it with
 * `length = 0`). Tests count them to show a run opened no more connections than it needed.
 * @param {number} port
 * @returns {ConnectionRecord[]}
 */
export function connectionsTo(port) {
  return connectionLogs.get(port) ?? [];
}

/**
 * @typedef {object} Listening
 * @property {string} url base URL, e.g. https://127.0.0.1:40123
 * @property {number} port
 * @property {() => Promise<void>} close stop listening and drop every connection, hung ones included
 */

/** @typedef {{ tls: boolean, handler: (req: IncomingMessage, res: ServerResponse) => unknown }} ServeOptions */
/** @typedef {(opts: ServeOptions) => Promise<Listening>} Listen */

/**
 * Starts a server on 127.0.0.1 with a random port. A handler that throws answers 500. Connections are
 * accepted and their TLS handshakes completed concurrently, each on its own (Node's server does the
 * handshake per connection, outside the accept loop; __tests__/testkit/latency.test.ts shows a handshake
 * completing while another connection's is stalled), and every accepted connection is logged (connectionsTo).
 * @type {Listen}
 */
export async function listen({ tls, handler }) {
  /** @param {IncomingMessage} req @param {ServerResponse} res */
  const onRequest = (req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((/** @type {unknown} */ err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`simulator error: ${err instanceof Error ? err.message : String(err)}`);
      });
  };
  const server = tls ? createHttpsServer(TLS, onRequest) : createHttpServer(onRequest);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  /** @type {ConnectionRecord[]} */
  const connections = [];
  connectionLogs.set(address.port, connections);
  server.on('connection', (/** @type {import('node:net').Socket} */ socket) => {
    /** @type {ConnectionRecord} */
    const record = { opened: Date.now(), closed: undefined };
    connections.push(record);
    socket.once('close', () => (record.closed = Date.now()));
  });
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${address.port}`,
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        connectionLogs.delete(address.port);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * @typedef {object} InMemoryRequest
 * @property {string} url absolute
 * @property {string} method
 * @property {Record<string, string>} [headers]
 * @property {string} [body]
 */
/** @typedef {{ status: number, headers: Record<string, string>, body: string }} InMemoryResponse */

/**
 * The simulators' request handlers without sockets, for tests that run the core in process: `listen` gives
 * each simulator a made-up origin (https://sim-1.test, …), and `dispatch` hands a request to the handler of
 * its origin, with the same request and response objects a handler reads and writes (method, url, headers,
 * a body stream; writeHead, setHeader, end). A connection reset rejects with ECONNRESET, an unknown origin
 * with ECONNREFUSED; a handler that never answers leaves the promise pending (the caller's time limit ends it).
 */
export function createInMemoryNetwork() {
  /** @type {Map<string, ServeOptions['handler']>} */
  const handlers = new Map();
  /** @type {Listen} */
  const serve = async ({ tls, handler }) => {
    const port = handlers.size + 1;
    const url = `${tls ? 'https' : 'http'}://sim-${port}.test`;
    handlers.set(url, handler);
    return { url, port: tls ? 443 : 80, close: async () => undefined };
  };
  /**
   * @param {InMemoryRequest} request
   * @returns {Promise<InMemoryResponse>}
   */
  const dispatch = (request) =>
    new Promise((resolve, reject) => {
      const target = new URL(request.url);
      const handler = handlers.get(target.origin);
      if (handler === undefined) {
        reject(Object.assign(new Error(`connect ECONNREFUSED ${target.host}`), { code: 'ECONNREFUSED' }));
        return;
      }
      const body = request.body ?? '';
      /** @type {Record<string, string>} */
      const headers = { host: target.host };
      for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
      if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = Object.assign(Readable.from(body === '' ? [] : [Buffer.from(body)]), {
        method: request.method,
        url: `${target.pathname}${target.search}`,
        headers,
      });
      /** @type {Record<string, string>} */
      const answerHeaders = {};
      let status = 200;
      const res = {
        headersSent: false,
        socket: { destroy: () => reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })) },
        /** @param {string} name @param {string | number} value */
        setHeader(name, value) {
          answerHeaders[name.toLowerCase()] = String(value);
        },
        /** @param {number} code @param {Record<string, string>} [extra] */
        writeHead(code, extra = {}) {
          status = code;
          for (const [name, value] of Object.entries(extra)) answerHeaders[name.toLowerCase()] = String(value);
          res.headersSent = true;
          return res;
        },
        /** @param {string | Buffer} [data] */
        end(data) {
          resolve({ status, headers: answerHeaders, body: data === undefined ? '' : String(data) });
        },
      };
      Promise.resolve()
        .then(() => handler(/** @type {any} */ (req), /** @type {any} */ (res)))
        .catch((/** @type {unknown} */ err) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`simulator error: ${err instanceof Error ? err.message : String(err)}`);
        });
    });
  return { listen: serve, dispatch };
}

/**
 * Reads a request body as UTF-8.
 * @param {IncomingMessage} req
 * @returns {Promise<string>}
 */
export async function readBody(req) {
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Removes and returns the first fault meant for a request of this kind.
 * @template {Fault} F
 * @param {F[]} script
 * @param {string} kind
 * @returns {F | undefined}
 */
export function takeFault(script, kind) {
  const index = script.findIndex((fault) => fault.action === undefined || fault.action === kind);
  return index < 0 ? undefined : script.splice(index, 1)[0];
}

/**
 * Answers (or deliberately does not answer) as a fault says.
 * @param {Fault} fault
 * @param {ServerResponse} res
 * @param {EchoedRequest} [request] what was asked, for a fault that echoes it
 */
export function answerFault(fault, res, request) {
  if (fault.echo !== undefined) {
    if (request === undefined) throw new Error('this simulator does not echo requests');
    answerFault(fault.echo(request), res);
    return;
  }
  if (fault.reset) {
    res.socket?.destroy();
    return;
  }
  if (fault.hang) return;
  if (fault.drip) {
    res.writeHead(200, { 'content-type': 'text/xml', 'content-length': '1000000' });
    const timer = setInterval(() => res.write(' '), 100);
    res.on('close', () => clearInterval(timer));
    return;
  }
  if (fault.json !== undefined) {
    send(res, fault.status ?? 500, JSON.stringify(fault.json), {
      'content-type': 'application/json',
      ...fault.headers,
    });
    return;
  }
  send(res, fault.status ?? 500, fault.body ?? fault.text ?? '', {
    'content-type': 'text/plain; charset=utf-8',
    ...fault.headers,
  });
}

/**
 * @param {ServerResponse} res
 * @param {number} status
 * @param {string} body
 * @param {Record<string, string>} headers
 */
export function send(res, status, body, headers) {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/**
 * @param {ServerResponse} res
 * @param {number} status
 * @param {unknown} value
 */
export function sendJson(res, status, value) {
  send(res, status, JSON.stringify(value), { 'content-type': 'application/json' });
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = `${UPPER_ALNUM}abcdefghijklmnopqrstuvwxyz`;

/**
 * @param {number} length
 * @param {string} [alphabet]
 */
export function randomString(length, alphabet = ALNUM) {
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** @param {'AKIA' | 'ASIA'} prefix */
export const randomAccessKeyId = (prefix) => prefix + randomString(16, UPPER_ALNUM);

/** A 40-character secret access key. */
export const randomSecretAccessKey = () => randomString(40, `${ALNUM}+/`);

/** A long opaque session token, like STS's. */
export const randomSessionToken = () => `IQoJb3JpZ2luX2Vj${randomBytes(300).toString('base64')}`;
