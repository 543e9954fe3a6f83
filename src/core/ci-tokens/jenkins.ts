/**
 * Jenkins: JENKINS_URL and BUILD_NUMBER. No token source of its own: an OpenID Connect id token bound to a
 * variable is given with --web-identity-token-env NAME (token-env.ts).
 */
import { ciSystem } from './ci-system.js';

export const jenkins = ciSystem({
  id: 'jenkins',
  variables: ['JENKINS_URL', 'BUILD_NUMBER', 'JOB_BASE_NAME', 'JOB_NAME'],
  detect: (v) => v.JENKINS_URL !== '' && v.BUILD_NUMBER !== '',
  sessionParts: (v) => ['jenkins', v.JOB_BASE_NAME || v.JOB_NAME, v.BUILD_NUMBER],
  credentialsFix:
    'Fix (Jenkins): bind AWS keys with the AWS Credentials plugin (withCredentials AmazonWebServicesCredentialsBinding to AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), run the agent with an instance role or on EKS with IAM roles for service accounts, or bind an OpenID Connect id token and pass role-to-assume ARN --web-identity-token-env NAME.',
});
