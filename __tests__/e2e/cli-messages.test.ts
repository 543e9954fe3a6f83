/**
 * The built CLI (dist/cli.cjs) with no AWS credentials at all, as each CI system runs it: the error's fix
 * names that system's way to give a job AWS credentials (docs/ci-systems.md), in the CLI's own flags. The
 * texts themselves are checked in __tests__/unit/cli-messages.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { runCli } from '../../testkit/runner.js';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  await sims.close();
});

describe('no AWS credentials: the fix for the CI system the CLI runs in', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    [
      'GitHub Actions',
      { GITHUB_ACTIONS: 'true' },
      /Fix: run aws-actions\/configure-aws-credentials before this step, or set --role-to-assume \(the job needs permissions: id-token: write\)/,
    ],
    [
      'GitLab CI/CD',
      { GITLAB_CI: 'true', CI_JOB_ID: '42', CI_PROJECT_ID: '7' },
      /Fix \(GitLab\): assume a role with an ID token: extend the \.mondoo-aws-auth job of the mondoo-aws-auth component .* pass --role-to-assume ARN --web-identity-token-env MONDOO_AWS_ID_TOKEN/,
    ],
    [
      'CircleCI',
      { CIRCLECI: 'true' },
      /Fix \(CircleCI\): pass --role-to-assume ARN, and the job's OIDC token \(CIRCLE_OIDC_TOKEN_V2\) is used/,
    ],
    ['Buildkite', { BUILDKITE: 'true' }, /Fix \(Buildkite\): pass --role-to-assume ARN/],
    [
      'Bitbucket Pipelines',
      { BITBUCKET_BUILD_NUMBER: '5' },
      /Fix \(Bitbucket Pipelines\): add oidc: true to the step and pass --role-to-assume ARN/,
    ],
    [
      'Jenkins',
      { JENKINS_URL: 'https://jenkins.example.com/', BUILD_NUMBER: '9' },
      /Fix \(Jenkins\): bind AWS keys with the AWS Credentials plugin/,
    ],
    [
      'a plain shell',
      {},
      /Fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .* or pass --role-to-assume ARN with --web-identity-token-file PATH/,
    ],
  ])('%s', async (ci, ciEnv, fix) => {
    const r = await runCli(
      ['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--output', 'raw'],
      {
        ...sims.env('none'),
        ...ciEnv,
      },
    );
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    const error = r.stderr.split('\n').find((line) => line.startsWith('mondoo-aws-auth: error: ')) ?? '';
    expect(error).toMatch(/^mondoo-aws-auth: error: \[AWS_NO_CREDENTIALS\] No AWS credentials found\. /);
    expect(error).toMatch(fix);
    expect(error.includes('configure-aws-credentials')).toBe(ci === 'GitHub Actions');
  });
});
