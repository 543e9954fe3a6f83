/**
 * The built CLI (dist/cli.cjs) run as a CI job script runs it, against the loopback simulators: its outputs,
 * where it finds a role's token, and the single file. One run per way to authenticate, with the secret scan,
 * is in scenarios.test.ts; usage errors and --help run in process in __tests__/unit/config/settings.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import {
  baseEnv,
  CLI_BUNDLE,
  gitHubRunnerEnv,
  leakedSecrets,
  NODE,
  ROOT,
  runCli,
  type ProcessResult,
} from '../../testkit/runner.js';
import { needTools } from '../../testkit/system-tools.js';

let sims: Simulators;
const GITLAB_ROLE = 'arn:aws:iam::123456789012:role/gitlab-ci';
beforeAll(async () => {
  sims = await startSimulators();
  sims.sts.addRole({ roleArn: GITLAB_ROLE, trustSubPattern: 'project_path:group/project:*' });
  sims.mondoo.addIdentityProvider({
    audience: sims.world.mondoo.audience,
    subject: 'arn:aws:sts::123456789012:assumed-role/gitlab-ci/*',
    spaceMrn: sims.world.mondoo.spaceMrn,
  });
});
afterAll(async () => {
  await sims.close();
});
beforeEach(() => sims.clearRecords());

const flags = (): string[] => ['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url];
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const gitlabToken = () =>
  sims.oidc.mint({ aud: 'sts.amazonaws.com', sub: 'project_path:group/project:ref_type:branch:ref:main' });

function expectNothingSecretOnStderr(r: ProcessResult): void {
  expect(leakedSecrets(r.stderr, sims.secrets())).toEqual([]);
  expect(r.stderr).not.toContain('::add-mask::');
}

function issued() {
  expect(sims.mondoo.issued).toHaveLength(1);
  return sims.mondoo.issued[0]!;
}

// Tests that run `#!/bin/sh` scripts as commands (Linux and macOS; skipped with a reason elsewhere).
const withSh = needTools(['sh', 'bash'], 'the CLI tests that run shell scripts');

/** Runs a bash script with the CLI available as `mondoo-aws-auth`. */
function bash(script: string, env: Record<string, string>): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const home = mkdtempSync(join(tmpdir(), 'mondoo-cli-bash-'));
    const bin = join(home, 'bin');
    writeFileSync(join(home, 'mondoo-aws-auth'), `#!/bin/sh\nexec "${NODE}" "${CLI_BUNDLE}" "$@"\n`);
    chmodSync(join(home, 'mondoo-aws-auth'), 0o755);
    const child = spawn('bash', ['-c', script], {
      env: { ...baseEnv(home, env), PATH: `${home}:${process.env['PATH'] ?? ''}`, ...env, BIN: bin },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const started = performance.now();
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

describe('output formats', () => {
  withSh.it('eval "$(mondoo-aws-auth …)" puts the credential into the shell environment', async () => {
    const r = await bash(
      // Hashed with node, which every platform here has (macOS has no sha256sum).
      'set -eu\nout="$(mondoo-aws-auth --audience "$AUD" --universe-domain "$URL")"\neval "$out"\n' +
        `printf "%s" "$MONDOO_CONFIG_BASE64" | "$NODE_BIN" -e 'process.stdout.write(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(0)).digest("hex"))'`,
      { ...sims.env('env-long'), AUD: sims.world.mondoo.audience, URL: sims.mondoo.url, NODE_BIN: NODE },
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(sha256(issued().base64Credential));
    expect(r.stderr).toContain(`mondoo-aws-auth: Authenticated to Mondoo as ${issued().credential.mrn}.`);
    expectNothingSecretOnStderr(r);
  });

  withSh.it('the documented capture-then-eval form stops the script when authentication fails', async () => {
    const r = await bash(
      'set -eu\nout="$(mondoo-aws-auth --audience "$AUD" --universe-domain "$URL")"\neval "$out"\necho scanned',
      {
        ...sims.env('none'),
        AUD: sims.world.mondoo.audience,
        URL: sims.mondoo.url,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('scanned');
    expect(r.stderr).toContain('No AWS credentials found');
  });

  it("prints exactly `export MONDOO_CONFIG_BASE64='…'` by default, and only that on stdout", async () => {
    const r = await runCli(flags(), sims.env('env-long'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`export MONDOO_CONFIG_BASE64='${issued().base64Credential}'\n`);
    // The output does not name the AWS identity, so STS is not asked for it.
    expect(sims.sts.requests.filter((q) => q.action === 'GetCallerIdentity')).toHaveLength(0);
  });

  it.each([
    ['dotenv', (c: string) => `MONDOO_CONFIG_BASE64=${c}\n`],
    ['raw', (c: string) => `${c}\n`],
  ])('--output %s', async (format, expected) => {
    const r = await runCli([...flags(), '--output', format], sims.env('env-long'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected(issued().base64Credential));
  });

  it('--output json carries the credential and the identity', async () => {
    const r = await runCli([...flags(), '--output=json'], sims.env('env-session'));
    expect(r.code).toBe(0);
    const i = issued();
    expect(JSON.parse(r.stdout)).toEqual({
      base64_credential: i.base64Credential,
      aws_arn: sims.world.session.arn,
      aws_account_id: '123456789012',
      scope_mrn: i.credential.space_mrn,
      service_account_mrn: i.credential.mrn,
      api_endpoint: i.credential.api_endpoint,
    });
    expect(sims.sts.requests.filter((q) => q.action === 'GetCallerIdentity')).toHaveLength(1);
    expect(r.stderr).toContain(`(AWS identity ${sims.world.session.arn}).`);
    expectNothingSecretOnStderr(r);
  });

  it('--output-file writes a fresh 0600 file and nothing secret to stdout', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mondoo-cli-out-'))); // macOS: /var is a link
    const path = join(dir, 'mondoo.env');
    writeFileSync(path, 'old content', { mode: 0o644 });
    const r = await runCli([...flags(), '--output', 'dotenv', '--output-file', path], sims.env('env-long'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(path, 'utf8')).toBe(`MONDOO_CONFIG_BASE64=${issued().base64Credential}\n`);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['mondoo.env']);
    expect(r.stderr).toContain(`Wrote the credential (dotenv) to ${path} (mode 0600).`);
    expectNothingSecretOnStderr(r);
  });

  it.each([
    [
      'ends in a slash',
      (dir: string) => `${join(dir, 'newfile')}/`,
      /--output-file \S+\/newfile\/ ends in a slash, so it names a folder\./,
    ],
    [
      'is in a folder reached through a symbolic link (.mondoo -> reports)',
      (dir: string) => {
        mkdirSync(join(dir, 'reports'));
        symlinkSync('reports', join(dir, '.mondoo'));
        return join(dir, '.mondoo', 'creds.env');
      },
      /the folder of --output-file \S+\/\.mondoo\/creds\.env is reached through a symbolic link \(\S+\/\.mondoo is really \S+\/reports\); refusing to write a credential there\. Give a path without links, such as \S+\/reports\/creds\.env, or choose another folder\./,
    ],
  ])('refuses an --output-file that %s with exit 2, before any request', async (_, make, message) => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mondoo-cli-folder-')));
    const r = await runCli([...flags(), '--output-file', make(dir)], sims.env('env-long'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(sims.mondoo.requests).toHaveLength(0);
    expect(sims.sts.requests).toHaveLength(0);
    expect(readdirSync(dir).sort()).toEqual(existsSync(join(dir, 'reports')) ? ['.mondoo', 'reports'] : []);
    if (existsSync(join(dir, 'reports'))) expect(readdirSync(join(dir, 'reports'))).toEqual([]);
  });

  it('refuses to write through a symlink, before any request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mondoo-cli-link-'));
    const target = join(dir, 'target');
    writeFileSync(target, 'untouched');
    symlinkSync(target, join(dir, 'link'));
    const r = await runCli([...flags(), '--output-file', join(dir, 'link')], sims.env('env-long'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a symbolic link; refusing to write a credential through it');
    expect(readFileSync(target, 'utf8')).toBe('untouched');
    expect(sims.mondoo.requests).toHaveLength(0);
    expect(sims.sts.requests).toHaveLength(0);
  });
});

describe('configuration', () => {
  it('runs from the environment alone (MONDOO_AUDIENCE, MONDOO_UNIVERSE_DOMAIN)', async () => {
    const r = await runCli(['--output', 'raw'], {
      ...sims.env('env-long'),
      MONDOO_AUDIENCE: sims.world.mondoo.audience,
      MONDOO_UNIVERSE_DOMAIN: sims.mondoo.url,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${issued().base64Credential}\n`);
  });

  it('GitLab: assumes the role with the id_tokens variable, session name from the job', async () => {
    const r = await runCli(
      [...flags(), '--role-to-assume', GITLAB_ROLE, '--web-identity-token-env', 'MONDOO_ID_TOKEN', '--output', 'json'],
      {
        ...sims.env('none'),
        GITLAB_CI: 'true',
        CI_PROJECT_ID: '4242',
        CI_JOB_ID: '987654',
        MONDOO_ID_TOKEN: gitlabToken(),
      },
    );
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { aws_arn: string }).aws_arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/gitlab-ci/gitlab-4242-987654',
    );
    expect(issued().identity.arn).toBe('arn:aws:sts::123456789012:assumed-role/gitlab-ci/gitlab-4242-987654');
    expectNothingSecretOnStderr(r);
  });

  it('standard AWS environment: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_SESSION_NAME (Jenkins, EKS)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mondoo-cli-token-'));
    writeFileSync(join(dir, 'token'), `${gitlabToken()}\n`);
    const r = await runCli([...flags(), '--output', 'json'], {
      ...sims.env('none'),
      AWS_ROLE_ARN: GITLAB_ROLE,
      AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'token'),
      AWS_ROLE_SESSION_NAME: 'jenkins-nightly',
    });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { aws_arn: string }).aws_arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/gitlab-ci/jenkins-nightly',
    );
  });

  it.each([
    [
      'CircleCI',
      { CIRCLECI: 'true', CIRCLE_PROJECT_REPONAME: 'app', CIRCLE_BUILD_NUM: '77' },
      'CIRCLE_OIDC_TOKEN_V2',
      'circleci-app-77',
    ],
    [
      'Bitbucket',
      { BITBUCKET_REPO_SLUG: 'app', BITBUCKET_BUILD_NUMBER: '12' },
      'BITBUCKET_STEP_OIDC_TOKEN',
      'bitbucket-app-12',
    ],
  ])("%s: finds the CI system's OIDC token by itself", async (_, ciEnv, tokenVar, session) => {
    const r = await runCli([...flags(), '--role-to-assume', GITLAB_ROLE, '--output', 'json'], {
      ...sims.env('none'),
      ...ciEnv,
      [tokenVar]: gitlabToken(),
    });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { aws_arn: string }).aws_arn).toBe(
      `arn:aws:sts::123456789012:assumed-role/gitlab-ci/${session}`,
    );
  });

  withSh.it('Buildkite: asks buildkite-agent for a token with the STS audience', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mondoo-cli-bk-'));
    const token = gitlabToken();
    writeFileSync(join(dir, 'buildkite-agent'), `#!/bin/sh\necho "$@" > "${join(dir, 'args')}"\necho "${token}"\n`);
    chmodSync(join(dir, 'buildkite-agent'), 0o755);
    const r = await runCli([...flags(), '--role-to-assume', GITLAB_ROLE, '--output', 'json'], {
      ...sims.env('none'),
      PATH: `${dir}:${process.env['PATH'] ?? ''}`,
      BUILDKITE: 'true',
      BUILDKITE_PIPELINE_SLUG: 'scan',
      BUILDKITE_BUILD_NUMBER: '5',
    });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe('oidc request-token --audience sts.amazonaws.com');
    expect((JSON.parse(r.stdout) as { aws_arn: string }).aws_arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/gitlab-ci/buildkite-scan-5',
    );
  });

  it('prints ::add-mask:: (to stderr) only on a GitHub runner', async () => {
    const r = await runCli([...flags(), '--output', 'raw'], { ...sims.env('env-long'), ...gitHubRunnerEnv(tmpdir()) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${issued().base64Credential}\n`);
    expect(r.stderr).toContain(`::add-mask::${issued().base64Credential}`);
  });

  it.each<[string, Record<string, string>]>([
    ['GITHUB_ACTIONS=true in a GitLab job', { ...gitHubRunnerEnv(tmpdir()), GITLAB_CI: 'true', CI_JOB_ID: '77' }],
    ['GITHUB_ACTIONS=true without the runner variables', { GITHUB_ACTIONS: 'true' }],
  ])('prints no ::add-mask:: with %s, and no secret', async (_, ci) => {
    const r = await runCli([...flags(), '--output', 'raw'], { ...sims.env('env-long'), ...ci });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('::add-mask::');
    expect(leakedSecrets(r.stderr, sims.secrets())).toEqual([]);
  });
});

describe('the single file', () => {
  it('runs copied alone into an empty folder, with nothing but node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mondoo-cli-alone-'));
    copyFileSync(CLI_BUNDLE, join(dir, 'mondoo-aws-auth.js'));
    const script = join(dir, 'mondoo-aws-auth.js');
    expect(readdirSync(dir)).toEqual(['mondoo-aws-auth.js']);
    const v = await runCli(['--version'], {}, { script, cwd: dir });
    expect(v).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    const r = await runCli([...flags(), '--output', 'raw'], sims.env('env-long'), { script, cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${issued().base64Credential}\n`);
    // The SDK credential chain is inside the same file (IMDS through the SDK chain).
    sims.mondoo.issued.length = 0;
    const imds = await runCli([...flags(), '--output', 'raw'], sims.env('imds'), { script, cwd: dir });
    expect(imds.code).toBe(0);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  });
});
