// @ts-check
/**
 * A loopback pass-through that puts a server "milliseconds away": every byte in either direction arrives
 * rttMs / 2 later than it was sent, and a connection's first bytes from the client leave no earlier than one
 * RTT after the connection was opened: the TCP handshake the client's operating system did not have to wait
 * for on loopback. As on a network, that handshake runs from the connect, whatever the client's process does
 * meanwhile: work it does before writing its first bytes costs nothing until it outlasts the handshake. A
 * fresh HTTPS request through it costs 3 RTT (TCP, TLS 1.3, the request), as on a network; a request on a
 * connection opened earlier costs 1 RTT. Used by `npm run bench -- --rtt …` (see bench/README.md).
 *
 * Each connection is independent: it is accepted and forwarded at once, whatever the others are doing.
 * It records, per connection, when it was accepted, when the client's first bytes came, and when it closed,
 * on the clock given (for profiles of where a run waits).
 */
import { connect, createServer } from 'node:net';

/**
 * @typedef {object} LatencyRecord
 * @property {number} opened when the client connected (the proxy accepted)
 * @property {number | undefined} firstBytes when the client's first bytes arrived (a ClientHello)
 * @property {number | undefined} firstAnswer when the server's first bytes arrived
 * @property {number | undefined} closed when the client side closed
 * @property {number} bytesUp bytes from the client
 * @property {number} bytesDown bytes from the server
 */

/**
 * One direction of a connection: each chunk (and the end) is passed on `delayMs` after it arrived, in order;
 * the first chunk no earlier than `firstExtraMs` after the pipe was set up (the connection opened) plus `delayMs`.
 * @param {import('node:net').Socket} from
 * @param {import('node:net').Socket} to
 * @param {number} delayMs
 * @param {number} firstExtraMs
 * @param {(bytes: number) => void} onData
 */
function delayedPipe(from, to, delayMs, firstExtraMs, onData) {
  /** @type {{ at: number, run: () => void }[]} */
  const queue = [];
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const opened = performance.now();
  let last = 0;
  let first = true;
  const drain = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0]?.at ?? 0) <= now + 0.5) queue.shift()?.run();
    if (queue.length > 0) timer = setTimeout(drain, Math.max(0, (queue[0]?.at ?? now) - now));
  };
  /** @param {() => void} run */
  const later = (run) => {
    const at = Math.max(performance.now() + delayMs, first ? opened + firstExtraMs + delayMs : 0, last);
    first = false;
    last = at;
    queue.push({ at, run });
    if (timer === undefined) timer = setTimeout(drain, Math.max(0, at - performance.now()));
  };
  from.on('data', (/** @type {Buffer} */ chunk) => {
    onData(chunk.length);
    later(() => {
      if (!to.destroyed) to.write(chunk);
    });
  });
  let ended = false;
  from.on('end', () => {
    ended = true;
    later(() => to.end());
  });
  // Closed without an end (reset, destroyed): the other side is dropped too, once the data before it went.
  from.on('close', () => {
    if (!ended) later(() => to.destroy());
  });
  from.on('error', () => undefined);
}

/**
 * Starts a pass-through on 127.0.0.1 (random port) to `target`.
 * @param {{ port: number, host?: string }} target the server behind it
 * @param {{ rttMs: number, now?: () => number }} opts
 */
export async function startLatency(target, opts) {
  const { rttMs } = opts;
  const now = opts.now ?? Date.now;
  const host = target.host ?? '127.0.0.1';
  /** @type {LatencyRecord[]} */
  const connections = [];
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    /** @type {LatencyRecord} */
    const record = {
      opened: now(),
      firstBytes: undefined,
      firstAnswer: undefined,
      closed: undefined,
      bytesUp: 0,
      bytesDown: 0,
    };
    connections.push(record);
    const upstream = connect({ port: target.port, host, allowHalfOpen: true, noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.on('close', () => (record.closed = now()));
    delayedPipe(client, upstream, rttMs / 2, rttMs, (n) => {
      record.firstBytes ??= now();
      record.bytesUp += n;
    });
    delayedPipe(upstream, client, rttMs / 2, 0, (n) => {
      record.firstAnswer ??= now();
      record.bytesDown += n;
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('latency proxy has no TCP address');
  return {
    port: address.port,
    rttMs,
    /** One record per connection, in the order they were accepted; clear with `connections.length = 0`. */
    connections,
    /** @returns {Promise<void>} */
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** @typedef {Awaited<ReturnType<typeof startLatency>>} LatencyProxy */

/**
 * Parses `oidc=10,sts=15,mondoo=30` (milliseconds of round-trip time per simulator).
 * @param {string} text
 * @param {readonly string[]} names the simulators that can be put behind a pass-through
 * @returns {Record<string, number>}
 */
export function parseRtt(text, names) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const m = /^([a-z]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (m === null || m[1] === undefined)
      throw new Error(`"${part}" is not name=milliseconds (e.g. oidc=10,sts=15,mondoo=30)`);
    if (!names.includes(m[1])) throw new Error(`unknown simulator "${m[1]}" (one of ${names.join(', ')})`);
    if (Object.hasOwn(out, m[1])) throw new Error(`${m[1]} is given twice`);
    out[m[1]] = Number(m[2]);
  }
  if (Object.keys(out).length === 0) throw new Error('no name=milliseconds given');
  return out;
}
