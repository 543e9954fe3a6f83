/**
 * The one masking policy (src/core/safety/masker.ts) the Action and the CLI share: each value registered once, the
 * command written exactly as @actions/core's setSecret writes it, nothing printed outside GitHub Actions,
 * and the same list redacting the tool's own log lines.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import * as core from '@actions/core';
import { addMaskCommand, createMasker, onGitHubRunner, OTHER_CI_MARKERS } from '../../../src/core/safety/masker.js';

describe('the ::add-mask:: command', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each([
    'plain',
    '-----BEGIN PRIVATE KEY-----\nline\r\n-----END PRIVATE KEY-----',
    '100% done: a::b, c',
    '%0A already escaped? %25',
  ])('%j is written exactly as core.setSecret writes it', (value) => {
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    core.setSecret(value);
    expect(addMaskCommand(value)).toBe(written.join(''));
  });
});

describe('the masker', () => {
  /** A masker whose host is a double of core.setSecret (`announced`), or none (`announced` stays empty). */
  const masker = (withHost: boolean) => {
    const lines: string[] = [];
    return {
      lines,
      masker: createMasker({ registerWithHost: withHost ? (value) => lines.push(addMaskCommand(value)) : undefined }),
    };
  };

  it('tells the host each value once, escaped on one line; never an empty value or one under 4 characters', () => {
    const m = masker(true);
    for (const value of ['s3cret-one', '', 's3cret-one', 'key\nwith\r\nlines%', 's3cret-one', 'e', '0', 'abc'])
      m.masker.add(value);
    expect(m.lines.map((l) => l.trimEnd())).toEqual(['::add-mask::s3cret-one', '::add-mask::key%0Awith%0D%0Alines%25']);
    expect(m.masker.redact('e 0 abc s3cret-one')).toBe('e 0 abc ***');
  });

  it('without a host announces nothing, and still redacts', () => {
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
});

describe('onGitHubRunner: the one decision whether the CLI writes ::add-mask::', () => {
  const runner = {
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '1234',
    RUNNER_TEMP: '/home/runner/work/_temp',
    GITHUB_WORKSPACE: '/home/runner/work/r/r',
  };

  it("is true with GITHUB_ACTIONS=true and the runner's own variables", () => {
    expect(onGitHubRunner(runner)).toBe(true);
  });

  it.each(['GITHUB_RUN_ID', 'RUNNER_TEMP', 'GITHUB_WORKSPACE'])('is false without %s', (name) => {
    expect(onGitHubRunner({ ...runner, [name]: '' })).toBe(false);
    const without: Record<string, string> = { ...runner };
    delete without[name];
    expect(onGitHubRunner(without)).toBe(false);
  });

  it('is false with GITHUB_ACTIONS set to anything but true, or not set', () => {
    expect(onGitHubRunner({ ...runner, GITHUB_ACTIONS: 'false' })).toBe(false);
    expect(onGitHubRunner({ ...runner, GITHUB_ACTIONS: 'TRUE' })).toBe(false);
    expect(onGitHubRunner({ GITHUB_RUN_ID: '1', RUNNER_TEMP: '/t', GITHUB_WORKSPACE: '/w' })).toBe(false);
  });

  it.each([...OTHER_CI_MARKERS])('is false when %s marks another CI system', (marker) => {
    expect(onGitHubRunner({ ...runner, [marker]: 'true' })).toBe(false);
  });
});
