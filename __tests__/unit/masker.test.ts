/**
 * The one masking policy (src/core/masker.ts) the Action and the CLI share: each value registered once, the
 * command written exactly as @actions/core's setSecret writes it, nothing printed outside GitHub Actions,
 * and the same list redacting the tool's own log lines.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import * as core from '@actions/core';
import { addMaskCommand, createMasker, registerHostSecrets } from '../../src/core/masker.js';

describe('the ::add-mask:: command', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each(['plain', '-----BEGIN PRIVATE KEY-----\nline\r\n-----END PRIVATE KEY-----', '100% done: a::b, c', '%0A already escaped? %25'])(
    '%j is written exactly as core.setSecret writes it',
    (value) => {
      const written: string[] = [];
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
        written.push(String(chunk));
        return true;
      });
      core.setSecret(value);
      expect(addMaskCommand(value)).toBe(written.join(''));
    },
  );
});

describe('the masker', () => {
  const masker = (inGitHubActions: boolean) => {
    const lines: string[] = [];
    return { lines, masker: createMasker({ inGitHubActions, writeCommand: (line) => lines.push(line) }) };
  };

  it('inside GitHub Actions registers each value once, escaped on one line; never an empty value', () => {
    const m = masker(true);
    for (const value of ['s3cret-one', '', 's3cret-one', 'key\nwith\r\nlines%', 's3cret-one']) m.masker.add(value);
    expect(m.lines.map((l) => l.trimEnd())).toEqual(['::add-mask::s3cret-one', '::add-mask::key%0Awith%0D%0Alines%25']);
  });

  it('outside GitHub Actions never prints ::add-mask::, and still redacts', () => {
    const m = masker(false);
    m.masker.add('s3cret-one');
    expect(m.lines).toEqual([]);
    expect(m.masker.redact('token s3cret-one here')).toBe('token *** here');
  });

  it('redacts the longest value first, and leaves values under 4 characters alone', () => {
    const m = masker(false);
    for (const value of ['abcd', 'abcdefgh', 'xyz']) m.masker.add(value);
    expect(m.masker.redact('abcdefgh abcd xyz')).toBe('*** *** xyz');
  });

  it("registers the runner's OIDC request token, then the proxy's credentials, in either adapter", () => {
    const m = masker(true);
    const proxy = registerHostSecrets(m.masker, {
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
      HTTPS_PROXY: 'http://ci:pr0xy-pw@proxy:3128',
    });
    expect(proxy.https?.host).toBe('proxy:3128');
    expect(m.lines.map((l) => l.trimEnd())).toEqual([
      '::add-mask::runner-request-token',
      '::add-mask::http://ci:pr0xy-pw@proxy:3128/',
      '::add-mask::http://ci:pr0xy-pw@proxy:3128',
      '::add-mask::pr0xy-pw',
    ]);
  });

  it('registers the request token even when the proxy URL is refused', () => {
    const m = masker(true);
    expect(() =>
      registerHostSecrets(m.masker, { ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token', HTTPS_PROXY: 'socks5://proxy:1080' }),
    ).toThrow(/HTTPS_PROXY uses socks5/);
    expect(m.lines.map((l) => l.trimEnd())).toEqual(['::add-mask::runner-request-token']);
  });
});
