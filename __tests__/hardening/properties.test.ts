/**
 * Property tests: for arbitrary input, each parser returns a value or throws its typed, user-facing error
 * (ConfigError / AuthError), never anything else, and no message carries a secret, runs
 * over several lines, or grows without bound.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseArgs } from '../../src/cli.js';
import { sanitizeSessionName } from '../../src/core/ci-tokens/ci-systems.js';
import { CI_VARIABLES, readCiEnvironment } from '../../src/core/ci-tokens/ci-environment.js';
import { normalizeUniverseDomain, parseRoleArn, parseSessionName } from '../../src/core/config/config.js';
import {
  AuthError,
  ConfigError,
  HttpFailure,
  isTransient,
  redactUserinfo,
  truncate,
} from '../../src/core/safety/errors.js';
import { createMasker } from '../../src/core/safety/masker.js';
import { parseExchangeResponse } from '../../src/core/mondoo/exchange.js';
import { credentialSecrets, decodeCredential } from '../../src/core/mondoo/issued-credential.js';
import { readProxySettings } from '../../src/core/network/proxy.js';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from '../../src/core/network/retry.js';
import { clockSkewOf, describeDuration, MAX_ADOPTED_SKEW_MS, MAX_CLOCK_SKEW_MS } from '../../src/core/proof/skew.js';
import { explainStsRefusal } from '../../src/core/sts/sts.js';
import { describeToken, jwtClaims } from '../../src/core/ci-tokens/token-source.js';

const RUNS = { numRuns: 300 };

/** Any text: printable, control characters, astral planes, lone surrogates. */
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));

/** A value no generator produces by chance, standing for a secret. */
const secretArb = fc
  .string({
    unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'),
    minLength: 12,
    maxLength: 40,
  })
  .map((s) => `Zq9${s}`);

/** Calls `f`; returns its value or the error it threw. */
function outcome<T>(f: () => T): { value: T } | { error: unknown } {
  try {
    return { value: f() };
  } catch (error) {
    return { error };
  }
}

/**
 * A message fit for a CI log: one line (no line or paragraph separator, no control character, no bidi
 * override to reorder it), bounded, no stack trace, nothing half-rendered. `onlyNewlines` checks CR/LF only.
 */
function expectUserFacing(message: string, maxLength = 600, onlyNewlines = false): void {
  expect(message.length).toBeGreaterThan(10);
  expect(message.length).toBeLessThanOrEqual(maxLength);
  expect(message).not.toMatch(
    onlyNewlines ? /[\r\n]/ : /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
  );
  expect(message).not.toMatch(/\bat .+:\d+:\d+\)?$|\[object Object\]|\bundefined\b|\bNaN\b/);
}

