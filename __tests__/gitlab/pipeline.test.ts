/**
 * The project's own .gitlab-ci.yml under gitlab-ci-local (shell executor): its `component` job includes the
 * component of this commit by `$CI_SERVER_FQDN/$CI_PROJECT_PATH/aws-auth@$CI_COMMIT_SHA`, as a catalog user
 * would, and authenticates against the simulators with the committed CLI checked against the component's default
 * cli-sha256. Tag pipelines: X.Y.Z runs the release jobs, vX.Y.Z (the GitHub tags, mirrored) runs nothing.
 * And the component's hash rules: another version without its hash is refused before anything is downloaded,
 * and a file that is not the pinned release (from cli-url or cli-path) is never run.
 *
 * Needs rsync, git and sh (gitlab-ci-local copies the project with rsync): without them the tests are skipped
 * with a line saying how to install them, except under .ci/run, where they fail (testkit/system-tools.js).
 */
import { afterAll, beforeAll, expect, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { runGitlabCiLocal } from '../../scripts/gitlab-ci-local.mjs';
import { needTools } from '../../testkit/system-tools.js';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const PROJECT_URL = 'https://gitlab.example.com/mondoohq/mondoo-aws-auth.git';
jest.setTimeout(180_000);

const { describe, it } = needTools(
  ['rsync', 'git', 'sh'],
  'the tests of .gitlab-ci.yml and the component (gitlab-ci-local)',
);

let work: string;

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'ci',
      GIT_AUTHOR_EMAIL: 'ci@example.invalid',
      GIT_COMMITTER_NAME: 'ci',
      GIT_COMMITTER_EMAIL: 'ci@example.invalid',
    },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A git repository with this working tree's tracked files (and node_modules), as the GitLab mirror would hold. */
function mirror(name: string): string {
  const repo = join(work, name);
  mkdirSync(repo);
  for (const file of git(ROOT, 'ls-files', '-z')
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(repo, file));
  }
  execFileSync('sh', [
    '-c',
    'cp -al "$1" "$2" 2>/dev/null || cp -R "$1" "$2"',
    'sh',
    join(ROOT, 'node_modules'),
    join(repo, 'node_modules'),
  ]);
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(join(repo, '.git', 'info', 'exclude'), '/node_modules\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'mirror');
  git(repo, 'remote', 'add', 'origin', PROJECT_URL);
  return repo;
}

