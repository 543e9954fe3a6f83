/**
 * Every scenario of the hardening suites, each against its own simulators: the ways to authenticate, the
 * proxy, clock skew, and the failure drills. Each runs in process against authenticate() (scenarios.test.ts),
 * except those marked `endToEnd`, which need sockets (the proxy tunnel, the AWS SDK chain): those run with
 * the built Action and the built CLI (__tests__/e2e/scenarios.test.ts), as do the four ways to authenticate.
 * `check` states what must hold for any kind of run; the suites add the freshness checks and the secret scan.
 */
import { expect } from '@jest/globals';
import type { Kind, Mode, Run, World, WorldOptions } from './world.js';

export interface Scenario {
  name: string;
  mode: Mode;
  world?: WorldOptions;
  /** Inputs beyond the defaults of runIn (audience, universe-domain, role-to-assume, attempt-timeout-seconds 5). */
  inputs?: Record<string, string> | ((w: World) => Record<string, string>);
  /** Prepares the simulators (scripted faults, clocks, keys) and returns extra environment, if any. */
  prepare?: (w: World) => Record<string, string> | void;
  /** 0 success, 1 authentication failure, 2 (CLI only) configuration error. */
  code: { action: 0 | 1; cli: 0 | 1 | 2 };
  check?: (r: Run, w: World) => void;
  /** CLI: write the output with --output-file. */
  outputFile?: boolean;
  /** Also run the CLI inside a GitHub Actions job, where it prints ::add-mask:: before writing. */
  inActions?: boolean;
  /**
   * 'only': needs sockets or the AWS SDK chain, so it runs end to end only. 'also': runs in process and, as
   * one of the ways to authenticate, end to end with each artifact too.
   */
  endToEnd?: 'only' | 'also';
}

const PROXY = { user: 'ci-proxy', password: 'Pr0xy-Pa55word-42' };
const OTHER_ROLE = 'arn:aws:iam::123456789012:role/other-repo';

/**
 * The run succeeded with the one credential Mondoo issued, for `arn`; the request had exactly the shape
 * Mondoo's Go client sends; and wherever masks are printed, every secret of the exchange was masked, once.
 */
function succeeded(r: Run, w: World, arn: string): void {
  expect({ code: r.code, error: r.error }).toEqual({ code: 0, error: '' });
  expect(w.sims.mondoo.issued).toHaveLength(1);
  const issued = w.sims.mondoo.issued[0]!;
  expect(issued.identity.arn).toBe(arn);
  expect(r.credential).toBe(issued.base64Credential);
  expect(r.arn).toBe(arn);
  const last = w.sims.mondoo.requests.at(-1)!;
  expect({ shapeProblems: last.shapeProblems, contentType: last.contentType }).toEqual({
    shapeProblems: [],
    contentType: 'application/json',
  });
  expect(Object.keys(JSON.parse(last.rawBody) as object)).toEqual(['audience', 'issuer_uri', 'jwt_token']);
  if (r.kind !== 'cli') {
    const keyLines = issued.credential.private_key.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
    const signature = /Signature=([0-9a-f]{64})/.exec(last.jwtToken ?? '')?.[1] ?? '?';
    expect(r.masks).toEqual(
      expect.arrayContaining([
        issued.base64Credential,
        issued.credential.private_key,
        ...keyLines,
        last.jwtToken,
        signature,
      ]),
    );
    expect(r.masks.filter((m, i) => r.masks.indexOf(m) !== i)).toEqual([]);
  }
  if (r.kind === 'action') {
    expect(r.outputs).toEqual({
      'base64-credential': issued.base64Credential,
      'aws-arn': arn,
      'aws-account-id': '123456789012',
      'scope-mrn': issued.credential.space_mrn,
      'service-account-mrn': issued.credential.mrn,
      'api-endpoint': issued.credential.api_endpoint,
    });
    expect(r.exported).toEqual({ MONDOO_CONFIG_BASE64: issued.base64Credential });
    expect(r.summary).toContain(arn);
    expect(r.summary).toContain(issued.credential.mrn);
  }
}

/** The run failed with `code`; its message matches `message` (the key facts, not the whole sentence). */
function failed(r: Run, code: string, message: RegExp): void {
  expect({ exit: r.code, code: r.errorCode }).toEqual({ exit: 1, code });
  expect(r.error).toMatch(message);
  expect(r.credential).toBeUndefined();
  expect(r.error).not.toMatch(/\n\s+at /);
}

/**
 * proof aws-jwt succeeded: the one credential Mondoo issued was for the token's subject `subject`; the exchange
 * carried the JWT STS minted (with its issuer, in today's field order); no GetCallerIdentity was made; and
 * wherever masks are printed, the JWT was masked with the credential.
 */
