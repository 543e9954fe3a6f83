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
import { CI_SYSTEMS, credentialsFixFor } from '../../../src/core/ci-tokens/ci-systems.js';
import { readCiEnvironment } from '../../../src/core/ci-tokens/ci-environment.js';
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
/** The token source a job gets, from what the set-up reads (readCiEnvironment) and the file option. */
const sourceFor = (env: NodeJS.ProcessEnv, tokenEnv?: string, file?: string) => {
  const ci = readCiEnvironment(env, tokenEnv);
  return ciTokenSource(
    ci.variables,
    { tokenEnv: ci.tokenEnv, tokenFile: file, audience: 'sts.amazonaws.com' },
    unusedHttp,
  );
};
const picked = (env: NodeJS.ProcessEnv, tokenEnv?: string, file?: string): string =>
  sourceFor(env, tokenEnv, file).name;

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

  it('tokens come from the source picked: a variable as the set-up read it, a file at each fetch', async () => {
    await expect(sourceFor(EVERYTHING, 'MY_TOKEN').fetch(1000)).resolves.toBe('env-token');
    await expect(sourceFor(EVERYTHING, undefined, tokenFile).fetch(1000)).resolves.toBe('file-token');
    await expect(sourceFor({ CIRCLE_OIDC_TOKEN_V2: ' circle ' }).fetch(1000)).resolves.toBe('circle');
    // The variable is read once, at set-up: the environment changing later does not change the token.
    const env: NodeJS.ProcessEnv = { MY_TOKEN: 'first', BITBUCKET_STEP_OIDC_TOKEN: 'bb-first' };
    const fromEnv = sourceFor(env, ' MY_TOKEN ');
    const fromBitbucket = sourceFor(env);
    env['MY_TOKEN'] = 'second';
    delete env['BITBUCKET_STEP_OIDC_TOKEN'];
    await expect(fromEnv.fetch(1000)).resolves.toBe('first');
    await expect(fromBitbucket.fetch(1000)).resolves.toBe('bb-first');
    // The file is read afresh for every attempt (EKS and others rotate it).
    const rotating = sourceFor({}, undefined, tokenFile);
    writeFileSync(tokenFile, 'rotated\n');
    await expect(rotating.fetch(1000)).resolves.toBe('rotated');
    writeFileSync(tokenFile, 'file-token\n');
  });

  it('--web-identity-token-env: a name that is no variable name, or a variable unset or blank, is a ConfigError naming the input', () => {
    const failure = (env: NodeJS.ProcessEnv, name: string): { input: string; message: string } => {
      try {
        sourceFor(env, name);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return { input: (err as ConfigError).input, message: (err as ConfigError).message };
      }
      throw new Error('no error');
    };
    const unset = (name: string) => ({
      input: 'web-identity-token-env',
      message: `--web-identity-token-env names ${name}, but ${name} is not set or empty. In GitLab, declare it under id_tokens: in this job (with aud: sts.amazonaws.com).`,
    });
    expect(failure({}, 'MY_TOKEN')).toEqual(unset('MY_TOKEN'));
    expect(failure({ MY_TOKEN: ' \n' }, 'MY_TOKEN')).toEqual(unset('MY_TOKEN'));
    // Names are looked up as the environment's own variables only.
    expect(failure({}, 'constructor')).toEqual(unset('constructor'));
    expect(failure({ 'eyJ.x': 'v' }, 'eyJ.x')).toEqual({
      input: 'web-identity-token-env',
      message:
        '--web-identity-token-env "eyJ.x" is not a variable name. Give the NAME of the variable that holds the token (for GitLab: the name under id_tokens), not the token itself.',
    });
  });

  it('with none, the ConfigError lists the sources in the order of the list, before any request', () => {
    expect(TOKEN_SOURCE_HELP).toBe(
      '--web-identity-token-env NAME (a variable holding the token, such as a GitLab id_tokens variable), --web-identity-token-file PATH or AWS_WEB_IDENTITY_TOKEN_FILE, ' +
        'or run inside GitHub Actions (permissions: id-token: write), CircleCI (CIRCLE_OIDC_TOKEN_V2), Bitbucket Pipelines (oidc: true → BITBUCKET_STEP_OIDC_TOKEN) or Buildkite (buildkite-agent oidc request-token)',
    );
    let err: unknown;
    try {
      sourceFor({});
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
    const ci = readCiEnvironment(env);
    expect(ci.sessionName).toBe(session);
    expect(ci.system).toBe(session === 'mondoo-aws-auth' ? undefined : session.split('-')[0]);
    expect(ci.credentialsFix).toBe(
      CI_SYSTEMS.find((c) => c.id === ci.system)?.credentialsFix ?? credentialsFixFor(undefined),
    );
  });
});
