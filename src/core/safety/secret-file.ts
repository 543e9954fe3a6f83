import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { AuthError, errorMessage, quoteForLog, type ErrorCode } from './errors.js';

/** The largest web identity token file read (a JWT is a few KB). */
export const WEB_IDENTITY_TOKEN_MAX_BYTES = 256 * 1024;
/** The largest container authorization token file read (a short opaque string or a JWT). */
export const CONTAINER_TOKEN_MAX_BYTES = 16 * 1024;
/** The largest AWS shared config or credentials file read (real ones are a few KB; hundreds of profiles fit). */
export const SHARED_FILE_MAX_BYTES = 1024 * 1024;

export interface SmallFile {
  /** How the setting that names the file is shown in messages: `AWS_CONFIG_FILE`, `the web identity token file`. */
  variable: string;
  /** What the file should hold, for the fix: "the web identity (OIDC) token". */
  what: string;
  maxBytes: number;
  /** The error code of a refusal (default AWS_CREDENTIAL_SOURCE_FAILED). */
  code?: ErrorCode;
}

/**
 * The one reader of small files that hold secrets or secret-bearing settings (tokens, the AWS shared config and
 * credentials files): only a regular file, at most `maxBytes`. A FIFO or a device would block or never end,
 * so the path is looked at first, opened without blocking (O_NONBLOCK: opening a FIFO never waits for a
 * writer), and checked again on the open descriptor (a path swapped after the first look cannot hang the
 * run); at most `maxBytes + 1` bytes are read whatever the file claims. Symbolic links are followed
 * (Kubernetes mounts projected tokens through them): a link to /dev/zero is refused as the device it is.
 * Returns undefined for a missing file when `missingOk`. Messages name the setting and the file, never the content.
 */
export function readSmallFile(path: string, file: SmallFile & { missingOk: true }): string | undefined;
export function readSmallFile(path: string, file: SmallFile & { missingOk?: false }): string;
export function readSmallFile(path: string, file: SmallFile & { missingOk?: boolean }): string | undefined {
  const { variable, what, maxBytes } = file;
  const code = file.code ?? 'AWS_CREDENTIAL_SOURCE_FAILED';
  const shown = quoteForLog(path, 200);
  const notRegular = (): AuthError =>
    new AuthError(
      `${variable} ${shown} is not a regular file (a FIFO, device or directory). Point it at the file holding ${what}.`,
      {
        code,
      },
    );
  const tooBig = (size: string): AuthError =>
    new AuthError(
      `${variable} ${shown} is ${size}, more than the ${maxBytes} bytes accepted. Point it at the file holding ${what}.`,
      {
        code,
      },
    );
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw notRegular();
    size = stat.size;
  } catch (err) {
    if (err instanceof AuthError) throw err;
    if (file.missingOk === true && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AuthError(
      `${variable} ${shown} cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}). Point it at the file holding ${what}, or unset it.`,
      { code },
    );
  }
  if (size > maxBytes) throw tooBig(`${size} bytes`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new AuthError(
      `${variable} ${shown} cannot be opened (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}). Check the file's permissions.`,
      { code },
    );
  }
  try {
    if (!fstatSync(fd).isFile()) throw notRegular();
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes) throw tooBig('longer than it said');
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** {@link readSmallFile} for a token or key file that must exist (the positional form its callers use). */
export function readSecretFile(
  path: string,
  maxBytes: number,
  variable: string,
  what: string,
  code?: ErrorCode,
): string {
  return readSmallFile(path, { variable, what, maxBytes, ...(code !== undefined ? { code } : {}) });
}
