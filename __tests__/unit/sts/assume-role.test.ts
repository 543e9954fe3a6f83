/**
 * AssumeRoleWithWebIdentity without the AWS SDK: the exact request, the parsed answer, and how each refusal
 * is classified (retried or not) and explained. AssumeRole signed by the tool (role_arn + credential_source): the
 * exact signed request for fixed keys and a fixed clock, checked independently with aws4.
 */
import { describe, expect, it } from '@jest/globals';
import { AuthError, HttpFailure, isTransient } from '../../../src/core/safety/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/core/network/http.js';
import {
  assumeRole,
  assumeRoleForm,
  signAssumeRoleRequest,
  type AssumeRoleRequest,
} from '../../../src/core/sts/assume-role.js';
import { assumeRoleBody, assumeRoleWithWebIdentity, type AssumeRoleParams } from '../../../src/core/sts/sts.js';
import { verifySignedRequest } from '../../../testkit/sts.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9yZXBvIn0.c2ln';
const PARAMS: AssumeRoleParams = {
  roleArn: 'arn:aws:iam::123456789012:role/ci/mondoo-ci',
  sessionName: 'GitHubActions',
  durationSeconds: 900,
  webIdentityToken: TOKEN,
  tokenDescription: 'from GitHub Actions OIDC, sub "repo:org/repo"',
  target: { endpoint: 'https://sts.eu-west-1.amazonaws.com', region: 'eu-west-1' },
  timeoutMs: 4000,
};

const OK_XML = `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLEEXAMPLE01</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==</SessionToken>
      <Expiration>2026-11-23T18:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLE:GitHubActions</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/mondoo-ci/GitHubActions</Arn>
    </AssumedRoleUser>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>`;

