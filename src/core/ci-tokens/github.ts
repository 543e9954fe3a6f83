/** GitHub Actions: GITHUB_ACTIONS; a token minted by the runner's OIDC endpoint (token-source.ts, gitHubTokenSource). */
import { ciTokenSourceOf, markedCiSystem } from './ci-system.js';
import { gitHubTokenSource, GITHUB_TOKEN_VARIABLES } from './token-source.js';

export const gitHub = markedCiSystem(
  'github',
  'GITHUB_ACTIONS',
  ['GITHUB_RUN_ID', 'GITHUB_RUN_ATTEMPT'],
  'Fix: run aws-actions/configure-aws-credentials before this step, or set role-to-assume (the job needs permissions: id-token: write), or give the runner an instance profile.',
);

export const gitHubToken = ciTokenSourceOf({
  kind: 'ci',
  help: 'GitHub Actions (permissions: id-token: write)',
  variables: GITHUB_TOKEN_VARIABLES,
  applies: (v) => v.ACTIONS_ID_TOKEN_REQUEST_URL !== '' && v.ACTIONS_ID_TOKEN_REQUEST_TOKEN !== '',
  source: (v, opts, http) => gitHubTokenSource(v, opts.audience, http),
});
