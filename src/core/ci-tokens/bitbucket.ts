/** Bitbucket Pipelines: BITBUCKET_BUILD_NUMBER; with oidc: true on the step, the token in BITBUCKET_STEP_OIDC_TOKEN. */
import { ciSystem } from './ci-system.js';
import { variableToken } from './token-env.js';

export const bitbucket = ciSystem({
  id: 'bitbucket',
  variables: ['BITBUCKET_BUILD_NUMBER', 'BITBUCKET_REPO_SLUG'],
  detect: (v) => v.BITBUCKET_BUILD_NUMBER !== '',
  sessionParts: (v) => ['bitbucket', v.BITBUCKET_REPO_SLUG, v.BITBUCKET_BUILD_NUMBER],
  credentialsFix:
    'Fix (Bitbucket Pipelines): add oidc: true to the step and pass role-to-assume ARN (BITBUCKET_STEP_OIDC_TOKEN is used); or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY as secured repository variables.',
});

export const bitbucketToken = variableToken('BITBUCKET_STEP_OIDC_TOKEN', 'Bitbucket Pipelines', 'oidc: true');
