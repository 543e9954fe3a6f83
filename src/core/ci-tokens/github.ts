/** GitHub Actions: GITHUB_ACTIONS; a token minted by the runner's OIDC endpoint (token-source.ts, gitHubTokenSource). */
import type { CiSystemInfo, CiTokenSource } from './ci-system.js';
import { gitHubTokenSource } from './token-source.js';

export const gitHub: CiSystemInfo = {
  id: 'github',
  detect: (env) => env['GITHUB_ACTIONS']?.trim() === 'true',
  sessionParts: (v) => ['github', v('GITHUB_RUN_ID'), v('GITHUB_RUN_ATTEMPT')],
  credentialsFix:
    'Fix: run aws-actions/configure-aws-credentials before this step, or set role-to-assume (the job needs permissions: id-token: write), or give the runner an instance profile.',
};

export const gitHubToken: CiTokenSource = {
  kind: 'ci',
  help: 'GitHub Actions (permissions: id-token: write)',
  applies: (env) =>
    Boolean(env['ACTIONS_ID_TOKEN_REQUEST_URL']?.trim() && env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']?.trim()),
  source: (env, opts, http) => gitHubTokenSource(env, opts.audience, http),
};
