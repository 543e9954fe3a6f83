/**
 * The two extension points of a CI system: how the tool knows the job runs there (session names, the
 * no-credentials fix: ci-systems.ts), and where a web identity token comes from (ci-token-sources.ts). A CI
 * system is one file (github.ts, gitlab.ts, …) that gives one or both. Neither reads the environment: each
 * declares the variables it reads, and the set-up reads them once (readCiEnvironment, ci-environment.ts).
 */
import type { HttpClient } from '../network/http.js';
import type { WebIdentityTokenSource } from './token-source.js';

/** The CI systems the tool knows by their environment; undefined is a plain shell (or one it does not know). */
export type CiSystem = 'gitlab' | 'circleci' | 'buildkite' | 'bitbucket' | 'jenkins' | 'github';

/** The job's variables `V` as the set-up read them (readCiEnvironment): each value trimmed, '' when unset. */
export type CiVariables<V extends string = string> = { readonly [K in V]: string };

export interface CiSystemInfo<V extends string = string> {
  id: CiSystem;
  /** The variables it sets that the tool reads: all that detect and sessionParts see. */
  variables: readonly V[];
  /** Whether this job runs there, from the variables the CI system sets. */
  detect(v: CiVariables<V>): boolean;
  /** The parts of the session name that says which job assumed the role (prefix first), from the job's variables. */
  sessionParts(v: CiVariables<V>): string[];
  /** How to give this job AWS credentials, in the CI system's own terms: the fix of "No AWS credentials found". */
  credentialsFix: string;
}

/** --web-identity-token-env NAME: the name (trimmed) and the variable's value (trimmed, '' when unset), read once. */
export interface TokenVariable {
  name: string;
  value: string;
}

export interface TokenSourceOptions {
  /** --web-identity-token-env: the variable holding the token (e.g. a GitLab id_tokens variable), read at set-up. */
  tokenEnv: TokenVariable | undefined;
  /** --web-identity-token-file, else AWS_WEB_IDENTITY_TOKEN_FILE. */
  tokenFile: string | undefined;
  /** Audience for sources that mint a token on request (GitHub Actions, Buildkite). */
  audience: string;
}

/** Where a web identity token for role-to-assume can come from. */
export interface CiTokenSource<V extends string = string> {
  /** 'option': given on the command line; 'ci': found by itself inside a CI system. */
  kind: 'option' | 'ci';
  /** How a user gives a token this way, for "no web identity token was found. Give one with …". */
  help: string;
  /** The variables it reads: all that applies and source see. */
  variables: readonly V[];
  /** Whether this job's variables (and these options) give a token this way. */
  applies(v: CiVariables<V>, opts: TokenSourceOptions): boolean;
  /** The source; a broken setting is a ConfigError here, before any request. */
  source(v: CiVariables<V>, opts: TokenSourceOptions, http: HttpClient): WebIdentityTokenSource;
}

/** A CI system, with the names its functions may read checked against the ones it declares. */
export const ciSystem = <V extends string>(info: CiSystemInfo<V>): CiSystemInfo => info;

/**
 * A CI system known by one variable set to "true" (CIRCLECI, BUILDKITE, GITHUB_ACTIONS), whose session is named
 * by its id and the values of `session` (the project, then the build).
 */
export function markedCiSystem(
  id: CiSystem,
  marker: string,
  session: readonly string[],
  credentialsFix: string,
): CiSystemInfo {
  return {
    id,
    variables: [marker, ...session],
    detect: (v) => v[marker] === 'true',
    sessionParts: (v) => [id, ...session.map((name) => v[name] ?? '')],
    credentialsFix,
  };
}

/** A token source, with the names its functions may read checked against the ones it declares. */
export const ciTokenSourceOf = <V extends string>(source: CiTokenSource<V>): CiTokenSource => source;
