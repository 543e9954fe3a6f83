/** A token in a variable: --web-identity-token-env NAME (e.g. a GitLab id_tokens variable), and the CI systems that set one. */
import { AuthError, ConfigError, truncate } from '../safety/errors.js';
import type { CiTokenSource } from './ci-system.js';
import type { WebIdentityTokenSource } from './token-source.js';

/** The token in `variable`, read afresh for every attempt. */
export function fromVariable(env: NodeJS.ProcessEnv, variable: string, name: string): WebIdentityTokenSource {
  return {
    name,
    fetch: () => {
      const token = env[variable]?.trim();
      if (!token) return Promise.reject(new AuthError(`${variable} is empty.`, { code: 'OIDC_TOKEN_UNAVAILABLE' }));
      return Promise.resolve(token);
    },
  };
}

/** A CI system's own token in a variable it sets (CircleCI, Bitbucket Pipelines): applies when the variable is set. */
export function variableToken(variable: string, name: string, help: string): CiTokenSource {
  return {
    kind: 'ci',
    help,
    applies: (env) => Boolean(env[variable]?.trim()),
    source: (env) => fromVariable(env, variable, name),
  };
}

export const tokenEnvSource: CiTokenSource = {
  kind: 'option',
  help: '--web-identity-token-env NAME (a variable holding the token, such as a GitLab id_tokens variable)',
  applies: (_env, opts) => opts.tokenEnv !== undefined,
  source(env, opts) {
    const variable = opts.tokenEnv!.trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      throw new ConfigError(
        'web-identity-token-env',
        `--web-identity-token-env ${JSON.stringify(truncate(variable, 80))} is not a variable name. Give the NAME of the variable that holds the token (for GitLab: the name under id_tokens), not the token itself.`,
      );
    }
    if (!env[variable]?.trim()) {
      throw new ConfigError(
        'web-identity-token-env',
        `--web-identity-token-env names ${variable}, but ${variable} is not set or empty. In GitLab, declare it under id_tokens: in this job (with aud: sts.amazonaws.com).`,
      );
    }
    return fromVariable(env, variable, `the variable ${variable}`);
  },
};