const errorXml = (code: string, message: string): string =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r1</RequestId></ErrorResponse>`;

function scripted(response: HttpResponse): { http: HttpClient; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    http: async (request) => {
      requests.push(request);
      return response;
    },
  };
}

async function refusal(status: number, body: string): Promise<AuthError> {
  const { http } = scripted({ status, headers: { date: 'Mon, 23 Nov 2026 17:00:00 GMT' }, body });
  try {
    await assumeRoleWithWebIdentity(http, PARAMS);
  } catch (err) {
    if (err instanceof AuthError) return err;
    throw err;
  }
  throw new Error('expected an AuthError');
}

describe('AssumeRoleWithWebIdentity', () => {
  it('is one form POST to the STS endpoint, fields in the order the AWS SDK sends them', async () => {
    expect(assumeRoleBody(PARAMS)).toBe(
      'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fci%2Fmondoo-ci' +
        `&RoleSessionName=GitHubActions&WebIdentityToken=${TOKEN}&DurationSeconds=900`,
    );
    const { http, requests } = scripted({ status: 200, headers: {}, body: OK_XML });
    await assumeRoleWithWebIdentity(http, PARAMS);
    expect(requests).toEqual([
      {
        url: 'https://sts.eu-west-1.amazonaws.com/',
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'text/xml' },
        body: assumeRoleBody(PARAMS),
        timeoutMs: 4000,
      },
    ]);
  });

  it('returns the temporary credentials, the assumed-role ARN and the expiry', async () => {
    const { http } = scripted({ status: 200, headers: {}, body: OK_XML });
    expect(await assumeRoleWithWebIdentity(http, PARAMS)).toEqual({
      credentials: {
        accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==',
      },
      identity: { arn: 'arn:aws:sts::123456789012:assumed-role/mondoo-ci/GitHubActions', accountId: '123456789012' },
      expiration: new Date('2026-11-23T18:00:00Z'),
    });
  });

  it('refuses an answer without credentials', async () => {
    const err = await refusal(
      200,
      '<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult/></AssumeRoleWithWebIdentityResponse>',
    );
    expect(err.message).toBe(
      'STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role/ci/mondoo-ci answered without credentials',
    );
    expect(isTransient(err)).toBe(false);
  });

  it('does not retry a refused token, and points at the trust policy with the token presented', async () => {
    const err = await refusal(400, errorXml('InvalidIdentityToken', 'Incorrect token audience'));
    expect(isTransient(err)).toBe(false);
    expect(err).toBeInstanceOf(HttpFailure);
    expect(err.code).toBe('STS_ASSUME_ROLE_REFUSED');
    expect((err as HttpFailure).status).toBe(400);
    expect(err.message).toBe(
      'STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role/ci/mondoo-ci failed: InvalidIdentityToken: Incorrect token audience\n' +
        'Fix: check the role\'s trust policy. It must trust the OIDC provider that issued the token, its "aud" condition must equal the token\'s audience (web-identity-audience), and its "sub" condition must match the token\'s subject. The token presented: from GitHub Actions OIDC, sub "repo:org/repo".',
    );
    expect((await refusal(400, errorXml('ExpiredTokenException', 'Token expired'))).message).toMatch(
      /failed: ExpiredTokenException: Token expired\nFix: check the role's trust policy/,
    );
    expect(
      (
        await refusal(
          400,
          errorXml(
            'ValidationError',
            'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
          ),
        )
      ).message,
    ).toMatch(/\nFix: check role-to-assume, role-session-name and role-duration-seconds/);
  });

  it.each([
    [400, errorXml('Throttling', 'Rate exceeded'), 'Throttling: Rate exceeded'],
    [
      400,
      errorXml('IDPCommunicationError', 'Could not reach the identity provider'),
      'IDPCommunicationError: Could not reach the identity provider',
    ],
    [503, '<html><body>Service Unavailable</body></html>', 'HTTP 503 (<html><body>Service Unavailable</body></html>)'],
    [429, '', 'HTTP 429'],
  ])('retries HTTP %i %s', async (status, body, what) => {
    const err = await refusal(status, body);
    expect(isTransient(err)).toBe(true);
    expect(err.message).toBe(
      `STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role/ci/mondoo-ci failed: ${what}`,
    );
    expect(isTransient(err)).toBe(true);
    expect(err.code).toBe('STS_FAILED');
    expect((err as HttpFailure).serverTime).toBe(Date.parse('Mon, 23 Nov 2026 17:00:00 GMT'));
  });
});

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLETOKEN';
const AT = new Date('2024-01-01T00:00:00Z');
const ASSUME: AssumeRoleRequest = {
  roleArn: 'arn:aws:iam::123456789012:role/scan-from-instance',
  sessionName: 'from-instance',
  durationSeconds: 3600,
  externalId: undefined,
};
const ASSUME_BODY =
  'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fscan-from-instance&RoleSessionName=from-instance&DurationSeconds=3600';

/** aws4 (the STS simulator's verifier) checks a signed request as STS would, for the example keys. */
function verifiedByAws4(signed: { url: string; headers: Record<string, string>; body: string }, sessionToken?: string) {
  const identity = {
    secretAccessKey: SECRET,
    arn: 'arn:aws:iam::123456789012:user/ci',
    accountId: '123456789012',
    userId: 'AIDA',
  };
  const store = new Map([['AKIDEXAMPLE', { ...identity, ...(sessionToken ? { sessionToken } : {}) }]]);
  const url = new URL(signed.url);
  const headers = { ...signed.headers, host: url.host, 'content-length': String(Buffer.byteLength(signed.body)) };
  return verifySignedRequest(
    { method: 'POST', url: `${url.pathname}${url.search}`, headers, body: signed.body },
    store,
    AT.getTime(),
  );
}

describe('AssumeRole signed by the tool', () => {
  it('long-term keys: signed headers content-length;content-type;host;x-amz-date, no x-amz-content-sha256', async () => {
    expect(assumeRoleForm(ASSUME)).toBe(ASSUME_BODY);
    const signed = await signAssumeRoleRequest(
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET },
      ASSUME,
      PARAMS.target,
      AT,
    );
    expect(signed).toEqual({
      url: 'https://sts.eu-west-1.amazonaws.com/',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=62ad9f091d304fbe457419b85ee21b22adbbb20de3a29b4459980247da09ca16',
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-amz-date': '20240101T000000Z',
        accept: 'text/xml',
      },
      body: ASSUME_BODY,
    });
    expect(verifiedByAws4(signed)).toMatchObject({ ok: true });
  });

  it('temporary credentials: x-amz-security-token sent and signed; the request sent is exactly the signed one', async () => {
    const source = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: SESSION_TOKEN };
    const request = { ...ASSUME, externalId: 'ext-1' };
    const signed = await signAssumeRoleRequest(source, request, PARAMS.target, AT);
    expect(signed.headers).toEqual({
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, Signature=ad4e390212e49f74a6e929a11aa8cfa28af294bbd27a2b689128172d04507f06',
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'x-amz-date': '20240101T000000Z',
      'x-amz-security-token': SESSION_TOKEN,
      accept: 'text/xml',
    });
    expect(signed.body).toBe(`${ASSUME_BODY}&ExternalId=ext-1`);
    expect(verifiedByAws4(signed, SESSION_TOKEN)).toMatchObject({ ok: true });
    expect(verifiedByAws4({ ...signed, body: ASSUME_BODY }, SESSION_TOKEN)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });

    const answer = OK_XML.replaceAll('AssumeRoleWithWebIdentity', 'AssumeRole');
    const { http, requests } = scripted({ status: 200, headers: {}, body: answer });
    await expect(assumeRole(http, source, request, PARAMS.target, AT, 4000)).resolves.toMatchObject({
      accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
    });
    expect(requests).toEqual([
      { url: signed.url, method: 'POST', headers: signed.headers, body: signed.body, timeoutMs: 4000 },
    ]);
  });
});