function succeededWithJwt(r: Run, w: World, subject: string): void {
  expect({ code: r.code, error: r.error }).toEqual({ code: 0, error: '' });
  expect(w.sims.mondoo.issued).toHaveLength(1);
  const issued = w.sims.mondoo.issued[0]!;
  expect(issued.identity.arn).toBe(subject);
  expect(r.credential).toBe(issued.base64Credential);
  expect(r.arn).toBe(subject);
  const token = w.sims.sts.webIdentityTokens.at(-1)!;
  const last = w.sims.mondoo.requests.at(-1)!;
  expect(JSON.parse(last.rawBody)).toEqual({
    audience: w.sims.world.mondoo.audience,
    issuer_uri: w.sims.world.mondoo.jwtIssuer,
    jwt_token: token,
  });
  expect(Object.keys(JSON.parse(last.rawBody) as object)).toEqual(['audience', 'issuer_uri', 'jwt_token']);
  expect(w.sims.sts.requests.filter((q) => q.action === 'GetCallerIdentity')).toEqual([]);
  if (r.kind !== 'cli') expect(r.masks).toEqual(expect.arrayContaining([token, issued.base64Credential]));
  if (r.kind === 'action') {
    expect(r.outputs?.['aws-arn']).toBe(subject);
    expect(r.outputs?.['aws-account-id']).toBe('123456789012');
  }
}

const assumeRequests = (w: World) => w.sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity');
const tokenOf = (q: { body: string }) => new URLSearchParams(q.body).get('WebIdentityToken');

/** Proxy records, as `KIND host:port status`. */
const tunnels = (w: World) => (w.proxy?.requests ?? []).map((p) => `${p.kind} ${p.target} ${p.status}`);
const basic = `Basic ${Buffer.from(`${PROXY.user}:${PROXY.password}`).toString('base64')}`;

