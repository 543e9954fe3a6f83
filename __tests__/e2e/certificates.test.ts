/**
 * Certificates are always checked (src/core/network/tls-policy.ts), end to end: the built Action and CLI run with
 * NODE_TLS_REJECT_UNAUTHORIZED=0 in their environment (as a user sets it "for the proxy", or an earlier step
 * puts it in GITHUB_ENV). A Mondoo, OIDC endpoint, STS or proxy whose certificate they do not trust is
 * refused before the request is sent (nothing secret reaches it), with TLS_CERTIFICATE_UNTRUSTED naming
 * NODE_EXTRA_CA_CERTS (container credentials and instance metadata over https included), and the run warns exactly once that the variable is ignored; with the CA in
 * NODE_EXTRA_CA_CERTS the same runs succeed, with the same one warning. In process: __tests__/unit/network/certificates.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { startProxy, type ProxySim } from '../../testkit/proxy.js';
import { runAction, runCli, type ProcessResult } from '../../testkit/runner.js';

const WARNING =
  'NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: mondoo-aws-auth always checks TLS certificates. ' +
  'To trust a proxy that inspects TLS, set NODE_EXTRA_CA_CERTS to a PEM file with its CA certificate.';
const refusal = (where: string, code: string) =>
  `[TLS_CERTIFICATE_UNTRUSTED] The TLS certificate of ${where} is not trusted (${code}). Certificates are always checked, ` +
  'whatever NODE_TLS_REJECT_UNAUTHORIZED says; if a proxy inspects TLS, set NODE_EXTRA_CA_CERTS to a PEM file with its CA certificate.';
/** The TEST-ONLY self-signed certificate for `localhost`: no CA vouches for it, the testkit's included. */
const SELF_SIGNED = {
  cert: readFileSync(new URL('../../testkit/tls/name-only.pem', import.meta.url)),
  key: readFileSync(new URL('../../testkit/tls/name-only-key.pem', import.meta.url)),
};

