import { EOL } from 'node:os';
import { createRedactor, neutraliseLines, type SecretOptions } from './log-safety.js';

/**
 * The one masking policy, shared by the Action and the CLI: every secret is registered here before it can
 * reach an output, a file or a log line.
 *
 * - Each value is registered once; a value shorter than 4 characters never (a 1-3 character mask would blank
 *   ordinary text, and is no secret worth the name).
 * - Each is announced to the host once, through the function the adapter gives: the Action passes
 *   @actions/core's setSecret, so whatever runs the toolkit (the runner, @github/local-action, a test double)
 *   learns it; the CLI passes a writer of `::add-mask::` to stderr only when {@link onGitHubRunner} says it
 *   runs on a GitHub runner, and nothing otherwise: any other CI system would show the command, secret and all.
 * - Text the tool itself logs goes through {@link Masker.redact} before it is written: every value, and every
 *   piece of 20 characters or more of one however a server echoed it, replaced by *** (log-safety.ts), then
 *   every line neutralised, so no server text can become a workflow command.
 */
export interface Masker {
  /** Registers a secret (see {@link SecretOptions}: found in pieces unless it is a composite of registered parts). */
  add(value: string, opts?: SecretOptions): void;
  /**
   * `text` made safe for a log line: every registered value and every 20-character piece of one replaced by
   * ***, then unsafe characters escaped and workflow-command markers (`::` at a line's start, `##[`) broken.
   */
  redact(text: string): string;
}

export interface MaskerOptions {
  /** Tells the host about a secret (core.setSecret, or the CLI's `::add-mask::` writer); none: nothing is announced. */
  registerWithHost?: ((value: string) => void) | undefined;
}

/** Workflow-command data escaped as @actions/core's issueCommand escapes it: % CR LF. */
export function escapeCommandData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The `::add-mask::` command for a value, as core.setSecret writes it. */
export function addMaskCommand(value: string): string {
  return `::add-mask::${escapeCommandData(value)}${EOL}`;
}

/**
 * The variables the GitHub runner sets for every step (of a job on the host or in a container) that a script
 * setting GITHUB_ACTIONS=true elsewhere rarely sets along with it: the run's id, the job's temporary folder
 * and the workspace.
 */
export const GITHUB_RUNNER_VARIABLES = ['GITHUB_RUN_ID', 'RUNNER_TEMP', 'GITHUB_WORKSPACE'] as const;

/** Variables that mark another CI system: where they are, the log is not GitHub's and would show a mask command. */
export const OTHER_CI_MARKERS = [
  'GITLAB_CI',
  'CIRCLECI',
  'BUILDKITE',
  'BITBUCKET_BUILD_NUMBER',
  'JENKINS_URL',
  'TF_BUILD',
  'CODEBUILD_BUILD_ID',
  'TEAMCITY_VERSION',
  'TRAVIS',
  'DRONE',
  'APPVEYOR',
  'SEMAPHORE',
  'CF_BUILD_ID',
  'HARNESS_BUILD_ID',
  'CI_WOODPECKER',
  'bamboo_buildKey',
] as const;

/**
 * The one decision whether the CLI runs on a GitHub runner, the only place where `::add-mask::` is read and
 * swallowed: GITHUB_ACTIONS=true, every one of {@link GITHUB_RUNNER_VARIABLES} set, and none of
 * {@link OTHER_CI_MARKERS}. Anything else (GITHUB_ACTIONS=true copied into a GitLab job, say) is not.
 */
export function onGitHubRunner(env: NodeJS.ProcessEnv): boolean {
  const set = (name: string): boolean => (env[name] ?? '').trim() !== '';
  return env['GITHUB_ACTIONS'] === 'true' && GITHUB_RUNNER_VARIABLES.every(set) && !OTHER_CI_MARKERS.some(set);
}

export function createMasker(opts: MaskerOptions = {}): Masker {
  const redactor = createRedactor();
  return {
    add(value, how) {
      if (redactor.add(value, how)) opts.registerWithHost?.(value);
    },
    redact(text) {
      return neutraliseLines(redactor.redact(text));
    },
  };
}
