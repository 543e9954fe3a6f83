/**
 * A dry run of .github/workflows/release.yml: the same commands (scripts/release.mjs) on a copy of this
 * repository's last commit, in a temporary git repository, minus what needs GitHub or npm (creating the release,
 * attesting, publishing, pushing the major tag). The build runs for real and the dist/ check compares its output
 * with the commit; the npm package is packed, installed from the tarball into an empty folder and run against
 * the simulators.
 */
import { afterAll, beforeAll, expect, jest } from '@jest/globals';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { needTools } from '../../testkit/system-tools.js';

const { describe, it } = needTools(['git', 'sh'], 'the release dry run (git archive, sh)');

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
// The build (esbuild, three bundles) takes most of a minute of CPU on a busy 2-core machine.
jest.setTimeout(240_000);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const gitEnv = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'ci',
  GIT_AUTHOR_EMAIL: 'ci@example.invalid',
  GIT_COMMITTER_NAME: 'ci',
  GIT_COMMITTER_EMAIL: 'ci@example.invalid',
};

function sh(cwd: string, command: string, args: string[], env: Record<string, string> = {}): Result {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...gitEnv, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function git(cwd: string, ...args: string[]): string {
  const r = sh(cwd, 'git', args);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const release = (cwd: string, ...args: string[]): Result =>
  sh(cwd, process.execPath, [join(cwd, 'scripts', 'release.mjs'), ...args]);

function ok(r: Result): string {
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let work: string;

/** A git repository holding this repository's last commit (what a tag would point at), with its node_modules. */
function checkout(name: string): string {
  const repo = join(work, name);
  mkdirSync(repo);
  execFileSync('sh', ['-c', `git -C "$1" archive --format=tar HEAD | tar -x -C "$2"`, 'sh', ROOT, repo]);
  // A copy (hard links where possible), not a symlink: the bundler names modules by their path, so a node_modules
  // outside the project would give other bundles than CI builds.
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
  git(repo, 'commit', '-q', '-m', 'the tagged commit');
  return repo;
}

const pkgOf = (repo: string) =>
  JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
    version: string;
    bin: Record<string, string>;
    files: string[];
  };
const cliOf = (repo: string): string => pkgOf(repo).bin['mondoo-aws-auth']!;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mondoo-release-dry-run-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('release workflow, dry run on the last commit', () => {
  let repo: string;
  let version: string;
  let sims: Simulators;
  /** The CLI as `npm install` of the packed tarball linked it, once the npm test ran. */
  let installedBin = '';

  beforeAll(async () => {
    repo = checkout('tagged');
    version = pkgOf(repo).version;
    sims = await startSimulators();
  });

  afterAll(async () => {
    await sims?.close();
  });

  it('the workflow runs exactly these steps, in this order', () => {
    const workflow = parseAllDocuments(
      readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8'),
    )[0]!.toJS() as {
      on: { push: { tags: string[] } };
      jobs: { release: { steps: Array<{ run?: string; uses?: string }> } };
    };
    expect(workflow.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+']);
    const steps = workflow.jobs.release.steps.map((s) => s.run ?? s.uses ?? '').join('\n');
    const order = [
      'npm ci',
      'release.mjs tag-check',
      'npm run build',
      'release.mjs dist-check',
      'release.mjs check',
      'npm test',
      'release.mjs notes',
      'release.mjs assets',
      'attest-build-provenance',
      'gh release create',
      'release.mjs npm-stage',
      'npm publish --provenance',
      'git push --force origin',
    ];
    const positions = order.map((s) => steps.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Third-party actions by full commit SHA.
    for (const s of workflow.jobs.release.steps) if (s.uses) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it("the tag must name package.json's version", () => {
    expect(ok(release(repo, 'tag-check', `v${version}`))).toContain(`matches package.json ${version}`);
    const wrong = release(repo, 'tag-check', 'v999.0.0');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`tag v999.0.0 is version 999.0.0, but package.json says ${version}`);
  });

  it('builds, and dist/ is exactly what the commit holds', () => {
    ok(sh(repo, 'npm', ['run', 'build']));
    expect(ok(release(repo, 'dist-check'))).toContain('dist/ is what this source builds');
  });

  it("the versions and the component's CLI hash agree", () => {
    const cli = readFileSync(join(repo, cliOf(repo)));
    expect(ok(release(repo, 'check'))).toContain(`version ${version}, ${cliOf(repo)} sha256 ${sha256(cli)}`);
  });

  it('extracts the release notes of this version from CHANGELOG.md', () => {
    const notes = ok(release(repo, 'notes', `v${version}`));
    expect(notes.length).toBeGreaterThan(20);
    expect(notes).not.toMatch(/^## /m);
    expect(notes).not.toMatch(/^\[[^\]]+\]: /m);
    expect(readFileSync(join(repo, 'CHANGELOG.md'), 'utf8')).toContain(notes.trim());
  });

  it("writes the CLI and a .sha256 that sha256sum -c accepts, matching the component's pin", () => {
    const out = join(work, 'assets');
    ok(release(repo, 'assets', out));
    const name = basename(cliOf(repo));
    expect(readdirSync(out).sort()).toEqual([name, `${name}.sha256`].sort());
    expect(readFileSync(join(out, name))).toEqual(readFileSync(join(repo, cliOf(repo))));
    const line = readFileSync(join(out, `${name}.sha256`), 'utf8');
    expect(line).toBe(`${sha256(readFileSync(join(out, name)))}  ${name}\n`);
    // What a user runs: sha256sum -c (GNU coreutils; macOS has shasum -a 256 -c, which reads the same format).
    const checker =
      spawnSync('sha256sum', ['--version']).status === 0 ? ['sha256sum', '-c'] : ['shasum', '-a', '256', '-c'];
    expect(ok(sh(out, checker[0]!, [...checker.slice(1), `${name}.sha256`]))).toContain(`${name}: OK`);
    const component = readFileSync(join(repo, 'templates', 'aws-auth.yml'), 'utf8');
    expect(component).toContain(`default: "${sha256(readFileSync(join(out, name)))}"`);
  });

  it('the npm package holds only what runs, has no dependencies, and runs from an empty folder', async () => {
    const staged = join(work, 'npm');
    ok(release(repo, 'npm-stage', staged));
    const published = JSON.parse(readFileSync(join(staged, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(published['dependencies']).toBeUndefined();
    expect(published['scripts']).toBeUndefined();
    expect(published['private']).toBeUndefined();
    expect(published['name']).toBe('mondoo-aws-auth');
    const packed = JSON.parse(ok(sh(staged, 'npm', ['pack', '--json', '--pack-destination', work]))) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = packed[0]!.files.map((f) => f.path).sort();
    expect(files).toEqual(['LICENSE', 'README.md', 'package.json', ...pkgOf(repo).files].sort());
    // The repository's own `npm pack` ships the same files (its package.json lists dependencies for the build).
    const rootPack = JSON.parse(ok(sh(repo, 'npm', ['pack', '--dry-run', '--json']))) as Array<{
      files: Array<{ path: string }>;
    }>;
    expect(rootPack[0]!.files.map((f) => f.path).sort()).toEqual(files);

    const empty = join(work, 'empty');
    mkdirSync(empty);
    ok(
      sh(empty, 'npm', [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--no-save',
        join(work, packed[0]!.filename),
      ]),
    );
    const bin = join(empty, 'node_modules', '.bin', 'mondoo-aws-auth');
    installedBin = bin;
    expect(existsSync(bin)).toBe(true);
    const home = join(work, 'home');
    mkdirSync(home);
    const clean = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: tmpdir() };
    const v = spawnSync(bin, ['--version'], { cwd: empty, encoding: 'utf8', env: clean });
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toContain(version);
    const help = spawnSync(bin, ['--help'], { cwd: empty, encoding: 'utf8', env: clean });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--audience');

    const issuedBefore = sims.mondoo.issued.length;
    const env = { ...clean, ...sims.env('env-long') };
    const runResult = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolvePromise) => {
      // Async: the simulators answer from this process.
      const child = spawn(
        bin,
        ['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--output', 'raw'],
        {
          cwd: empty,
          env,
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code: number | null) => resolvePromise({ code, stdout, stderr }));
    });
    expect(runResult.code).toBe(0);
    expect(sims.mondoo.issued).toHaveLength(issuedBefore + 1);
    expect(runResult.stdout.trim()).toBe(sims.mondoo.issued.at(-1)!.base64Credential);
  });

  it("the docs' recipe exports the credential, and stops a `set -eu` script when authentication fails", async () => {
    expect(installedBin).not.toBe('');
    // The recipe of docs/ci-systems.md, with the installed CLI for `npx -y mondoo-aws-auth@1.0.0`.
    const docs = readFileSync(join(ROOT, 'docs', 'ci-systems.md'), 'utf8');
    const recipe =
      /```sh\n(set -eu\nMONDOO_CONFIG_BASE64="\$\(npx -y mondoo-aws-auth@\d+\.\d+\.\d+ [^\n]*\)"\nexport MONDOO_CONFIG_BASE64\n)cnspec scan local\n```/.exec(
        docs.replace(/^ {2}/gm, ''),
      );
    expect(recipe).not.toBeNull();
    const script = (audience: string): string =>
      `${recipe![1]!.replace(/npx -y mondoo-aws-auth@\d+\.\d+\.\d+/, '"$BIN"').replace('//captain.api.mondoo.app/spaces/YOUR-SPACE', audience)}echo "reached: \${#MONDOO_CONFIG_BASE64} characters"\n`;
    const home = mkdtempSync(join(work, 'recipe-home-'));
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      TMPDIR: tmpdir(),
      BIN: installedBin,
      MONDOO_UNIVERSE_DOMAIN: sims.mondoo.url,
      ...sims.env('env-long'),
    };
    const runSh = (text: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolvePromise) => {
        const child = spawn('sh', ['-c', text], { env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        child.on('close', (code: number | null) => resolvePromise({ code, stdout, stderr }));
      });
    const good = await runSh(script(sims.world.mondoo.audience));
    expect(good.code).toBe(0);
    expect(good.stdout).toBe(`reached: ${sims.mondoo.issued.at(-1)!.base64Credential.length} characters\n`);
    const refused = await runSh(script('//captain.api.mondoo.app/spaces/no-such-space'));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('mondoo-aws-auth');
  });
});

describe('the release checks fail when something disagrees', () => {
  let repo: string;

  beforeAll(() => {
    repo = checkout('broken');
  });

  it('dist-check names a bundle that differs from the commit, and a new file', () => {
    const cli = join(repo, cliOf(repo));
    writeFileSync(cli, `${readFileSync(cli, 'utf8')}\n// changed\n`);
    writeFileSync(join(repo, 'dist', 'extra.js'), '');
    const r = release(repo, 'dist-check');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dist/ differs from the commit');
    expect(r.stderr).toContain(cliOf(repo));
    expect(r.stderr).toContain('dist/extra.js');
  });

  it('check fails when the CLI no longer has the pinned hash, naming the fix', () => {
    const r = release(repo, 'check');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('input cli-sha256 defaults to');
    expect(r.stderr).toContain('MONDOO_AWS_AUTH_RELEASE_SHA256 is');
    expect(r.stderr).toContain('npm run release:pin');
    git(repo, 'checkout', '--', 'dist');
    rmSync(join(repo, 'dist', 'extra.js'));
    ok(release(repo, 'check'));
  });

  it('check fails when package.json and the component name different versions', () => {
    const file = join(repo, 'package.json');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/^ {2}"version": "[^"]*"/m, '  "version": "9.9.9"'));
    const r = release(repo, 'check');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('input version defaults to');
    expect(r.stderr).toContain('package.json says 9.9.9');
    expect(r.stderr).toContain('package-lock.json says version');
    writeFileSync(file, original);
  });

  it('notes fails for a version CHANGELOG.md has no section for', () => {
    const r = release(repo, 'notes', 'v9.9.9');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CHANGELOG.md has no section "## [9.9.9]');
  });

  it("release:prepare bumps package.json, the lock file, the component's pins and CHANGELOG.md in one commit", () => {
    writeFileSync(
      join(repo, 'CHANGELOG.md'),
      // The section's entries so far make way for one known entry, so the notes below are exactly it.
      readFileSync(join(repo, 'CHANGELOG.md'), 'utf8').replace(
        /## \[Unreleased\]\n[\s\S]*?(?=\n## \[)/,
        '## [Unreleased]\n\n### Fixed\n\n- Something users notice.\n',
      ),
    );
    git(repo, 'commit', '-q', '-am', 'changelog entry');
    const before = git(repo, 'rev-parse', 'HEAD').trim();
    ok(release(repo, 'prepare', '7.8.9', '--date', '2030-01-02'));
    expect(git(repo, 'rev-parse', 'HEAD~1').trim()).toBe(before);
    expect(git(repo, 'log', '-1', '--format=%s')).toBe('Release 7.8.9\n');
    expect(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual([
      'CHANGELOG.md',
      'package-lock.json',
      'package.json',
      'templates/aws-auth.yml',
    ]);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(pkgOf(repo).version).toBe('7.8.9');
    expect((JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { version: string }).version).toBe(
      '7.8.9',
    );
    const component = readFileSync(join(repo, 'templates', 'aws-auth.yml'), 'utf8');
    expect(component).toContain('MONDOO_AWS_AUTH_RELEASE_VERSION: "7.8.9"');
    expect(ok(release(repo, 'check'))).toContain('version 7.8.9');
    expect(ok(release(repo, 'notes', 'v7.8.9'))).toBe('### Fixed\n\n- Something users notice.\n');
    const changelog = readFileSync(join(repo, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/## \[Unreleased\]\n\n## \[7\.8\.9\] - 2030-01-02\n/);
    expect(changelog).toContain('[Unreleased]: https://github.com/mondoohq/mondoo-aws-auth/compare/v7.8.9...HEAD');
    expect(changelog).toMatch(
      /^\[7\.8\.9\]: https:\/\/github\.com\/mondoohq\/mondoo-aws-auth\/compare\/v\S+\.\.\.v7\.8\.9$/m,
    );
  });

  it('release:prepare refuses while dist/ differs from the commit (the pin is of the committed file)', () => {
    const cli = join(repo, cliOf(repo));
    writeFileSync(cli, `${readFileSync(cli, 'utf8')}\n`);
    const r = release(repo, 'prepare', '7.9.0');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dist/ differs from the last commit');
    expect(pkgOf(repo).version).toBe('7.8.9');
  });
});
