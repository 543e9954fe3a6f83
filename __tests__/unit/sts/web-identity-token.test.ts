/**
 * STS GetWebIdentityToken (proof aws-jwt): the exact form body and signed headers for fixed keys and a fixed
 * clock (the signature checked independently with aws4, through the STS simulator's verifier), the regional
 * endpoint, re-signing per attempt, and each STS refusal with its code and fix.
 */
import { describe, expect, it } from '@jest/globals';
import type { Clock } from '../../../src/core/network/clock.js';
import { errorCode, errorMessage } from '../../../src/core/safety/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/core/network/http.js';
import { retryBudget } from '../../../src/core/network/retry.js';
import { SigningClock } from '../../../src/core/proof/signing-clock.js';
import { stsTargetFor } from '../../../src/core/sts/sts.js';
import { readStsEndpoint } from '../../../src/core/config/config.js';
import {
  getWebIdentityToken,
  signWebIdentityTokenRequest,
  webIdentityTokenBody,
  type WebIdentityTokenRequest,
} from '../../../src/core/sts/web-identity-token.js';
import { verifySignedRequest } from '../../../testkit/sts.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLETOKEN';
const AT = new Date('2024-01-01T00:00:00Z');
const AUDIENCE = '//captain.api.mondoo.app/spaces/test-space-123';
const REQUEST: WebIdentityTokenRequest = { audience: AUDIENCE, algorithm: 'RS256', durationSeconds: 300 };
const EU_WEST_1 = { endpoint: 'https://sts.eu-west-1.amazonaws.com', region: 'eu-west-1' };
const BODY =
  'Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1=%2F%2Fcaptain.api.mondoo.app%2Fspaces%2Ftest-space-123&SigningAlgorithm=RS256&DurationSeconds=300';

/** aws4 (the STS simulator's verifier) checks a signed request as STS would, for the example keys. */
function verifiedByAws4(signed: { url: string; headers: Record<string, string>; body: string }, sessionToken?: string) {
  const store = new Map([
    [
      'AKIDEXAMPLE',
      {
        secretAccessKey: SECRET,
        arn: 'arn:aws:iam::123456789012:user/ci-user',
        accountId: '123456789012',
        userId: 'AIDA',
        ...(sessionToken ? { sessionToken } : {}),
      },
    ],
  ]);
  const url = new URL(signed.url);
  const headers = { ...signed.headers, host: url.host, 'content-length': String(Buffer.byteLength(signed.body)) };
  return verifySignedRequest(
    { method: 'POST', url: `${url.pathname}${url.search}`, headers, body: signed.body },
    store,
    AT.getTime(),
  );
}

