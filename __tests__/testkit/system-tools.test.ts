/**
 * The skip rule and .ci/run's hiding agree: a tool hidden from PATH by scripts/without-tools.mjs is missing
 * for the rule (testkit/tools.js) even when it is also installed as /bin/<name>, and everything else on PATH
 * stays found.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { pathWithout } from '../../scripts/without-tools.mjs';
import { findTool, missingTools } from '../../testkit/system-tools.js';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'without-tools.mjs');

let work: string;
let fakeBin: string;
let path: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mondoo-system-tools-'));
  fakeBin = join(work, 'bin');
  mkdirSync(fakeBin);
  // A dash and a neighbour in the same directory; dash is also what /bin/dash may be on this machine.
  for (const name of ['dash', 'neighbour']) {
    writeFileSync(join(fakeBin, name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(fakeBin, name), 0o755);
  }
  writeFileSync(join(fakeBin, 'not-executable'), '');
  path = [fakeBin, process.env['PATH'] ?? ''].join(delimiter);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the skip rule finds tools on PATH', () => {
  it('finds the first executable of that name, and nothing that is not executable', () => {
    expect(findTool('dash', path)).toBe(join(fakeBin, 'dash'));
    expect(findTool('not-executable', `${fakeBin}`)).toBeUndefined();
    expect(findTool('dash', 'relative/bin')).toBeUndefined();
    expect(missingTools(['dash'], path)).toEqual([]);
  });

  it('a tool hidden by without-tools is missing, even where /bin/dash exists; its neighbours stay', () => {
    const root = mkdtempSync(join(work, 'hide-'));
    const hidden = pathWithout(path, ['dash'], root);
    expect(findTool('dash', hidden)).toBeUndefined();
    expect(missingTools(['dash'], hidden)).toEqual([
      `dash is not installed (the POSIX shell of Alpine-like images). Install it: ${
        process.platform === 'darwin' ? 'part of macOS (10.15 and later)' : 'apt-get install -y dash'
      }`,
    ]);
    expect(findTool('neighbour', hidden)).toBe(join(root, '0', 'neighbour'));
    // Directories without a hidden tool are kept as they are.
    expect(hidden.split(delimiter).slice(1)).toEqual(
      (process.env['PATH'] ?? '')
        .split(delimiter)
        .map((dir, i) => (existsSync(join(dir, 'dash')) ? join(root, String(i + 1)) : dir)),
    );
  });

  it('scripts/without-tools.mjs runs the command with the tools hidden, passes its exit status on and leaves nothing behind', () => {
    const probe = [
      `import { findTool } from ${JSON.stringify(join(ROOT, 'testkit', 'tools.js'))};`,
      `console.log(JSON.stringify({ dash: findTool('dash') ?? null, neighbour: findTool('neighbour') ?? null, path: process.env.PATH }));`,
      'process.exit(3);',
    ].join('\n');
    const r = spawnSync(
      process.execPath,
      [SCRIPT, 'dash', 'rsync', '--', process.execPath, '--input-type=module', '-e', probe],
      {
        encoding: 'utf8',
        env: { ...process.env, PATH: path },
      },
    );
    expect(r.stderr).toContain('without-tools: dash, rsync hidden from PATH');
    expect(r.status).toBe(3);
    const seen = JSON.parse(r.stdout) as { dash: string | null; neighbour: string | null; path: string };
    expect(seen.dash).toBeNull();
    expect(seen.neighbour).toMatch(/without-tools-.*\/0\/neighbour$/);
    expect(existsSync(seen.path.split(delimiter)[0] ?? '')).toBe(false);
  });

  it('refuses to run without tools or without a command', () => {
    for (const args of [['--', 'true'], ['dash'], ['dash', '--'], ['a/b', '--', 'true']]) {
      const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe('usage: node scripts/without-tools.mjs TOOL... -- COMMAND [ARG...]\n');
    }
  });
});
