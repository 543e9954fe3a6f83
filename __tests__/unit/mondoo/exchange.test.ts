import { describe, expect, it } from '@jest/globals';
import { AuthError, type HttpFailure, isTransient } from '../../../src/core/safety/errors.js';
import { exchangeBody, parseExchangeResponse } from '../../../src/core/mondoo/exchange.js';
import type { HttpResponse } from '../../../src/core/network/http.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const res = (status: number, body: string, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  body,
  headers,
});

function failure(response: HttpResponse): AuthError {
  try {
    parseExchangeResponse(response);
  } catch (err) {
    if (err instanceof AuthError) return err;
    throw err;
  }
  throw new Error('expected an AuthError');
}

describe('exchange request body', () => {
  it('is audience, issuer_uri, jwt_token in that order', () => {
    expect(
      exchangeBody({
        universeDomain: 'x',
        audience: 'aud',
        issuerUri: 'https://sts.amazonaws.com',
        proof: '{"url":"u"}',
      }),
    ).toBe('{"audience":"aud","issuer_uri":"https://sts.amazonaws.com","jwt_token":"{\\"url\\":\\"u\\"}"}');
  });

  it('sends response_type TOKEN only for response-type token; the default sends no response_type', () => {
    const request = { universeDomain: 'x', audience: 'aud', issuerUri: 'https://sts.amazonaws.com', proof: 't' };
    expect(exchangeBody({ ...request, responseType: 'token' })).toBe(
      '{"audience":"aud","issuer_uri":"https://sts.amazonaws.com","jwt_token":"t","response_type":"TOKEN"}',
    );
    expect(exchangeBody({ ...request, responseType: 'credential' })).toBe(
      '{"audience":"aud","issuer_uri":"https://sts.amazonaws.com","jwt_token":"t"}',
    );
  });
});

describe('parseExchangeResponse', () => {
  it('passes the credential through unchanged', () => {
    expect(parseExchangeResponse(res(200, '{"base64_credential":"eyJhIjoxfQ=="}'))).toBe('eyJhIjoxfQ==');
  });

  it('reports a gRPC JSON error with status, code name and message; 4xx is final', () => {
    const err = failure(res(403, '{"code":7,"message":"identity arn:aws:iam::1:user/x does not match"}'));
    expect(err.message).toBe(
      'Mondoo answered HTTP 403: PermissionDenied: identity arn:aws:iam::1:user/x does not match',
    );
    expect(err.code).toBe('MONDOO_REJECTED_IDENTITY');
    expect(isTransient(err)).toBe(false);
    expect((err as HttpFailure).status).toBe(403);
    const refused = failure(res(400, '{"code":3,"message":"bad audience"}'));
    expect({ code: refused.code, transient: isTransient(refused) }).toEqual({
      code: 'MONDOO_EXCHANGE_REFUSED',
      transient: false,
    });
  });

  it('marks 429 and 5xx transient and reads Retry-After (seconds and HTTP date)', () => {
    const throttled = failure(res(429, '{"code":8,"message":"slow down"}', { 'retry-after': '3' }));
    expect(isTransient(throttled)).toBe(true);
    expect(throttled.code).toBe('MONDOO_UNAVAILABLE');
    expect((throttled as HttpFailure).retryAfterMs(NOW)).toBe(3000);
    const unavailable = failure(res(503, '', { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }));
    expect(isTransient(unavailable)).toBe(true);
    expect((unavailable as HttpFailure).retryAfterMs(NOW)).toBe(5000);
    expect(unavailable.message).toBe('Mondoo answered HTTP 503: an empty body');
  });

  it('summarises an HTML page from a proxy without dumping it', () => {
    const page = `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>${'x'.repeat(5000)}</body></html>`;
    const err = failure(res(502, page));
    expect(err.message).toBe(
      'Mondoo answered HTTP 502: an HTML page titled "502 Bad Gateway", probably from a proxy or load balancer in front of Mondoo',
    );
  });

  it('truncates long plain-text errors', () => {
    const err = failure(res(400, 'e'.repeat(1000)));
    expect(err.message.length).toBeLessThan(400);
    expect(err.message).toMatch(/… \(700 more characters\)$/);
  });

  it.each([
    ['garbage', 'not JSON at all', /HTTP 200, but not with a JSON object \(no content type, 15 bytes\)/],
    ['an empty body', '', /HTTP 200, but not with a JSON object/],
    ['a JSON array', '[1]', /not with a JSON object/],
    ['no credential', '{"other":1}', /HTTP 200 without a base64_credential \(keys: other\)/],
    ['an empty credential', '{"base64_credential":""}', /without a base64_credential/],
    ['a non-string credential', '{"base64_credential":5}', /without a base64_credential/],
  ])('a 200 with %s is an error, never a credential', (_, body, message) => {
    const err = failure(res(200, body));
    expect(err.message).toMatch(message);
    expect(err.code).toBe('MONDOO_BAD_RESPONSE');
    expect(isTransient(err)).toBe(false);
  });

  it('never quotes a 200 body (it could hold a credential)', () => {
    expect(failure(res(200, '{"base64_credential":null,"private_key":"SECRET-KEY"}')).message).not.toContain('SECRET');
  });
});
