/**
 * The core pieces behind the hardening: clock-skew correction, STS refusal explanations, the IMDS hint,
 * log-safe quoting, and the Retry-After cap, in process.
 */
import { describe, expect, it } from '@jest/globals';
import { authenticate, type Deps } from '../../src/core/authenticate.js';
import type { Clock } from '../../src/core/network/clock.js';
import { parseConfig } from '../../src/core/config/settings.js';
import { imdsHint } from '../../src/core/credentials/links/instance-metadata.js';
import { readAwsEnvironment } from '../../src/core/credentials/aws-environment.js';
import { readCiEnvironment } from '../../src/core/ci-tokens/ci-environment.js';
import { AuthError, HttpFailure, quoteForLog, redactUserinfo, truncate } from '../../src/core/safety/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/core/network/http.js';
import { DEFAULT_RETRY, withRetries } from '../../src/core/network/retry.js';
import {
  clockSkewOf,
  describeDuration,
  isTimeRejection,
  MAX_CLOCK_SKEW_MS,
  skewWarning,
} from '../../src/core/proof/skew.js';
import { explainStsRefusal, stsErrorCode, stsTargetFor } from '../../src/core/sts/sts.js';
import { readStsEndpoint } from '../../src/core/config/config.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('clock skew', () => {
  const refused = (message: string, serverTime: number | undefined) =>
    new HttpFailure(
      message,
      { status: 401, headers: serverTime === undefined ? {} : { date: new Date(serverTime).toUTCString() } },
      { code: 'MONDOO_REJECTED_IDENTITY' },
    );

  it("is measured only for a refusal for time, from the server's Date, beyond five minutes", () => {
    const expired =
      'Mondoo answered HTTP 401: Unauthenticated: failed to verify AWS identity: STS returned SignatureDoesNotMatch: Signature expired: 20260301T114000Z is now earlier than 20260301T115500Z';
    expect(clockSkewOf(refused(expired, NOW + 20 * 60_000), NOW)).toBe(20 * 60_000);
    expect(
      clockSkewOf(refused('Signature not yet current: 20260301T122000Z is still later than …', NOW - 20 * 60_000), NOW),
    ).toBe(-20 * 60_000);
    expect(clockSkewOf(refused(expired, NOW + MAX_CLOCK_SKEW_MS), NOW)).toBeUndefined();
    expect(clockSkewOf(refused(expired, undefined), NOW)).toBeUndefined();
    // An expired session token is not a clock problem, however far the clocks are apart.
    expect(
      clockSkewOf(
        refused('STS returned ExpiredToken: The security token included in the request is expired', NOW + 3_600_000),
        NOW,
      ),
    ).toBeUndefined();
    expect(clockSkewOf(new Error('Signature expired'), NOW)).toBeUndefined();
    expect(clockSkewOf(new AuthError('Signature expired', { code: 'MONDOO_REJECTED_IDENTITY' }), NOW)).toBeUndefined();
    expect(
      isTimeRejection(
        'RequestTimeTooSkewed: The difference between the request time and the current time is too large.',
      ),
    ).toBe(true);
  });

  it('is described as a person reads it', () => {
    expect(
      [45_000, 19 * 60_000 + 59_000, 20 * 60_000, 65 * 60_000, 3 * 3_600_000, -7 * 60_000].map(describeDuration),
    ).toEqual(['45 s', '20 min', '20 min', '1 h 5 min', '3 h', '7 min']);
    expect(skewWarning(20 * 60_000, 'Mondoo')).toBe(
      "This machine's clock is about 20 min behind Mondoo's (by its Date header), and a signed request was refused for its time. Signing again with the server's time; fix the clock on this runner (NTP).",
    );
    expect(skewWarning(-61 * 60_000, 'STS')).toMatch(/^This machine's clock is about 1 h 1 min ahead of STS's/);
  });
});

describe('authenticate with a server that keeps refusing for time', () => {
  const KEYS = {
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL_STS: 'https://sts.test',
  };
  const clock: Clock = { now: () => NOW, sleep: async () => undefined, random: () => 0 };
  const serverDate = new Date(NOW + 30 * 60_000).toUTCString();

  function deps(http: HttpClient, warnings: string[]): Deps {
    return {
      aws: readAwsEnvironment(KEYS),
      credentialsFix: readCiEnvironment(KEYS).credentialsFix,
      stsTarget: stsTargetFor('us-east-1', readStsEndpoint(KEYS)),
      http,
      clock,
      log: { info: () => undefined, warning: (m) => warnings.push(m), debug: () => undefined },
      lazy: { credentialChain: () => Promise.reject(new Error('not used')) },
      secret: () => undefined,
      webIdentity: undefined,
      learnIdentity: true,
    };
  }

  it("signs again once, with the server's time, then reports the refusal with the fix", async () => {
    const exchanges: string[] = [];
    const http: HttpClient = async (request: HttpRequest): Promise<HttpResponse> => {
      if (request.url.startsWith('https://sts.test')) return { status: 500, headers: {}, body: '' };
      exchanges.push(
        JSON.parse(JSON.parse(request.body ?? '{}').jwt_token as string).headers.find(
          (h: { key: string }) => h.key === 'X-Amz-Date',
        ).value as string,
      );
      return {
        status: 401,
        headers: { date: serverDate },
        body: JSON.stringify({
          code: 16,
          message:
            'failed to verify AWS identity: STS returned SignatureDoesNotMatch: Signature expired: 20260301T120000Z is now earlier than 20260301T121500Z',
        }),
      };
    };
    const warnings: string[] = [];
    const config = parseConfig(
      { audience: 'aud', 'universe-domain': 'https://mondoo.test', 'max-attempts': '5' },
      KEYS,
    );
    const err = await authenticate(config, deps(http, warnings)).then(
      () => new AuthError('expected a failure', { code: 'UNEXPECTED' }),
      (e: unknown) => e as AuthError,
    );
    // Once at this machine's time, once at the server's: never a loop, never a retry of a refusal.
    expect(exchanges).toEqual(['20260301T120000Z', '20260301T123000Z']);
    expect(warnings).toEqual([skewWarning(30 * 60_000, 'Mondoo')]);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.code).toBe('STS_CLOCK_SKEW');
    expect(err.message).toMatch(
      /Fix: STS refused the signature for its time: this machine's clock is more than 15 minutes off\. Synchronise the runner's clock \(NTP\)\.$/,
    );
  });
});

