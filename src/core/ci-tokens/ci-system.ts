/**
 * The two extension points of a CI system: how the tool knows the job runs there (session names, the
 * no-credentials fix: ci-systems.ts), and where a web identity token comes from (ci-token-sources.ts). A CI
 * system is one file (github.ts, gitlab.ts, …) that gives one or both.
 */
import type { HttpClient } from '../network/http.js';
import type { WebIdentityTokenSource } from './token-source.js';

/** The CI systems the tool knows by their environment; undefined is a plain shell (or one it does not know). */
export type CiSystem = 'gitlab' | 'circleci' | 'buildkite' | 'bitbucket' | 'jenkins' | 'github';

export interface CiSystemInfo {
  id: CiSystem;
  /** Whether this job runs there, from the variables the CI system sets. */
  detect(env: NodeJS.ProcessEnv): boolean;
  /** The parts of the session name that says which job assumed the role (prefix first), from the job's variables. */
  sessionParts(v: (name: string) => string): string[];
  /** How to give this job AWS credentials, in the CI system's own terms: the fix of "No AWS credentials found". */
  credentialsFix: string;
}

export interface TokenSourceOptions {
  /** --web-identity-token-env: the name of a variable holding the token (e.g. a GitLab id_tokens variable). */
  tokenEnv: string | undefined;
  /** --web-identity-token-file, else AWS_WEB_IDENTITY_TOKEN_FILE. */
  tokenFile: string | undefined;
  /** Audience for sources that mint a token on request (GitHub Actions, Buildkite). */
  audience: string;
}

/** Where a web identity token for role-to-assume can come from. */
export interface CiTokenSource {
  /** 'option': given on the command line; 'ci': found by itself inside a CI system. */
  kind: 'option' | 'ci';
  /** How a user gives a token this way, for "no web identity token was found. Give one with …". */
  help: string;
  /** Whether this environment (and these options) gives a token this way. */
  applies(env: NodeJS.ProcessEnv, opts: TokenSourceOptions): boolean;
  /** The source; a broken setting is a ConfigError here, before any request. */
  source(env: NodeJS.ProcessEnv, opts: TokenSourceOptions, http: HttpClient): WebIdentityTokenSource;
}
