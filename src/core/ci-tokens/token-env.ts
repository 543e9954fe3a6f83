/** A token in a variable: --web-identity-token-env NAME (e.g. a GitLab id_tokens variable), and the CI systems that set one. */
import { ConfigError, truncate } from '../safety/errors.js';
import { ciTokenSourceOf, type CiTokenSource } from './ci-system.js';
import type { WebIdentityTokenSource } from './token-source.js';

/**
 * A token the set-up read from a variable (readCiEnvironment), given as it is for every attempt. It is a secret:
 * registered with the masker when an attempt fetches it, as every web identity token is (credential-source.ts).
 */
export function variableValue(token: string, name: string): WebIdentityTokenSource {
  return { name, fetch: () => Promise.resolve(token) };
}

/**
 * A CI system's own token in a variable it sets (CircleCI, Bitbucket Pipelines): applies when the variable is
 * set. Named "<system> OIDC (<variable>)" in the log; its help is "<system> (<setting> → <variable>)".
 */
export function variableToken<V extends string>(variable: V, system: string, setting?: string): CiTokenSource {
  return ciTokenSourceOf<V>({
    kind: 'ci',
    help: `${system} (${setting !== undefined ? `${setting} → ` : ''}${variable})`,
    variables: [variable],
    applies: (v) => v[variable] !== '',
    source: (v) => variableValue(v[variable], `${system} OIDC (${variable})`),
  });
}

export const tokenEnvSource: CiTokenSource = {
  kind: 'option',
  help: '--web-identity-token-env NAME (a variable holding the token, such as a GitLab id_tokens variable)',
  variables: [],
  applies: (_v, opts) => opts.tokenEnv !== undefined,
  source(_v, opts) {
    const { name: variable, value } = opts.tokenEnv!;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      throw new ConfigError(
        'web-identity-token-env',
        `--web-identity-token-env ${JSON.stringify(truncate(variable, 80))} is not a variable name. Give the NAME of the variable that holds the token (for GitLab: the name under id_tokens), not the token itself.`,
      );
    }
    if (value === '') {
      throw new ConfigError(
        'web-identity-token-env',
        `--web-identity-token-env names ${variable}, but ${variable} is not set or empty. In GitLab, declare it under id_tokens: in this job (with aud: sts.amazonaws.com).`,
      );
    }
    return variableValue(value, `the variable ${variable}`);
  },
};
