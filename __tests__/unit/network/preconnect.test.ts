/**
 * Connect ahead (src/core/network/preconnect.ts), in process, against a small TLS server that logs every connection
 * and every byte it receives: the request goes out on the connection opened ahead; nothing is sent on it
 * before the request; a pre-opened connection that fails, or outlives its limit, costs nothing and the
 * request opens a fresh one; certificate checks apply to it as to any connection. The bundles, the
 * simulators and the CONNECT proxy: __tests__/e2e/preconnect.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import * as tls from 'node:tls';
import { connectAhead, WarmAgent } from '../../../src/core/network/preconnect.js';
import { createHttpClient, NetworkError, type HttpClient } from '../../../src/core/network/http.js';
import { readProxySettings } from '../../../src/core/network/proxy.js';

const CA = readFileSync(new URL('../../../testkit/tls/ca.pem', import.meta.url));
const TLS = {
  cert: readFileSync(new URL('../../../testkit/tls/server.pem', import.meta.url)),
  key: readFileSync(new URL('../../../testkit/tls/server-key.pem', import.meta.url)),
};

interface Conn {
  remotePort: number | undefined;
  /** The TLS handshake completed. */
  secure: boolean;
  /** Decrypted bytes received, in order. */
  received: string;
  closed: boolean;
  socket: tls.TLSSocket | undefined;
}

/** A TLS server speaking just enough HTTP/1.1: answers every request with 200 "ok <n>". */
let server: tls.Server;
let port = 0;
let conns: Conn[] = [];
let requests = 0;
/** What the server does with the next raw connection, before TLS. */
let onRaw: ((socket: Socket) => boolean) | undefined;