describe('universe-domain normalisation', () => {
  const urlish = fc.oneof(
    anyText,
    fc.webUrl({
      withQueryParameters: true,
      withFragments: true,
      authoritySettings: { withPort: true, withUserInfo: true },
    }),
    fc.webUrl().map((u) => u.replace(/^https?:\/\//, '')),
    fc.constantFrom(
      'localhost:8080',
      'http://127.0.0.1:3000/',
      'http://[::1]:9/',
      'https://eu.api.mondoo.com///',
      'HTTPS://US.API.MONDOO.COM',
    ),
  );

  it('returns a canonical https (or loopback http) base URL, or a ConfigError about universe-domain', () => {
    fc.assert(
      fc.property(urlish, (value) => {
        const r = outcome(() => normalizeUniverseDomain(value));
        if ('value' in r) {
          expect(r.value).toMatch(/^(https:\/\/|http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])[:/]?)/);
          const url = new URL(r.value);
          expect({ user: url.username, password: url.password, search: url.search, hash: url.hash }).toEqual({
            user: '',
            password: '',
            search: '',
            hash: '',
          });
          expect(r.value).not.toMatch(/\/$/);
          expect(normalizeUniverseDomain(r.value)).toBe(r.value);
        } else {
          expect(r.error).toBeInstanceOf(ConfigError);
          expect((r.error as ConfigError).input).toBe('universe-domain');
          expectUserFacing((r.error as Error).message);
        }
      }),
      RUNS,
    );
  });

  it('never shows a password given in the URL, whatever else is wrong with it', () => {
    const withPassword = fc
      .tuple(
        fc.constantFrom('https://', 'http://', 'ftp://', ''),
        fc.constantFrom('user', 'ci-bot', 'a.b'),
        secretArb,
        fc.constantFrom('mondoo.example.com', 'us.api.mondoo.com', 'ho st', '127.0.0.1:8443', '[::1'),
        fc.constantFrom('', '/', '/api', '/?org=1', '#frag', '/a b'),
      )
      .map(([scheme, user, password, host, rest]) => ({
        value: `${scheme}${user}:${password}@${host}${rest}`,
        password,
      }));
    fc.assert(
      fc.property(withPassword, ({ value, password }) => {
        const r = outcome(() => normalizeUniverseDomain(value));
        expect('error' in r).toBe(true);
        if ('error' in r) expect((r.error as Error).message).not.toContain(password);
      }),
      RUNS,
    );
  });

  it('redacts user information from any URL-like text', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('https://', 'http://', 'git+ssh://', ''),
        fc.string({ unit: fc.constantFrom('u', 's', 'e', 'r', ':', '@', '%') }),
        secretArb,
        fc.constantFrom('host', 'host/p@th', 'h:1?x=@'),
        (scheme, user, password, rest) => {
          expect(redactUserinfo(`${scheme}${user}:${password}@${rest}`)).not.toContain(password);
        },
      ),
      RUNS,
    );
  });
});

describe('role ARN and session-name validation', () => {
  const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 12, maxLength: 12 });
  const nameChar = fc.constantFrom(...'abcXYZ019_+=,.@-');
  const validArn = fc
    .tuple(
      fc.constantFrom('aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b'),
      digits,
      fc.constantFrom('', 'ci/', 'a/b/c/'),
      fc.string({ unit: nameChar, minLength: 1, maxLength: 64 }),
    )
    .map(([partition, account, path, name]) => `arn:${partition}:iam::${account}:role/${path}${name}`);

  it('accepts every well-formed role ARN as it is (trimmed)', () => {
    fc.assert(
      fc.property(validArn, fc.constantFrom('', ' ', '\t'), (arn, pad) => {
        expect(parseRoleArn(`${pad}${arn}${pad}`)).toBe(arn);
      }),
      RUNS,
    );
  });

  it('returns undefined for blank, the ARN, or a ConfigError for role-to-assume', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          validArn.map((a) => a.replace('role/', 'user/')),
          validArn.map((a) => `${a} `.repeat(2)),
        ),
        (value) => {
          const r = outcome(() => parseRoleArn(value));
          if ('value' in r) {
            if (r.value !== undefined) expect(r.value).toMatch(/^arn:aws[a-z-]*:iam::\d{12}:role\//);
            else expect(value.trim()).toBe('');
          } else {
            expect(r.error).toBeInstanceOf(ConfigError);
            expect((r.error as ConfigError).input).toBe('role-to-assume');
            expectUserFacing((r.error as Error).message);
          }
        },
      ),
      RUNS,
    );
  });

  it('session names: valid ones pass, anything else is a ConfigError quoting at most 80 characters', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.string({ unit: nameChar, minLength: 2, maxLength: 64 })), (value) => {
        const r = outcome(() => parseSessionName(value));
        if ('value' in r) expect(r.value).toMatch(/^[\w+=,.@-]{2,64}$/);
        else {
          expect(r.error).toBeInstanceOf(ConfigError);
          expectUserFacing((r.error as Error).message, 300);
        }
      }),
      RUNS,
    );
  });
});