async function gcl(repo: string, ...args: string[]) {
  const home = mkdtempSync(join(work, 'home-'));
  const r = await runGitlabCiLocal(['--force-shell-executor', ...args], { cwd: repo, home, timeoutMs: 150_000 });
  return { ...r, log: `${r.stdout}\n${r.stderr}` };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mondoo-gitlab-pipeline-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('.gitlab-ci.yml of the GitLab mirror', () => {
  let repo: string;

  beforeAll(() => {
    repo = mirror('mirror');
  });

  it("the component job includes this commit's component and gets a credential from the simulators", async () => {
    const r = await gcl(repo, 'component');
    const pid = join(repo, '.gitlab-ci-local', 'builds', 'component', 'sim.pid');
    try {
      expect(r.log).toContain('json schema validated');
      expect(r.log).toMatch(/CLI file verified \(sha256 [0-9a-f]{64}\)/);
      expect(r.log).toContain(
        'Authenticated to Mondoo as //agents.api.mondoo.app/spaces/test-space-123/serviceaccounts/',
      );
      expect(r.log).toMatch(/credential for \/\/agents\.api\.mondoo\.app\/spaces\/test-space-123\/serviceaccounts\//);
      expect(r.log).toMatch(/PASS\s+component/);
      expect(r.code).toBe(0);
    } finally {
      // after_script stops the simulators; make sure, should the job have died before it.
      if (existsSync(pid)) spawnSync('kill', [readFileSync(pid, 'utf8').trim()]);
    }
  });

  it('a tag X.Y.Z runs the release jobs only; a tag vX.Y.Z runs nothing; a branch runs the component job', async () => {
    const release = await gcl(repo, '--list', '--variable', 'CI_COMMIT_TAG=1.0.0');
    expect(release.code).toBe(0);
    expect(release.stdout).toMatch(/^release-notes\s/m);
    expect(release.stdout).toMatch(/^release\s/m);
    expect(release.stdout).not.toMatch(/^component\s/m);
    const vTag = await gcl(repo, '--list', '--variable', 'CI_COMMIT_TAG=v1.0.0');
    expect(vTag.stdout).not.toMatch(/^(component|release-notes|release)\s/m);
    const branch = await gcl(repo, '--list');
    expect(branch.stdout).toMatch(/^component\s/m);
    expect(branch.stdout).not.toMatch(/^release/m);
  });

  it("release-notes checks the tag against package.json and writes CHANGELOG.md's notes", async () => {
    const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await gcl(repo, 'release-notes', '--variable', `CI_COMMIT_TAG=${version}`);
    expect(r.code).toBe(0);
    const notes = readFileSync(
      join(repo, '.gitlab-ci-local', 'artifacts', 'release-notes', 'release-notes.md'),
      'utf8',
    );
    expect(notes).toBe(
      execFileSync(process.execPath, [join(repo, 'scripts', 'release.mjs'), 'notes', version], {
        cwd: repo,
        encoding: 'utf8',
      }),
    );
    const wrong = await gcl(repo, 'release-notes', '--variable', 'CI_COMMIT_TAG=99.0.0');
    expect(wrong.code).not.toBe(0);
    expect(wrong.log).toContain(`tag 99.0.0 is version 99.0.0, but package.json says ${version}`);
  });
});

describe('templates/aws-auth.yml verifies the CLI by SHA-256 by default', () => {
  /** A project that includes the component with these inputs; its job would print "scanned" after auth. */
  function project(name: string, inputs: Record<string, string>, cli?: string): string {
    const repo = join(work, name);
    mkdirSync(join(repo, 'templates'), { recursive: true });
    copyFileSync(join(ROOT, 'templates', 'aws-auth.yml'), join(repo, 'templates', 'aws-auth.yml'));
    if (cli !== undefined) writeFileSync(join(repo, 'vendored-cli.cjs'), cli);
    const lines = Object.entries(inputs).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`);
    writeFileSync(
      join(repo, '.gitlab-ci.yml'),
      [
        'include:',
        '  - local: templates/aws-auth.yml',
        '    inputs:',
        '      audience: "//captain.api.mondoo.app/spaces/s"',
        ...lines,
        '',
        'scan:',
        '  extends: .mondoo-aws-auth',
        '  script:',
        '    - echo scanned',
        '',
      ].join('\n'),
    );
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'p');
    git(repo, 'remote', 'add', 'origin', 'https://gitlab.example.com/group/project.git');
    return repo;
  }

  it("refuses a file from cli-url that is not the release's when cli-sha256 was left at its default", async () => {
    const repo = project('url-no-hash', {}, 'require("node:fs").writeFileSync("ran", "");\n');
    const url = `file://${join(repo, 'vendored-cli.cjs')}`; // curl reads file: URLs; nothing leaves the machine
    writeFileSync(
      join(repo, '.gitlab-ci.yml'),
      readFileSync(join(repo, '.gitlab-ci.yml'), 'utf8').replace(
        '    inputs:\n',
        `    inputs:\n      cli-url: ${JSON.stringify(url)}\n`,
      ),
    );
    git(repo, 'commit', '-q', '-am', 'cli-url');
    const r = await gcl(repo);
    expect(r.code).not.toBe(0);
    expect(r.log).toMatch(
      /mondoo-aws-auth: error: the file at cli-url has SHA-256 [0-9a-f]{64}, but cli-sha256 is its default, the hash of release \d+\.\d+\.\d+'s cli\.cjs \([0-9a-f]{64}\)\. Not running it\. When cli-url points to another file, set cli-sha256 to that file's SHA-256/,
    );
    expect(existsSync(join(repo, '.gitlab-ci-local', 'builds', 'scan', 'ran'))).toBe(false);
    expect(r.log).not.toContain('scanned');
  });

  it('refuses another version without its cli-sha256, before downloading anything', async () => {
    const r = await gcl(project('version-no-hash', { version: '0.0.1' }));
    expect(r.code).not.toBe(0);
    expect(r.log).toContain(
      "mondoo-aws-auth: error: version is 0.0.1, so cli-sha256 must be the SHA-256 of that release's cli.cjs",
    );
    expect(r.log).not.toContain('downloading');
    expect(r.log).not.toContain('scanned');
  });

  it("never runs a file whose hash is not the pinned release's", async () => {
    const r = await gcl(
      project('other-file', { 'cli-path': 'vendored-cli.cjs' }, 'require("node:fs").writeFileSync("ran", "");\n'),
    );
    expect(r.code).not.toBe(0);
    expect(r.log).toMatch(
      /the CLI file's SHA-256 is [0-9a-f]{64}, but release \d+\.\d+\.\d+'s cli\.cjs has [0-9a-f]{64} \(the default cli-sha256\)\. Not running it\./,
    );
    expect(existsSync(join(work, 'other-file', '.gitlab-ci-local', 'builds', 'scan', 'ran'))).toBe(false);
    expect(r.log).not.toContain('scanned');
  });
});