describe('the GetWebIdentityToken request, byte for byte', () => {
  it('form body: Action, Version, Audience.member.1 (RFC 3986 encoded), SigningAlgorithm, DurationSeconds', () => {
    expect(webIdentityTokenBody(REQUEST)).toBe(BODY);
    expect(webIdentityTokenBody({ audience: "a b!'()*&=+", algorithm: 'ES384', durationSeconds: 3600 })).toBe(
      'Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1=a%20b%21%27%28%29%2A%26%3D%2B&SigningAlgorithm=ES384&DurationSeconds=3600',
    );
  });

  it('long-term keys: POST to the regional endpoint, signed headers content-length;content-type;host;x-amz-date', async () => {
    const signed = await signWebIdentityTokenRequest(
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET },
      REQUEST,
      EU_WEST_1,
      AT,
    );
    expect(signed).toEqual({
      url: 'https://sts.eu-west-1.amazonaws.com/',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=5281ebcd1f71222d5c16db77f61da53e6f2c721e537fd156254780932e4b93be',
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-amz-date': '20240101T000000Z',
        accept: 'text/xml',
      },
      body: BODY,
    });
    expect(verifiedByAws4(signed)).toMatchObject({ ok: true });
  });

  it('temporary credentials: x-amz-security-token sent and signed', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: SESSION_TOKEN };
    const signed = await signWebIdentityTokenRequest(credentials, REQUEST, EU_WEST_1, AT);
    expect(signed.headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, Signature=aa2b239dac941abfc60786b91b81b1aefd2fe1c13c937226182f668b28b2637b',
    );
    expect(signed.headers['x-amz-security-token']).toBe(SESSION_TOKEN);
    expect(verifiedByAws4(signed, SESSION_TOKEN)).toMatchObject({ ok: true });
    // A signature aws4 refuses is noticed: the same request with another body.
    expect(verifiedByAws4({ ...signed, body: BODY.replace('300', '301') }, SESSION_TOKEN)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
  });

  it('goes to the regional endpoint of the region, China included; AWS_ENDPOINT_URL_STS redirects it', () => {
    const target = (region: string, env: NodeJS.ProcessEnv) => stsTargetFor(region, readStsEndpoint(env));
    expect(target('eu-west-1', {})).toEqual(EU_WEST_1);
    expect(target('us-east-1', {}).endpoint).toBe('https://sts.us-east-1.amazonaws.com');
    expect(target('cn-north-1', {}).endpoint).toBe('https://sts.cn-north-1.amazonaws.com.cn');
    expect(target('eu-west-1', { AWS_ENDPOINT_URL_STS: 'https://127.0.0.1:8443' })).toEqual({
      endpoint: 'https://127.0.0.1:8443',
      region: 'eu-west-1',
    });
  });

  it('readStsEndpoint: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, trimmed; a blank one counts as unset', () => {
    expect(readStsEndpoint({})).toBeUndefined();
    expect(readStsEndpoint({ AWS_ENDPOINT_URL_STS: ' ', AWS_ENDPOINT_URL: '' })).toBeUndefined();
    expect(readStsEndpoint({ AWS_ENDPOINT_URL: ' https://all.test ' })).toEqual({
      variable: 'AWS_ENDPOINT_URL',
      value: 'https://all.test',
    });
    expect(readStsEndpoint({ AWS_ENDPOINT_URL_STS: 'https://sts.test', AWS_ENDPOINT_URL: 'https://all.test' })).toEqual(
      {
        variable: 'AWS_ENDPOINT_URL_STS',
        value: 'https://sts.test',
      },
    );
    expect(readStsEndpoint({ AWS_ENDPOINT_URL_STS: '  ', AWS_ENDPOINT_URL: 'https://all.test/' })).toEqual({
      variable: 'AWS_ENDPOINT_URL',
      value: 'https://all.test/',
    });
    // The path is kept without its trailing slashes.
    expect(stsTargetFor('us-east-1', { variable: 'AWS_ENDPOINT_URL', value: 'https://all.test/sts//' })).toEqual({
      endpoint: 'https://all.test/sts',
      region: 'us-east-1',
    });
  });
});

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET };
const xmlError = (code: string, message: string): string =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`;
const tokenAnswer = (token: string): string =>
  `<GetWebIdentityTokenResponse><GetWebIdentityTokenResult><WebIdentityToken>${token}</WebIdentityToken><Expiration>2024-01-01T00:05:00Z</Expiration></GetWebIdentityTokenResult></GetWebIdentityTokenResponse>`;

/** Runs getWebIdentityToken against scripted answers; the clock advances 1 s per request. */
async function run(answers: HttpResponse[], maxAttempts = 3) {
  let now = AT.getTime();
  const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms), random: () => 0 };
  const requests: HttpRequest[] = [];
  const secrets: string[] = [];
  const http: HttpClient = async (request) => {
    requests.push(request);
    now += 1000;
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no more answers');
    return answer;
  };
  const retry = retryBudget({ maxAttempts, attemptTimeoutMs: 5000, timeoutMs: 60_000 }, clock, () => undefined);
  const ctx = {
    http,
    credentials: KEYS,
    target: EU_WEST_1,
    signingClock: new SigningClock(clock, () => undefined),
    retry,
    secret: (v: string) => void secrets.push(v),
  };
  const outcome = await getWebIdentityToken(REQUEST, ctx).then(
    ({ token, serverTime }) => ({ token, serverTime, error: undefined }),
    (error: unknown) => ({ token: undefined, serverTime: undefined, error }),
  );
  return { ...outcome, requests, secrets };
}

describe('GetWebIdentityToken through the HTTP client', () => {
  it('returns the token, registered as a secret first', async () => {
    const r = await run([{ status: 200, headers: {}, body: tokenAnswer('aaa.bbb.ccc') }]);
    expect(r.token).toBe('aaa.bbb.ccc');
    expect(r.secrets).toEqual(['aaa.bbb.ccc']);
    expect(r.requests.map((q) => [q.method, q.url, q.body])).toEqual([
      ['POST', 'https://sts.eu-west-1.amazonaws.com/', BODY],
    ]);
  });

  it('re-signs every attempt after throttling and 5xx (a new X-Amz-Date each time)', async () => {
    const r = await run([
      { status: 400, headers: {}, body: xmlError('Throttling', 'Rate exceeded') },
      { status: 503, headers: {}, body: '' },
      { status: 200, headers: {}, body: tokenAnswer('aaa.bbb.ccc') },
    ]);
    expect(r.token).toBe('aaa.bbb.ccc');
    const dates = r.requests.map((q) => q.headers?.['x-amz-date']);
    expect(new Set(dates).size).toBe(3);
  });

  it.each([
    [
      'OutboundWebIdentityFederationDisabledException',
      403,
      'AWS_OUTBOUND_FEDERATION_DISABLED',
      'An account administrator enables it once with: aws iam enable-outbound-web-identity-federation',
    ],
    [
      'AccessDenied',
      403,
      'AWS_JWT_ACCESS_DENIED',
      `Add this statement to the policy of the role or user: {"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*","Condition":{"ForAllValues:StringEquals":{"sts:IdentityTokenAudience":"${AUDIENCE}"}}}`,
    ],
    [
      'SessionDurationEscalationException',
      403,
      'AWS_JWT_DURATION_TOO_LONG',
      'aws-jwt-duration-seconds (300) outlives the AWS session',
    ],
    ['JWTPayloadSizeExceededException', 400, 'AWS_JWT_PAYLOAD_TOO_LARGE', 'exceed its size limit'],
    // The API reference names the codes without "Exception" (the SDKs' shapes with it): both are recognised.
    [
      'OutboundWebIdentityFederationDisabled',
      403,
      'AWS_OUTBOUND_FEDERATION_DISABLED',
      'aws iam enable-outbound-web-identity-federation',
    ],
    ['SessionDurationEscalation', 403, 'AWS_JWT_DURATION_TOO_LONG', 'Lower aws-jwt-duration-seconds'],
    ['JWTPayloadSizeExceeded', 400, 'AWS_JWT_PAYLOAD_TOO_LARGE', 'exceed its size limit'],
    ['InvalidAction', 400, 'STS_FAILED', 'The global endpoint (sts.amazonaws.com) never does'],
    ['ExpiredToken', 403, 'STS_EXPIRED_TOKEN', 'the temporary AWS credentials (session token) have expired'],
  ])('%s (HTTP %s) is %s, not retried, with the fix', async (code, status, errorCodeWanted, fix) => {
    const r = await run([{ status, headers: {}, body: xmlError(code, 'refused') }]);
    expect(r.requests).toHaveLength(1);
    expect(errorCode(r.error)).toBe(errorCodeWanted);
    expect(errorMessage(r.error)).toContain(`STS GetWebIdentityToken failed: ${code}: refused\nFix: `);
    expect(errorMessage(r.error)).toContain(fix);
  });

  it('an answer without a token is STS_FAILED', async () => {
    const r = await run([{ status: 200, headers: {}, body: '<GetWebIdentityTokenResponse/>' }]);
    expect(errorCode(r.error)).toBe('STS_FAILED');
    expect(errorMessage(r.error)).toBe('STS GetWebIdentityToken answered HTTP 200 without a WebIdentityToken.');
  });
});
