import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GLOBAL_STS_URL, serializeSignedRequest, signGetCallerIdentity } from '../../../src/core/proof/signing.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLETOKEN';
const AT = new Date('2024-01-01T00:00:00Z');

/**
 * The jwt_token Mondoo's own Go client (cnquery providers-sdk/v1/upstream fetchAWSIdentityToken, aws-sdk-go-v2's
 * v4 signer) builds for AWS's documentation keys at 2024-01-01T00:00:00Z, copied from the reference file
 * go-client-vectors.txt; both signatures were confirmed independently with botocore.
 */
const GO_CLIENT_TOKEN_LONG_TERM =
  '{"headers":[{"key":"host","value":"sts.amazonaws.com"},{"key":"Authorization","value":"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=cd7e1f2542457434240df886a2ae7aa353634610eb352756ee9482b7c32eac36"},{"key":"Content-Type","value":"application/x-www-form-urlencoded"},{"key":"X-Amz-Date","value":"20240101T000000Z"}],"method":"POST","url":"https://sts.amazonaws.com/?Action=GetCallerIdentity\\u0026Version=2011-06-15"}';
const GO_CLIENT_TOKEN_SESSION =
  '{"headers":[{"key":"host","value":"sts.amazonaws.com"},{"key":"Authorization","value":"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, Signature=4930334e4581614f90dbb34c23de6b6dd97bd9c4f68297d40f0e006562d786ce"},{"key":"Content-Type","value":"application/x-www-form-urlencoded"},{"key":"X-Amz-Date","value":"20240101T000000Z"},{"key":"X-Amz-Security-Token","value":"FwoGZXIvYXdzEXAMPLETOKEN"}],"method":"POST","url":"https://sts.amazonaws.com/?Action=GetCallerIdentity\\u0026Version=2011-06-15"}';

describe("the jwt_token, byte for byte as Mondoo's Go client builds it (its two reference tokens)", () => {
  it('long-term keys: content-length signed but not listed, keys sorted, & written as \\u0026', async () => {
    const signed = await signGetCallerIdentity({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET }, AT);
    expect(serializeSignedRequest(signed)).toBe(GO_CLIENT_TOKEN_LONG_TERM);
    expect(signed.signature).toBe('cd7e1f2542457434240df886a2ae7aa353634610eb352756ee9482b7c32eac36');
  });

  it('temporary credentials: x-amz-security-token signed and listed last', async () => {
    const signed = await signGetCallerIdentity(
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: SESSION_TOKEN },
      AT,
    );
    expect(serializeSignedRequest(signed)).toBe(GO_CLIENT_TOKEN_SESSION);
    expect(signed.signature).toBe('4930334e4581614f90dbb34c23de6b6dd97bd9c4f68297d40f0e006562d786ce');
  });

  it('the pinned strings are the ones in the shared reference file, when it is present', () => {
    const reference = fileURLToPath(new URL('../../../../shared/reference/go-client-vectors.txt', import.meta.url));
    if (!existsSync(reference)) return;
    const lines = readFileSync(reference, 'utf8').split('\n');
    expect(lines).toContain(GO_CLIENT_TOKEN_LONG_TERM);
    expect(lines).toContain(GO_CLIENT_TOKEN_SESSION);
  });

  it('the request itself: the URL with a plain &, no Content-Length among the headers, the fixed body', async () => {
    const signed = await signGetCallerIdentity({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET }, AT);
    expect(signed.url).toBe(GLOBAL_STS_URL);
    expect(Object.keys(signed.headers).map((name) => name.toLowerCase())).not.toContain('content-length');
    expect(signed.body).toBe('Action=GetCallerIdentity&Version=2011-06-15');
    expect(Buffer.byteLength(signed.body)).toBe(43);
  });

  it("signs the identity lookup for the tool's own endpoint and region, host with port", async () => {
    const signed = await signGetCallerIdentity({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET }, AT, {
      endpoint: 'https://127.0.0.1:8443',
      region: 'eu-west-1',
    });
    expect(signed.url).toBe('https://127.0.0.1:8443/?Action=GetCallerIdentity&Version=2011-06-15');
    expect(signed.headers['host']).toBe('127.0.0.1:8443');
    expect(signed.headers['Authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240101\/eu-west-1\/sts\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });
});