/** A TLS server on 127.0.0.1 (named localhost) with the self-signed certificate: keeps the decrypted bytes, or hands the socket on. */
interface Untrusted {
  port: number;
  received: string;
  close(): Promise<void>;
}
async function startUntrusted(onSecure?: (socket: tls.TLSSocket) => void): Promise<Untrusted> {
  const sockets = new Set<net.Socket>();
  const box: Untrusted = { port: 0, received: '', close: async () => undefined };
  const server = tls.createServer(SELF_SIGNED, (socket) => {
    socket.on('error', () => undefined);
    if (onSecure !== undefined) return onSecure(socket);
    // Whatever arrives is kept; the connection then ends without an answer (a client that sent it fails fast).
    socket.on('data', (chunk: Buffer) => {
      box.received += chunk.toString('latin1');
      if (box.received.includes('\r\n\r\n')) socket.destroy();
    });
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  box.port = (server.address() as AddressInfo).port;
  box.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return box;
}

let sims: Simulators;
let proxy: ProxySim;
beforeAll(async () => {
  [sims, proxy] = await Promise.all([startSimulators(), startProxy()]);
});
afterAll(async () => {
  await Promise.all([sims.close(), proxy.close()]);
});
beforeEach(() => {
  sims.clearRecords();
  proxy.requests.length = 0;
});

type Mode = Parameters<Simulators['env']>[0];
/** The mode's environment with NODE_TLS_REJECT_UNAUTHORIZED=0, and without the testkit CA unless `trusted`. */
function insecureEnv(mode: Mode, trusted: boolean, extra: Record<string, string> = {}): Record<string, string> {
  const { NODE_EXTRA_CA_CERTS: ca, ...env } = sims.env(mode);
  return {
    ...env,
    ...(trusted && ca !== undefined ? { NODE_EXTRA_CA_CERTS: ca } : {}),
    NODE_TLS_REJECT_UNAUTHORIZED: '0',
    ...extra,
  };
}
const actionInputs = (mode: Mode, universe = sims.mondoo.url) => ({
  audience: sims.world.mondoo.audience,
  'universe-domain': universe,
  ...(mode === 'role' ? { 'role-to-assume': sims.world.role.roleArn } : {}),
});
const cliFlags = (universe = sims.mondoo.url) => [
  '--audience',
  sims.world.mondoo.audience,
  '--universe-domain',
  universe,
  '--output',
  'raw',
];
/** The CLI's warning lines about the variable (the Action's are its ::warning:: annotations). */
const cliWarnings = (r: ProcessResult) =>
  r.stderr.split('\n').filter((l) => l.includes('NODE_TLS_REJECT_UNAUTHORIZED=0'));
const cliError = (r: ProcessResult) => r.stderr.split('\n').filter((l) => l.startsWith('mondoo-aws-auth: error: '));
const exchanges = () => sims.mondoo.requests.filter((q) => q.path === '/SecureTokenService/ExchangeExternalToken');

describe('NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: an untrusted Mondoo gets no proof', () => {
  it('the CLI fails with TLS_CERTIFICATE_UNTRUSTED on the first attempt and warns once', async () => {
    const r = await runCli(cliFlags(), insecureEnv('env-long', false));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(cliError(r)).toEqual([
      `mondoo-aws-auth: error: ${refusal(`127.0.0.1:${sims.mondoo.port}`, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')}`,
    ]);
    expect(cliWarnings(r)).toEqual([`mondoo-aws-auth: warning: ${WARNING}`]);
    expect(r.stderr).not.toMatch(/retrying/);
    expect(exchanges()).toEqual([]);
  });

  it('the Action fails with the same error annotation, no output, and one warning annotation', async () => {
    const r = await runAction(actionInputs('env-long'), insecureEnv('env-long', false));
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([refusal(`127.0.0.1:${sims.mondoo.port}`, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')]);
    expect(r.warnings).toEqual([WARNING]);
    expect({ outputs: r.outputs, exported: r.exported }).toEqual({ outputs: {}, exported: {} });
    expect(exchanges()).toEqual([]);
  });

  it('through the CONNECT proxy: the tunnel opens, the certificate behind it is refused, Mondoo gets nothing', async () => {
    const r = await runCli(
      cliFlags(`https://mondoo.test:${sims.mondoo.port}`),
      insecureEnv('env-long', false, { HTTPS_PROXY: proxy.url }),
    );
    expect(r.code).toBe(1);
    expect(cliError(r)).toEqual([
      `mondoo-aws-auth: error: ${refusal(`mondoo.test:${sims.mondoo.port}`, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')}`,
    ]);
    expect(cliWarnings(r)).toEqual([`mondoo-aws-auth: warning: ${WARNING}`]);
    expect(proxy.requests.filter((q) => q.kind === 'CONNECT').map((q) => q.host)).toContain('mondoo.test');
    expect(exchanges()).toEqual([]);
  });

  it('an https:// proxy with an untrusted certificate: refused, it never sees the CONNECT', async () => {
    // The proxy simulator behind TLS with the self-signed certificate, as an inspecting proxy would present one.
    const front = await startUntrusted((socket) => {
      const upstream = net.connect(proxy.port, '127.0.0.1');
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    });
    try {
      const r = await runAction(
        actionInputs('env-long', `https://mondoo.test:${sims.mondoo.port}`),
        insecureEnv('env-long', true, { HTTPS_PROXY: `https://localhost:${front.port}` }),
      );
      expect(r.code).toBe(1);
      expect(r.errors).toEqual([refusal(`the proxy localhost:${front.port}`, 'DEPTH_ZERO_SELF_SIGNED_CERT')]);
      expect(r.warnings).toEqual([WARNING]);
      expect(proxy.requests).toEqual([]);
      expect(exchanges()).toEqual([]);
    } finally {
      await front.close();
    }
  });
});

describe('NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: tokens go to no untrusted server', () => {
  it('role mode: the OIDC endpoint is untrusted, so the runner token is never sent', async () => {
    const r = await runAction(actionInputs('role'), insecureEnv('role', false));
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([refusal(`127.0.0.1:${sims.oidc.port}`, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')]);
    expect(r.warnings).toEqual([WARNING]);
    expect([sims.oidc.requests, sims.sts.requests, exchanges()]).toEqual([[], [], []]);
  });

  it('role mode: STS is untrusted (self-signed), so the OIDC token is never sent to it', async () => {
    const sts = await startUntrusted();
    try {
      const r = await runAction(
        actionInputs('role'),
        insecureEnv('role', true, { AWS_ENDPOINT_URL_STS: `https://localhost:${sts.port}` }),
      );
      expect(r.code).toBe(1);
      expect(r.errors).toEqual([refusal(`localhost:${sts.port}`, 'DEPTH_ZERO_SELF_SIGNED_CERT')]);
      expect(r.warnings).toEqual([WARNING]);
      expect(sims.oidc.requests).toHaveLength(1);
      expect(sts.received).toBe('');
      expect(exchanges()).toEqual([]);
    } finally {
      await sts.close();
    }
  });
});

describe('NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: credential sources over https (usually plain http to loopback or link-local)', () => {
  it('container credentials at an untrusted https:// endpoint never get the authorization token', async () => {
    const endpoint = await startUntrusted();
    try {
      const r = await runCli(
        cliFlags(),
        insecureEnv('none', true, {
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `https://localhost:${endpoint.port}/v1/credentials`,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: 'container-authorization-token',
        }),
      );
      expect(r.code).toBe(1);
      expect(cliError(r)).toEqual([
        `mondoo-aws-auth: error: ${refusal(`localhost:${endpoint.port}`, 'DEPTH_ZERO_SELF_SIGNED_CERT').replace('[TLS_CERTIFICATE_UNTRUSTED]', '[AWS_CREDENTIAL_SOURCE_FAILED]')}`,
      ]);
      expect(cliWarnings(r)).toEqual([`mondoo-aws-auth: warning: ${WARNING}`]);
      expect(endpoint.received).toBe('');
      expect(exchanges()).toEqual([]);
    } finally {
      await endpoint.close();
    }
  });

  it('instance metadata at an untrusted https:// endpoint is not asked', async () => {
    const endpoint = await startUntrusted();
    try {
      const { AWS_EC2_METADATA_DISABLED: _off, ...env } = insecureEnv('none', true);
      const r = await runCli(cliFlags(), {
        ...env,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: `https://localhost:${endpoint.port}`,
      });
      expect(r.code).toBe(1);
      expect(cliError(r)[0]).toContain(
        `EC2 instance metadata: The TLS certificate of localhost:${endpoint.port} is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT).`,
      );
      expect(cliWarnings(r)).toEqual([`mondoo-aws-auth: warning: ${WARNING}`]);
      expect(endpoint.received).toBe('');
    } finally {
      await endpoint.close();
    }
  });
});

describe('with the CA in NODE_EXTRA_CA_CERTS (the way to trust an inspecting proxy) the runs succeed, warning once', () => {
  it('the CLI', async () => {
    const r = await runCli(cliFlags(), insecureEnv('env-long', true));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${sims.mondoo.issued[0]?.base64Credential}\n`);
    expect(cliWarnings(r)).toEqual([`mondoo-aws-auth: warning: ${WARNING}`]);
  });

  it('the Action in role mode, through the CONNECT proxy', async () => {
    const env = insecureEnv('role', true, {
      HTTPS_PROXY: proxy.url,
      AWS_ENDPOINT_URL_STS: `https://sts.test:${sims.sts.port}`,
      ACTIONS_ID_TOKEN_REQUEST_URL: sims.oidc.requestUrl.replace('//127.0.0.1:', '//oidc.test:'),
    });
    const r = await runAction(actionInputs('role', `https://mondoo.test:${sims.mondoo.port}`), env);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.warnings).toEqual([WARNING]);
    expect(r.outputs['base64-credential']).toBe(sims.mondoo.issued[0]?.base64Credential);
    expect(
      proxy.requests
        .filter((q) => q.kind === 'CONNECT')
        .map((q) => q.host)
        .sort(),
    ).toEqual(['mondoo.test', 'oidc.test', 'sts.test']);
  });
});
