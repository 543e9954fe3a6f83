/**
 * The secret scan finds what it looks for: a scan that passes everything would prove nothing.
 */
import { describe, expect, it } from '@jest/globals';
import { expectMaskedBeforeWritten, expectNoSecretsLeaked, type Run, type World } from './world.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const CREDENTIAL = 'eyJtcm4iOiIvL2FnZW50cy5hcGkubW9uZG9vLmFwcC9zcGFjZXMveCJ9';

const world = {
  secrets: () => [SECRET, CREDENTIAL],
  sims: { mondoo: { issued: [{ base64Credential: CREDENTIAL }] } },
} as unknown as World;

function run(overrides: Partial<Run>): Run {
  return {
    kind: 'action',
    code: 0,
    stdout: '',
    stderr: '',
    ms: 1,
    log: 'Authenticated',
    error: '',
    errorCode: undefined,
    warnings: [],
    credential: CREDENTIAL,
    arn: undefined,
    masks: [],
    ordered: [],
    writes: [],
    requestedOutputs: ['/runner/output'],
    files: new Map([['/runner/output', `base64-credential<<EOF\n${CREDENTIAL}\nEOF\n`]]),
    ...overrides,
  };
}

const marker = (path: string, start: number, length: number) =>
  `::debug::mondoo-test-write ${JSON.stringify({ op: 'write', path, start, length })}`;
const outputFile = `base64-credential<<EOF\n${CREDENTIAL}\nEOF\n`;

describe('the secret scan', () => {
  it('passes a clean run whose credential is only in the requested output, masked first', () => {
    expect(() =>
      expectNoSecretsLeaked(
        run({ ordered: [`::add-mask::${CREDENTIAL}`, marker('/runner/output', 0, outputFile.length)] }),
        world,
      ),
    ).not.toThrow();
  });

  it.each<[string, Partial<Run>]>([
    ['a secret in the log', { log: `debug: key ${SECRET}` }],
    [
      "a secret on the CLI's stdout",
      { kind: 'cli', stdout: `{"base64_credential":"${CREDENTIAL}","debug":"${SECRET}"}` },
    ],
    [
      'a secret beside the credential in the requested output',
      { files: new Map([['/runner/output', `${outputFile}x<<EOF\n${SECRET}\nEOF\n`]]) },
    ],
    [
      'the credential in a file that is not the requested output',
      { files: new Map([['/runner/summary', `<code>${CREDENTIAL}</code>`]]) },
    ],
    [
      'a leftover temporary file',
      { kind: 'cli', requestedOutputs: [], files: new Map([['/work/.out.json.1a2b.tmp', 'partial']]) },
    ],
  ])('finds %s', (_, overrides) => {
    expect(() => expectNoSecretsLeaked(run(overrides), world)).toThrow();
  });

  it('finds a secret written to a file command before its ::add-mask::', () => {
    const late = run({ ordered: [marker('/runner/output', 0, outputFile.length), `::add-mask::${CREDENTIAL}`] });
    expect(() => expectMaskedBeforeWritten(late, [CREDENTIAL])).toThrow();
    const unmasked = run({ ordered: [marker('/runner/output', 0, outputFile.length)] });
    expect(() => expectMaskedBeforeWritten(unmasked, [CREDENTIAL])).toThrow();
  });

  it('judges each write by the bytes it wrote', () => {
    // The mask came after the first write (which held no secret) and before the second (which did).
    const content = `name<<EOF\nnot secret\nEOF\n${outputFile}`;
    const first = 'name<<EOF\nnot secret\nEOF\n'.length;
    const ordered = [
      marker('/runner/output', 0, first),
      `::add-mask::${CREDENTIAL}`,
      marker('/runner/output', first, outputFile.length),
    ];
    expect(() =>
      expectMaskedBeforeWritten(run({ ordered, files: new Map([['/runner/output', content]]) }), [CREDENTIAL]),
    ).not.toThrow();
  });
});
