/**
 * Tests of the loopback simulators themselves. Requests are signed here with plain node:crypto, so
 * the simulator's aws4-based verification is checked against a third implementation.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  CA_FILE,
  STS_REPLAY_BODY,
  STS_REPLAY_URL,
  goClientJwtToken,
  jwtTokenProblems,
  startSimulators,
  subjectMatches,
  verifySignedRequest,
  type Simulators,
} from '../../testkit/index.js';

const CA = readFileSync(CA_FILE);
const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const EXAMPLE_DATE = '20240101T000000Z';
const EXAMPLE_NOW = Date.parse('2024-01-01T00:00:00Z');

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/**
 * SigV4 headers for STS GetCallerIdentity, in the order Mondoo's Go client serializes them (host first).
 * Content-Length (43) is signed, as Go's request carries it, but not listed.
 */
function signGetCallerIdentity(creds: Creds, amzDate: string, host = 'sts.amazonaws.com'): [string, string][] {
  const headers: [string, string][] = [
    ['content-length', String(Buffer.byteLength(STS_REPLAY_BODY))],
    ['content-type', 'application/x-www-form-urlencoded'],
    ['host', host],
    ['x-amz-date', amzDate],
  ];
  if (creds.sessionToken) headers.push(['x-amz-security-token', creds.sessionToken]);
  const signedHeaders = headers.map(([name]) => name).join(';');
  const canonical = [
    'POST',
    '/',
    'Action=GetCallerIdentity&Version=2011-06-15',
    ...headers.map(([name, value]) => `${name}:${value}`),
    '',
    signedHeaders,
    sha256(STS_REPLAY_BODY),
  ].join('\n');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/us-east-1/sts/aws4_request`;
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, date), 'us-east-1'), 'sts'), 'aws4_request');
  const signature = createHmac('sha256', key)
    .update(['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n'))
    .digest('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return [
    ['host', host],
    ['Authorization', authorization],
    ['Content-Type', 'application/x-www-form-urlencoded'],
    ['X-Amz-Date', amzDate],
    ...(creds.sessionToken ? [['X-Amz-Security-Token', creds.sessionToken] as [string, string]] : []),
  ];
}

const amzDateOf = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
const signatureOf = (headers: [string, string][]) =>
  /Signature=([0-9a-f]+)/.exec(headerValue(headers, 'authorization'))?.[1];
const headerValue = (headers: [string, string][], name: string) =>
  headers.find(([key]) => key.toLowerCase() === name)?.[1] ?? '';

/** The jwt_token as Go writes it (the simulator's own encoder; its output is pinned below against the Go client's). */
function serialize(headers: [string, string][]): string {
  return goClientJwtToken(headers.map(([key, value]) => ({ key, value })));
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with the TEST-ONLY CA trusted and no connection reuse. */
function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        ca: CA,
        agent: false,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const xmlText = (xml: string, element: string) => new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml)?.[1];

describe('verifySignedRequest', () => {
  const store = new Map([
    [
      'AKIDEXAMPLE',
      {
        secretAccessKey: EXAMPLE_SECRET,
        arn: 'arn:aws:iam::123456789012:user/example',
        accountId: '123456789012',
        userId: 'AIDAEXAMPLE',
      },
    ],
    [
      'ASIAEXAMPLE',
      {
        secretAccessKey: EXAMPLE_SECRET,
        sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
        arn: 'arn:aws:sts::123456789012:assumed-role/example/session',
        accountId: '123456789012',
        userId: 'AROAEXAMPLE:session',
        expiresAt: EXAMPLE_NOW + 3600_000,
      },
    ],
  ]);
  const longTerm = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: EXAMPLE_SECRET };
  const session = { ...longTerm, accessKeyId: 'ASIAEXAMPLE', sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' };
  const asRequest = (headers: [string, string][], body = STS_REPLAY_BODY) => ({
    method: 'POST',
    url: STS_REPLAY_URL,
    headers: { ...Object.fromEntries(headers), 'content-length': String(Buffer.byteLength(body)) },
    body,
  });

  it("accepts the long-term key vector (the Go client's signature)", () => {
    const headers = signGetCallerIdentity(longTerm, EXAMPLE_DATE);
    expect(signatureOf(headers)).toBe('cd7e1f2542457434240df886a2ae7aa353634610eb352756ee9482b7c32eac36');
    expect(verifySignedRequest(asRequest(headers), store, EXAMPLE_NOW)).toEqual({
      ok: true,
      identity: {
        arn: 'arn:aws:iam::123456789012:user/example',
        accountId: '123456789012',
        userId: 'AIDAEXAMPLE',
        accessKeyId: 'AKIDEXAMPLE',
      },
    });
  });

  it("accepts the session credentials vector (the Go client's signature)", () => {
    const headers = signGetCallerIdentity({ ...session, accessKeyId: 'AKIDEXAMPLE' }, EXAMPLE_DATE);
    expect(headerValue(headers, 'authorization')).toContain(
      'SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token,',
    );
    expect(signatureOf(headers)).toBe('4930334e4581614f90dbb34c23de6b6dd97bd9c4f68297d40f0e006562d786ce');
    const sessionStore = new Map([['AKIDEXAMPLE', { ...store.get('ASIAEXAMPLE')! }]]);
    const verdict = verifySignedRequest(asRequest(headers), sessionStore, EXAMPLE_NOW);
    expect(verdict).toMatchObject({
      ok: true,
      identity: { arn: 'arn:aws:sts::123456789012:assumed-role/example/session' },
    });
  });

  it('rejects a tampered signature', () => {
    const headers = signGetCallerIdentity(longTerm, EXAMPLE_DATE).map(([k, v]): [string, string] => [
      k,
      k === 'Authorization' ? v.replace(/Signature=./, 'Signature=0') : v,
    ]);
    expect(verifySignedRequest(asRequest(headers), store, EXAMPLE_NOW)).toMatchObject({
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
  });

  it('rejects a signature over another body', () => {
    const headers = signGetCallerIdentity(longTerm, EXAMPLE_DATE);
    const verdict = verifySignedRequest(
      asRequest(headers, 'Action=GetCallerIdentity&Version=2011-06-15&x=1'),
      store,
      EXAMPLE_NOW,
    );
    expect(verdict).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('rejects an X-Amz-Date more than 15 minutes old', () => {
    const headers = signGetCallerIdentity(longTerm, EXAMPLE_DATE);
    expect(verifySignedRequest(asRequest(headers), store, EXAMPLE_NOW + 14 * 60_000)).toMatchObject({ ok: true });
    expect(verifySignedRequest(asRequest(headers), store, EXAMPLE_NOW + 16 * 60_000)).toMatchObject({
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: expect.stringContaining('Signature expired: 20240101T000000Z is now earlier than'),
    });
  });

  it('rejects a wrong session token and an expired session', () => {
    const wrongToken = signGetCallerIdentity({ ...session, sessionToken: 'other' }, EXAMPLE_DATE);
    expect(verifySignedRequest(asRequest(wrongToken), store, EXAMPLE_NOW)).toMatchObject({
      ok: false,
      code: 'InvalidClientTokenId',
    });
    const late = EXAMPLE_NOW + 2 * 3600_000;
    const expired = signGetCallerIdentity(session, amzDateOf(late));
    expect(verifySignedRequest(asRequest(expired), store, late)).toMatchObject({ ok: false, code: 'ExpiredToken' });
  });

  it('requires host and x-amz-date to be signed', () => {
    const headers = signGetCallerIdentity(longTerm, EXAMPLE_DATE).map(([k, v]): [string, string] => [
      k,
      k === 'Authorization'
        ? v.replace(
            'SignedHeaders=content-length;content-type;host;x-amz-date',
            'SignedHeaders=content-length;content-type;x-amz-date',
          )
        : v,
    ]);
    expect(verifySignedRequest(asRequest(headers), store, EXAMPLE_NOW)).toMatchObject({
      ok: false,
      code: 'IncompleteSignature',
    });
  });
});

describe('subjectMatches', () => {
  const wildcard = 'arn:aws:sts::123456789012:assumed-role/RoleName/*';

  it('matches exact subjects and one final path segment for /*', () => {
    expect(subjectMatches('arn:aws:iam::123456789012:user/ci-user', 'arn:aws:iam::123456789012:user/ci-user')).toBe(
      true,
    );
    expect(subjectMatches(wildcard, 'arn:aws:sts::123456789012:assumed-role/RoleName/session-1')).toBe(true);
  });

  it('rejects other roles, deeper paths, empty segments and near misses', () => {
    expect(subjectMatches('arn:aws:iam::123456789012:user/ci-user', 'arn:aws:iam::123456789012:user/ci-user2')).toBe(
      false,
    );
    expect(subjectMatches(wildcard, 'arn:aws:sts::123456789012:assumed-role/OtherRole/session-1')).toBe(false);
    expect(subjectMatches(wildcard, 'arn:aws:sts::123456789012:assumed-role/RoleName/a/b')).toBe(false);
    expect(subjectMatches(wildcard, 'arn:aws:sts::123456789012:assumed-role/RoleName/')).toBe(false);
    expect(subjectMatches(wildcard, 'arn:aws:sts::123456789012:assumed-role/RoleNameX/s')).toBe(false);
    expect(subjectMatches(wildcard, 'arn:aws:sts::999999999999:assumed-role/RoleName/s')).toBe(false);
  });
});

describe('jwtTokenProblems', () => {
  const headers = signGetCallerIdentity({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: EXAMPLE_SECRET }, EXAMPLE_DATE);
  /** The Go client's reference token for these keys and this time (go-client-vectors.txt, case a). */
  const GO_CLIENT_TOKEN =
    '{"headers":[{"key":"host","value":"sts.amazonaws.com"},{"key":"Authorization","value":"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=cd7e1f2542457434240df886a2ae7aa353634610eb352756ee9482b7c32eac36"},{"key":"Content-Type","value":"application/x-www-form-urlencoded"},{"key":"X-Amz-Date","value":"20240101T000000Z"}],"method":"POST","url":"https://sts.amazonaws.com/?Action=GetCallerIdentity\\u0026Version=2011-06-15"}';

  it("the simulator writes the Go client's reference token, and accepts it", () => {
    expect(serialize(headers)).toBe(GO_CLIENT_TOKEN);
    expect(jwtTokenProblems(GO_CLIENT_TOKEN)).toEqual([]);
  });

  it.each<[string, string, RegExp]>([
    [
      'keys in JSON.stringify order',
      JSON.stringify({ url: STS_REPLAY_URL, method: 'POST', headers: JSON.parse(GO_CLIENT_TOKEN).headers }),
      /top-level keys are "url,method,headers"/,
    ],
    [
      'a body field',
      GO_CLIENT_TOKEN.replace('"method"', '"body":"x","method"'),
      /top-level keys are "headers,body,method,url"/,
    ],
    ['a plain & in the URL', GO_CLIENT_TOKEN.replace('\\u0026', '&'), /not what Go's encoding\/json writes/],
    [
      'spaces after the separators',
      GO_CLIENT_TOKEN.replace('"method":"POST"', '"method": "POST"'),
      /not what Go's encoding\/json writes/,
    ],
    [
      'content-length not signed',
      GO_CLIENT_TOKEN.replace('SignedHeaders=content-length;', 'SignedHeaders='),
      /SignedHeaders is "content-type;host;x-amz-date", expected "content-length;content-type;host;x-amz-date"/,
    ],
    [
      'headers out of order',
      serialize([headers[0]!, ...headers.slice(1).reverse()]),
      /header keys are "host,X-Amz-Date,Content-Type,Authorization"/,
    ],
    ['not JSON', 'nope', /not a JSON object/],
  ])('reports %s', (_, token, problem) => {
    expect(jwtTokenProblems(token).join('; ')).toMatch(problem);
  });
});

describe('simulators', () => {
  let sims: Simulators;

  beforeAll(async () => {
    sims = await startSimulators();
  });

  afterAll(async () => {
    await sims.close();
  });

  const exchange = (jwtToken: string, overrides: Record<string, string> = {}, contentType = 'application/json') =>
    send(sims.mondoo.exchangeUrl, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: JSON.stringify({
        audience: sims.world.mondoo.audience,
        issuer_uri: 'https://sts.amazonaws.com',
        jwt_token: jwtToken,
        ...overrides,
      }),
    });

  const callerIdentity = (creds: Creds) => {
    const host = `127.0.0.1:${sims.sts.port}`;
    const headers = signGetCallerIdentity(creds, amzDateOf(Date.now()), host);
    return send(`${sims.sts.url}/?Action=GetCallerIdentity&Version=2011-06-15`, {
      method: 'POST',
      headers: Object.fromEntries(headers),
      body: STS_REPLAY_BODY,
    });
  };

  const githubToken = async (audience: string) => {
    const reply = await send(`${sims.oidc.requestUrl}&audience=${encodeURIComponent(audience)}`, {
      headers: { authorization: `Bearer ${sims.oidc.requestToken}` },
    });
    expect(reply.status).toBe(200);
    return (JSON.parse(reply.body) as { value: string }).value;
  };

  const assumeRole = (token: string, roleArn = sims.world.role.roleArn) =>
    send(sims.sts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        Action: 'AssumeRoleWithWebIdentity',
        Version: '2011-06-15',
        RoleArn: roleArn,
        RoleSessionName: 'gh-run-42',
        WebIdentityToken: token,
        DurationSeconds: '900',
      }).toString(),
    });

  it('answers GetCallerIdentity for the IAM user, and rejects a skewed clock with a Date header', async () => {
    const ok = await callerIdentity(sims.world.user);
    expect(ok.status).toBe(200);
    expect(xmlText(ok.body, 'Arn')).toBe('arn:aws:iam::123456789012:user/ci-user');
    expect(xmlText(ok.body, 'Account')).toBe('123456789012');

    sims.sts.clockOffsetMs = 20 * 60_000;
    try {
      const skewed = await callerIdentity(sims.world.user);
      expect(skewed.status).toBe(403);
      expect(xmlText(skewed.body, 'Code')).toBe('SignatureDoesNotMatch');
      expect(Date.parse(String(skewed.headers.date))).toBeGreaterThan(Date.now() + 15 * 60_000);
    } finally {
      sims.sts.clockOffsetMs = 0;
    }
  });

  it('exchanges a signed request for a credential issued to that identity', async () => {
    const jwtToken = serialize(signGetCallerIdentity(sims.world.session, amzDateOf(Date.now())));
    const reply = await exchange(jwtToken);
    expect(reply.status).toBe(200);
    const { base64_credential: base64 } = JSON.parse(reply.body) as { base64_credential: string };
    const credential = JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as Record<string, string>;
    expect(credential).toMatchObject({
      mrn: expect.stringMatching(/^\/\/agents\.api\.mondoo\.app\/spaces\/test-space-123\/serviceaccounts\/\w+$/),
      space_mrn: '//captain.api.mondoo.app/spaces/test-space-123',
      private_key: expect.stringContaining('-----BEGIN PRIVATE KEY-----'),
      certificate: expect.stringContaining('-----BEGIN CERTIFICATE-----'),
      api_endpoint: 'https://us.api.mondoo.com',
    });
    const issued = sims.mondoo.issued.find((entry) => entry.base64Credential === base64);
    expect(issued?.identity.arn).toBe(sims.world.session.arn);
    expect(issued?.request.shapeOk).toBe(true);
    expect(sims.secrets()).toEqual(
      expect.arrayContaining([base64, credential.private_key, jwtToken, sims.world.session.sessionToken]),
    );
  });

  it('enforces the JSON content type', async () => {
    const reply = await exchange('not json', {}, 'text/plain');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ code: 3, message: 'invalid content type: text/plain' });
    const badToken = await exchange('not json', {}, 'application/json; charset=utf-8');
    expect(JSON.parse(badToken.body)).toEqual({ code: 3, message: 'jwt_token is not a serialized request' });
  });

  it("refuses a jwt_token that is not in the Go client's exact form, before verifying it", async () => {
    const headers = signGetCallerIdentity(sims.world.user, amzDateOf(Date.now()));
    const stringified = JSON.stringify({
      url: STS_REPLAY_URL,
      method: 'POST',
      headers: headers.map(([key, value]) => ({ key, value })),
    });
    const reply = await exchange(stringified);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({
      code: 3,
      message: expect.stringMatching(
        /^jwt_token is not the request Mondoo's client sends: top-level keys are "url,method,headers", expected "headers,method,url"/,
      ),
    });
    const listed = await exchange(serialize([...headers, ['Content-Length', '43']]));
    expect(listed.status).toBe(400);
    expect(JSON.parse(listed.body)).toMatchObject({
      code: 3,
      message: expect.stringContaining('must not list Content-Length'),
    });
    expect(sims.mondoo.issued.filter((i) => i.request.jwtToken === stringified)).toEqual([]);
  });

  it('answers response_type TOKEN with a short-lived token, and refuses an unknown response_type', async () => {
    const jwtToken = serialize(signGetCallerIdentity(sims.world.user, amzDateOf(Date.now())));
    const reply = await exchange(jwtToken, { response_type: 'TOKEN' });
    expect(reply.status).toBe(200);
    const decoded = JSON.parse(
      Buffer.from((JSON.parse(reply.body) as { base64_credential: string }).base64_credential, 'base64').toString(
        'utf8',
      ),
    ) as Record<string, string>;
    expect(decoded).toEqual({
      token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      mrn: expect.stringMatching(/^\/\/agents\.api\.mondoo\.app\/spaces\/test-space-123\/serviceaccounts\/\w+$/),
      scope_mrn: '//captain.api.mondoo.app/spaces/test-space-123',
      api_endpoint: 'https://us.api.mondoo.com',
    });
    expect(sims.mondoo.tokens.at(-1)?.token.token).toBe(decoded['token']);
    expect(sims.secrets()).toContain(decoded['token']);
    const bad = await exchange(jwtToken, { response_type: 'token' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ code: 3, message: 'invalid response_type: "token"' });
  });

  it('answers 401, 403 and 404 like Mondoo', async () => {
    const stranger = sims.sts.addLongTermKey({ arn: 'arn:aws:iam::123456789012:user/stranger' });
    const mismatch = await exchange(serialize(signGetCallerIdentity(stranger, amzDateOf(Date.now()))));
    expect(mismatch.status).toBe(403);
    expect(JSON.parse(mismatch.body)).toMatchObject({
      code: 7,
      message: expect.stringContaining('arn:aws:iam::123456789012:user/stranger does not match'),
    });

    const forged = await exchange(
      serialize(signGetCallerIdentity({ ...sims.world.user, secretAccessKey: 'wrong' }, amzDateOf(Date.now()))),
    );
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body)).toMatchObject({
      code: 16,
      message: expect.stringContaining('SignatureDoesNotMatch'),
    });

    const unknown = await exchange(serialize(signGetCallerIdentity(sims.world.user, amzDateOf(Date.now()))), {
      audience: '//captain.api.mondoo.app/spaces/nope',
    });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 5 });
  });

  it('assumes the role with a GitHub OIDC token, and the session proves the assumed role', async () => {
    const reply = await assumeRole(await githubToken('sts.amazonaws.com'));
    expect(reply.status).toBe(200);
    expect(xmlText(reply.body, 'Arn')).toBe('arn:aws:sts::123456789012:assumed-role/mondoo-ci/gh-run-42');
    expect(xmlText(reply.body, 'SubjectFromWebIdentityToken')).toBe('repo:org/repo:ref:refs/heads/main');
    const creds = {
      accessKeyId: String(xmlText(reply.body, 'AccessKeyId')),
      secretAccessKey: String(xmlText(reply.body, 'SecretAccessKey')),
      sessionToken: String(xmlText(reply.body, 'SessionToken')),
    };
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(Date.parse(String(xmlText(reply.body, 'Expiration')))).toBeGreaterThan(Date.now() + 800_000);
    const identity = await callerIdentity(creds);
    expect(xmlText(identity.body, 'Arn')).toBe('arn:aws:sts::123456789012:assumed-role/mondoo-ci/gh-run-42');
  });

  it('rejects a token for another audience, a missing role and an unauthenticated token request', async () => {
    const wrongAudience = await assumeRole(await githubToken('https://github.com/org'));
    expect(wrongAudience.status).toBe(400);
    expect(xmlText(wrongAudience.body, 'Code')).toBe('InvalidIdentityToken');

    const noRole = await assumeRole(
      sims.oidc.mint({ aud: 'sts.amazonaws.com' }),
      'arn:aws:iam::123456789012:role/nope',
    );
    expect(noRole.status).toBe(403);
    expect(xmlText(noRole.body, 'Message')).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity');

    const noBearer = await send(`${sims.oidc.requestUrl}&audience=sts.amazonaws.com`);
    expect(noBearer.status).toBe(401);
  });

  it('serves IMDSv2 instance credentials that prove the instance role', async () => {
    const base = sims.imds.url;
    expect((await send(`${base}/latest/meta-data/iam/security-credentials/`)).status).toBe(401);
    const token = await send(`${base}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
    });
    expect(token.status).toBe(200);
    const auth = { 'x-aws-ec2-metadata-token': token.body };
    const role = await send(`${base}/latest/meta-data/iam/security-credentials/`, { headers: auth });
    expect(role.body).toBe('RunnerRole');
    const doc = JSON.parse(
      (await send(`${base}/latest/meta-data/iam/security-credentials/RunnerRole`, { headers: auth })).body,
    ) as Record<string, string>;
    expect(doc).toMatchObject({ Code: 'Success', Type: 'AWS-HMAC' });
    const identity = await callerIdentity({
      accessKeyId: String(doc.AccessKeyId),
      secretAccessKey: String(doc.SecretAccessKey),
      sessionToken: doc.Token,
    });
    expect(xmlText(identity.body, 'Arn')).toBe('arn:aws:sts::123456789012:assumed-role/RunnerRole/i-0123456789abcdef0');
  });

  it('is read correctly by the AWS SDK instance metadata provider', async () => {
    const { fromInstanceMetadata } = await import('@smithy/credential-provider-imds');
    const env = sims.env('imds');
    const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
    Object.assign(process.env, env);
    try {
      const creds = await fromInstanceMetadata()();
      expect(creds.accessKeyId).toBe(sims.world.instance.accessKeyId);
      expect(creds.sessionToken).toBe(sims.world.instance.sessionToken);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('plays scripted faults in order, filtered by action', async () => {
    sims.mondoo.script.push(
      { status: 503, json: { code: 14, message: 'unavailable' } },
      { status: 429, json: { code: 8, message: 'slow down' }, headers: { 'retry-after': '2' } },
    );
    const jwtToken = serialize(signGetCallerIdentity(sims.world.user, amzDateOf(Date.now())));
    expect((await exchange(jwtToken)).status).toBe(503);
    const limited = await exchange(jwtToken);
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '2']);
    expect((await exchange(jwtToken)).status).toBe(200);

    sims.sts.script.push({ action: 'AssumeRoleWithWebIdentity', throttle: true });
    expect((await callerIdentity(sims.world.user)).status).toBe(200);
    const throttled = await assumeRole(sims.oidc.mint({ aud: 'sts.amazonaws.com' }));
    expect([throttled.status, xmlText(throttled.body, 'Code')]).toEqual([400, 'Throttling']);

    sims.mondoo.script.push({ reset: true }, { hang: true });
    await expect(exchange(jwtToken)).rejects.toThrow();
    await expect(send(sims.mondoo.exchangeUrl, { method: 'POST', timeoutMs: 300 })).rejects.toThrow(/aborted|timeout/i);
    expect(sims.mondoo.script).toEqual([]);
  });
});
