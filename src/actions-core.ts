/**
 * The parts of @actions/core this action uses, taken from the package's own modules.
 *
 * The package index (`import * as core from '@actions/core'`) also loads its OIDC client, which pulls in
 * @actions/http-client and undici: about 1 MB of bundle and 40 ms of start-up on every run, for
 * `getIDToken`, which this action does not call (it fetches the token through its own proxy-aware client
 * with the same request). The functions below are the index's one-line wrappers over the same modules, so
 * masking, outputs and file commands behave exactly as `core.setSecret`, `core.setOutput`, … do.
 *
 * One difference: the workflow commands this action issues (add-mask, debug, warning, error) and its log
 * lines are written to stdout with a synchronous write each (see stdio.ts) instead of `process.stdout`,
 * whose creation alone costs over a millisecond per run. The text is exactly what `issueCommand` writes.
 */
import { EOL } from 'node:os';
// The package's `exports` map only exposes its index, so these modules are imported by path.
import { issueCommand } from '../node_modules/@actions/core/lib/command.js';
import { issueFileCommand, prepareKeyValueMessage } from '../node_modules/@actions/core/lib/file-command.js';
import { writeStdout } from './stdio.js';

/** A workflow command without properties, escaped as @actions/core's issueCommand escapes its message. */
export function commandLine(command: string, message: string): string {
  return `::${command}::${message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}${EOL}`;
}

/** `core.getInput`: the trimmed INPUT_<NAME> variable, '' when unset. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** `core.setSecret`: registers a value with the runner's masker. */
export function setSecret(secret: string): void {
  writeStdout(commandLine('add-mask', secret));
}

/** `core.setOutput`. */
export function setOutput(name: string, value: string): void {
  if (process.env['GITHUB_OUTPUT']) {
    issueFileCommand('OUTPUT', prepareKeyValueMessage(name, value));
    return;
  }
  process.stdout.write(EOL);
  issueCommand('set-output', { name }, value);
}

/** `core.setOutput` for several outputs: the same bytes in GITHUB_OUTPUT as one call each, in one write. */
export function setOutputs(outputs: ReadonlyArray<readonly [string, string]>): void {
  if (process.env['GITHUB_OUTPUT']) {
    issueFileCommand('OUTPUT', outputs.map(([name, value]) => prepareKeyValueMessage(name, value)).join(EOL));
    return;
  }
  for (const [name, value] of outputs) setOutput(name, value);
}

/** `core.exportVariable`. */
export function exportVariable(name: string, value: string): void {
  process.env[name] = value;
  if (process.env['GITHUB_ENV']) {
    issueFileCommand('ENV', prepareKeyValueMessage(name, value));
    return;
  }
  issueCommand('set-env', { name }, value);
}

export function info(message: string): void {
  writeStdout(message + EOL);
}

export function debug(message: string): void {
  writeStdout(commandLine('debug', message));
}

export function warning(message: string): void {
  writeStdout(commandLine('warning', message));
}

/** `core.setFailed`: an error annotation and exit code 1. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  writeStdout(commandLine('error', message));
}
