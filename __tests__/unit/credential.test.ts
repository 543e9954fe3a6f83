import { describe, expect, it } from '@jest/globals';
import { credentialSecrets, decodeCredential } from '../../src/core/mondoo-credential.js';
import { subjectPatternFor } from '../../src/core/subject.js';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\nAbCdEfGh\n-----END PRIVATE KEY-----\n';
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const good = { mrn: '//agents.api.mondoo.app/spaces/s/serviceaccounts/1', space_mrn: '//captain.api.mondoo.app/spaces/s', private_key: KEY, certificate: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----', api_endpoint: 'https://us.api.mondoo.com' };

describe('decodeCredential', () => {
  it('reads the fields', () => {
    expect(decodeCredential(encode(good))).toEqual({ mrn: good.mrn, spaceMrn: good.space_mrn, privateKey: KEY, certificate: good.certificate, apiEndpoint: good.api_endpoint });
  });

  it.each([
    ['not base64', 'not base64!', /not standard base64/],
    ['url-safe base64', encode(good).replace(/\+/g, '-').replace(/\//g, '_') + '-_', /not standard base64/],
    ['not JSON', Buffer.from('hello').toString('base64'), /does not decode to JSON/],
    ['a JSON string', encode('x'), /not decode to a JSON object/],
    ['no private key', encode({ ...good, private_key: undefined }), /private_key is missing/],
    ['a private key that is not PEM', encode({ ...good, private_key: 'abc' }), /not a PEM private key/],
    ['no mrn', encode({ ...good, mrn: '' }), /mrn is not a non-empty string/],
    ['no api endpoint', encode({ ...good, api_endpoint: undefined }), /api_endpoint is missing/],
  ])('refuses %s, quoting nothing of it', (_, value, message) => {
    expect(() => decodeCredential(value)).toThrow(message);
    try {
      decodeCredential(value);
    } catch (err) {
      expect((err as Error).message).not.toContain('MIGHAgEA');
    }
  });

  it('masks the key whole and line by line', () => {
    const b64 = encode(good);
    expect(credentialSecrets(b64, decodeCredential(b64))).toEqual([b64, KEY, 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg', 'AbCdEfGh']);
  });
});

describe('subjectPatternFor', () => {
  it.each([
    ['arn:aws:sts::123456789012:assumed-role/mondoo-ci/GitHubActions', 'arn:aws:sts::123456789012:assumed-role/mondoo-ci/*'],
    ['arn:aws-us-gov:sts::123456789012:assumed-role/r/i-0abc', 'arn:aws-us-gov:sts::123456789012:assumed-role/r/*'],
    ['arn:aws:iam::123456789012:user/ci-user', 'arn:aws:iam::123456789012:user/ci-user'],
    ['arn:aws:iam::123456789012:role/direct', 'arn:aws:iam::123456789012:role/direct'],
    ['not an arn', 'not an arn'],
  ])('%s → %s', (arn, pattern) => {
    expect(subjectPatternFor(arn)).toBe(pattern);
  });
});
