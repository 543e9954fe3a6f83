/**
 * --output-file names a file in a real folder: a trailing slash, or a folder reached through a symbolic link
 * (a committed `.mondoo -> reports`), is refused before any request and again while writing.
 */
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/core/safety/errors.js';
import { checkOutputPath, writePrivateFile, type FileOps } from '../../../src/core/safety/output-file.js';

// The real path: on macOS the temporary folder itself is reached through a link (/var -> /private/var).
const base = realpathSync(mkdtempSync(join(tmpdir(), 'mondoo-output-file-')));
let dir: string;
let n = 0;
beforeEach(() => {
  dir = join(base, String(++n));
  mkdirSync(dir);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function refusal(fn: () => void): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).input).toBe('output-file');
    expect((err as ConfigError).code).toBe('CONFIG_INVALID_INPUT');
    return err as ConfigError;
  }
  throw new Error('not refused');
}

const NODE_OPS: FileOps = { openSync, writeSync: (fd, text) => writeSync(fd, text), closeSync, renameSync, unlinkSync };

describe('checkOutputPath', () => {
  it('accepts a new file or a regular file in a real folder', () => {
    expect(() => checkOutputPath(join(dir, 'creds.env'))).not.toThrow();
  });

  it.each([
    ['a name not yet taken', 'newfile/'],
    ['an existing folder', '/'],
  ])('refuses a path ending in a slash (%s)', (_, tail) => {
    const path = tail === '/' ? `${dir}/` : join(dir, tail) + '/';
    expect(refusal(() => checkOutputPath(path)).message).toBe(
      `--output-file ${path} ends in a slash, so it names a folder. Give a file path (without the slash).`,
    );
  });

  it('refuses a folder reached through a symbolic link, naming the real path', () => {
    mkdirSync(join(dir, 'reports'));
    symlinkSync('reports', join(dir, '.mondoo'));
    const path = join(dir, '.mondoo', 'creds.env');
    expect(refusal(() => checkOutputPath(path)).message).toBe(
      `the folder of --output-file ${path} is reached through a symbolic link (${join(dir, '.mondoo')} is really ${join(dir, 'reports')}); ` +
        `refusing to write a credential there. Give a path without links, such as ${join(dir, 'reports', 'creds.env')}, or choose another folder.`,
    );
  });

  it('refuses a link further up, and a .. that a link takes elsewhere', () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    symlinkSync(join(dir, 'a'), join(dir, 'up'));
    expect(refusal(() => checkOutputPath(join(dir, 'up', 'b', 'creds.env'))).message).toContain(
      `(${join(dir, 'up', 'b')} is really ${join(dir, 'a', 'b')})`,
    );
    symlinkSync(join(dir, 'a', 'b'), join(dir, 'deep'));
    // Written as given, the system would go to a/creds.env, not to creds.env beside deep.
    expect(refusal(() => checkOutputPath(`${dir}/deep/../creds.env`)).message).toContain(
      `(${dir} is really ${join(dir, 'a')})`,
    );
  });
});

describe('writePrivateFile', () => {
  it('never writes through a linked folder', () => {
    mkdirSync(join(dir, 'reports'));
    symlinkSync('reports', join(dir, '.mondoo'));
    expect(() => writePrivateFile(join(dir, '.mondoo', 'creds.env'), 'MONDOO_CONFIG_BASE64=secret\n')).toThrow(
      ConfigError,
    );
    expect(readdirSync(join(dir, 'reports'))).toEqual([]);
  });

  it('checks again once its temporary file is open: a folder swapped for a link since gets no byte of the credential', () => {
    mkdirSync(join(dir, 'out'));
    mkdirSync(join(dir, 'artifacts'));
    const path = join(dir, 'out', 'creds.env');
    const swapping: FileOps = {
      ...NODE_OPS,
      openSync: (file, flags, mode) => {
        const fd = openSync(file, flags, mode);
        renameSync(join(dir, 'out'), join(dir, 'out-moved'));
        symlinkSync('artifacts', join(dir, 'out'));
        return fd;
      },
    };
    expect(refusal(() => writePrivateFile(path, 'MONDOO_CONFIG_BASE64=secret\n', swapping)).message).toContain(
      'through a symbolic link',
    );
    expect(readdirSync(join(dir, 'artifacts'))).toEqual([]);
    // The temporary file opened before the swap holds nothing.
    for (const name of readdirSync(join(dir, 'out-moved'))) expect(statSync(join(dir, 'out-moved', name)).size).toBe(0);
  });

  it('writes into a real folder', () => {
    const path = join(dir, 'creds.env');
    writePrivateFile(path, 'MONDOO_CONFIG_BASE64=x\n');
    expect(readFileSync(path, 'utf8')).toBe('MONDOO_CONFIG_BASE64=x\n');
    expect(readdirSync(dir)).toEqual(['creds.env']);
  });
});
