/**
 * The CI token sources and the CI systems as lists (src/core/ci-tokens/): which token source a job gets (the
 * first of CI_TOKEN_SOURCES that applies), the "no token" message from the list, and which CI system a job is
 * (the first of CI_SYSTEMS), with its session name and no-credentials fix.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CI_TOKEN_SOURCES,
  ciTokenSource,
  TOKEN_SOURCE_HELP,
  tokenSourceHelp,
} from '../../../src/core/ci-tokens/ci-token-sources.js';
import { CI_SYSTEMS, credentialsFixFor, deriveSessionName, detectCi } from '../../../src/core/ci-tokens/ci-systems.js';
import { ConfigError } from '../../../src/core/safety/errors.js';
import type { HttpClient } from '../../../src/core/network/http.js';
import { ROOT } from '../../../testkit/runner.js';

const unusedHttp: HttpClient = () => Promise.reject(new Error('no request expected'));
const dir = mkdtempSync(join(tmpdir(), 'mondoo-ci-tokens-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, 'file-token\n');

/** Every source's variables at once, so only the order decides. */
const EVERYTHING: NodeJS.ProcessEnv = {
  MY_TOKEN: 'env-token',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example.com/x',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-token',
  CIRCLE_OIDC_TOKEN_V2: 'circle-token',
  BITBUCKET_STEP_OIDC_TOKEN: 'bitbucket-token',
  BUILDKITE: 'true',
};
const opts = (tokenEnv?: string, file?: string) => ({ tokenEnv, tokenFile: file, audience: 'sts.amazonaws.com' });
const picked = (env: NodeJS.ProcessEnv, tokenEnv?: string, file?: string): string =>
  ciTokenSource(env, opts(tokenEnv, file), unusedHttp).name;

describe('CI token sources', () => {
  it('the first source of the list that applies gives the token: variable, file, GitHub, CircleCI, Bitbucket, Buildkite', () => {
    expect(picked(EVERYTHING, 'MY_TOKEN', tokenFile)).toBe('the variable MY_TOKEN');
    expect(picked(EVERYTHING, undefined, tokenFile)).toBe(`the file ${tokenFile}`);
    expect(picked(EVERYTHING)).toBe('GitHub Actions OIDC');
    const { ACTIONS_ID_TOKEN_REQUEST_URL: _u, ...noGitHub } = EVERYTHING;
    expect(picked(noGitHub)).toBe('CircleCI OIDC (CIRCLE_OIDC_TOKEN_V2)');
    const { CIRCLE_OIDC_TOKEN_V2: _c, ...noCircle } = noGitHub;
    expect(picked(noCircle)).toBe('Bitbucket Pipelines OIDC (BITBUCKET_STEP_OIDC_TOKEN)');
    const { BITBUCKET_STEP_OIDC_TOKEN: _b, ...noBitbucket } = noCircle;
    expect(picked(noBitbucket)).toBe('Buildkite OIDC (buildkite-agent oidc request-token)');
    // An empty file option does not apply (AWS_WEB_IDENTITY_TOKEN_FILE=""), so the next source does.
    expect(picked(noBitbucket, undefined, ' ')).toBe('Buildkite OIDC (buildkite-agent oidc request-token)');
  });

  it('tokens come from the source picked, read at each fetch', async () => {
    await expect(ciTokenSource(EVERYTHING, opts('MY_TOKEN'), unusedHttp).fetch(1000)).resolves.toBe('env-token');
    await expect(ciTokenSource(EVERYTHING, opts(undefined, tokenFile), unusedHttp).fetch(1000)).resolves.toBe(
      'file-token',
    );
    await expect(ciTokenSource({ CIRCLE_OIDC_TOKEN_V2: ' circle ' }, opts(), unusedHttp).fetch(1000)).resolves.toBe(
      'circle',
    );
  });

  it('with none, the ConfigError lists the sources in the order of the list, before any request', () => {
    expect(TOKEN_SOURCE_HELP).toBe(
      '--web-identity-token-env NAME (a variable holding the token, such as a GitLab id_tokens variable), --web-identity-token-file PATH or AWS_WEB_IDENTITY_TOKEN_FILE, ' +
        'or run inside GitHub Actions (permissions: id-token: write), CircleCI (CIRCLE_OIDC_TOKEN_V2), Bitbucket Pipelines (oidc: true → BITBUCKET_STEP_OIDC_TOKEN) or Buildkite (buildkite-agent oidc request-token)',
    );
    let err: unknown;
    try {
      ciTokenSource({}, opts(), unusedHttp);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      `A role to assume is set, but no web identity token was found. Give one with ${TOKEN_SOURCE_HELP}.`,
    );
    // The message follows the list it is given.
    const reordered = [CI_TOKEN_SOURCES[5]!, CI_TOKEN_SOURCES[1]!, CI_TOKEN_SOURCES[3]!];
    expect(tokenSourceHelp(reordered)).toBe(
      '--web-identity-token-file PATH or AWS_WEB_IDENTITY_TOKEN_FILE, or run inside Buildkite (buildkite-agent oidc request-token) or CircleCI (CIRCLE_OIDC_TOKEN_V2)',
    );
  });

  it('docs/ci-systems.md ("AWS identity") names the sources in the order of the list', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'ci-systems.md'), 'utf8');
    const bullet = doc.slice(doc.indexOf('- **AWS identity.**'), doc.indexOf('- **Session names.**'));
    // Each source by what its help names (GitHub Actions has its own page, the README).
    const markers = CI_TOKEN_SOURCES.flatMap(
      (s) => s.help.match(/--[\w-]+|[A-Z][A-Z0-9_]{5,}|buildkite-agent oidc request-token/)?.[0] ?? [],
    );
    expect(markers).toEqual([
      '--web-identity-token-env',
      '--web-identity-token-file',
      'CIRCLE_OIDC_TOKEN_V2',
      'BITBUCKET_STEP_OIDC_TOKEN',
      'buildkite-agent oidc request-token',
    ]);
    const at = markers.map((m) => bullet.replace(/\s+/g, ' ').indexOf(m));
    expect(at.every((p) => p >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });
});

