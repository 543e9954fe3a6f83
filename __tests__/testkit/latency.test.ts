/**
 * The benchmark's latency mode rests on two things shown here: the simulators handshake each connection on
 * its own (one stalled handshake holds up no other), and testkit/latency.js adds the round trips it says it
 * does (lower bounds only: a loaded machine may add time, never remove it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { parseRtt, startLatency } from '../../testkit/latency.js';

const CA = readFileSync(new URL('../../testkit/tls/ca.pem', import.meta.url));

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  await sims.close();
});

/** GET on a keep-alive agent; resolves with the status once the whole answer is read. */
function get(agent: https.Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path, agent, ca: CA }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('the simulators handshake connections concurrently', () => {
  it.each(['oidc', 'sts', 'mondoo'] as const)(
    '%s answers a new connection while another one has sent half a ClientHello and stalled',
    async (name) => {
      const port = sims[name].port;
      // A TLS record header announcing 512 bytes of handshake, and only the first few of them.
      const stalled: Socket = connect(port, '127.0.0.1');
      stalled.on('error', () => undefined);
      await new Promise<void>((resolve) => stalled.once('connect', resolve));
      stalled.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]));
      const agent = new https.Agent({ keepAlive: false });
      const status = await get(agent, port, '/no-such-path');
      expect(status).toBeGreaterThanOrEqual(200);
      expect(stalled.destroyed).toBe(false);
      stalled.destroy();
    },
  );
});

describe('testkit/latency.js', () => {
  const RTT = 40;

  it('a fresh HTTPS request through it takes at least 3 round trips, one on an open connection at least 1', async () => {
    const front = await startLatency({ port: sims.mondoo.port }, { rttMs: RTT });
    const agent = new https.Agent({ keepAlive: true });
    try {
      let started = performance.now();
      expect(await get(agent, front.port, '/healthz')).toBeGreaterThanOrEqual(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(3 * RTT - 2);
      started = performance.now();
      expect(await get(agent, front.port, '/healthz')).toBeGreaterThanOrEqual(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(RTT - 2);
      expect(front.connections).toHaveLength(1);
      const [conn] = front.connections;
      expect(conn?.firstBytes).toBeDefined();
      expect(conn?.bytesUp).toBeGreaterThan(0);
      expect(conn?.bytesDown).toBeGreaterThan(0);
    } finally {
      agent.destroy();
      await front.close();
    }
  });

  it("the TCP handshake runs from the connect: the client's work before its first write costs nothing until it outlasts one RTT", async () => {
    const rtt = 200;
    const arrived: number[] = [];
    const target = createServer((s) => s.once('data', () => arrived.push(performance.now())));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const front = await startLatency({ port: (target.address() as AddressInfo).port }, { rttMs: rtt });
    try {
      const opened = performance.now();
      const socket = connect({ port: front.port, host: '127.0.0.1' });
      await new Promise((resolve) => socket.once('connect', resolve));
      // Busy for three quarters of the handshake before writing (as a process signing a request would be).
      await new Promise((resolve) => setTimeout(resolve, (3 * rtt) / 4));
      socket.write('x');
      while (arrived.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      socket.destroy();
      const took = arrived[0]! - opened;
      // The handshake's RTT and half an RTT on the wire (a lower bound), and not the work's 150 ms on top of them
      // (which would make it at least 450 ms): the bound between leaves room for a loaded machine.
      expect(took).toBeGreaterThanOrEqual(rtt + rtt / 2 - 2);
      expect(took).toBeLessThan(rtt + rtt / 2 + (3 * rtt) / 4 - 30);
    } finally {
      await front.close();
      await new Promise((resolve) => target.close(resolve));
    }
  });

  it('connections through it are independent: two fresh requests at once both complete, bytes intact', async () => {
    const front = await startLatency({ port: sims.oidc.port }, { rttMs: RTT });
    const agent = new https.Agent({ keepAlive: false });
    try {
      const url = new URL(sims.oidc.requestUrl);
      const token = () =>
        new Promise<string>((resolve, reject) => {
          https
            .get(
              {
                host: '127.0.0.1',
                port: front.port,
                path: `${url.pathname}${url.search}&audience=x`,
                agent,
                ca: CA,
                headers: { authorization: `Bearer ${sims.oidc.requestToken}` },
              },
              (res) => {
                let body = '';
                res.on('data', (c: Buffer) => (body += c.toString()));
                res.on('end', () => resolve(body));
              },
            )
            .on('error', reject);
        });
      const answers = await Promise.all([token(), token()]);
      for (const body of answers)
        expect(sims.oidc.decode((JSON.parse(body) as { value: string }).value)?.aud).toBe('x');
      expect(front.connections).toHaveLength(2);
    } finally {
      agent.destroy();
      await front.close();
    }
  });

  it('parses --rtt', () => {
    expect(parseRtt('oidc=10,sts=15,mondoo=30', ['oidc', 'sts', 'mondoo'])).toEqual({ oidc: 10, sts: 15, mondoo: 30 });
    expect(parseRtt(' mondoo=2.5 ', ['mondoo'])).toEqual({ mondoo: 2.5 });
    expect(() => parseRtt('oidc=10,oidc=5', ['oidc'])).toThrow('oidc is given twice');
    expect(() => parseRtt('github=10', ['oidc'])).toThrow('unknown simulator "github" (one of oidc)');
    expect(() => parseRtt('oidc:10', ['oidc'])).toThrow('"oidc:10" is not name=milliseconds');
    expect(() => parseRtt('', ['oidc'])).toThrow('no name=milliseconds given');
  });
});
