/**
 * The AWS shared config and credentials files, checked before the AWS SDK reads them: each must be a regular
 * file of at most SHARED_FILE_MAX_BYTES, or absent. The SDK's loader (@smithy/core/config) reads a path with
 * readFile and no limit, so a FIFO hangs the run and /dev/zero or a huge sparse file fills its memory; its
 * public API takes a path, not content, so the tool cannot hand it what it read.
 *
 * The check reads each file with the one bounded reader (secret-file.ts: non-blocking open, checked on the
 * open descriptor) and the SDK then reads the same paths. Between the two the path could be swapped (TOCTOU):
 * that needs a process racing inside the job, which could as well change the environment or the tool itself;
 * what the check stops is a file that is wrong from the start (a checkout's `.aws/config -> /dev/zero`, a FIFO
 * named in AWS_CONFIG_FILE), and that it stops before anything is sent (credential-sources.test.ts, "shared
 * config files").
 *
 * Paths are the SDK's: AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config
 * (home from HOME, USERPROFILE, HOMEDRIVE + HOMEPATH, else the OS's; the variables read by aws-environment.ts), with a leading ~/ expanded.
 */
import { homedir } from 'node:os';
import { join, sep } from 'node:path';
import { readSmallFile, SHARED_FILE_MAX_BYTES } from '../safety/secret-file.js';
import type { AwsEnvironment } from './aws-environment.js';

export interface SharedFile {
  /** The variable that names it, or how the default is shown. */
  variable: string;
  path: string;
}

/** The two files the SDK would read, in its order (credentials, then config). */
export function sharedFiles(aws: AwsEnvironment): SharedFile[] {
  const home = aws.home ?? homedir();
  const resolve = (path: string): string =>
    path.startsWith(`~${sep}`) || path.startsWith('~/') ? join(home, path.slice(2)) : path;
  return (
    [
      ['AWS_SHARED_CREDENTIALS_FILE', 'credentials', aws.sharedCredentialsFile],
      ['AWS_CONFIG_FILE', 'config', aws.configFile],
    ] as const
  ).map(([variable, name, set]) =>
    set !== undefined
      ? { variable, path: resolve(set) }
      : { variable: `the default AWS ${name} file (${variable} unset)`, path: join(home, '.aws', name) },
  );
}

/** Refuses (AWS_CREDENTIAL_SOURCE_FAILED, naming the variable and the file) a shared file that is not a small regular file. */
export function checkSharedFiles(aws: AwsEnvironment): void {
  for (const file of sharedFiles(aws)) {
    readSmallFile(file.path, {
      variable: file.variable,
      what: 'the AWS shared profiles (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE choose the files)',
      maxBytes: SHARED_FILE_MAX_BYTES,
      missingOk: true,
    });
  }
}
