/**
 * GitLab CI/CD: GITLAB_CI or CI_JOB_ID. No token source of its own: a job's ID token is a variable it declares
 * under id_tokens, given with --web-identity-token-env NAME (token-env.ts; the component passes it).
 */
import { ciSystem } from './ci-system.js';

export const gitLab = ciSystem({
  id: 'gitlab',
  variables: ['GITLAB_CI', 'CI_JOB_ID', 'CI_PROJECT_ID'],
  detect: (v) => v.GITLAB_CI === 'true' || v.CI_JOB_ID !== '',
  sessionParts: (v) => ['gitlab', v.CI_PROJECT_ID, v.CI_JOB_ID],
  credentialsFix:
    'Fix (GitLab): assume a role with an ID token: extend the .mondoo-aws-auth job of the mondoo-aws-auth component with its role-to-assume input (it declares the ID token), or declare id_tokens (e.g. MONDOO_AWS_ID_TOKEN with aud: sts.amazonaws.com) and pass role-to-assume ARN --web-identity-token-env MONDOO_AWS_ID_TOKEN; or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY as CI/CD variables, or use a runner with an instance or container role.',
});
