import { EOL } from 'node:os';
import { safeLogText } from './log-safety.js';
import { proxySecrets, readProxySettings, type ProxySettings } from './proxy.js';

/**
 * The one masking policy, shared by the Action and the CLI: every secret is registered here before it can
 * reach an output, a file or a log line.
 *
 * - Each value is registered once (an empty value never).
 * - Inside GitHub Actions each is announced to the runner with `::add-mask::`, escaped as @actions/core
 *   escapes command data, so the runner hides it in every later line of the job.
 * - Outside GitHub Actions nothing is printed: any other CI system would show the command, secret and all.
 * - Text the tool itself logs goes through {@link Masker.redact} before it is written: the same list replaced
 *   by ***, then every line neutralised (log-safety.ts), so no server text can become a workflow command.
 */
export interface Masker {
  add(value: string): void;
  /**
   * `text` made safe for a log line: every registered value (of 4 characters or more) replaced by ***, then
   * control characters escaped and workflow-command markers (`::` at a line's start, `##[`) broken.
   */
  redact(text: string): string;
}

export interface MaskerOptions {
  /** Whether the runner reads workflow commands (GITHUB_ACTIONS=true). */
  inGitHubActions: boolean;
  /** Where workflow commands go: stdout for the Action, stderr for the CLI (its stdout is the output). */
  writeCommand(line: string): void;
}

/** Workflow-command data escaped as @actions/core's issueCommand escapes it: % CR LF. */
export function escapeCommandData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The `::add-mask::` command for a value, as core.setSecret writes it. */
export function addMaskCommand(value: string): string {
  return `::add-mask::${escapeCommandData(value)}${EOL}`;
}

export function createMasker(opts: MaskerOptions): Masker {
  const values = new Set<string>();
  return {
    add(value) {
      if (value === '' || values.has(value)) return;
      values.add(value);
      if (opts.inGitHubActions) opts.writeCommand(addMaskCommand(value));
    },
    redact(text) {
      return safeLogText(text, values);
    },
  };
}

/**
 * Registers the secrets the host hands the tool before it starts, in both adapters and first of all: the
 * runner's OIDC request token, then the credentials in a proxy URL. Returns the proxy settings (a proxy URL
 * that cannot be used is a ConfigError, raised after the request token is registered).
 */
export function registerHostSecrets(masker: Masker, env: NodeJS.ProcessEnv): ProxySettings {
  masker.add(env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] ?? '');
  const proxy = readProxySettings(env);
  for (const value of proxySecrets(proxy)) masker.add(value);
  return proxy;
}
