/**
 * The one reader of the environment for the CI systems and token sources, called once by the set-up
 * (prepareRun, run-setup.ts): it reads the variables each of them declares, and the variable that
 * --web-identity-token-env names, and turns them into what the run uses. Nothing in ci-tokens/ reads the
 * environment itself. It never throws and logs nothing: a broken token setting is the token source's
 * ConfigError, raised when a role is to be assumed (ciTokenSource), before any request.
 */
import type { CiSystem, CiVariables, TokenVariable } from './ci-system.js';
import { CI_SYSTEMS, credentialsFixFor, deriveSessionName, detectCi } from './ci-systems.js';
import { CI_TOKEN_SOURCES } from './ci-token-sources.js';

export interface CiEnvironment {
  /** The CI system that runs the job: the first of CI_SYSTEMS that detects it; undefined in a plain shell. */
  system: CiSystem | undefined;
  /** The session name that says which job assumed the role: the CLI's default role-session-name. */
  sessionName: string;
  /** The fix of "No AWS credentials found" in that CI system's terms. */
  credentialsFix: string;
  /**
   * Every variable that CI_SYSTEMS and CI_TOKEN_SOURCES declare, as read. Token values are among them
   * (ACTIONS_ID_TOKEN_REQUEST_TOKEN, CIRCLE_OIDC_TOKEN_V2, …): secrets, registered with the masker as the run
   * gets them (the request token first of all, registerHostSecrets; a token when an attempt fetches it).
   */
  variables: CiVariables;
  /** --web-identity-token-env NAME, when given: the name and that variable's value (a secret, as above). */
  tokenEnv: TokenVariable | undefined;
}

/** The variables the CI systems and token sources declare, each once, in the lists' order. */
export const CI_VARIABLES: readonly string[] = [
  ...new Set([...CI_SYSTEMS, ...CI_TOKEN_SOURCES].flatMap((declared) => declared.variables)),
];

/** A variable's value as the CI code sees it: trimmed; '' when unset or not a string (`constructor` of a plain object). */
function valueOf(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** Reads the CI's variables once; `tokenEnv` is the --web-identity-token-env option as given (the CLI's). */
export function readCiEnvironment(env: NodeJS.ProcessEnv, tokenEnv?: string): CiEnvironment {
  const variables: CiVariables = Object.freeze(Object.fromEntries(CI_VARIABLES.map((n) => [n, valueOf(env, n)])));
  const ci = detectCi(variables);
  const name = tokenEnv?.trim();
  return {
    system: ci?.id,
    sessionName: deriveSessionName(ci, variables),
    credentialsFix: credentialsFixFor(ci),
    variables,
    tokenEnv: name === undefined ? undefined : { name, value: valueOf(env, name) },
  };
}
