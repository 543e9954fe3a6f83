/**
 * readCiEnvironment (src/core/ci-tokens/ci-environment.ts), the one reader of the environment for the CI
 * systems and token sources: which variables it reads, how it reads them, and what it makes of them.
 */
import { describe, expect, it } from '@jest/globals';
import { CI_VARIABLES, readCiEnvironment } from '../../../src/core/ci-tokens/ci-environment.js';
import { CI_SYSTEMS } from '../../../src/core/ci-tokens/ci-systems.js';
import { CI_TOKEN_SOURCES } from '../../../src/core/ci-tokens/ci-token-sources.js';

describe('readCiEnvironment', () => {
  it('reads every variable the CI systems and token sources declare, and nothing else', () => {
    const declared = [...CI_SYSTEMS, ...CI_TOKEN_SOURCES].flatMap((d) => d.variables);
    expect([...CI_VARIABLES].sort()).toEqual([...new Set(declared)].sort());
    expect(CI_VARIABLES).toEqual(
      expect.arrayContaining(['GITHUB_ACTIONS', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'CIRCLE_OIDC_TOKEN_V2', 'JOB_NAME']),
    );
    const ci = readCiEnvironment({ PATH: '/bin', HOME: '/root', AWS_SECRET_ACCESS_KEY: 'secret', CIRCLECI: 'true' });
    expect(Object.keys(ci.variables).sort()).toEqual([...CI_VARIABLES].sort());
    expect(Object.values(ci.variables).filter((v) => v !== '')).toEqual(['true']);
    expect(Object.isFrozen(ci.variables)).toBe(true);
  });

  it("trims each value; unset is ''", () => {
    const ci = readCiEnvironment({ GITHUB_ACTIONS: ' true\n', GITHUB_RUN_ID: '\t100 ', GITHUB_RUN_ATTEMPT: '' });
    expect(ci.variables['GITHUB_ACTIONS']).toBe('true');
    expect(ci.variables['GITHUB_RUN_ID']).toBe('100');
    expect(ci.variables['GITHUB_RUN_ATTEMPT']).toBe('');
    expect(ci.variables['CI_JOB_ID']).toBe('');
    expect(ci).toMatchObject({ system: 'github', sessionName: 'github-100' });
  });

  it('detects each system by its rule: "true" exactly (after trimming), or a variable set', () => {
    const system = (env: NodeJS.ProcessEnv) => readCiEnvironment(env).system;
    expect(system({ BUILDKITE: 'True' })).toBeUndefined();
    expect(system({ CIRCLECI: '1' })).toBeUndefined();
    expect(system({ GITLAB_CI: 'false', CI_JOB_ID: ' ' })).toBeUndefined();
    expect(system({ GITLAB_CI: 'false', CI_JOB_ID: '7' })).toBe('gitlab');
    expect(system({ JENKINS_URL: 'https://j.example.com/' })).toBeUndefined();
    expect(system({ JENKINS_URL: 'https://j.example.com/', BUILD_NUMBER: ' ' })).toBeUndefined();
    expect(system({ JENKINS_URL: 'https://j.example.com/', BUILD_NUMBER: '3' })).toBe('jenkins');
    expect(system({ BITBUCKET_BUILD_NUMBER: ' 12 ' })).toBe('bitbucket');
  });

  it('names the session from the job: parts left out when unset, JOB_BASE_NAME before JOB_NAME, sanitised', () => {
    const session = (env: NodeJS.ProcessEnv) => readCiEnvironment(env).sessionName;
    const jenkins = { JENKINS_URL: 'https://j.example.com/', BUILD_NUMBER: '3' };
    expect(session({ ...jenkins, JOB_NAME: 'folder/build', JOB_BASE_NAME: 'build' })).toBe('jenkins-build-3');
    expect(session({ ...jenkins, JOB_NAME: 'folder/build' })).toBe('jenkins-folder-build-3');
    expect(session({ CIRCLECI: 'true', CIRCLE_BUILD_NUM: '5' })).toBe('circleci-5');
    expect(session({})).toBe('mondoo-aws-auth');
  });

  it('--web-identity-token-env: the name trimmed and its variable read once, trimmed; undefined when not given', () => {
    expect(readCiEnvironment({ MY_TOKEN: 'x' }).tokenEnv).toBeUndefined();
    expect(readCiEnvironment({ MY_TOKEN: ' eyJ.token \n' }, ' MY_TOKEN ').tokenEnv).toEqual({
      name: 'MY_TOKEN',
      value: 'eyJ.token',
    });
    expect(readCiEnvironment({}, 'MY_TOKEN').tokenEnv).toEqual({ name: 'MY_TOKEN', value: '' });
    // Only the environment's own variables: nothing inherited from Object.prototype.
    expect(readCiEnvironment({}, '__proto__').tokenEnv).toEqual({ name: '__proto__', value: '' });
    expect(readCiEnvironment(process.env, 'toString').tokenEnv).toEqual({ name: 'toString', value: '' });
  });
});
