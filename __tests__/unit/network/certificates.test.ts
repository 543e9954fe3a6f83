/**
 * Certificates are always checked (src/core/network/tls-policy.ts), in process: against a TLS server whose certificate
 * this process does not trust (the testkit's, without its CA), a direct request, a connection opened ahead,
 * a CONNECT tunnel through the proxy simulator and an https:// proxy with that certificate are refused with a
 * final TLS_CERTIFICATE_UNTRUSTED error that names NODE_EXTRA_CA_CERTS, before a byte of the request is sent;
 * the agent the client exposes carries the same policy; the warning for NODE_TLS_REJECT_UNAUTHORIZED=0.
 * Jest gives each test file a copy of the environment, so the variable cannot reach Node's TLS from here: that
 * it is ignored is shown on the bundles, in __tests__/e2e/certificates.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { AuthError, failureLine } from '../../../src/core/safety/errors.js';
import { createHttpClient } from '../../../src/core/network/http.js';
import { readProxySettings } from '../../../src/core/network/proxy.js';
import { withRetries } from '../../../src/core/network/retry.js';
import { ignoredTlsOverride } from '../../../src/core/network/tls-policy.js';
import { startProxy, type ProxySim } from '../../../testkit/proxy.js';

const TLS = {
  cert: readFileSync(new URL('../../../testkit/tls/server.pem', import.meta.url)),
  key: readFileSync(new URL('../../../testkit/tls/server-key.pem', import.meta.url)),
};
const WARNING =
  'NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: mondoo-aws-auth always checks TLS certificates. ' +
  'To trust a proxy that inspects TLS, set NODE_EXTRA_CA_CERTS to a PEM file with its CA certificate.';
const refusal = (where: string, code = 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') =>
  `[TLS_CERTIFICATE_UNTRUSTED] The TLS certificate of ${where} is not trusted (${code}). Certificates are always checked, ` +
  'whatever NODE_TLS_REJECT_UNAUTHORIZED says; if a proxy inspects TLS, set NODE_EXTRA_CA_CERTS to a PEM file with its CA certificate.';

/** A TLS server with the testkit certificate: keeps every decrypted byte, answers 200. */
interface Recorder {
  port: number;
  received: string;
  close(): Promise<void>;
}
async function startRecorder(onSecure?: (socket: tls.TLSSocket) => void): Promise<Recorder> {
  const sockets = new Set<net.Socket>();
  const rec: Recorder = { port: 0, received: '', close: async () => undefined };
  const server = tls.createServer(TLS, (socket) => {
    socket.on('error', () => undefined);
    if (onSecure !== undefined) return onSecure(socket);
    socket.on('data', (chunk: Buffer) => {
      rec.received += chunk.toString('latin1');
      if (rec.received.includes('\r\n\r\n'))
        socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
    });
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rec.port = (server.address() as AddressInfo).port;
  rec.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return rec;
}

const outcome = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'succeeded',
    (e: unknown) => failureLine(e),
  );

let server: Recorder;
let proxy: ProxySim;
beforeAll(async () => {
  server = await startRecorder();
  proxy = await startProxy();
});
afterAll(async () => {
  await Promise.all([server.close(), proxy.close()]);
});
beforeEach(() => {
  server.received = '';
  proxy.requests.length = 0;
});

describe('an untrusted certificate is refused before anything is sent', () => {
  it('a direct request: a final TLS_CERTIFICATE_UNTRUSTED error naming NODE_EXTRA_CA_CERTS, nothing received', async () => {
    const client = createHttpClient(readProxySettings({}));
    const url = `https://127.0.0.1:${server.port}/SecureTokenService/ExchangeExternalToken`;
    let err: unknown;
    await client({ url, method: 'POST', body: '{"jwt_token":"secret"}', timeoutMs: 5000 }).catch(
      (e: unknown) => (err = e),
    );
    expect(err).toBeInstanceOf(AuthError);
    expect(failureLine(err)).toBe(refusal(`127.0.0.1:${server.port}`));
    expect(server.received).toBe('');
  });

  it('is not retried: one attempt, no retry message', async () => {
    const client = createHttpClient(readProxySettings({}));
    const retries: string[] = [];
    let attempts = 0;
    const clock = { now: () => 0, random: () => 0, sleep: async () => undefined };
    const result = await outcome(
      withRetries(
        'The exchange',
        () => {
          attempts += 1;
          return client({ url: `https://127.0.0.1:${server.port}/x`, method: 'GET', timeoutMs: 5000 });
        },
        {
          policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, retryAfterCapMs: 1 },
          clock,
          deadline: 60_000,
          attemptTimeoutMs: 5000,
          onRetry: (m) => retries.push(m),
        },
      ),
    );
    expect(result).toBe(refusal(`127.0.0.1:${server.port}`));
    expect({ attempts, retries }).toEqual({ attempts: 1, retries: [] });
  });

  it('a connection opened ahead is refused as well, and the request after it', async () => {
    const client = createHttpClient(readProxySettings({}));
    const url = `https://127.0.0.1:${server.port}/x`;
    client.preconnect?.(url, 5000);
    expect(await outcome(client({ url, method: 'GET', timeoutMs: 5000 }))).toBe(refusal(`127.0.0.1:${server.port}`));
    expect(server.received).toBe('');
  });

  it('through the CONNECT proxy: the certificate behind the tunnel is refused (the proxy sees only the CONNECT)', async () => {
    const client = createHttpClient(readProxySettings({ HTTPS_PROXY: proxy.url }));
    const url = `https://mondoo.test:${server.port}/x`;
    client.preconnect?.(url, 5000);
    expect(await outcome(client({ url, method: 'POST', body: 'secret', timeoutMs: 5000 }))).toBe(
      refusal(`mondoo.test:${server.port}`),
    );
    expect(proxy.requests.map((r) => `${r.kind} ${r.target} ${r.status}`)).toContain(
      `CONNECT mondoo.test:${server.port} 200`,
    );
    expect(server.received).toBe('');
  });

  it('an https:// proxy with an untrusted certificate: refused, no CONNECT reaches it', async () => {
    // The proxy simulator behind a TLS front with the untrusted certificate: an https:// proxy.
    const front = await startRecorder((socket) => {
      const upstream = net.connect(proxy.port, '127.0.0.1');
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    });
    try {
      const client = createHttpClient(readProxySettings({ HTTPS_PROXY: `https://127.0.0.1:${front.port}` }));
      const url = `https://mondoo.test:${server.port}/x`;
      client.preconnect?.(url, 5000);
      expect(await outcome(client({ url, method: 'GET', timeoutMs: 5000 }))).toBe(
        refusal(`the proxy 127.0.0.1:${front.port}`),
      );
      expect(proxy.requests).toEqual([]);
    } finally {
      await front.close();
    }
  });
});

describe('the warning for NODE_TLS_REJECT_UNAUTHORIZED', () => {
  // The set-up gives it once per run (prepareRun: __tests__/unit/run-setup.test.ts).
  it('is given for 0, the one value Node acts on, and not for the others', () => {
    for (const value of [undefined, '', '1', 'false', ' 0', '00']) {
      const env = value === undefined ? {} : { NODE_TLS_REJECT_UNAUTHORIZED: value };
      expect([value, ignoredTlsOverride(env)]).toEqual([value, undefined]);
    }
    expect(ignoredTlsOverride({ NODE_TLS_REJECT_UNAUTHORIZED: '0' })).toBe(WARNING);
  });
});