beforeAll(async () => {
  server = tls.createServer(TLS, (socket) => {
    const conn = conns.find((c) => c.remotePort === socket.remotePort);
    if (conn === undefined) return;
    conn.secure = true;
    conn.socket = socket;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      conn.received += chunk.toString('latin1');
      buffered += chunk.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
        requests += 1;
        const body = `ok ${requests}`;
        socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`);
      }
    });
    socket.on('error', () => undefined);
  });
  server.on('connection', (raw: Socket) => {
    const conn: Conn = { remotePort: raw.remotePort, secure: false, received: '', closed: false, socket: undefined };
    conns.push(conn);
    raw.on('close', () => (conn.closed = true));
    const handled = onRaw?.(raw) ?? false;
    if (handled) onRaw = undefined;
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const c of conns) c.socket?.destroy();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  conns = [];
  requests = 0;
  onRaw = undefined;
});

function get(agent: https.Agent, to = port): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: to, path: '/x', agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A TCP front to the TLS server: its first connection is held (never passed on; `onFirst` may drop it once
 * its first bytes came), every later one is passed through.
 */
async function startFront(
  onFirst: (client: Socket) => void,
): Promise<{ port: number; held: Socket[]; close: () => Promise<void> }> {
  const held: Socket[] = [];
  const open = new Set<Socket>();
  const front = net.createServer((client) => {
    open.add(client);
    client.on('error', () => undefined);
    if (held.length === 0 && open.size === 1) {
      client.once('data', () => {
        held.push(client);
        onFirst(client);
      });
      return;
    }
    const upstream = net.connect(port, '127.0.0.1');
    open.add(upstream);
    upstream.on('error', () => undefined);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return {
    port: (front.address() as AddressInfo).port,
    held,
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        front.close(() => resolve());
      }),
  };
}

const until = async (what: () => boolean): Promise<void> => {
  while (!what()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('WarmAgent', () => {
  it('the request goes out on the connection opened ahead, and nothing was sent on it before', async () => {
    const agent = new WarmAgent({ keepAlive: true, ca: CA });
    agent.preconnect('127.0.0.1', port, {}, 10_000);
    await until(() => conns[0]?.secure === true);
    // Handshaken, and given time to send anything it would: nothing beyond TLS came.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(conns).toHaveLength(1);
    expect(conns[0]?.received).toBe('');
    expect(await get(agent)).toBe('ok 1');
    expect(conns).toHaveLength(1);
    expect(conns[0]?.received).toMatch(/^GET \/x HTTP\/1\.1\r\n/);
    agent.destroy();
  });

  it('a request that comes while the connection is still being opened waits for it: still one connection', async () => {
    const agent = new WarmAgent({ keepAlive: true, ca: CA });
    agent.preconnect('127.0.0.1', port, {}, 10_000);
    expect(await get(agent)).toBe('ok 1');
    expect(conns).toHaveLength(1);
    expect(requests).toBe(1);
    agent.destroy();
  });

  it('a pre-opened connection the server drops costs nothing: the request opens a fresh one and succeeds', async () => {
    onRaw = (raw) => {
      raw.destroy();
      return true;
    };
    const agent = new WarmAgent({ keepAlive: true, ca: CA });
    agent.preconnect('127.0.0.1', port, {}, 10_000);
    await until(() => conns[0]?.closed === true);
    expect(await get(agent)).toBe('ok 1');
    expect(conns).toHaveLength(2);
    expect(requests).toBe(1);
    agent.destroy();
  });

  it('the same when the connection fails while the request is already waiting for it', async () => {
    // The first connection's handshake is held until the request is waiting, then the connection is dropped.
    let drop: () => void = () => undefined;
    const front = await startFront((client) => {
      drop = () => client.destroy();
    });
    const agent = new WarmAgent({ keepAlive: true, ca: CA });
    agent.preconnect('127.0.0.1', front.port, {}, 10_000);
    const answer = get(agent, front.port);
    await until(() => front.held.length === 1);
    drop();
    expect(await answer).toBe('ok 1');
    expect(front.held).toHaveLength(1);
    expect(conns).toHaveLength(1);
    expect(requests).toBe(1);
    agent.destroy();
    await front.close();
  });

  it('checks the certificate as for any connection: untrusted, the pre-opened one is dropped and the request fails as it would anyway', async () => {
    const warm = new WarmAgent({ keepAlive: true });
    warm.preconnect('127.0.0.1', port, {}, 10_000);
    await until(() => conns[0]?.closed === true);
    const withAhead = await get(warm).then(
      () => 'succeeded',
      (e: NodeJS.ErrnoException) => e.code,
    );
    const plain = await get(new https.Agent({ keepAlive: true })).then(
      () => 'succeeded',
      (e: NodeJS.ErrnoException) => e.code,
    );
    expect(withAhead).toBe(plain);
    expect(withAhead).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(conns.every((c) => c.received === '')).toBe(true);
    expect(requests).toBe(0);
  });

  it('an unused pre-opened connection is closed once its time limit is up, and only one is opened per origin', async () => {
    const agent = new WarmAgent({ keepAlive: true, ca: CA });
    agent.preconnect('127.0.0.1', port, {}, 200);
    agent.preconnect('127.0.0.1', port, {}, 200);
    await until(() => conns[0]?.closed === true);
    expect(conns).toHaveLength(1);
    expect(conns[0]?.received).toBe('');
    // Past its limit: the next request opens its own.
    expect(await get(agent)).toBe('ok 1');
    expect(conns).toHaveLength(2);
    agent.destroy();
  });

  it('one whose handshake never completes is dropped at its limit; a request after that opens a fresh one', async () => {
    let heldClosed = false;
    const front = await startFront((client) => client.on('close', () => (heldClosed = true)));
    const agent = new WarmAgent({ keepAlive: true, ca: CA });
    agent.preconnect('127.0.0.1', front.port, {}, 300);
    await until(() => heldClosed);
    expect(await get(agent, front.port)).toBe('ok 1');
    expect(front.held).toHaveLength(1);
    expect(conns).toHaveLength(1);
    expect(requests).toBe(1);
    agent.destroy();
    await front.close();
  });

  it('a request waiting for one that never completes is bound by its own time limit, as with any connection', async () => {
    const front = await startFront(() => undefined);
    const client = createHttpClient(readProxySettings({}));
    const url = `https://127.0.0.1:${front.port}/x`;
    client.preconnect?.(url, 10_000);
    const err = await client({ url, method: 'GET', timeoutMs: 300 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).timedOut).toBe(true);
    expect((err as Error).message).toBe(`127.0.0.1:${front.port} did not answer within 0.3s`);
    expect(front.held).toHaveLength(1);
    await front.close();
  });

  it('a failure a fresh connection would meet the same way (`final`) goes to the request: no second try', async () => {
    const refusal = new Error('refused for good');
    let opened = 0;
    const agent = new WarmAgent(
      { keepAlive: true },
      (_options, callback) => {
        opened += 1;
        setImmediate(() => callback(refusal, undefined as never));
        return undefined;
      },
      (err) => err === refusal,
    );
    agent.preconnect('127.0.0.1', port, {}, 10_000);
    const err = await get(agent).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBe(refusal);
    expect(opened).toBe(1);
  });
});

describe('connectAhead', () => {
  it('opens the connections in the order given, and leaves a client without preconnect alone', () => {
    const opened: string[] = [];
    const client = Object.assign((async () => ({ status: 200, headers: {}, body: '' })) as HttpClient, {
      preconnect: (url: string, limitMs: number) => opened.push(`${url} ${limitMs}`),
    });
    connectAhead(client, ['https://sts.example/', undefined, 'https://mondoo.example/x'], 1234);
    expect(opened).toEqual(['https://sts.example/ 1234', 'https://mondoo.example/x 1234']);
    const scripted: HttpClient = async () => ({ status: 200, headers: {}, body: '' });
    expect(() => connectAhead(scripted, ['https://sts.example/'], 1)).not.toThrow();
  });
});