describe('session-name derivation', () => {
  it('sanitizeSessionName makes any text a session name STS accepts', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(parseSessionName(sanitizeSessionName(text))).toBe(sanitizeSessionName(text));
      }),
      RUNS,
    );
  });

  it('the session name is valid for any CI environment (any value of any variable the CI systems read)', () => {
    const env = fc.dictionary(
      fc.constantFrom(...CI_VARIABLES),
      fc.oneof(fc.constant('true'), anyText, fc.nat().map(String)),
    );
    fc.assert(
      fc.property(env, (e) => {
        const name = readCiEnvironment(e).sessionName;
        expect(parseSessionName(name)).toBe(name);
      }),
      RUNS,
    );
  });
});

describe('exchange-response parsing', () => {
  const headers = fc.dictionary(
    fc.constantFrom('content-type', 'retry-after', 'date', 'x-other'),
    fc.oneof(
      anyText,
      fc.nat().map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
    ),
  );
  const body = fc.oneof(
    anyText,
    fc.json(),
    fc.jsonValue().map((v) => JSON.stringify({ code: 14, message: v })),
    fc.constant('<html><title>502</title></html>'),
  );

  it('returns the credential of a 200, or an AuthError with the status; 429 and 5xx are transient', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), body, headers, (status, text, h) => {
        const r = outcome(() => parseExchangeResponse({ status, body: text, headers: h }));
        if ('value' in r) {
          expect(status).toBe(200);
          expect((JSON.parse(text) as { base64_credential: string }).base64_credential).toBe(r.value);
        } else {
          expect(r.error).toBeInstanceOf(AuthError);
          const e = r.error as AuthError;
          if (status !== 200) {
            expect(e).toBeInstanceOf(HttpFailure);
            expect((e as HttpFailure).status).toBe(status);
            const retryAfterMs = (e as HttpFailure).retryAfterMs(Date.now());
            if (retryAfterMs !== undefined) expect(retryAfterMs).toBeGreaterThanOrEqual(0);
          }
          expect(isTransient(e)).toBe(status === 429 || status >= 500);
          expect(e.message.startsWith(`Mondoo answered HTTP ${status}`)).toBe(true);
          expectUserFacing(e.message);
        }
      }),
      RUNS,
    );
  });

  it('never quotes a 200 body (it may hold a credential), whatever its keys', () => {
    const objectWithSecret = fc
      .tuple(
        fc.dictionary(fc.string({ maxLength: 30 }), fc.jsonValue(), { maxKeys: 400 }),
        secretArb,
        fc.constantFrom(null, 0, '', [], {}, true),
      )
      .map(([extra, secret, credential]) => ({
        text: JSON.stringify({ ...extra, private_key: secret, base64_credential: credential, note: `key ${secret}` }),
        secret,
      }));
    fc.assert(
      fc.property(objectWithSecret, ({ text, secret }) => {
        const r = outcome(() => parseExchangeResponse({ status: 200, body: text, headers: {} }));
        expect('error' in r).toBe(true);
        if ('error' in r) {
          expect((r.error as Error).message).not.toContain(secret);
          expectUserFacing((r.error as Error).message);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('credential decoding', () => {
  const pem = (body: string) => `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
  const field = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('', null, 7, [], {}), fc.constant(undefined));
  const credentialJson = fc.record({
    mrn: field,
    space_mrn: field,
    private_key: fc.oneof(secretArb.map(pem), secretArb, fc.constant(undefined)),
    certificate: field,
    api_endpoint: field,
  });
  const encoded = fc.oneof(
    credentialJson.map((c) => Buffer.from(JSON.stringify(c)).toString('base64')),
    anyText,
    fc.base64String(),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString('base64')),
  );

  it('returns the fields, or an AuthError that shows neither the credential nor its key', () => {
    fc.assert(
      fc.property(encoded, (value) => {
        const r = outcome(() => decodeCredential(value));
        if ('value' in r) {
          expect(r.value.privateKey).toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
          for (const line of credentialSecrets(value).slice(1)) expect(r.value.privateKey).toContain(line);
        } else {
          expect(r.error).toBeInstanceOf(AuthError);
          const message = (r.error as Error).message;
          expectUserFacing(message);
          if (value.length >= 8) expect(message).not.toContain(value);
          const key = outcome(
            () => (JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { private_key?: unknown }).private_key,
          );
          if ('value' in key && typeof key.value === 'string' && key.value.length >= 8) {
            for (const line of key.value.split('\n').filter((l) => l.length >= 8)) expect(message).not.toContain(line);
          }
        }
      }),
      RUNS,
    );
  });

  it('decodes every complete credential, and masks the key whole and by line', () => {
    // The fields that feed outputs are checked (a Mondoo resource name, an https URL); the others may be anything.
    const mrn = fc.stringMatching(/^\/\/[a-z0-9.-]{1,20}(\/[A-Za-z0-9_.~:@+=-]{1,12}){0,4}$/);
    const complete = fc.record({
      mrn,
      space_mrn: mrn,
      private_key: fc.array(secretArb, { minLength: 1, maxLength: 5 }).map((lines) => pem(lines.join('\n'))),
      certificate: fc.string({ minLength: 1 }),
      api_endpoint: fc.constantFrom(
        'https://us.api.mondoo.com',
        'https://eu.api.mondoo.com/v1',
        'http://127.0.0.1:8080',
      ),
    });
    fc.assert(
      fc.property(complete, (c) => {
        const value = Buffer.from(JSON.stringify(c)).toString('base64');
        const decoded = decodeCredential(value);
        expect(decoded).toEqual({
          mrn: c.mrn,
          spaceMrn: c.space_mrn,
          privateKey: c.private_key,
          certificate: c.certificate,
          apiEndpoint: c.api_endpoint,
        });
        const secrets = credentialSecrets(value);
        expect(secrets).toEqual(
          expect.arrayContaining([
            value,
            c.private_key,
            ...c.private_key.split('\n').filter((l) => l !== '' && !l.startsWith('-----')),
          ]),
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('CLI argument parsing', () => {
  const VALUE_FLAGS = [
    '--audience',
    '--universe-domain',
    '--issuer-uri',
    '--role-to-assume',
    '--role-session-name',
    '--role-duration-seconds',
    '--web-identity-token-file',
    '--web-identity-token-env',
    '--web-identity-audience',
    '--aws-region',
    '--max-attempts',
    '--attempt-timeout-seconds',
    '--timeout-seconds',
    '--output',
    '--output-file',
  ];
  const BOOLEAN_FLAGS = ['--verbose', '--help', '--version'];
  const word = fc.oneof(
    anyText,
    fc.constantFrom(
      '-',
      '--',
      '---',
      '--=x',
      '-h',
      '--audience=',
      '--verbose=true',
      '--AUDIENCE',
      'constructor',
      '--__proto__',
    ),
  );
  /** argv pieces; a secret only ever appears as the value of a value flag. */
  const piece = fc.oneof(
    fc.tuple(fc.constantFrom(...VALUE_FLAGS), secretArb).map(([flag, secret]) => ({ args: [flag, secret], secret })),
    fc
      .tuple(fc.constantFrom(...VALUE_FLAGS), secretArb)
      .map(([flag, secret]) => ({ args: [`${flag}=${secret}`], secret })),
    fc.constantFrom(...BOOLEAN_FLAGS, ...VALUE_FLAGS).map((flag) => ({ args: [flag], secret: undefined })),
    word.map((w) => ({ args: [w], secret: undefined })),
  );

  it("returns the flags, or a ConfigError that never shows a flag's value", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const argv = pieces.flatMap((p) => p.args);
        const secrets = pieces.map((p) => p.secret).filter((s): s is string => s !== undefined);
        const r = outcome(() => parseArgs(argv));
        if ('value' in r) {
          for (const key of [...r.value.values.keys(), ...r.value.flags])
            expect([...VALUE_FLAGS, ...BOOLEAN_FLAGS]).toContain(key);
        } else {
          expect(r.error).toBeInstanceOf(ConfigError);
          expect((r.error as ConfigError).input).toBe('arguments');
          expect((r.error as ConfigError).code).toBe('CONFIG_USAGE');
          expectUserFacing((r.error as Error).message, 200);
          for (const secret of secrets) expect((r.error as Error).message).not.toContain(secret);
        }
      }),
      RUNS,
    );
  });

  it('keeps every value exactly, in both spellings', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...VALUE_FLAGS), { minLength: 1 }),
        fc.string().filter((v) => !v.startsWith('--')),
        fc.boolean(),
        (flags, value, inline) => {
          const parsed = parseArgs(flags.flatMap((f) => (inline ? [`${f}=${value}`] : [f, value])));
          for (const f of flags) expect(parsed.values.get(f)).toBe(value);
        },
      ),
      RUNS,
    );
  });

  it('treats Object.prototype member names as unexpected arguments', () => {
    for (const name of ['constructor', '__proto__', 'hasOwnProperty', 'toString', 'valueOf']) {
      expect(() => parseArgs([name, 'x'])).toThrow(ConfigError);
      expect(() => parseArgs([`--${name}`, 'x'])).toThrow(/^Unknown option/);
    }
  });
});

describe('the other parsers never throw on what a server or the environment sends', () => {
  it('Retry-After: a wait of zero or more, or none; never more than the cap once applied', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          fc.nat().map(String),
          fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toUTCString())),
        ),
        fc.integer({ min: 0, max: 4e12 }),
        (value, now) => {
          const ms = parseRetryAfter(value, now);
          if (ms !== undefined) {
            expect(ms).toBeGreaterThanOrEqual(0);
            const delay = backoffDelay(
              1,
              new HttpFailure(
                '429',
                { status: 429, headers: { 'retry-after': value } },
                { code: 'MONDOO_UNAVAILABLE' },
              ),
              DEFAULT_RETRY,
              0.5,
              now,
            );
            expect(delay).toBeLessThanOrEqual(DEFAULT_RETRY.retryAfterCapMs);
            expect(delay).toBe(Math.min(ms, DEFAULT_RETRY.retryAfterCapMs));
          }
        },
      ),
      RUNS,
    );
  });

  it('backoff stays between zero and its ceiling for any attempt and chance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, random) => {
          const delay = backoffDelay(attempt, new Error('x'), DEFAULT_RETRY, random, 0);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(DEFAULT_RETRY.maxDelayMs);
        },
      ),
      RUNS,
    );
  });

  it('JWT claims and token descriptions: any text, no exception, bounded', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          fc
            .tuple(fc.jsonValue(), fc.jsonValue())
            .map(
              ([h, p]) =>
                `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(p)).toString('base64url')}.sig`,
            ),
        ),
        (token) => {
          for (const claim of Object.values(jwtClaims(token))) expect(typeof claim).toBe('string');
          expect(describeToken('GitHub Actions OIDC', token).length).toBeLessThan(600);
        },
      ),
      RUNS,
    );
  });

  it('proxy variables: settings, or a ConfigError that never shows the value', () => {
    const value = fc.oneof(
      anyText,
      fc.webUrl({ authoritySettings: { withUserInfo: true, withPort: true } }),
      fc
        .tuple(
          fc.constantFrom('socks5://', 'ftp://', 'http://', ''),
          secretArb,
          fc.constantFrom('proxy:3128', '[bad', 'p r o x y'),
        )
        .map(([s, pw, h]) => `${s}user:${pw}@${h}`),
    );
    fc.assert(
      fc.property(value, value, (https, plain) => {
        const r = outcome(() => readProxySettings({ HTTPS_PROXY: https, HTTP_PROXY: plain }));
        if ('error' in r) {
          expect(r.error).toBeInstanceOf(ConfigError);
          expect((r.error as ConfigError).input).toBe('proxy');
          expectUserFacing((r.error as Error).message, 300);
          for (const v of [https, plain])
            if (v.trim().length >= 8) expect((r.error as Error).message).not.toContain(v.trim());
        }
      }),
      RUNS,
    );
  });

  it('clock skew: corrected only for a refusal for time with a server clock more than 5 minutes away', () => {
    const message = fc.oneof(
      anyText,
      fc.constantFrom(
        'Signature expired: 20240101T000000Z is now earlier than …',
        'STS returned ExpiredToken: The security token included in the request is expired',
      ),
    );
    fc.assert(
      fc.property(message, fc.option(fc.integer({ min: -1e10, max: 1e10 })), (text, offset) => {
        const now = 1_800_000_000_000;
        const headers =
          offset === null || Number.isNaN(new Date(now + offset).getTime())
            ? {}
            : { date: new Date(now + offset).toUTCString() };
        const failure = new HttpFailure(text, { status: 401, headers }, { code: 'MONDOO_REJECTED_IDENTITY' });
        const skew = clockSkewOf(failure, now);
        if (skew !== undefined) {
          expect(Math.abs(skew)).toBeGreaterThan(MAX_CLOCK_SKEW_MS);
          // Never a time a server chose far from ours (issue 9 gap 2).
          expect(Math.abs(skew)).toBeLessThanOrEqual(MAX_ADOPTED_SKEW_MS);
          expect(text).toMatch(
            /Signature expired|Signature not yet current|RequestExpired|RequestTimeTooSkewed|request time and the current time|clock skew/i,
          );
          expect(describeDuration(skew)).toMatch(/^(\d+ h)?( ?\d+ min)?$/);
        }
        const explained = explainStsRefusal(text);
        if (explained !== undefined) {
          expect(explained.code).toMatch(/^STS_/);
          expect(explained.fix).toMatch(/^Fix: /);
        }
      }),
      RUNS,
    );
  });
});

describe('the masker: no 20-character piece of a secret survives an echo (issue 16 item 2)', () => {
  /** Printable ASCII but the space (secrets are tokens, keys, signatures; a PEM key is also masked by line), with " \ / + % & =. */
  const echoedSecret = fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 20,
    maxLength: 90,
  });
  /** One level of what a server does to text it quotes. */
  const encodings: [string, (s: string) => string][] = [
    ['as is', (s) => s],
    ['JSON', (s) => JSON.stringify(s)],
    [
      'JSON with \\/ and \\u escapes',
      (s) =>
        JSON.stringify(s)
          .replace(/\//g, '\\/')
          .replace(/[=&<>]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ],
    ['URL', (s) => encodeURIComponent(s)],
    ['form', (s) => new URLSearchParams({ q: s }).toString()],
    ['every character percent-encoded', (s) => Buffer.from(s).toString('hex').replace(/(..)/g, '%$1')],
  ];
  const echo = fc.record({
    secret: echoedSecret,
    encoding: fc.constantFrom(...encodings),
    // Line breaks, indentation or invisible characters inserted (before the encoding, as a server would wrap its own text).
    breaks: fc.array(
      fc.tuple(fc.nat(), fc.constantFrom('\n', '\r\n  ', ' ', '\t', '\u200b', '\u00ad', '\u{e0041}', '\u0001')),
      {
        maxLength: 6,
      },
    ),
    cut: fc.tuple(fc.nat(), fc.nat()),
    before: fc.string({ maxLength: 40 }),
    after: fc.string({ maxLength: 40 }),
  });

  it('redacts whatever piece of 20 characters or more the log line holds, truncated, wrapped, escaped or encoded', () => {
    fc.assert(
      fc.property(echo, ({ secret, encoding, breaks, cut, before, after }) => {
        // Inserted between code points, so an astral insertion is never split.
        const chars = [...secret];
        for (const [at, text] of breaks) chars.splice(at % (chars.length + 1), 0, text);
        const encoded = encoding[1](chars.join(''));
        const start = cut[0] % (encoded.length + 1);
        const shown = encoded.slice(start, start + 20 + (cut[1] % (encoded.length + 1)));
        const masker = createMasker();
        masker.add(secret);
        const out = masker.redact(truncate(`${before}${shown}${after}`, 400));
        for (let i = 0; i + 20 <= secret.length; i++) expect(out).not.toContain(secret.slice(i, i + 20));
      }),
      { numRuns: 1000 },
    );
  });
});
