/**
 * The CLI's messages fit where it runs: the no-credentials fix in the CI system's own terms, "did you mean"
 * for a mistyped flag, its own flag names in every message (--timeout-seconds, not the Action's input),
 * hints for refused connections and names that do not resolve, and one recommendation for capturing the
 * output. The built CLI's no-credentials message per CI system runs in __tests__/e2e/cli-messages.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { helpText, main, nearestOption, withFlagNames } from '../../src/cli.js';
import type { Clock } from '../../src/core/network/clock.js';
import { readCiEnvironment } from '../../src/core/ci-tokens/ci-environment.js';
import { AuthError, errorMessage } from '../../src/core/safety/errors.js';
import { networkFailure } from '../../src/core/network/http.js';
import { DEFAULT_RETRY, withRetries } from '../../src/core/network/retry.js';

const CI_ENV = {
  github: { GITHUB_ACTIONS: 'true' },
  gitlab: { GITLAB_CI: 'true', CI_JOB_ID: '7' },
  circleci: { CIRCLECI: 'true' },
  buildkite: { BUILDKITE: 'true' },
  bitbucket: { BITBUCKET_BUILD_NUMBER: '12' },
  jenkins: { JENKINS_URL: 'https://jenkins.example.com/', BUILD_NUMBER: '3' },
  shell: {},
} as const;

describe('the CI system, from the environment', () => {
  it.each(Object.entries(CI_ENV))('%s', (ci, env) => {
    expect(readCiEnvironment(env).system).toBe(ci === 'shell' ? undefined : ci);
  });

  it.each<[keyof typeof CI_ENV, RegExp]>([
    [
      'github',
      /^Fix: run aws-actions\/configure-aws-credentials before this step, or set role-to-assume \(the job needs permissions: id-token: write\)/,
    ],
    [
      'gitlab',
      /^Fix \(GitLab\): .*mondoo-aws-auth component .*declare id_tokens .*--web-identity-token-env MONDOO_AWS_ID_TOKEN/,
    ],
    [
      'circleci',
      /^Fix \(CircleCI\): pass role-to-assume ARN, and the job's OIDC token \(CIRCLE_OIDC_TOKEN_V2\) is used/,
    ],
    [
      'buildkite',
      /^Fix \(Buildkite\): pass role-to-assume ARN, and a token is requested with buildkite-agent oidc request-token/,
    ],
    ['bitbucket', /^Fix \(Bitbucket Pipelines\): add oidc: true to the step and pass role-to-assume ARN/],
    ['jenkins', /^Fix \(Jenkins\): bind AWS keys with the AWS Credentials plugin/],
    ['shell', /^Fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*AWS_PROFILE .*--web-identity-token-file PATH/],
  ])('the no-credentials fix under %s names its way', (ci, fix) => {
    const text = readCiEnvironment(CI_ENV[ci]).credentialsFix;
    expect(text).toMatch(fix);
    // Only GitHub's fix names configure-aws-credentials.
    expect(text.includes('configure-aws-credentials')).toBe(ci === 'github');
  });
});

describe('flag names in the CLI', () => {
  it('names every setting by its flag, once, and leaves longer names and written flags alone', () => {
    expect(withFlagNames('before the overall timeout (timeout-seconds) or raise attempt-timeout-seconds.')).toBe(
      'before the overall timeout (--timeout-seconds) or raise --attempt-timeout-seconds.',
    );
    expect(
      withFlagNames(
        'set role-to-assume; --role-to-assume (or AWS_ROLE_ARN) "x"; universe-domain, web-identity-audience',
      ),
    ).toBe('set --role-to-assume; --role-to-assume (or AWS_ROLE_ARN) "x"; --universe-domain, --web-identity-audience');
    // proof, a one-word setting, only where one of its values follows.
    expect(withFlagNames('Or use proof signed-request. With proof aws-jwt, the proof is a JWT.')).toBe(
      'Or use --proof signed-request. With --proof aws-jwt, the proof is a JWT.',
    );
    // An ARN, a URL path or a session name that happens to hold a setting's name is left as it is.
    const arn = 'arn:aws:sts::123456789012:assumed-role/role-to-assume/gitlab-timeout-seconds';
    expect(withFlagNames(`AWS credentials: AssumeRoleWithWebIdentity (${arn}); https://x.test/universe-domain`)).toBe(
      `AWS credentials: AssumeRoleWithWebIdentity (${arn}); https://x.test/universe-domain`,
    );
    // The Action-only export-env has no flag, and words that are no setting stay as they are.
    expect(withFlagNames('export-env, id-token: write, role-to-assume-ish')).toBe(
      'export-env, id-token: write, role-to-assume-ish',
    );
  });

  it('the overall time-out says --timeout-seconds in the CLI (timeout-seconds in the Action)', async () => {
    const clock: Clock = { now: () => 2_000_000, sleep: async () => undefined, random: () => 0 };
    const err = await withRetries('The Mondoo token exchange', () => Promise.resolve('never'), {
      policy: { ...DEFAULT_RETRY, maxAttempts: 3 },
      clock,
      deadline: 1_000_000,
      attemptTimeoutMs: 10_000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthError);
    expect(errorMessage(err)).toContain('before the overall timeout (timeout-seconds)');
    expect(withFlagNames(errorMessage(err))).toContain('before the overall timeout (--timeout-seconds)');
  });

  it.each([
    ['--audiense', '--audience'],
    ['--univers-domain', '--universe-domain'],
    ['--timeout-second', '--timeout-seconds'],
    ['--attempt-timeout', '--attempt-timeout-seconds'],
    ['--verbos', '--verbose'],
    ['--role-arn', undefined],
    ['--region', '--aws-region'],
    ['--timeout', '--timeout-seconds'],
    ['--role', undefined],
    ['--x', undefined],
  ])('did you mean: %s → %s', (given, expected) => {
    expect(nearestOption(given)).toBe(expected);
  });
});

describe('unreachable servers', () => {
  const target = new URL('https://mondoo.example.test:8443/Exchange');
  const socketError = (code: string): Error =>
    Object.assign(new Error(`getaddrinfo ${code} mondoo.example.test`), { code });
  const persistent = async (err: Error): Promise<AuthError> => {
    const clock: Clock = { now: () => 1_000_000, sleep: async () => undefined, random: () => 0 };
    const failure = networkFailure(err, target);
    return withRetries('The Mondoo token exchange', () => Promise.reject(failure), {
      policy: { ...DEFAULT_RETRY, maxAttempts: 2 },
      clock,
      deadline: 2_000_000,
      attemptTimeoutMs: 10_000,
    }).then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => e as AuthError,
    );
  };

  it('a refused connection: NETWORK_UNREACHABLE naming the host and what to check', async () => {
    const err = await persistent(socketError('ECONNREFUSED'));
    expect(err.code).toBe('NETWORK_UNREACHABLE');
    expect(err.message).toBe(
      'The Mondoo token exchange failed after 2 attempts: could not reach mondoo.example.test:8443: connection refused. Fix: nothing accepted a connection at mondoo.example.test:8443 (or at the proxy, when HTTPS_PROXY is set). Check the host and port (universe-domain for Mondoo; aws-region, AWS_ENDPOINT_URL_STS for STS), that the service is up, and any firewall between this job and it.',
    );
  });

  it.each(['ENOTFOUND', 'EAI_AGAIN'])(
    'a name that does not resolve (%s): the host name and what to check',
    async (code) => {
      const err = await persistent(socketError(code));
      expect(err.code).toBe('NETWORK_UNREACHABLE');
      expect(err.message).toContain(
        'Fix: the host name mondoo.example.test could not be resolved. Check it for a typo (universe-domain for Mondoo; aws-region, AWS_ENDPOINT_URL_STS for STS)',
      );
    },
  );

  it('a reset connection gets no such hint', async () => {
    const err = await persistent(socketError('ECONNRESET'));
    expect(err.message).not.toContain('Fix:');
  });

  it('the CLI, in process, against a closed loopback port: the hint with its own flag names', async () => {
    let stderr = '';
    const env = {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    };
    const argv = ['--audience', 'a', '--universe-domain', 'http://127.0.0.1:9', '--max-attempts', '1'];
    const lazy = { credentialChain: () => Promise.reject(new Error('not reached')) };
    const code = await main(argv, env, { stdout: () => undefined, stderr: (t) => (stderr += t) }, '1.0.0', lazy);
    expect(code).toBe(1);
    expect(stderr).toContain(
      'mondoo-aws-auth: error: [NETWORK_UNREACHABLE] The Mondoo token exchange failed after 1 attempt: could not reach 127.0.0.1:9: connection refused. Fix: nothing accepted a connection at 127.0.0.1:9 (or at the proxy, when HTTPS_PROXY is set). Check the host and port (--universe-domain for Mondoo; --aws-region, AWS_ENDPOINT_URL_STS for STS)',
    );
  });
});

describe('--help', () => {
  it('recommends one way to capture the output: --output raw into the variable, then export (no eval)', () => {
    const help = helpText('1.0.0');
    expect(help).not.toMatch(/eval/);
    expect(help).toContain('MONDOO_CONFIG_BASE64="$(mondoo-aws-auth --audience AUDIENCE --output raw)"');
    expect(help).toContain('  export MONDOO_CONFIG_BASE64 ');
    expect(help).toMatch(/--output VALUE +raw: the credential alone, to capture and export \(see Usage\)/);
  });
});
