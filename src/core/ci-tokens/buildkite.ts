/** Buildkite: BUILDKITE; a token minted by the agent (buildkite-agent oidc request-token) for the audience. */
import { AuthError, errorMessage, truncate } from '../safety/errors.js';
import { ciTokenSourceOf, markedCiSystem } from './ci-system.js';
import type { WebIdentityTokenSource } from './token-source.js';

export const buildkite = markedCiSystem(
  'buildkite',
  'BUILDKITE',
  ['BUILDKITE_PIPELINE_SLUG', 'BUILDKITE_BUILD_NUMBER'],
  'Fix (Buildkite): pass role-to-assume ARN, and a token is requested with buildkite-agent oidc request-token (the role must trust https://agent.buildkite.com); or run the agent on EC2 with an instance role.',
);

export const buildkiteToken = ciTokenSourceOf({
  kind: 'ci',
  help: 'Buildkite (buildkite-agent oidc request-token)',
  variables: ['BUILDKITE'],
  applies: (v) => buildkite.detect(v),
  source: (_v, opts) => fromBuildkite(opts.audience),
});

function fromBuildkite(audience: string): WebIdentityTokenSource {
  return {
    name: 'Buildkite OIDC (buildkite-agent oidc request-token)',
    // node:child_process (and what it loads) only when Buildkite's agent is asked: not on every CLI run.
    fetch: async (timeoutMs) => {
      const { execFile } = await import('node:child_process');
      return new Promise((resolve, reject) => {
        execFile(
          'buildkite-agent',
          ['oidc', 'request-token', '--audience', audience],
          { timeout: timeoutMs, maxBuffer: 64 * 1024 },
          (err, stdout, stderr) => {
            if (err) {
              reject(
                new AuthError(
                  `buildkite-agent oidc request-token failed: ${truncate(String(stderr) || errorMessage(err))}`,
                  {
                    code: 'OIDC_TOKEN_UNAVAILABLE',
                    transient: true,
                  },
                ),
              );
              return;
            }
            const token = String(stdout).trim();
            if (token === '')
              reject(
                new AuthError('buildkite-agent oidc request-token printed no token.', {
                  code: 'OIDC_TOKEN_UNAVAILABLE',
                }),
              );
            else resolve(token);
          },
        );
      });
    },
  };
}