describe('CI systems', () => {
  it('are detected in the order of the list: GitLab, CircleCI, Buildkite, Bitbucket, Jenkins, then GitHub Actions', () => {
    expect(CI_SYSTEMS.map((c) => c.id)).toEqual(['gitlab', 'circleci', 'buildkite', 'bitbucket', 'jenkins', 'github']);
  });

  it.each<[NodeJS.ProcessEnv, string]>([
    [{ GITHUB_ACTIONS: 'true', GITLAB_CI: 'true', CI_PROJECT_ID: '4', CI_JOB_ID: '7' }, 'gitlab-4-7'],
    [
      { GITHUB_ACTIONS: 'true', JENKINS_URL: 'https://j.example.com/', BUILD_NUMBER: '3', JOB_NAME: 'build' },
      'jenkins-build-3',
    ],
    [
      { BITBUCKET_BUILD_NUMBER: '12', BUILDKITE: 'true', BUILDKITE_PIPELINE_SLUG: 'pipe', BUILDKITE_BUILD_NUMBER: '9' },
      'buildkite-pipe-9',
    ],
    [
      { CIRCLECI: 'true', BUILDKITE: 'true', CIRCLE_PROJECT_REPONAME: 'repo', CIRCLE_BUILD_NUM: '5' },
      'circleci-repo-5',
    ],
    [{ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '100', GITHUB_RUN_ATTEMPT: '2' }, 'github-100-2'],
    [{ BITBUCKET_BUILD_NUMBER: '12', BITBUCKET_REPO_SLUG: 'r' }, 'bitbucket-r-12'],
    [{ JENKINS_URL: 'https://j.example.com/' }, 'mondoo-aws-auth'],
  ])('mixed environments: %j is named %s, with that system’s fix', (env, session) => {
    expect(deriveSessionName(env)).toBe(session);
    const ci = detectCi(env);
    expect(ci).toBe(session === 'mondoo-aws-auth' ? undefined : session.split('-')[0]);
    expect(credentialsFixFor(env)).toBe(CI_SYSTEMS.find((c) => c.id === ci)?.credentialsFix ?? credentialsFixFor({}));
  });
});
