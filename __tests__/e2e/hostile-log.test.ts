/**
 * Issue 9 gap 1, end to end: text from a hostile server (a credential field, an ARN, an error body) never
 * becomes a workflow command or a terminal escape, on the Action's stdout or the CLI's stderr, whatever it
 * says; and (gap 6) --output-file refuses special files before any request.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { needTools } from '../../testkit/system-tools.js';
import { gitHubRunnerEnv, leakedPieces, runAction, runCli } from '../../testkit/runner.js';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) server.close();
  await sims.close();
});
beforeEach(() => sims.clearRecords());

const KEY =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
const good = {
  mrn: '//agents.api.mondoo.app/spaces/s/serviceaccounts/sa',
  space_mrn: '//captain.api.mondoo.app/spaces/s',
  private_key: KEY,
  certificate: 'cert',
  api_endpoint: 'https://us.api.mondoo.com',
};
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const inputs = () => ({
  audience: sims.world.mondoo.audience,
  'universe-domain': sims.mondoo.url,
  'attempt-timeout-seconds': '5',
  'max-attempts': '1',
});
const cliFlags = () => [
  '--audience',
  sims.world.mondoo.audience,
  '--universe-domain',
  sims.mondoo.url,
  '--max-attempts',
  '1',
];

/** The tool's own workflow commands; any other line starting with :: (or any ##[) would be the server's. */
const OWN_COMMAND = /^::(add-mask|debug|warning|error)::/;

