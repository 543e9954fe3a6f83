/**
 * The CLI's --output-file: the credential is written to a new file, or replaces a regular file, with mode
 * 0600, never through a link (the file's or a folder's on the way) and never into a device, FIFO or socket;
 * and no temporary file holding it is left behind, whatever fails.
 */
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from './errors.js';

function kindOf(stat: Stats): string | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Refuses an output path that ends in a slash, exists and is not a regular file, or whose folder does not
 * exist or is reached through a symbolic link (its real path is not the path given, resolved against the
 * working directory): checked before any request, and again while writing.
 */
export function checkOutputPath(path: string): void {
  if (path.trim() === '') throw new ConfigError('output-file', '--output-file is empty. Give a file path.');
  if (path.endsWith('/') || (process.platform === 'win32' && path.endsWith('\\')))
    throw new ConfigError(
      'output-file',
      `--output-file ${path} ends in a slash, so it names a folder. Give a file path (without the slash).`,
    );
  let stat: Stats | undefined;
  try {
    stat = lstatSync(path);
  } catch {
    stat = undefined;
  }
  const kind = stat === undefined ? undefined : kindOf(stat);
  if (kind === 'a symbolic link')
    throw new ConfigError(
      'output-file',
      `--output-file ${path} is a symbolic link; refusing to write a credential through it. Remove the link or choose another path.`,
    );
  if (kind === 'a directory')
    throw new ConfigError('output-file', `--output-file ${path} is a directory. Give a file path.`);
  if (kind !== undefined)
    throw new ConfigError(
      'output-file',
      `--output-file ${path} is ${kind}; the credential is written only to a new file or over a regular file. Choose another path.`,
    );
  const folder = resolve(dirname(path));
  let real: string | undefined;
  try {
    // .native: the system's own resolution, as the write will see it (realpathSync folds `..` first, by name).
    real = statSync(folder).isDirectory() ? realpathSync.native(dirname(path)) : undefined;
  } catch {
    real = undefined;
  }
  if (real === undefined)
    throw new ConfigError('output-file', `the folder of --output-file ${path} does not exist. Create it first.`);
  if (real !== folder)
    throw new ConfigError(
      'output-file',
      `the folder of --output-file ${path} is reached through a symbolic link (${folder} is really ${real}); refusing to write a credential there. Give a path without links, such as ${join(real, basename(path))}, or choose another folder.`,
    );
}

/** The file operations writePrivateFile uses; tests pass failing ones. */
export interface FileOps {
  openSync: typeof openSync;
  writeSync: (fd: number, text: string) => number;
  closeSync: typeof closeSync;
  renameSync: typeof renameSync;
  unlinkSync: typeof unlinkSync;
}

const NODE_FILE_OPS: FileOps = {
  openSync,
  writeSync: (fd, text) => writeSync(fd, text),
  closeSync,
  renameSync,
  unlinkSync,
};

/**
 * Writes `content` with mode 0600: a temporary file created exclusively beside the target (never through a
 * link), then renamed over it, so a reader sees the whole content or nothing. If writing or the rename fails,
 * the temporary file is removed before the error is passed on.
 */
export function writePrivateFile(path: string, content: string, ops: FileOps = NODE_FILE_OPS): void {
  checkOutputPath(path);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = ops.openSync(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
    0o600,
  );
  let closed = false;
  try {
    // Checked again before a byte is written: a folder on the way may have become a link since the first check.
    checkOutputPath(path);
    ops.writeSync(fd, content);
    ops.closeSync(fd);
    closed = true;
    // Checked again just before the rename: the path may have been replaced since the first check.
    checkOutputPath(path);
    ops.renameSync(tmp, path);
  } catch (err) {
    if (!closed) {
      try {
        ops.closeSync(fd);
      } catch {
        // already closed or invalid: the unlink below is what matters
      }
    }
    try {
      ops.unlinkSync(tmp);
    } catch {
      // gone already
    }
    throw err;
  }
}
