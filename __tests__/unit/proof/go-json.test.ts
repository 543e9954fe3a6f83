import { describe, expect, it } from '@jest/globals';
import { goMarshal, goString } from '../../../src/core/proof/go-json.js';

describe('Go json.Marshal, for strings, slices and maps of them', () => {
  it('escapes &, <, >, U+2028 and U+2029 as Go does, and leaves the rest as JSON.stringify writes it', () => {
    expect(goString('a&b<c>d\u2028e\u2029f')).toBe('"a\\u0026b\\u003cc\\u003ed\\u2028e\\u2029f"');
    expect(goString('tab\tnew\nquote"back\\slash é €')).toBe(JSON.stringify('tab\tnew\nquote"back\\slash é €'));
  });

  it('writes a lone surrogate as U+FFFD (Go replaces invalid UTF-8)', () => {
    expect(goString('x\ud800y')).toBe('"x\ufffdy"');
    expect(goString('\u{1f600}')).toBe('"\u{1f600}"');
  });

  it('sorts map keys by their bytes, at every level, and keeps slice order', () => {
    expect(goMarshal({ url: 'u', method: 'POST', headers: [{ value: 'v', key: 'k' }] })).toBe(
      '{"headers":[{"key":"k","value":"v"}],"method":"POST","url":"u"}',
    );
    expect(goMarshal({ b: 'x', B: 'y', a: 'z' })).toBe('{"B":"y","a":"z","b":"x"}');
  });
});
