import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { AuthError, errorMessage, quoteForLog } from './errors.js';

/**
 * Reads a small file holding a secret (a token), only if it is a regular file and at most `maxBytes` long:
 * a FIFO or a device would block or never end. Symbolic links are followed (Kubernetes mounts projected
 * tokens through them). `variable` names the setting for the message, `what` says what the file should hold.
 */
export function readSecretFile(path: string, maxBytes: number, variable: string, what: string): string {
  const shown = quoteForLog(path, 200);
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile())
      throw new AuthError(`${variable} ${shown} is not a regular file. Point it at the file holding ${what}.`, {
        code: 'AWS_CREDENTIAL_SOURCE_FAILED',
      });
    size = stat.size;
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw new AuthError(
      `${variable} ${shown} cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}). Point it at the file holding ${what}, or unset it.`,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  }
  if (size > maxBytes)
    throw new AuthError(
      `${variable} ${shown} is ${size} bytes, more than the ${maxBytes} a token can be. Point it at the file holding ${what}.`,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new AuthError(
      `${variable} ${shown} cannot be opened (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}). Check the file's permissions.`,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  }
  try {
    // The file could have been swapped between the two looks: check what was opened, and read at most one byte more than allowed.
    if (!fstatSync(fd).isFile())
      throw new AuthError(`${variable} ${shown} is not a regular file. Point it at the file holding ${what}.`, {
        code: 'AWS_CREDENTIAL_SOURCE_FAILED',
      });
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes)
      throw new AuthError(
        `${variable} ${shown} is more than ${maxBytes} bytes, more than a token can be. Point it at the file holding ${what}.`,
        { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
      );
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
