import { describe, expect, it } from '@jest/globals';
import { normalizeUniverseDomain } from '../../../src/core/config/config.js';
import { quoteForLog, truncate } from '../../../src/core/safety/errors.js';
import {
  createRedactor,
  hasUnsafeChar,
  neutraliseLines,
  PIECE,
  safeLogText,
} from '../../../src/core/safety/log-safety.js';

describe('safeLogText: the one boundary every log line of both adapters passes', () => {
  it.each<[string, string]>([
    ['::error::x', ': :error::x'],
    ['  ::warning::x', '  : :warning::x'],
    ['first\n::set-output name=a::b', 'first\n: :set-output name=a::b'],
    ['a ##[group]b ##[endgroup]', 'a # #[group]b # #[endgroup]'],
    ['x ##vso[task.setvariable variable=A]b', 'x # #vso[task.setvariable variable=A]b'],
    ['##VSO[task.complete result=Failed]', '# #VSO[task.complete result=Failed]'],
    ['red \u001b[31mtext', 'red \\u001b[31mtext'],
    ['cr\rlf', 'cr\\u000dlf'],
    ['tab\there', 'tab\\u0009here'],
    ['sep\u2028::x', 'sep\\u2028::x'],
    ['bidi \u202egnp.exe', 'bidi \\u202egnp.exe'],
    ['C1 \u0085 next', 'C1 \\u0085 next'],
    ['BOM \ufeff', 'BOM \\ufeff'],
    ['plain text: a::b stays', 'plain text: a::b stays'],
  ])('%j → %j', (input, output) => {
    expect(safeLogText(input)).toBe(output);
  });

  it('redacts secrets first (longest first), so a secret is found as it was given', () => {
    expect(safeLogText('key ::abcd##[def and abcd', ['abcd', '::abcd##[def'])).toBe('key *** and ***');
  });

  it('never lets any line start with :: or contain ##[, ##vso[ or a control character, whatever the input', () => {
    const samples = [
      '::',
      '\n::',
      '\r\n::a',
      ' \t::',
      '#\n#[',
      '##[',
      '\u001b]0;title\u0007',
      ':\n:',
      '::\u2029::',
      '###vso[',
      '##Vso[##vso[',
    ];
    for (const sample of samples) {
      const out = safeLogText(sample);
      for (const line of out.split('\n')) {
        expect(line.trimStart().startsWith('::')).toBe(false);
        expect(line.includes('##[')).toBe(false);
        expect(line).not.toMatch(/##vso\[/i);
        expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      }
    }
  });
});

describe('the one set of unsafe characters (log-safety UNSAFE_CHARS), escaped at the boundary and by truncate/quoteForLog', () => {
  it.each<[string, string, string]>([
    ['zero-width space', 'a\u200bb', 'a\\u200bb'],
    ['zero-width joiner and non-joiner', 'a\u200d\u200cb', 'a\\u200d\\u200cb'],
    ['word joiner', 'a\u2060b', 'a\\u2060b'],
    ['soft hyphen', 'a\u00adb', 'a\\u00adb'],
    ['Hangul fillers', '\u115f\u1160\u3164\uffa0', '\\u115f\\u1160\\u3164\\uffa0'],
    ['braille blank and Mongolian vowel separator', 'a\u2800\u180eb', 'a\\u2800\\u180eb'],
    ['combining grapheme joiner', 'a\u034fb', 'a\\u034fb'],
    ['a variation selector', 'a\ufe0fb', 'a\\ufe0fb'],
    ['a supplementary variation selector (astral)', 'a\u{e0100}b', 'a\\u{e0100}b'],
    ['tag characters (astral)', 'x\u{e0041}\u{e007f}', 'x\\u{e0041}\\u{e007f}'],
    ['a lone surrogate', 'a\ud800b', 'a\\ud800b'],
    ['an emoji stays', 'ok \u{1f600}', 'ok \u{1f600}'],
  ])('%s', (_, input, output) => {
    expect(safeLogText(input)).toBe(output);
    expect(truncate(input)).toBe(output);
    expect(quoteForLog(input)).toBe(JSON.stringify(output).replace(/\\\\/g, '\\'));
  });

  it('refuses the same characters in URL inputs', () => {
    expect(hasUnsafeChar('https://us.api.mondoo.com\u200b')).toBe(true);
    expect(hasUnsafeChar('https://us.api.mondoo.com')).toBe(false);
    expect(() => normalizeUniverseDomain('https://us.api\u2060.mondoo.com')).toThrow(
      /contains a control character or an invisible one/,
    );
  });
});

/** Every window of `length` characters of `secret` that appears in `text`. */
function piecesIn(text: string, secret: string, length = PIECE): string[] {
  const found: string[] = [];
  for (let i = 0; i + length <= secret.length; i++)
    if (text.includes(secret.slice(i, i + length))) found.push(secret.slice(i, i + length));
  return found;
}

describe('the redactor: no 20-character piece of a registered secret reaches a log line, however a server echoed it', () => {
  const signature = 'd1e8b1c7e5f0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b';
  const jwt = `{"headers":[{"key":"Authorization","value":"AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20250101/us-east-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=${signature}"}],"method":"POST","url":"https://sts.amazonaws.com/?Action=GetCallerIdentity\\u0026Version=2011-06-15"}`;
  const redactor = () => {
    const r = createRedactor();
    r.add(signature);
    r.add(jwt);
    return r;
  };

  it.each<[string, string]>([
    ['whole', `echo: ${jwt}`],
    ['truncated as truncate() cuts it', truncate(`Mondoo answered HTTP 503: upstream said ${jwt}`, 120)],
    ['a truncated signature', `sig=${signature.slice(0, 31)}… (33 more characters)`],
    ['JSON-escaped', `{"echo":${JSON.stringify(jwt)}}`],
    ['JSON-escaped with \\/ and \\u escapes', JSON.stringify(jwt).replace(/\//g, '\\/').replace(/=/g, '\\u003d')],
    ['URL-encoded', `body=${encodeURIComponent(jwt)}`],
    ['form-encoded', new URLSearchParams({ echo: jwt }).toString()],
    ['line-wrapped at 16', jwt.replace(/(.{16})/g, '$1\n  ')],
    ['split by zero-width spaces', signature.replace(/(.{7})/g, '$1\u200b')],
    ['split by tag characters, escaped by truncate()', truncate(signature.replace(/(.{7})/g, '$1\u{e0041}'))],
    ['lower-case percent-encoding', [...signature].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')],
  ])('%s', (_, text) => {
    const out = safeLogTextWith(redactor(), text);
    expect(piecesIn(out, signature)).toEqual([]);
    expect(piecesIn(out, jwt)).toEqual([]);
    expect(out).toContain('***');
  });

  it('keeps the text around a piece, and text that holds no piece', () => {
    const r = redactor();
    expect(r.redact(`text: ${signature.slice(3, 40)} after`)).toBe('text: *** after');
    expect(r.redact(`keep ${signature.slice(0, 19)} this`)).toBe(`keep ${signature.slice(0, 19)} this`);
    expect(r.redact('Mondoo answered HTTP 503: Unavailable: try again later')).toBe(
      'Mondoo answered HTTP 503: Unavailable: try again later',
    );
  });

  it('redacts values of 4 to 19 characters whole, and never registers a shorter one', () => {
    const r = createRedactor();
    expect(r.add('abc')).toBe(false);
    expect(r.add('s3cr3t-pw')).toBe(true);
    expect(r.add('s3cr3t-pw')).toBe(false);
    expect(r.redact('abc s3cr3t-pw s3cr3t')).toBe('abc *** s3cr3t');
  });
});

/** What an adapter writes for `text` with the secrets `redactor` holds. */
function safeLogTextWith(redactor: ReturnType<typeof createRedactor>, text: string): string {
  return neutraliseLines(redactor.redact(text));
}
