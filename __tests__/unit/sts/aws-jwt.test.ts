/**
 * The token GetWebIdentityToken returns is untrusted text: readAwsJwt accepts only three base64url parts with
 * an https `iss`, an ARN `sub`, an `aud` containing the audience and a future `exp` (by the injected clock);
 * issuerUriFor settles issuer_uri; explainJwtRejection says what Mondoo's provider must have.
 */
import { describe, expect, it } from '@jest/globals';
import {
  AWS_CLAIMS_KEY,
  explainJwtRejection,
  identityOf,
  issuerUriFor,
  readAwsJwt,
} from '../../../src/core/sts/aws-jwt.js';
import { AuthError, errorCode, errorMessage } from '../../../src/core/safety/errors.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const AUDIENCE = '//captain.api.mondoo.app/spaces/test-space-123';
const ISSUER = 'https://a1b2c3d4.tokens.sts.global.api.aws';
const ROLE = 'arn:aws:iam::123456789012:role/mondoo-ci';

const part = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  sub: ROLE,
  aud: AUDIENCE,
  iat: NOW / 1000 - 1,
  exp: NOW / 1000 + 300,
  jti: 'x',
  [AWS_CLAIMS_KEY]: { aws_account: '123456789012', source_region: 'eu-west-1' },
  ...extra,
});
const jwt = (payload: unknown, header: unknown = { alg: 'RS256', typ: 'JWT' }): string =>
  `${part(header)}.${part(payload)}.c2lnbmF0dXJl`;

function refusal(token: string): string {
  try {
    readAwsJwt(token, AUDIENCE, NOW);
  } catch (err) {
    expect(errorCode(err)).toBe('AWS_JWT_INVALID');
    expect(errorMessage(err)).not.toContain(token);
    return errorMessage(err);
  }
  throw new Error('accepted');
}

describe('readAwsJwt', () => {
  it('reads issuer, subject, audience, expiry and account', () => {
    const read = readAwsJwt(jwt(claims()), AUDIENCE, NOW);
    expect(read).toEqual({
      issuer: ISSUER,
      subject: ROLE,
      audience: [AUDIENCE],
      expiresAt: NOW + 300_000,
      accountId: '123456789012',
    });
    expect(identityOf(read)).toEqual({ arn: ROLE, accountId: '123456789012' });
    expect(readAwsJwt(jwt(claims({ aud: ['other', AUDIENCE] })), AUDIENCE, NOW).audience).toEqual(['other', AUDIENCE]);
  });

  it.each<[string, string, RegExp]>([
    ['two parts', `${part({ alg: 'RS256' })}.${part(claims())}`, /not three base64url parts/],
    ['a part that is not base64url', `${part({ alg: 'RS256' })}.${part(claims())}+.sig`, /not three base64url parts/],
    [
      'a header that is not JSON',
      `${part('not json')}.${part(claims())}.sig`,
      /its header is not base64url-encoded JSON/,
    ],
    ['a payload that is a list', jwt([1, 2]), /its payload is not a JSON object/],
    ['an http issuer', jwt(claims({ iss: 'http://a.tokens.sts.global.api.aws' })), /"iss" is not an https URL/],
    [
      'an issuer with a line break',
      jwt(claims({ iss: 'https://a.example\n::warning::x' })),
      /"iss" is not an https URL/,
    ],
    ['an issuer with a query', jwt(claims({ iss: 'https://a.example/?x=1' })), /"iss" is not an https URL/],
    ['no sub', jwt(claims({ sub: undefined })), /"sub" is not an AWS ARN/],
    ['a sub with a space', jwt(claims({ sub: 'arn:aws:iam::123456789012:role/a b' })), /"sub" is not an AWS ARN/],
    [
      'a sub with a workflow command',
      jwt(claims({ sub: 'arn:aws:iam::123456789012:role/##[error]x' })),
      /"sub" is not an AWS ARN/,
    ],
    [
      'an aud of another audience',
      jwt(claims({ aud: 'someone-else' })),
      /"aud" does not contain the audience requested/,
    ],
    ['an aud that is a number', jwt(claims({ aud: 7 })), /"aud" is not a string or a list of strings/],
    ['an exp in the past', jwt(claims({ exp: NOW / 1000 })), /it expired at 2026-03-01T12:00:00.000Z/],
    ['an exp that is a string', jwt(claims({ exp: 'later' })), /"exp" is not a number/],
    ['an overlong token', `${'a'.repeat(17000)}.b.c`, /characters long/],
    [
      'an aws_account that is not the account of its sub',
      jwt(claims({ [AWS_CLAIMS_KEY]: { aws_account: '210987654321' } })),
      /its aws_account \(210987654321\) is not the account of its "sub"/,
    ],
  ])('refuses %s (AWS_JWT_INVALID, no part of the token quoted)', (_, token, message) => {
    expect(refusal(token)).toMatch(message);
  });

  it('takes the account from the subject when the AWS claims name none', () => {
    expect(readAwsJwt(jwt(claims({ [AWS_CLAIMS_KEY]: undefined })), AUDIENCE, NOW).accountId).toBe('123456789012');
  });
});

describe('issuerUriFor', () => {
  const read = readAwsJwt(jwt(claims()), AUDIENCE, NOW);
  it("sends the token's issuer when issuer-uri is its default, or that same issuer", () => {
    expect(issuerUriFor({ issuerUri: 'https://sts.amazonaws.com' }, read)).toBe(ISSUER);
    expect(issuerUriFor({ issuerUri: ISSUER }, read)).toBe(ISSUER);
  });
  it('fails before the exchange, naming both, when issuer-uri is another issuer', () => {
    let err: unknown;
    try {
      issuerUriFor({ issuerUri: 'https://other.example' }, read);
    } catch (e) {
      err = e;
    }
    expect(errorCode(err)).toBe('AWS_JWT_ISSUER_MISMATCH');
    expect(errorMessage(err)).toMatch(
      new RegExp(
        `^issuer-uri is https://other\\.example, but the AWS token's issuer \\(iss\\) is ${ISSUER.replace(/\./g, '\\.')}\\. Nothing was sent to Mondoo\\.`,
      ),
    );
  });
});

describe('explainJwtRejection', () => {
  it("names the issuer, subject and audience Mondoo's custom OIDC identity provider must have", () => {
    const read = readAwsJwt(jwt(claims()), AUDIENCE, NOW);
    const err = explainJwtRejection(
      new AuthError('Mondoo answered HTTP 401: Unauthenticated: no', { code: 'MONDOO_REJECTED_IDENTITY' }),
      read,
      AUDIENCE,
    );
    expect(err.code).toBe('MONDOO_REJECTED_IDENTITY');
    expect(err.message.split('\n')).toEqual([
      `Mondoo rejected the AWS token for audience "${AUDIENCE}". Mondoo answered HTTP 401: Unauthenticated: no`,
      `Token presented: issuer ${ISSUER}, subject ${ROLE}, audience ${AUDIENCE}, expires 2026-03-01T12:05:00.000Z.`,
      `Fix: Mondoo needs a custom OIDC identity provider (Settings → Identity Providers) with issuer ${ISSUER}, subject ${ROLE} and audience ${AUDIENCE}. The issuer is the one aws iam get-outbound-web-identity-federation-info shows for this account.`,
    ]);
  });
});
