/** CircleCI: CIRCLECI; the job's OIDC token in CIRCLE_OIDC_TOKEN_V2. */
import { markedCiSystem } from './ci-system.js';
import { variableToken } from './token-env.js';

export const circleCi = markedCiSystem(
  'circleci',
  'CIRCLECI',
  ['CIRCLE_PROJECT_REPONAME', 'CIRCLE_BUILD_NUM'],
  "Fix (CircleCI): pass role-to-assume ARN, and the job's OIDC token (CIRCLE_OIDC_TOKEN_V2) is used (the role must trust https://oidc.circleci.com/org/<ORGANIZATION_ID>); or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in a context or the project's environment variables.",
);

export const circleCiToken = variableToken('CIRCLE_OIDC_TOKEN_V2', 'CircleCI');
