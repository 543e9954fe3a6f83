import { describe, expect, it } from '@jest/globals';
import { safeLogText } from '../../src/core/log-safety.js';

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
