/**
 * The simulators of proof aws-jwt themselves: STS GetWebIdentityToken (signature checked with aws4, the global
 * host refused as AWS refuses it, a JWT that an independent verifier — jose, with the simulator's own discovery
 * document and JWKS — accepts for both algorithms), and the Mondoo simulator's custom OIDC providers, which
 * refuse a token with another audience, an expired one and one whose signature was tampered with.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { signWebIdentityTokenRequest } from '../../src/core/sts/web-identity-token.js';
import { CA_FILE, startSimulators, type Simulators } from '../../testkit/index.js';

const CA = readFileSync(CA_FILE);
let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  await sims.close();
});
beforeEach(() => sims.clearRecords());

/** One HTTPS request to a simulator, with the Host header given (as a client of another host would send it). */
function send(url: string, opts: { method: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    // The certificate is checked for localhost whatever the Host header says (the simulators' certificate names it).
    const req = httpsRequest(
      url,
      { method: opts.method, headers: opts.headers ?? {}, ca: CA, servername: 'localhost' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** GetWebIdentityToken for the IAM user, signed for `endpoint` (its host goes in the Host header), sent to the simulator. */
async function getToken(algorithm: 'RS256' | 'ES384', endpoint = sims.sts.url, audience = sims.world.mondoo.audience) {
  const { accessKeyId, secretAccessKey } = sims.world.user;
  const signed = await signWebIdentityTokenRequest(
    { accessKeyId, secretAccessKey },
    { audience, algorithm, durationSeconds: 300 },
    { endpoint, region: 'eu-west-1' },
    new Date(),
  );
  const host = new URL(endpoint).host;
  const body = signed.body;
  const r = await send(`${sims.sts.url}/`, {
    method: 'POST',
    headers: { ...signed.headers, host, 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  return { ...r, token: /<WebIdentityToken>([^<]*)<\/WebIdentityToken>/.exec(r.body)?.[1] };
}

const getJson = async (url: string): Promise<unknown> =>
  JSON.parse((await send(url, { method: 'GET' })).body) as unknown;

describe('the STS simulator: GetWebIdentityToken', () => {
  it.each(['RS256', 'ES384'] as const)(
    '%s: a JWT jose verifies with the discovery document and JWKS it serves',
    async (alg) => {
      const r = await getToken(alg);
      expect(r.status).toBe(200);
      const discovery = (await getJson(`${sims.sts.url}/.well-known/openid-configuration`)) as {
        issuer: string;
        jwks_uri: string;
      };
      expect(discovery.issuer).toBe(sims.sts.url);
      const jwks = (await getJson(discovery.jwks_uri)) as JSONWebKeySet;
      const { payload, protectedHeader } = await jwtVerify(r.token!, createLocalJWKSet(jwks), {
        issuer: sims.sts.url,
        audience: sims.world.mondoo.audience,
      });
      expect(protectedHeader.alg).toBe(alg);
      expect(payload).toMatchObject({
        sub: sims.world.user.arn,
        'https://sts.amazonaws.com/': { aws_account: '123456789012', source_region: 'eu-west-1' },
      });
      expect(payload.exp! - payload.iat!).toBe(300);
    },
  );

  it('refuses the global endpoint (Host sts.amazonaws.com) as AWS does, whatever the signature', async () => {
    const r = await getToken('RS256', 'https://sts.amazonaws.com');
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>InvalidAction</Code>');
    expect(r.token).toBeUndefined();
  });

  it('checks the signature with aws4: a request signed for another host is SignatureDoesNotMatch', async () => {
    const { accessKeyId, secretAccessKey } = sims.world.user;
    const signed = await signWebIdentityTokenRequest(
      { accessKeyId, secretAccessKey },
      { audience: 'a', algorithm: 'RS256', durationSeconds: 300 },
      { endpoint: 'https://sts.eu-west-1.amazonaws.com', region: 'eu-west-1' },
      new Date(),
    );
    const r = await send(`${sims.sts.url}/`, { method: 'POST', headers: signed.headers, body: signed.body });
    expect(r.status).toBe(403);
    expect(r.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe("the Mondoo simulator's custom OIDC providers", () => {
  const exchange = (jwt: string, audience = sims.world.mondoo.audience) =>
    send(sims.mondoo.exchangeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ audience, issuer_uri: sims.world.mondoo.jwtIssuer, jwt_token: jwt }),
    });

  it('issues a credential for a verified token whose subject a provider allows', async () => {
    const r = await exchange((await getToken('ES384')).token!);
    expect(r.status).toBe(200);
    expect(sims.mondoo.issued[0]!.identity.arn).toBe(sims.world.user.arn);
  });

  it('refuses a token for another audience, an expired one, and a tampered one (401)', async () => {
    const other = await getToken('RS256', sims.sts.url, 'someone-else');
    sims.mondoo.addOidcProvider({
      audience: 'someone-else-too',
      issuerUri: sims.world.mondoo.jwtIssuer,
      subject: '*',
      spaceMrn: '//x/spaces/y',
    });
    expect((await exchange(other.token!, 'someone-else-too')).status).toBe(401);

    const token = (await getToken('RS256')).token!;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'arn:aws:iam::123456789012:role/mondoo-ci' })).toString(
      'base64url',
    );
    const tampered = await exchange(`${header}.${forged}.${signature}`);
    expect(tampered.status).toBe(401);
    expect(tampered.body).toContain('signature verification failed');

    sims.mondoo.clockOffsetMs = 301_000;
    try {
      const expired = await exchange(token);
      expect(expired.status).toBe(401);
      expect(expired.body).toContain('exp\\" claim timestamp check failed');
    } finally {
      sims.mondoo.clockOffsetMs = 0;
    }
    expect(sims.mondoo.issued).toEqual([]);
  });

  it('refuses (403) a verified token whose subject no provider allows', async () => {
    const key = sims.sts.addLongTermKey({ arn: 'arn:aws:iam::123456789012:user/stranger' });
    const signed = await signWebIdentityTokenRequest(
      key,
      { audience: sims.world.mondoo.audience, algorithm: 'RS256', durationSeconds: 60 },
      { endpoint: sims.sts.url, region: 'us-east-1' },
      new Date(),
    );
    const answer = await send(`${sims.sts.url}/`, { method: 'POST', headers: signed.headers, body: signed.body });
    const jwt = /<WebIdentityToken>([^<]*)<\/WebIdentityToken>/.exec(answer.body)![1]!;
    const r = await exchange(jwt);
    expect(r.status).toBe(403);
    expect(r.body).toContain('subject arn:aws:iam::123456789012:user/stranger does not match');
  });
});