function expectInert(text: string): void {
  const lines = text.split('\n');
  expect(lines.filter((l) => l.trimStart().startsWith('::') && !OWN_COMMAND.test(l))).toEqual([]);
  expect(lines.filter((l) => l.includes('##['))).toEqual([]);
  // No control character but the line feed (no ESC, so no ANSI sequence), no line or paragraph separator.
  expect(text.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
}

/** Hostile values for each place server text reaches the log. */
const HOSTILE = '\n::error::pwned\r\n##[group]pwned\u001b[31m\u2028::set-env name=X::y';

describe('the Action prints nothing a server wrote as a command', () => {
  it.each<[string, () => void]>([
    [
      'an mrn in the credential',
      () =>
        sims.mondoo.script.push({
          status: 200,
          json: { base64_credential: encode({ ...good, mrn: `//agents.api.mondoo.app/x${HOSTILE}` }) },
        }),
    ],
    [
      'an api_endpoint in the credential',
      () =>
        sims.mondoo.script.push({
          status: 200,
          json: { base64_credential: encode({ ...good, api_endpoint: `https://us.api.mondoo.com${HOSTILE}` }) },
        }),
    ],
    [
      'a gRPC error message',
      () => sims.mondoo.script.push({ status: 400, json: { code: 3, message: `bad${HOSTILE}` } }),
    ],
    ['a plain-text error body', () => sims.mondoo.script.push({ status: 400, text: `bad${HOSTILE}` })],
    [
      'an HTML page title',
      () => sims.mondoo.script.push({ status: 400, text: `<html><title>x##[group]pwned</title></html>` }),
    ],
    [
      'JSON key names in a 200 without a credential',
      () => sims.mondoo.script.push({ status: 200, json: { [`k${HOSTILE}`]: 1 } }),
    ],
    [
      'an ARN from STS',
      () =>
        sims.sts.script.push({
          action: 'GetCallerIdentity',
          status: 200,
          body: `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/x${HOSTILE}</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
          headers: { 'content-type': 'text/xml' },
        }),
    ],
  ])('%s', async (_, script) => {
    script();
    const r = await runAction(inputs(), sims.env('env-long'));
    expectInert(r.stdout);
    expectInert(r.stderr);
    // Outputs and the summary carry only validated values.
    for (const value of Object.values(r.outputs)) expect(value).not.toContain('pwned');
    expect(r.summary).not.toContain('pwned');
  });
});

describe('the CLI prints nothing a server wrote as a command on stderr (the runner reads it too)', () => {
  it.each<[string, () => void]>([
    [
      'an mrn in the credential',
      () =>
        sims.mondoo.script.push({
          status: 200,
          json: { base64_credential: encode({ ...good, mrn: `//agents.api.mondoo.app/x${HOSTILE}` }) },
        }),
    ],
    [
      'a gRPC error message',
      () => sims.mondoo.script.push({ status: 403, json: { code: 7, message: `denied${HOSTILE}` } }),
    ],
    [
      'an ARN from STS',
      () =>
        sims.sts.script.push({
          action: 'GetCallerIdentity',
          status: 200,
          body: `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/x${HOSTILE}</Arn><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
        }),
    ],
  ])('%s', async (_, script) => {
    script();
    const r = await runCli([...cliFlags(), '--output', 'json', '--verbose'], {
      ...sims.env('env-long'),
      ...gitHubRunnerEnv(tmpdir()),
    });
    expectInert(r.stderr);
    expect(r.stdout).not.toContain('pwned');
  });
});

/** The signature at the end of a serialized signed request's Authorization header. */
const signatureOf = (jwt: string): string => /Signature=([0-9a-f]{64})/.exec(jwt)?.[1] ?? '';
/** `text` cut to start 260 characters before the signature's first 8, so truncate()'s 300 keeps about 40 of it. */
const cutInto = (text: string, signature: string): string =>
  text.slice(Math.max(0, text.indexOf(signature.slice(0, 8)) - 260));
/** What a server can do to the jwt_token it echoes (issue 16 item 2). */
const ECHOES: [string, (jwt: string) => { json?: unknown; text?: string }][] = [
  ['the whole jwt_token in a gRPC message', (jwt) => ({ json: { code: 14, message: `upstream refused ${jwt}` } })],
  ['a truncated jwt_token', (jwt) => ({ text: cutInto(jwt, signatureOf(jwt)) })],
  ['a JSON-escaped jwt_token', (jwt) => ({ text: cutInto(JSON.stringify({ echoed: jwt }), signatureOf(jwt)) })],
  ['a URL-encoded jwt_token', (jwt) => ({ text: `request=${cutInto(encodeURIComponent(jwt), signatureOf(jwt))}` })],
  [
    'a jwt_token wrapped every 16 characters',
    (jwt) => ({ text: cutInto(jwt.replace(/(.{16})/g, '$1\n'), signatureOf(jwt)) }),
  ],
];
/** Mondoo answers 503 (retry now) with a body made from the jwt_token it was sent, then as usual. */
const echoOnce = (make: (jwt: string) => { json?: unknown; text?: string }) =>
  sims.mondoo.script.push({
    echo: (request) => ({
      status: 503,
      headers: { 'retry-after': '0' },
      ...make((JSON.parse(request.body) as { jwt_token: string }).jwt_token),
    }),
  });
/** Every secret of the run but the serialized requests (their signatures are in the list, their public text is not secret). */
const scanned = () => {
  const jwts = new Set(sims.mondoo.requests.map((r) => r.jwtToken));
  return sims.secrets().filter((s) => !jwts.has(s));
};
/** What a person reads: the runner swallows ::add-mask:: lines. */
const visible = (text: string) =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

describe('no 20-character piece of a secret reaches the log when a server echoes it (issue 16 item 2)', () => {
  it.each(ECHOES)("the Action's retry warning, for %s", async (_, make) => {
    echoOnce(make);
    const r = await runAction({ ...inputs(), 'max-attempts': '2' }, sims.env('env-session'));
    expect(r.code).toBe(0);
    expect(r.warnings).toEqual([
      expect.stringMatching(/^The Mondoo token exchange: attempt 1 of 2 failed \(Mondoo answered HTTP 503: .*\*\*\*/),
    ]);
    expect(leakedPieces(visible(r.stdout) + r.stderr, scanned())).toEqual([]);
  });

  it.each(ECHOES)("the CLI's stderr with --verbose, for %s", async (_, make) => {
    echoOnce(make);
    const flags = [...cliFlags().slice(0, -2), '--max-attempts', '2', '--output', 'raw', '--verbose'];
    const r = await runCli(flags, sims.env('env-session'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /warning: The Mondoo token exchange: attempt 1 of 2 failed \(Mondoo answered HTTP 503: .*\*\*\*/,
    );
    expect(leakedPieces(r.stderr, scanned())).toEqual([]);
  });
});

describe("the identity lookup's signature is masked when a gateway echoes its headers (round 3 #5)", () => {
  /** Mondoo refuses the identity; STS's gateway answers the lookup with its Authorization header quoted. */
  const script = () => {
    sims.mondoo.script.push({ status: 401, json: { code: 16, message: 'unauthenticated' } });
    sims.sts.script.push({
      action: 'GetCallerIdentity',
      echo: (request) => ({
        status: 403,
        headers: { 'content-type': 'text/xml' },
        body: `<ErrorResponse><Error><Code>AccessDenied</Code><Message>gateway saw Authorization: ${String(request.headers.authorization)}</Message></Error></ErrorResponse>`,
      }),
    });
  };
  const lookupSignature = () =>
    signatureOf(String(sims.sts.requests.find((r) => r.action === 'GetCallerIdentity')?.headers.authorization));

  it("in the Action's annotation and debug line", async () => {
    script();
    const r = await runAction(inputs(), { ...sims.env('env-long'), RUNNER_DEBUG: '1' });
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([expect.stringContaining('gateway saw Authorization: ***')]);
    expect(lookupSignature()).toMatch(/^[0-9a-f]{64}$/);
    expect(leakedPieces(visible(r.stdout) + r.stderr, [lookupSignature(), ...scanned()])).toEqual([]);
  });

  it("on the CLI's stderr", async () => {
    script();
    const r = await runCli([...cliFlags(), '--output', 'raw', '--verbose'], sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gateway saw Authorization: ***');
    expect(leakedPieces(r.stderr, [lookupSignature(), ...scanned()])).toEqual([]);
  });
});

describe('every signature the run sends is masked when a gateway echoes its headers: GetWebIdentityToken (proof aws-jwt)', () => {
  /** STS's gateway answers GetWebIdentityToken with its Authorization header quoted. */
  const script = () =>
    sims.sts.script.push({
      action: 'GetWebIdentityToken',
      echo: (request) => ({
        status: 403,
        headers: { 'content-type': 'text/xml' },
        body: `<ErrorResponse><Error><Code>AccessDenied</Code><Message>gateway saw Authorization: ${String(request.headers.authorization)}</Message></Error></ErrorResponse>`,
      }),
    });
  const tokenSignature = () =>
    signatureOf(String(sims.sts.requests.find((r) => r.action === 'GetWebIdentityToken')?.headers.authorization));

  it("in the Action's annotation and debug line", async () => {
    script();
    const r = await runAction({ ...inputs(), proof: 'aws-jwt' }, { ...sims.env('env-long'), RUNNER_DEBUG: '1' });
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([expect.stringContaining('gateway saw Authorization: ***')]);
    expect(tokenSignature()).toMatch(/^[0-9a-f]{64}$/);
    expect(leakedPieces(visible(r.stdout) + r.stderr, [tokenSignature(), ...scanned()])).toEqual([]);
    expect(sims.mondoo.requests).toEqual([]);
  });

  it("on the CLI's stderr", async () => {
    script();
    const r = await runCli([...cliFlags(), '--proof', 'aws-jwt', '--output', 'raw', '--verbose'], sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gateway saw Authorization: ***');
    expect(leakedPieces(r.stderr, [tokenSignature(), ...scanned()])).toEqual([]);
  });
});

describe('--output-file writes only a new file or over a regular file', () => {
  const refusedBeforeAnyRequest = async (path: string, message: RegExp) => {
    const r = await runCli([...cliFlags(), '--output-file', path], sims.env('env-long'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(sims.mondoo.requests).toHaveLength(0);
    expect(sims.sts.requests).toHaveLength(0);
    expect(statSync(path).isFile()).toBe(false);
  };

  needTools(['mkfifo'], 'the FIFO output file test').it('refuses a FIFO with exit 2 before any request', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mondoo-fifo-')), 'out');
    execFileSync('mkfifo', [path]);
    await refusedBeforeAnyRequest(
      path,
      /is a FIFO \(named pipe\); the credential is written only to a new file or over a regular file/,
    );
  });

  // Never a real device path here: code without the check would rename its file over it (as root, /dev/null).
  it('refuses a socket with exit 2 before any request', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mondoo-sock-')), 'out');
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await refusedBeforeAnyRequest(
      path,
      /is a socket; the credential is written only to a new file or over a regular file/,
    );
  });
});
