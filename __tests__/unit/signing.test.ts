import { describe, expect, it } from '@jest/globals';
import { GLOBAL_STS_URL, serializeSignedRequest, signGetCallerIdentity } from '../../src/core/signing.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const AT = new Date('2024-01-01T00:00:00Z');

describe('signGetCallerIdentity (golden vectors shared with Mondoo\'s Go client)', () => {
  it('signs with long-term keys: content-type;host;x-amz-date', async () => {
    const signed = await signGetCallerIdentity({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET }, AT);
    expect(signed.headers['Authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=8c9dc07926ac21dc3871cede61c6a3f77280d08c3010dadbe8acb2743d5da7c4',
    );
    expect(signed.signature).toBe('8c9dc07926ac21dc3871cede61c6a3f77280d08c3010dadbe8acb2743d5da7c4');
  });

  it('signs session credentials with x-amz-security-token in the signed set', async () => {
    const signed = await signGetCallerIdentity({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: SECRET, sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' }, AT);
    expect(signed.headers['Authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20240101/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=7771c1575a55950094e022b161f4a5002a4f32a5a3e345ffa87197514251a67c',
    );
  });

  it('serializes exactly as Mondoo expects: url with query, POST, host first then headers sorted, no body', async () => {
    const signed = await signGetCallerIdentity({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET }, AT);
    expect(serializeSignedRequest(signed)).toBe(
      '{"url":"https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15","method":"POST","headers":[' +
        '{"key":"host","value":"sts.amazonaws.com"},' +
        '{"key":"Authorization","value":"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=8c9dc07926ac21dc3871cede61c6a3f77280d08c3010dadbe8acb2743d5da7c4"},' +
        '{"key":"Content-Type","value":"application/x-www-form-urlencoded"},' +
        '{"key":"X-Amz-Date","value":"20240101T000000Z"}]}',
    );
  });

  it('puts the session token last and only when present', async () => {
    const signed = await signGetCallerIdentity({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: SECRET, sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' }, AT);
    const parsed = JSON.parse(serializeSignedRequest(signed)) as { url: string; headers: { key: string; value: string }[] };
    expect(parsed.url).toBe(GLOBAL_STS_URL);
    expect(parsed.headers.map((h) => h.key)).toEqual(['host', 'Authorization', 'Content-Type', 'X-Amz-Date', 'X-Amz-Security-Token']);
    expect(parsed.headers[4]?.value).toBe('FwoGZXIvYXdzEXAMPLETOKEN');
    expect(Object.keys(parsed)).toEqual(['url', 'method', 'headers']);
  });

  it('signs the identity lookup for the tool\'s own endpoint and region, host with port', async () => {
    const signed = await signGetCallerIdentity({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET }, AT, { endpoint: 'https://127.0.0.1:8443', region: 'eu-west-1' });
    expect(signed.url).toBe('https://127.0.0.1:8443/?Action=GetCallerIdentity&Version=2011-06-15');
    expect(signed.headers['host']).toBe('127.0.0.1:8443');
    expect(signed.headers['Authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240101\/eu-west-1\/sts\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
  });
});