describe('STS refusals explained', () => {
  it.each<[string, string | undefined, RegExp | undefined]>([
    [
      'STS returned ExpiredToken: The security token included in the request is expired',
      'STS_EXPIRED_TOKEN',
      /^Fix: the temporary AWS credentials \(session token\) have expired\./,
    ],
    [
      'GetCallerIdentity answered HTTP 403: InvalidClientTokenId: The security token included in the request is invalid.',
      'STS_UNKNOWN_ACCESS_KEY',
      /^Fix: STS does not know this access key/,
    ],
    [
      'SignatureDoesNotMatch: Signature expired: 20260301T114000Z is now earlier than …',
      'STS_CLOCK_SKEW',
      /clock is more than 15 minutes off/,
    ],
    [
      'SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.',
      'STS_SIGNATURE_MISMATCH',
      /^Fix: the secret access key does not belong to the access key ID/,
    ],
    ['PermissionDenied: caller arn does not match the subject', undefined, undefined],
  ])('%s', (text, code, fix) => {
    const explained = explainStsRefusal(text);
    if (fix === undefined) expect(explained).toBeUndefined();
    else {
      expect(explained?.code).toBe(code);
      expect(explained?.fix).toMatch(fix);
    }
  });

  it("reads the SDK's error names as STS codes", () => {
    expect(
      [
        'InvalidIdentityTokenException',
        'AccessDenied',
        'ExpiredTokenException',
        'Exception',
        'ThrottlingException',
      ].map(stsErrorCode),
    ).toEqual(['InvalidIdentityToken', 'AccessDenied', 'ExpiredToken', 'Exception', 'Throttling']);
  });
});

describe('the IMDS hint', () => {
  it('says IMDS did not answer, and names the hop limit, when the attempt took the whole IMDS timeout', () => {
    expect(imdsHint(readAwsEnvironment({}), true, 1_050, 1_000)).toMatch(
      /^ EC2 instance metadata \(IMDSv2\) did not answer within 1s\. On a self-hosted runner in a container, IMDSv2 answers only if the instance metadata hop limit is at least 2 /,
    );
    expect(imdsHint(readAwsEnvironment({}), true, 20, 1_000)).toMatch(
      /^ EC2 instance metadata \(IMDSv2\) gave no credentials: not on EC2, or the instance has no instance profile/,
    );
    expect(imdsHint(readAwsEnvironment({}), false, 5_000, 1_000)).toBe('');
    expect(imdsHint(readAwsEnvironment({ AWS_EC2_METADATA_DISABLED: 'true' }), true, 5_000, 1_000)).toBe('');
  });
});

describe('log-safe text', () => {
  it('quotes on one line, escaping what could break or reorder it', () => {
    expect(quoteForLog('a\nb\u2028c\u2029d\u0085e\u202ef')).toBe('"a\\nb\\u2028c\\u2029d\\u0085e\\u202ef"');
    expect(quoteForLog('x'.repeat(100))).toBe(`"${'x'.repeat(80)}…"`);
    expect(truncate('line one\u2028line\u0085two \u202emoc.elpmaxe')).toBe('line one line two \\u202emoc.elpmaxe');
  });

  it('redacts user information from URLs, not other @ signs', () => {
    expect(redactUserinfo('https://ci:p@ss@proxy:3128/x')).toBe('https://***@proxy:3128/x');
    expect(redactUserinfo('user:pw@host')).toBe('***@host');
    expect(redactUserinfo('https://mondoo.example/a@b')).toBe('https://mondoo.example/a@b');
  });
});

describe('Retry-After', () => {
  it('is honoured up to the cap, and the warning says how long', async () => {
    const sleeps: number[] = [];
    const warnings: string[] = [];
    let t = 0;
    const clock: Clock = {
      now: () => t,
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
      },
      random: () => 0.5,
    };
    const answers = [
      new HttpFailure(
        'Mondoo answered HTTP 429',
        { status: 429, headers: { 'retry-after': '3600' } },
        { code: 'MONDOO_UNAVAILABLE' },
      ),
      new HttpFailure(
        'Mondoo answered HTTP 503',
        { status: 503, headers: { 'retry-after': '1' } },
        { code: 'MONDOO_UNAVAILABLE' },
      ),
    ];
    await withRetries(
      'The Mondoo token exchange',
      async () => {
        const next = answers.shift();
        if (next) throw next;
        return 'ok';
      },
      {
        policy: { ...DEFAULT_RETRY, maxAttempts: 3 },
        clock,
        deadline: 120_000,
        attemptTimeoutMs: 10_000,
        onRetry: (m) => warnings.push(m),
      },
    );
    expect(sleeps).toEqual([DEFAULT_RETRY.retryAfterCapMs, 1_000]);
    expect(warnings.map((w) => /retrying in (\S+)$/.exec(w)?.[1])).toEqual(['20s', '1s']);
  });
});
