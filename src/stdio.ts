/**
 * Writes to stdout and stderr with one synchronous write(2) per call, without creating `process.stdout` /
 * `process.stderr`. Node builds those streams on first use, which costs over a millisecond each, on every
 * run, for a handful of lines. The order of lines is the same as with the streams (on Linux and macOS they
 * write pipes and files synchronously too).
 *
 * Should the descriptor be non-blocking and full (EAGAIN), what is left of the text and everything after it
 * goes through the stream, which waits for the reader, so nothing is lost or reordered.
 */
import { writeSync } from 'node:fs';

export interface FdWriterDeps {
  /** fs.writeSync's shape: bytes written, or throws (EAGAIN when a non-blocking descriptor is full). */
  writeSync(fd: number, buffer: Uint8Array, offset: number): number;
  /** The stream for the descriptor, created only when first asked for. */
  stream(): { write(chunk: Uint8Array | string): unknown };
}

export function createFdWriter(fd: number, deps: FdWriterDeps): (text: string) => void {
  let viaStream = false;
  return (text) => {
    if (viaStream) {
      deps.stream().write(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += deps.writeSync(fd, bytes, offset);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        viaStream = true;
        deps.stream().write(bytes.subarray(offset));
        return;
      }
    }
  };
}

export const writeStdout = createFdWriter(1, { writeSync, stream: () => process.stdout });
export const writeStderr = createFdWriter(2, { writeSync, stream: () => process.stderr });
