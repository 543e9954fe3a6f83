import { describe, expect, it } from '@jest/globals';
import { AuthError } from '../../../src/core/safety/errors.js';
import {
  credentialSecrets,
  decodeCredential,
  decodeTokenResponse,
  describeIssued,
  MAX_CREDENTIAL_LENGTH,
  MAX_CREDENTIAL_MASKS,
  readIssued,
} from '../../../src/core/mondoo/issued-credential.js';
import { subjectPatternFor } from '../../../src/core/sts/caller-identity.js';

const KEY =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\nAbCdEfGh\n-----END PRIVATE KEY-----\n';
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const good = {
  mrn: '//agents.api.mondoo.app/spaces/s/serviceaccounts/1',
  space_mrn: '//captain.api.mondoo.app/spaces/s',
  private_key: KEY,
  certificate: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----',
  api_endpoint: 'https://us.api.mondoo.com',
};

describe('decodeCredential', () => {
  it('reads the fields', () => {
    expect(decodeCredential(encode(good))).toEqual({
      mrn: good.mrn,
      spaceMrn: good.space_mrn,
      privateKey: KEY,
      certificate: good.certificate,
      apiEndpoint: good.api_endpoint,
    });
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
    expect(credentialSecrets(b64)).toEqual([b64, KEY, 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg', 'AbCdEfGh']);
  });

  it.each([
    [
      'an mrn that starts a workflow command on a new line',
      { ...good, mrn: '//x\n::error::pwned' },
      /the field mrn is not a Mondoo resource name/,
    ],
    [
      'an mrn with an ANSI escape',
      { ...good, mrn: '//agents.api.mondoo.app/\u001b[31mred' },
      /the field mrn is not a Mondoo resource name/,
    ],
    [
      'a space mrn with ##[',
      { ...good, space_mrn: '//captain.api.mondoo.app/##[group]x' },
      /the field space_mrn is not a Mondoo resource name/,
    ],
    [
      'an api endpoint that is not https',
      { ...good, api_endpoint: 'http://api.example.com' },
      /the field api_endpoint is not an https URL/,
    ],
    [
      'an api endpoint with markup',
      { ...good, api_endpoint: 'https://x/<script>' },
      /the field api_endpoint is not an https URL/,
    ],
  ])('refuses %s (values that reach outputs, the summary and the log are checked)', (_, value, message) => {
    expect(() => decodeCredential(encode(value))).toThrow(message);
  });
});

describe('the short-lived token answer (response-type token)', () => {
  const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

  it('reads mrn, scope_mrn (or space_mrn) and api_endpoint when present', () => {
    expect(
      decodeTokenResponse(
        encode({ token: TOKEN, mrn: good.mrn, scope_mrn: good.space_mrn, api_endpoint: good.api_endpoint }),
      ),
    ).toEqual({ kind: 'token', mrn: good.mrn, spaceMrn: good.space_mrn, apiEndpoint: good.api_endpoint });
    expect(decodeTokenResponse(encode({ token: TOKEN, space_mrn: good.space_mrn }))).toEqual({
      kind: 'token',
      mrn: '',
      spaceMrn: good.space_mrn,
      apiEndpoint: '',
    });
    expect(describeIssued({ kind: 'token', mrn: '', spaceMrn: good.space_mrn, apiEndpoint: '' })).toBe(
      `with a short-lived token for ${good.space_mrn}`,
    );
  });

  it.each([
    ['no token', { mrn: good.mrn }, /not a short-lived token: the field token is missing/],
    ['an empty token', { token: '' }, /the field token is not a non-empty string/],
    ['a token that is not a string', { token: 5 }, /the field token is not a non-empty string/],
    ['a token with a line break', { token: 'a\nb' }, /the field token holds spaces or control characters/],
    ['a service-account credential instead', good, /the field token is missing/],
  ])('refuses %s, and nothing of it is in the message', (_, value, message) => {
    let err: unknown;
    try {
      decodeTokenResponse(encode(value));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/Nothing was exported\./);
    expect((err as Error).message).not.toContain('MIGHAgEA');
  });

  it('masks the token and every other string that is not a public identifier, before checking', () => {
    const b64 = encode({
      token: TOKEN,
      mrn: good.mrn,
      scope_mrn: good.space_mrn,
      api_endpoint: good.api_endpoint,
      refresh: { secret: 'nested-secret-value' },
      list: ['in-a-list'],
    });
    const masked: string[] = [];
    readIssued(b64, 'token', (v) => masked.push(v));
    expect(masked).toEqual([b64, TOKEN, 'nested-secret-value', 'in-a-list']);
    const broken = encode({ token: 'line one\nline two', mrn: good.mrn });
    const maskedBroken: string[] = [];
    expect(() => readIssued(broken, 'token', (v) => maskedBroken.push(v))).toThrow(AuthError);
    expect(maskedBroken).toEqual([broken, 'line one\nline two', 'line one', 'line two']);
  });
});

describe('masks from a credential (round 3 #9): known secret fields, other strings of 8 characters or more, a cap', () => {
  it('masks no short nested string: a hostile answer cannot register 1-character masks', () => {
    const b64 = encode({ ...good, extra: { e: 'e', a: ['a', ...'0123456789'], short: 'seven77', long: 'eight888' } });
    const masked: string[] = [];
    readIssued(b64, 'credential', (v) => masked.push(v));
    expect(masked).toEqual([b64, KEY, 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg', 'AbCdEfGh', 'eight888']);
  });

  it('masks the known secret fields whatever their length (the masker drops what is under 4 characters)', () => {
    expect(credentialSecrets(encode({ token: 'tok5x', mrn: good.mrn }))).toEqual([
      encode({ token: 'tok5x', mrn: good.mrn }),
      'tok5x',
    ]);
  });

  it(`refuses an answer needing more than ${MAX_CREDENTIAL_MASKS} masks as MONDOO_BAD_RESPONSE, masking its value and key only`, () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, `value-number-${i}`]));
    const b64 = encode({ ...good, ...many });
    const masked: string[] = [];
    let err: unknown;
    try {
      readIssued(b64, 'credential', (v) => masked.push(v));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('MONDOO_BAD_RESPONSE');
    expect((err as Error).message).toMatch(/holds more than 64 values that could be secret\. Nothing was exported\./);
    expect(masked).toEqual([b64, KEY, 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg', 'AbCdEfGh']);
  });

  it('refuses a 1 MB answer, with one mask', () => {
    const b64 = encode({ ...good, junk: Array.from({ length: 90_000 }, (_, i) => `x${i}`) });
    expect(b64.length).toBeGreaterThan(MAX_CREDENTIAL_LENGTH);
    const masked: string[] = [];
    expect(() => readIssued(b64, 'credential', (v) => masked.push(v))).toThrow(
      /characters long, more than the 65536 a credential can be/,
    );
    expect(masked).toEqual([b64]);
  });
});

describe('subjectPatternFor', () => {
  it.each([
    [
      'arn:aws:sts::123456789012:assumed-role/mondoo-ci/GitHubActions',
      'arn:aws:sts::123456789012:assumed-role/mondoo-ci/*',
    ],
    ['arn:aws-us-gov:sts::123456789012:assumed-role/r/i-0abc', 'arn:aws-us-gov:sts::123456789012:assumed-role/r/*'],
    ['arn:aws:iam::123456789012:user/ci-user', 'arn:aws:iam::123456789012:user/ci-user'],
    ['arn:aws:iam::123456789012:role/direct', 'arn:aws:iam::123456789012:role/direct'],
    ['not an arn', 'not an arn'],
  ])('%s → %s', (arn, pattern) => {
    expect(subjectPatternFor(arn)).toBe(pattern);
  });
});
