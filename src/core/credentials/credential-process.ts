/**
 * A profile's credential_process, run by the tool instead of the AWS SDK's fromProcess (which runs it with
 * child_process.exec: no way to stop it, and a helper that sleeps holds the run for ever). The command runs in
 * a shell as the SDK runs it, in its own process group, and is killed (the whole group) when the run's
 * deadline passes; its stdout is read up to a size limit, its stderr is not kept.
 *
 * The output format is the SDK's (credential-provider-process): one JSON object with Version 1,
 * AccessKeyId, SecretAccessKey, and optionally SessionToken and Expiration (refused when already past).
 */
import { AuthError, quoteForLog } from '../safety/errors.js';
import { formatMs } from '../network/http.js';
import type { ChildEnvironment } from './aws-environment.js';

/** The most a helper may print: credentials are a few KB. */
export const CREDENTIAL_PROCESS_MAX_BYTES = 64 * 1024;

export interface ProcessCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Validates a helper's output as the SDK does (getValidatedProcessCredentials), with messages naming the profile. */
export function parseProcessOutput(stdout: string, profile: string, now: number): ProcessCredentials {
  const name = quoteForLog(profile, 64);
  let data: unknown;
  try {
    data = JSON.parse(stdout.trim());
  } catch {
    throw new AuthError(
      `credential_process of profile ${name} did not print JSON. It must print {"Version": 1, "AccessKeyId": …}.`,
      {
        code: 'AWS_CREDENTIAL_SOURCE_FAILED',
      },
    );
  }
  const doc = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (doc['Version'] !== 1)
    throw new AuthError(`credential_process of profile ${name} did not return Version 1.`, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  const text = (key: string): string | undefined =>
    typeof doc[key] === 'string' && doc[key] !== '' ? (doc[key] as string) : undefined;
  const accessKeyId = text('AccessKeyId');
  const secretAccessKey = text('SecretAccessKey');
  if (accessKeyId === undefined || secretAccessKey === undefined)
    throw new AuthError(`credential_process of profile ${name} returned no AccessKeyId or SecretAccessKey.`, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  const sessionToken = text('SessionToken');
  let expiration: Date | undefined;
  if (doc['Expiration'] !== undefined && doc['Expiration'] !== '') {
    expiration = new Date(String(doc['Expiration']));
    if (Number.isNaN(expiration.getTime()))
      throw new AuthError(`credential_process of profile ${name} returned an Expiration that is not a date.`, {
        code: 'AWS_CREDENTIAL_SOURCE_FAILED',
      });
    if (expiration.getTime() <= now)
      throw new AuthError(
        `credential_process of profile ${name} returned credentials that expired at ${expiration.toISOString()}. Refresh the helper's session, or fix the local clock.`,
        { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
      );
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken !== undefined ? { sessionToken } : {}),
    ...(expiration ? { expiration } : {}),
  };
}

export interface ProcessRun {
  command: string;
  profile: string;
  /** Milliseconds the helper may run: what is left of timeout-seconds. */
  limitMs: number;
  totalMs: number;
  /** The environment it inherits (AwsEnvironment.childEnv). */
  env: ChildEnvironment;
}

/** Runs the helper; resolves its stdout, or rejects when it fails, prints too much or outlives `limitMs` (then it is killed). */
export async function runCredentialProcess(run: ProcessRun): Promise<string> {
  const name = quoteForLog(run.profile, 64);
  // node:child_process (and what it loads) only on this path, not at every start of the Action and the CLI.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const windows = process.platform === 'win32';
    const child = spawn(run.command, {
      shell: true,
      env: run.env,
      stdio: ['ignore', 'pipe', 'ignore'],
      // Its own process group, so the shell and what it started are killed together.
      detached: !windows,
      windowsHide: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let failure: AuthError | undefined;
    let settled = false;
    // Settled at once on a refusal, without waiting for the pipe to close (a grandchild outside the group could hold it).
    const refuse = (err: AuthError): void => {
      failure ??= err;
      kill();
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.unref();
      reject(failure);
    };
    const kill = (): void => {
      try {
        if (!windows && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(
      () => {
        refuse(
          new AuthError(
            `credential_process of profile ${name} did not finish before the overall timeout (timeout-seconds, ${formatMs(run.totalMs)}); it was stopped. Check the helper (it may wait for input or a login), or raise timeout-seconds.`,
            { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
          ),
        );
      },
      Math.max(1, run.limitMs),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > CREDENTIAL_PROCESS_MAX_BYTES) {
        refuse(
          new AuthError(
            `credential_process of profile ${name} printed more than ${CREDENTIAL_PROCESS_MAX_BYTES} bytes; credentials are a few hundred. It was stopped.`,
            { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    child.on('error', (err) => {
      refuse(
        new AuthError(`credential_process of profile ${name} could not be started: ${err.message}.`, {
          code: 'AWS_CREDENTIAL_SOURCE_FAILED',
        }),
      );
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (code !== 0)
        return reject(
          new AuthError(
            `credential_process of profile ${name} exited with ${code === null ? `signal ${String(signal)}` : `code ${code}`}. Run the command by hand to see why.`,
            { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
          ),
        );
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