export const SCENARIOS: Scenario[] = [
  // --- The ways to authenticate ---------------------------------------------------------------------------
  {
    name: 'long-term keys from the environment',
    mode: 'env-long',
    endToEnd: 'also',
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.world.user.arn);
      const serialized = JSON.parse(w.sims.mondoo.requests[0]!.jwtToken!) as {
        url: string;
        headers: { key: string; value: string }[];
      };
      expect(serialized.url).toBe('https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15');
      expect(serialized.headers.map((h) => h.key)).toEqual(['host', 'Authorization', 'Content-Type', 'X-Amz-Date']);
      expect(serialized.headers[1]!.value).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIA[A-Z0-9]+\/\d{8}\/us-east-1\/sts\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
      );
      // Go's key order and escaping, as Mondoo's client writes it (the simulator refuses anything else).
      const request = w.sims.mondoo.requests[0]!;
      expect(request.shapeOk).toBe(true);
      expect(Object.keys(JSON.parse(request.rawBody) as object)).toEqual(['audience', 'issuer_uri', 'jwt_token']);
      expect(request.jwtToken).toMatch(
        /^\{"headers":\[.*\],"method":"POST","url":"https:\/\/sts\.amazonaws\.com\/\?Action=GetCallerIdentity\\u0026Version=2011-06-15"\}$/,
      );
      // The identity was asked of the tool's own STS endpoint (AWS_ENDPOINT_URL_STS), signed for that host.
      const lookups = w.sims.sts.requests.filter((q) => q.action === 'GetCallerIdentity');
      expect(lookups.map((q) => q.headers.host)).toEqual([new URL(w.sims.sts.url).host]);
      expect(r.log).toContain('AWS credentials: environment variables (long-term access key)');
      if (r.kind !== 'cli') expect(r.masks).toContain(w.sims.world.user.secretAccessKey);
    },
  },
  {
    name: 'session credentials left by configure-aws-credentials',
    mode: 'env-session',
    endToEnd: 'also',
    code: { action: 0, cli: 0 },
    outputFile: true,
    inActions: true,
    check: (r, w) => {
      succeeded(r, w, w.sims.world.session.arn);
      const serialized = JSON.parse(w.sims.mondoo.requests[0]!.jwtToken!) as {
        headers: { key: string; value: string }[];
      };
      expect(serialized.headers.map((h) => h.key)).toEqual([
        'host',
        'Authorization',
        'Content-Type',
        'X-Amz-Date',
        'X-Amz-Security-Token',
      ]);
      expect(serialized.headers[1]!.value).toContain(
        'SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token,',
      );
      if (r.kind !== 'cli')
        expect(r.masks).toEqual(
          expect.arrayContaining([w.sims.world.session.secretAccessKey, w.sims.world.session.sessionToken]),
        );
    },
  },
  {
    name: 'GitHub OIDC token → AssumeRoleWithWebIdentity → exchange',
    mode: 'role',
    endToEnd: 'also',
    code: { action: 0, cli: 0 },
    inputs: { 'role-session-name': 'scan-42', 'role-duration-seconds': '1800' },
    inActions: true,
    check: (r, w) => {
      succeeded(r, w, 'arn:aws:sts::123456789012:assumed-role/mondoo-ci/scan-42');
      expect(w.sims.oidc.requests.map((q) => q.audience)).toEqual(['sts.amazonaws.com']);
      const assume = assumeRequests(w);
      expect(assume).toHaveLength(1);
      const params = new URLSearchParams(assume[0]!.body);
      expect({
        role: params.get('RoleArn'),
        session: params.get('RoleSessionName'),
        duration: params.get('DurationSeconds'),
      }).toEqual({
        role: w.sims.world.role.roleArn,
        session: 'scan-42',
        duration: '1800',
      });
      // The identity came from AssumeRoleWithWebIdentity: no GetCallerIdentity.
      expect(w.sims.sts.requests.filter((q) => q.action === 'GetCallerIdentity')).toHaveLength(0);
      if (r.kind !== 'cli') {
        const serialized = JSON.parse(w.sims.mondoo.requests[0]!.jwtToken!) as {
          headers: { key: string; value: string }[];
        };
        expect(r.masks).toEqual(
          expect.arrayContaining([
            params.get('WebIdentityToken'),
            serialized.headers.find((h) => h.key === 'X-Amz-Security-Token')!.value,
            w.sims.oidc.requestToken,
          ]),
        );
      }
    },
  },
  {
    name: 'EC2 instance metadata (IMDSv2)',
    mode: 'imds',
    endToEnd: 'only',
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.world.instance.arn);
      if (r.kind !== 'cli') expect(r.masks).toContain(w.sims.world.instance.secretAccessKey);
    },
  },

  // --- Proxies ---------------------------------------------------------------------------------------------
  {
    name: 'proxy: every request tunnelled through an authenticating CONNECT proxy (keys)',
    mode: 'env-long',
    world: { proxy: PROXY },
    endToEnd: 'only',
    code: { action: 0, cli: 0 },
    inActions: true,
    check: (r, w) => {
      succeeded(r, w, w.sims.world.user.arn);
      // Mondoo and STS were reached only through the proxy (nothing else resolves *.test), with its credentials.
      expect(new Set(tunnels(w))).toEqual(
        new Set([`CONNECT mondoo.test:${w.sims.mondoo.port} 200`, `CONNECT sts.test:${w.sims.sts.port} 200`]),
      );
      expect(w.proxy!.requests.every((p) => p.proxyAuthorization === basic)).toBe(true);
      if (r.kind !== 'cli') expect(r.masks).toContain(PROXY.password);
    },
  },
  {
    name: 'proxy: role mode (OIDC token fetch, AssumeRoleWithWebIdentity, exchange)',
    mode: 'role',
    world: { proxy: PROXY },
    endToEnd: 'only',
    code: { action: 0, cli: 0 },
    outputFile: true,
    inActions: true,
    check: (r, w) => {
      succeeded(r, w, w.sims.mondoo.issued[0]?.identity.arn ?? '?');
      expect(tunnels(w)).toEqual([
        `CONNECT oidc.test:${w.sims.oidc.port} 200`,
        `CONNECT sts.test:${w.sims.sts.port} 200`,
        `CONNECT mondoo.test:${w.sims.mondoo.port} 200`,
      ]);
      expect(w.proxy!.requests.every((p) => p.proxyAuthorization === basic)).toBe(true);
    },
  },
  {
    name: 'proxy: NO_PROXY bypasses it for a host reachable directly',
    mode: 'env-long',
    world: { proxy: PROXY },
    endToEnd: 'only',
    inputs: (w) => ({ 'universe-domain': w.sims.mondoo.url }),
    prepare: (w) => ({ AWS_ENDPOINT_URL_STS: w.sims.sts.url, NO_PROXY: 'example.com, 127.0.0.1' }),
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.world.user.arn);
      expect(tunnels(w)).toEqual([]);
    },
  },
  {
    name: 'proxy: a wrong proxy password fails at once, naming the fix, never the password',
    mode: 'env-long',
    world: { proxy: PROXY },
    endToEnd: 'only',
    prepare: (w) => ({ HTTPS_PROXY: w.proxy!.urlWithAuth.replace(PROXY.password, 'Wr0ng-Pa55word-17') }),
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(
        r,
        'PROXY_REFUSED',
        /^The proxy 127\.0\.0\.1:\d+ refused to open a tunnel to mondoo\.test:\d+: HTTP 407 \(proxy authentication failed: check the user and password in the proxy URL/,
      );
      // Not retried: another attempt cannot fix a password.
      expect(w.proxy!.requests.filter((p) => p.host === 'mondoo.test')).toHaveLength(1);
      expect(r.log).not.toContain('Wr0ng-Pa55word-17');
      if (r.kind !== 'action') expect(r.stdout).not.toContain('Wr0ng-Pa55word-17');
      if (r.kind !== 'cli') expect(r.masks).toContain('Wr0ng-Pa55word-17');
    },
  },
  {
    name: 'proxy: a proxy that never answers CONNECT costs one attempt, then the next succeeds',
    mode: 'env-long',
    world: { proxy: true },
    endToEnd: 'only',
    // Two seconds, not one: the tunnel and TLS handshake of the next attempt must fit in it on a busy machine.
    inputs: { 'attempt-timeout-seconds': '2' },
    prepare: (w) => {
      w.proxy!.script.push({ host: 'mondoo.test', hang: true });
    },
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.world.user.arn);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatch(
        /^The Mondoo token exchange: attempt 1 of 3 failed \(mondoo\.test:\d+ did not answer within 2s\); retrying in/,
      );
    },
  },

  // --- Clock skew --------------------------------------------------------------------------------------------
  ...[
    ['behind', 20 * 60_000],
    ['ahead of', -20 * 60_000],
  ].map(([direction, offset]): Scenario => ({
    name: `clock: this machine 20 minutes ${String(direction).replace(' of', '')}: re-signed once with the server's time, with a warning`,
    mode: 'env-long',
    prepare: (w) => w.setServerClockOffset(Number(offset)),
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.world.user.arn);
      // Refused once for its time, then signed again with the corrected time.
      expect(w.sims.mondoo.requests.map((q) => q.result?.status)).toEqual([401, 200]);
      expect(w.sims.mondoo.requests[0]!.result?.message).toMatch(/Signature (expired|not yet current)/);
      // One warning for the run, whichever server noticed first (the identity lookup was re-signed too).
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatch(
        new RegExp(
          `^This machine's clock is about 20 min ${direction} (Mondoo|STS)'s \\(by its Date header\\), and a signed request was refused for its time\\. Signing again with the server's time; fix the clock on this runner \\(NTP\\)\\.$`,
        ),
      );
    },
  })),
  {
    name: 'clock: role mode with this machine 20 minutes behind',
    mode: 'role',
    prepare: (w) => w.setServerClockOffset(20 * 60_000),
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.mondoo.issued[0]?.identity.arn ?? '?');
      expect(w.sims.mondoo.requests.map((q) => q.result?.status)).toEqual([401, 200]);
      expect(r.warnings.filter((m) => m.startsWith("This machine's clock is about 20 min behind"))).toHaveLength(1);
    },
  },
  {
    name: 'clock: 3 minutes off is within what STS accepts and left alone',
    mode: 'env-long',
    prepare: (w) => w.setServerClockOffset(3 * 60_000),
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.world.user.arn);
      expect(w.sims.mondoo.requests).toHaveLength(1);
      expect(r.warnings).toEqual([]);
    },
  },

  // --- Failure drills: the network ---------------------------------------------------------------------------
  {
    name: 'drill: the connection is reset before the answer, then the next attempt succeeds',
    mode: 'env-long',
    prepare: (w) => {
      w.sims.mondoo.script.push({ reset: true });
    },
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.world.user.arn);
      expect(w.sims.mondoo.requests).toHaveLength(2);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatch(
        /^The Mondoo token exchange: attempt 1 of 3 failed \(could not reach [\w.-]+(:\d+)?: the connection was reset before an answer arrived\); retrying in/,
      );
    },
  },
  {
    name: 'drill: a server that accepts and never answers: the per-attempt timeout ends the attempt, the next succeeds',
    mode: 'env-long',
    inputs: { 'attempt-timeout-seconds': '1' },
    prepare: (w) => {
      w.sims.mondoo.script.push({ hang: true });
    },
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.world.user.arn);
      expect(w.sims.mondoo.requests).toHaveLength(2);
      expect(r.warnings[0]).toMatch(
        /^The Mondoo token exchange: attempt 1 of 3 failed \([\w.-]+(:\d+)? did not answer within 1s\); retrying in/,
      );
      // The attempt's clock starts before connecting, the simulator's when the request arrives: time the run.
      expect(r.ms).toBeGreaterThanOrEqual(1000);
    },
  },
  {
    name: 'drill: the overall deadline stops the run with a clear message',
    mode: 'env-long',
    inputs: { 'attempt-timeout-seconds': '0.5', 'timeout-seconds': '1.5', 'max-attempts': '10' },
    prepare: (w) => {
      for (let i = 0; i < 10; i++) w.sims.mondoo.script.push({ hang: true });
    },
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(
        r,
        'TIMEOUT',
        /^The Mondoo token exchange did not succeed before the overall timeout \(timeout-seconds\) after \d attempts?\. Last error: [\w.-]+(:\d+)? did not answer within [\d.]+s$/,
      );
      expect(w.sims.mondoo.requests.length).toBeGreaterThanOrEqual(2);
      expect(w.sims.mondoo.requests.length).toBeLessThan(10);
      // The deadline, not the ten attempts, ended it (a generous bound for process start on a busy machine).
      expect(r.ms).toBeLessThan(8000);
      const times = w.sims.mondoo.requests.map((q) => q.time);
      expect(times.at(-1)! - times[0]!).toBeLessThan(1500);
    },
  },
  {
    name: 'drill: 429 with Retry-After: 1 is honoured',
    mode: 'env-long',
    prepare: (w) => {
      w.sims.mondoo.script.push({
        status: 429,
        json: { code: 8, message: 'slow down' },
        headers: { 'retry-after': '1' },
      });
    },
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.world.user.arn);
      expect(r.warnings).toEqual([
        expect.stringMatching(
          /^The Mondoo token exchange: attempt 1 of 3 failed \(Mondoo answered HTTP 429: ResourceExhausted: slow down\); retrying in 1s$/,
        ),
      ]);
      const [first, second] = w.sims.mondoo.requests;
      expect(second!.time - first!.time).toBeGreaterThanOrEqual(990);
    },
  },
  {
    name: 'drill: a 503 storm that outlasts the attempts ends with the last status',
    mode: 'env-long',
    inputs: { 'max-attempts': '3' },
    prepare: (w) => {
      for (let i = 1; i <= 3; i++)
        w.sims.mondoo.script.push({ status: 503, json: { code: 14, message: `overloaded (#${i})` } });
    },
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(
        r,
        'MONDOO_UNAVAILABLE',
        /^The Mondoo token exchange failed after 3 attempts: Mondoo answered HTTP 503: Unavailable: overloaded \(#3\)$/,
      );
      expect(w.sims.mondoo.requests).toHaveLength(3);
      expect(r.warnings).toHaveLength(2);
    },
  },

  {
    name: 'drill: two 503s are retried, each attempt signed afresh, and the third succeeds',
    mode: 'env-long',
    prepare: (w) => {
      w.sims.mondoo.script.push(
        { status: 503, json: { code: 14, message: 'unavailable' } },
        { status: 503, text: 'busy' },
      );
    },
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.world.user.arn);
      expect(w.sims.mondoo.requests).toHaveLength(3);
      expect(r.warnings).toHaveLength(2);
      expect(r.warnings[0]).toMatch(
        /^The Mondoo token exchange: attempt 1 of 3 failed \(Mondoo answered HTTP 503: Unavailable: unavailable\); retrying in \d/,
      );
    },
  },
  {
    name: "drill: a 400 is not retried and reports Mondoo's message",
    mode: 'env-long',
    prepare: (w) => {
      w.sims.mondoo.script.push({ status: 400, json: { code: 3, message: 'bad audience format' } });
    },
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(r, 'MONDOO_EXCHANGE_REFUSED', /^Mondoo answered HTTP 400: InvalidArgument: bad audience format$/);
      expect(w.sims.mondoo.requests).toHaveLength(1);
    },
  },
  {
    name: 'drill: an HTML error page from a proxy is reported by its title, after the retries',
    mode: 'env-long',
    inputs: { 'max-attempts': '2' },
    prepare: (w) => {
      for (let i = 0; i < 2; i++)
        w.sims.mondoo.script.push({
          status: 502,
          text: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
        });
    },
    code: { action: 1, cli: 1 },
    check: (r) => {
      failed(
        r,
        'MONDOO_UNAVAILABLE',
        /^The Mondoo token exchange failed after 2 attempts: Mondoo answered HTTP 502: an HTML page titled "502 Bad Gateway"/,
      );
    },
  },
  ...(
    [
      ['a 200 that is not JSON', { status: 200, text: 'hello' }, /HTTP 200, but not with a JSON object/],
      ['a 200 without a credential', { status: 200, json: {} }, /HTTP 200 without a base64_credential/],
      [
        'a credential that is not one',
        { status: 200, json: { base64_credential: Buffer.from('{"mrn":"x"}').toString('base64') } },
        /not a service-account credential: the field private_key is missing/,
      ],
    ] as const
  ).map(([what, fault, message]): Scenario => ({
    name: `drill: ${what} is an error, and nothing is handed over`,
    mode: 'env-long',
    prepare: (w) => {
      w.sims.mondoo.script.push({ ...fault });
    },
    code: { action: 1, cli: 1 },
    check: (r) => {
      failed(r, 'MONDOO_BAD_RESPONSE', message);
      if (r.kind === 'action')
        expect({ outputs: r.outputs, exported: r.exported }).toEqual({ outputs: {}, exported: {} });
    },
  })),
  {
    name: 'drill: STS cannot be asked who the credentials belong to: the credential is still delivered',
    mode: 'env-long',
    prepare: () => ({ AWS_ENDPOINT_URL_STS: 'https://127.0.0.1:9' }),
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      expect({ code: r.code, error: r.error, arn: r.arn }).toEqual({ code: 0, error: '', arn: undefined });
      expect(r.credential).toBe(w.sims.mondoo.issued[0]?.base64Credential);
    },
  },

  // --- Failure drills: STS and the OIDC provider -------------------------------------------------------------
  {
    name: 'drill: AssumeRoleWithWebIdentity throttled is retried with a fresh OIDC token',
    mode: 'role',
    prepare: (w) => {
      w.sims.sts.script.push({ action: 'AssumeRoleWithWebIdentity', throttle: true });
    },
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.mondoo.issued[0]?.identity.arn ?? '?');
      expect(assumeRequests(w)).toHaveLength(2);
      expect(w.sims.oidc.requests).toHaveLength(2);
      expect(r.warnings[0]).toMatch(
        /^AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role\/mondoo-ci: attempt 1 of 3 failed \(STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role\/mondoo-ci failed: Throttling: Rate exceeded\); retrying in/,
      );
    },
  },
  {
    name: 'drill: InvalidIdentityToken (the token audience) is not retried and points at the trust policy',
    mode: 'role',
    inputs: { 'web-identity-audience': 'api://not-sts' },
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(
        r,
        'STS_ASSUME_ROLE_REFUSED',
        /^STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role\/mondoo-ci failed: InvalidIdentityToken(Exception)?: Incorrect token audience\n/,
      );
      expect(r.error).toMatch(
        /Fix: check the role's trust policy\..*"aud" condition must equal the token's audience \(web-identity-audience\).*"sub" condition must match the token's subject\. The token presented: from GitHub Actions OIDC, iss "https:\/\/token\.actions\.githubusercontent\.com", aud "api:\/\/not-sts", sub "repo:org\/repo:ref:refs\/heads\/main"\.$/s,
      );
      expect(assumeRequests(w)).toHaveLength(1);
      expect(w.sims.mondoo.requests).toHaveLength(0);
    },
  },
  {
    name: 'drill: AccessDenied (the sub claim) is not retried and points at the trust policy',
    mode: 'role',
    inputs: { 'role-to-assume': OTHER_ROLE },
    prepare: (w) => {
      w.sims.sts.addRole({ roleArn: OTHER_ROLE, trustSubPattern: 'repo:other-org/other-repo:*' });
    },
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(
        r,
        'STS_ASSUME_ROLE_REFUSED',
        /^STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role\/other-repo failed: AccessDenied(Exception)?: Not authorized to perform sts:AssumeRoleWithWebIdentity\n/,
      );
      expect(r.error).toMatch(
        /check the role's trust policy.*"aud".*"sub" condition must match the token's subject.*sub "repo:org\/repo:ref:refs\/heads\/main"/s,
      );
      expect(assumeRequests(w)).toHaveLength(1);
    },
  },
  {
    name: 'drill: the OIDC endpoint answering 5xx is retried, fetching a fresh token',
    mode: 'role',
    prepare: (w) => {
      w.sims.oidc.script.push({ status: 503, json: { message: 'Service Unavailable' } });
    },
    code: { action: 0, cli: 0 },
    check: (r, w) => {
      succeeded(r, w, w.sims.mondoo.issued[0]?.identity.arn ?? '?');
      expect(w.sims.oidc.requests).toHaveLength(2);
      expect(assumeRequests(w)).toHaveLength(1);
      expect(tokenOf(assumeRequests(w)[0]!)).toBe(w.sims.oidc.tokens.at(-1));
      expect(r.warnings[0]).toMatch(
        /attempt 1 of 3 failed \(the GitHub OIDC token endpoint answered HTTP 503: Service Unavailable\.\); retrying in/,
      );
    },
  },
  {
    name: 'drill: the OIDC endpoint answering 403 says which permission is missing',
    mode: 'role',
    prepare: (w) => {
      w.sims.oidc.script.push({ status: 403, json: { message: 'Forbidden' } });
    },
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(
        r,
        'OIDC_TOKEN_UNAVAILABLE',
        /^the GitHub OIDC token endpoint answered HTTP 403: Forbidden\. Check that the job has `permissions: id-token: write`\.$/,
      );
      expect(w.sims.oidc.requests).toHaveLength(1);
      expect(w.sims.sts.requests).toHaveLength(0);
    },
  },

  // --- Failure drills: where the credentials come from -------------------------------------------------------
  {
    name: 'drill: IMDS not answering fails after its short limit and mentions the IMDSv2 hop limit',
    mode: 'imds',
    endToEnd: 'only',
    world: { imds: { silent: true } },
    inputs: { 'attempt-timeout-seconds': '1' },
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(
        r,
        'AWS_NO_CREDENTIALS',
        /^No AWS credentials found\. .* EC2 instance metadata \(IMDSv2\) did not answer within 1s\. On a self-hosted runner in a container, IMDSv2 answers only if the instance metadata hop limit is at least 2 \(aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2\)\./,
      );
      expect(w.sims.imds.requests.length).toBeGreaterThan(0);
      expect(w.sims.mondoo.requests).toHaveLength(0);
      expect(r.ms).toBeLessThan(10_000);
    },
  },
  {
    name: 'drill: no AWS credentials anywhere: the error says where it looked and what to do',
    mode: 'none',
    endToEnd: 'only',
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(
        r,
        'AWS_NO_CREDENTIALS',
        /^No AWS credentials found\. Looked in: environment variables AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY; the shared config and credentials files .*EC2 instance metadata \(IMDSv2\) \(disabled by AWS_EC2_METADATA_DISABLED\)\. /,
      );
      // The fix for where it runs: inside GitHub Actions configure-aws-credentials; the CLI in a plain shell, keys or a profile.
      expect(r.error).toMatch(
        r.kind === 'cli'
          ? /Fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*--role-to-assume ARN with --web-identity-token-file PATH/
          : /Fix: run aws-actions\/configure-aws-credentials before this step, or set (--)?role-to-assume \(the job needs permissions: id-token: write\)/,
      );
      expect(w.sims.imds.requests).toHaveLength(0);
      expect(w.sims.mondoo.requests).toHaveLength(0);
    },
  },
  {
    name: "drill: an expired session token in the environment shows STS's reason and the fix",
    mode: 'env-session',
    prepare: (w) => {
      const expired = w.sims.sts.addSessionKey({ arn: w.sims.world.session.arn, expiresAt: Date.now() - 60_000 });
      return {
        AWS_ACCESS_KEY_ID: expired.accessKeyId,
        AWS_SECRET_ACCESS_KEY: expired.secretAccessKey,
        AWS_SESSION_TOKEN: expired.sessionToken,
      };
    },
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(
        r,
        'STS_EXPIRED_TOKEN',
        /Mondoo answered HTTP 401: Unauthenticated: failed to verify AWS identity: STS returned ExpiredToken: The security token included in the request is expired\nFix: the temporary AWS credentials \(session token\) have expired\. Get fresh ones right before this step: run aws-actions\/configure-aws-credentials again/,
      );
      // Not the subject advice: the identity was never the problem.
      expect(r.error).not.toMatch(/subject/);
      // Not retried: a new signature with the same expired token cannot succeed.
      expect(w.sims.mondoo.requests).toHaveLength(1);
    },
  },
  {
    name: 'drill: Mondoo rejecting the identity names the ARN and the subject that would match',
    mode: 'env-session',
    prepare: (w) => {
      const intruder = w.sims.sts.addSessionKey({
        arn: 'arn:aws:sts::123456789012:assumed-role/other-role/session-7',
        expiresAt: Date.now() + 3_600_000,
      });
      return {
        AWS_ACCESS_KEY_ID: intruder.accessKeyId,
        AWS_SECRET_ACCESS_KEY: intruder.secretAccessKey,
        AWS_SESSION_TOKEN: intruder.sessionToken,
      };
    },
    code: { action: 1, cli: 1 },
    check: (r, w) => {
      failed(r, 'MONDOO_REJECTED_IDENTITY', /Mondoo answered HTTP 403: PermissionDenied/);
      expect(r.error).toContain('AWS identity presented: arn:aws:sts::123456789012:assumed-role/other-role/session-7');
      expect(r.error).toContain(
        "set the Mondoo identity provider's subject to: arn:aws:sts::123456789012:assumed-role/other-role/*",
      );
      // A refusal is not retried.
      expect(w.sims.mondoo.requests).toHaveLength(1);
    },
  },

  // --- proof aws-jwt (GetWebIdentityToken) ---------------------------------------------------------------------
  {
    name: 'proof aws-jwt: role mode, RS256: AssumeRoleWithWebIdentity, GetWebIdentityToken, the JWT exchanged',
    mode: 'role',
    endToEnd: 'also',
    code: { action: 0, cli: 0 },
    inputs: { proof: 'aws-jwt' },
    outputFile: true,
    inActions: true,
    check: (r, w) => {
      succeededWithJwt(r, w, w.sims.world.role.roleArn);
      expect(w.sims.sts.requests.map((q) => q.action)).toEqual(['AssumeRoleWithWebIdentity', 'GetWebIdentityToken']);
      expect(r.log).toContain(`AWS JWT: issuer ${w.sims.world.mondoo.jwtIssuer}, subject ${w.sims.world.role.roleArn}`);
    },
  },
  {
    name: 'proof aws-jwt: long-term keys, ES384, 3600 s',
    mode: 'env-long',
    endToEnd: 'also',
    code: { action: 0, cli: 0 },
    inputs: { proof: 'aws-jwt', 'aws-jwt-algorithm': 'ES384', 'aws-jwt-duration-seconds': '3600' },
    check: (r, w) => {
      succeededWithJwt(r, w, w.sims.world.user.arn);
      const request = w.sims.sts.requests.find((q) => q.action === 'GetWebIdentityToken')!;
      expect(new URLSearchParams(request.body).get('SigningAlgorithm')).toBe('ES384');
      expect(new URLSearchParams(request.body).get('DurationSeconds')).toBe('3600');
    },
  },
  {
    name: 'proof aws-jwt: through an authenticating CONNECT proxy (role mode)',
    mode: 'role',
    world: { proxy: PROXY },
    endToEnd: 'only',
    code: { action: 0, cli: 0 },
    inputs: { proof: 'aws-jwt' },
    check: (r, w) => {
      succeededWithJwt(r, w, w.sims.world.role.roleArn);
      // GetWebIdentityToken reused the tunnel to STS that AssumeRoleWithWebIdentity opened (or one of its own).
      expect(new Set(tunnels(w))).toEqual(
        new Set([
          `CONNECT oidc.test:${w.sims.oidc.port} 200`,
          `CONNECT sts.test:${w.sims.sts.port} 200`,
          `CONNECT mondoo.test:${w.sims.mondoo.port} 200`,
        ]),
      );
      expect(w.proxy!.requests.every((p) => p.proxyAuthorization === basic)).toBe(true);
    },
  },
  {
    name: 'drill: proof aws-jwt: GetWebIdentityToken answers 503 twice and is retried; the third attempt succeeds',
    mode: 'env-long',
    code: { action: 0, cli: 0 },
    inputs: { proof: 'aws-jwt' },
    prepare: (w) => {
      w.sims.sts.script.push(
        { action: 'GetWebIdentityToken', status: 503 },
        { action: 'GetWebIdentityToken', status: 503 },
      );
    },
    check: (r, w) => {
      succeededWithJwt(r, w, w.sims.world.user.arn);
      const attempts = w.sims.sts.requests.filter((q) => q.action === 'GetWebIdentityToken');
      expect(attempts).toHaveLength(3);
      // Re-signed per attempt (a new X-Amz-Date each time) is pinned in __tests__/unit/sts/web-identity-token.test.ts.
      expect(r.warnings).toHaveLength(2);
      expect(r.warnings[0]).toMatch(
        /^STS GetWebIdentityToken: attempt 1 of 3 failed \(STS GetWebIdentityToken failed: HTTP 503/,
      );
    },
  },
  {
    name: 'proof aws-jwt: outbound federation disabled fails with its code and the one-time command, nothing sent to Mondoo',
    mode: 'role',
    code: { action: 1, cli: 1 },
    inputs: { proof: 'aws-jwt' },
    prepare: (w) => {
      w.sims.sts.outbound.enabled = false;
    },
    check: (r, w) => {
      failed(r, 'AWS_OUTBOUND_FEDERATION_DISABLED', /aws iam enable-outbound-web-identity-federation/);
      expect(w.sims.mondoo.requests).toEqual([]);
    },
  },

  // --- Input mistakes ----------------------------------------------------------------------------------------
  {
    name: 'input: a universe-domain with credentials in it is refused without echoing them',
    mode: 'env-long',
    inputs: { 'universe-domain': 'https://admin:Un1verse-Pa55@mondoo.example.com/?org=1' },
    code: { action: 1, cli: 2 },
    check: (r, w) => {
      expect(r.errorCode).toBe('CONFIG_INVALID_INPUT');
      expect(r.error).toMatch(
        /"https:\/\/\*\*\*@mondoo\.example\.com\/\?org=1" must not contain a query string or fragment/,
      );
      expect(`${r.log}\n${r.stdout}`).not.toContain('Un1verse-Pa55');
      expect(w.sims.mondoo.requests).toHaveLength(0);
    },
  },
];

/** The exit code a scenario expects from a kind of run (the core in process reports as the Action does). */
export function expectedCode(s: Scenario, kind: Kind): number {
  return kind === 'action' || kind === 'core' ? s.code.action : s.code.cli;
}
