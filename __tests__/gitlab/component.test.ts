/**
 * The GitLab CI/CD component templates/aws-auth.yml, run for real: gitlab-ci-local (a devDependency) runs a
 * pipeline that `include:`s the component on the shell executor, against the loopback simulators. A scan job
 * `extends: .mondoo-aws-auth` and, standing in for cnspec, proves MONDOO_CONFIG_BASE64 is in its environment.
 *
 * Needs rsync (gitlab-ci-local copies the project with it), git and bash: without them the tests are skipped
 * with a line saying how to install them, except under .ci/run, where they fail (testkit/system-tools.js).
 *
 * gitlab-ci-local 4.x uses Set.prototype.union and friends (Node 22+). Under Node 20 it runs with a tiny
 * polyfill of those seven methods preloaded (--import); under Node 22+ as is. MONDOO_GCL_NODE may name
 * another node binary to run it with.
 */
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { needTools } from '../../testkit/system-tools.js';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const TEMPLATE = join(ROOT, 'templates', 'aws-auth.yml');
const CLI_BUNDLE = join(ROOT, 'dist', 'cli.cjs');
const GCL_SCRIPT = join(ROOT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
const ACCOUNT = '123456789012';
const ROLE_NAME = 'gitlab-mondoo-scan';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`;
const GITLAB_SUBJECT = 'project_path:group/project:ref_type:branch:ref:main';

// Each pipeline takes a few seconds; leave room on a busy 2-core machine.
jest.setTimeout(60_000);

const withTools = needTools(['rsync', 'git', 'bash'], 'the GitLab pipeline tests (gitlab-ci-local)');

/** What the project itself must provide for the pipeline to run; empty when all is in place. */
function missingPrerequisites(): string[] {
  const problems: string[] = [];
  if (!existsSync(GCL_SCRIPT)) {
    problems.push(
      'gitlab-ci-local is not installed. Install the devDependencies: npm ci (it is pinned in package.json; to add it: npm install --save-dev --save-exact gitlab-ci-local@4.75.1)',
    );
  }
  if (!existsSync(CLI_BUNDLE)) problems.push('dist/cli.cjs is missing. Build it: npm run build');
  return problems;
}

function requirePrerequisites(): void {
  const problems = missingPrerequisites();
  if (problems.length > 0) throw new Error(`The GitLab component test cannot run:\n- ${problems.join('\n- ')}`);
}

/** The polyfill gitlab-ci-local needs on Node 20 (ES2025 Set methods; Node 22+ has them). */
const SET_METHODS_POLYFILL = `
const P = Set.prototype;
const keysOf = (other) => other.keys();
const define = (name, fn) => { if (typeof P[name] !== 'function') Object.defineProperty(P, name, { value: fn, writable: true, configurable: true }); };
define('union', function (o) { const r = new Set(this); for (const v of keysOf(o)) r.add(v); return r; });
define('intersection', function (o) { const r = new Set(); for (const v of this) if (o.has(v)) r.add(v); return r; });
define('difference', function (o) { const r = new Set(); for (const v of this) if (!o.has(v)) r.add(v); return r; });
define('symmetricDifference', function (o) { const r = new Set(this); for (const v of keysOf(o)) { if (this.has(v)) r.delete(v); else r.add(v); } return r; });
define('isSubsetOf', function (o) { for (const v of this) if (!o.has(v)) return false; return true; });
define('isSupersetOf', function (o) { for (const v of keysOf(o)) if (!this.has(v)) return false; return true; });
define('isDisjointFrom', function (o) { for (const v of this) if (o.has(v)) return false; return true; });
`;

/** [node binary, args before the script] to run gitlab-ci-local with. */
function gclCommand(work: string): [string, string[]] {
  const override = process.env['MONDOO_GCL_NODE'];
  if (override) return [override, []];
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 22) return [process.execPath, []];
  const polyfill = join(work, 'set-methods-polyfill.mjs');
  writeFileSync(polyfill, SET_METHODS_POLYFILL);
  return [process.execPath, ['--import', polyfill]];
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(
  command: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
}

/** Stands in for cnspec: reads MONDOO_CONFIG_BASE64 like cnspec would and records only non-secret facts. */
const SCAN_STANDIN = `
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
const b64 = process.env.MONDOO_CONFIG_BASE64 ?? '';
if (b64 === '') { console.error('scan stand-in: MONDOO_CONFIG_BASE64 is not set'); process.exit(3); }
const config = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
for (const key of ['mrn', 'space_mrn', 'private_key', 'certificate', 'api_endpoint']) {
  if (typeof config[key] !== 'string' || config[key] === '') { console.error('scan stand-in: the credential has no ' + key); process.exit(4); }
}
const proof = {
  mrn: config.mrn,
  space_mrn: config.space_mrn,
  sha256: createHash('sha256').update(b64).digest('hex'),
  ci_project_id: process.env.CI_PROJECT_ID ?? '',
  ci_job_id: process.env.CI_JOB_ID ?? '',
  leftovers: Object.keys(process.env).filter((k) => k === 'MONDOO_AWS_AUTH_EXPORT' || k === 'MONDOO_AWS_AUTH_B64'),
};
writeFileSync(process.env.PROOF_FILE, JSON.stringify(proof));
console.log('scan stand-in: scanning as ' + config.mrn);
`;

interface Pipeline {
  repo: string;
  proofFile: string;
  result: Run;
  /** gitlab-ci-local's stdout and stderr and its job log files. */
  log: string;
}

let sims: Simulators;
let work: string;

beforeAll(async () => {
  sims = await startSimulators();
  work = mkdtempSync(join(tmpdir(), 'mondoo-gitlab-component-'));
  // A role GitLab ID tokens for group/project on main may assume, and a Mondoo provider for its sessions.
  sims.sts.addRole({
    roleArn: ROLE_ARN,
    audience: 'sts.amazonaws.com',
    trustSubPattern: 'project_path:group/project:ref_type:branch:ref:*',
  });
  sims.mondoo.addIdentityProvider({
    audience: sims.world.mondoo.audience,
    subject: `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/*`,
    spaceMrn: sims.world.mondoo.spaceMrn,
  });
});

afterAll(async () => {
  await sims?.close();
  // MONDOO_GCL_KEEP=1 keeps the projects and gitlab-ci-local's files for a look.
  if (work && process.env['MONDOO_GCL_KEEP'] !== '1') rmSync(work, { recursive: true, force: true });
});

function yamlString(value: string): string {
  return JSON.stringify(value); // a JSON string is a valid YAML double-quoted scalar
}

/** A fresh git project (with an origin remote) holding the component, a vendored CLI and the pipeline. */
function createProject(name: string, inputs: Record<string, string>): string {
  const repo = join(work, name);
  mkdirSync(join(repo, 'templates'), { recursive: true });
  mkdirSync(join(repo, 'vendor', 'mondoo-aws-auth'), { recursive: true });
  copyFileSync(TEMPLATE, join(repo, 'templates', 'aws-auth.yml'));
  copyFileSync(CLI_BUNDLE, join(repo, 'vendor', 'mondoo-aws-auth', 'cli.cjs'));
  writeFileSync(join(repo, 'scan-standin.mjs'), SCAN_STANDIN);
  const inputLines = Object.entries(inputs).map(([k, v]) => `      ${k}: ${yamlString(v)}`);
  writeFileSync(
    join(repo, '.gitlab-ci.yml'),
    [
      'include:',
      '  - local: templates/aws-auth.yml',
      '    inputs:',
      ...inputLines,
      '',
      'stages: [scan]',
      '',
      'cnspec-scan:',
      '  stage: scan',
      '  extends: .mondoo-aws-auth',
      '  script:',
      '    - node scan-standin.mjs',
      '',
    ].join('\n'),
  );
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.email', 'ci@example.invalid');
  git(repo, 'config', 'user.name', 'ci');
  git(repo, 'config', 'commit.gpgsign', 'false');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'pipeline');
  git(repo, 'remote', 'add', 'origin', 'https://gitlab.example.com/group/project.git');
  return repo;
}

/** Every regular file under `dir`, as text. */
function readTree(dir: string): string {
  if (!existsSync(dir)) return '';
  let out = '';
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, entry);
    if (statSync(path).isFile()) out += `\n--- ${entry}\n${readFileSync(path, 'utf8')}`;
  }
  return out;
}

async function runPipeline(
  name: string,
  inputs: Record<string, string>,
  variables: Record<string, string>,
): Promise<Pipeline> {
  requirePrerequisites();
  const repo = createProject(name, inputs);
  const home = join(work, `${name}-home`);
  mkdirSync(home);
  const proofFile = join(work, `${name}-proof.json`);
  const [node, nodeArgs] = gclCommand(work);
  const args = [...nodeArgs, GCL_SCRIPT, '--home', home, '--no-color'];
  for (const [key, value] of Object.entries({ ...variables, PROOF_FILE: proofFile }))
    args.push('--variable', `${key}=${value}`);
  // Only PATH and HOME from here: nothing of the developer's own AWS, GitLab or GCL_* setup leaks in.
  const env = {
    PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    HOME: home,
    TMPDIR: tmpdir(),
    LANG: 'C.UTF-8',
  };
  const result = await run(node, args, { cwd: repo, env, timeoutMs: 45_000 });
  // The job logs: what gitlab-ci-local printed and its per-job log files (.gitlab-ci-local/output/<job>.log).
  // (Not builds/: that is a copy of the project, vendored CLI included.)
  const log = [result.stdout, result.stderr, readTree(join(repo, '.gitlab-ci-local', 'output'))].join('\n');
  return { repo, proofFile, result, log };
}

/** Fails with the pipeline's output, so a red test says why. */
function expectSucceeded(p: Pipeline): void {
  if (p.result.code !== 0 || !existsSync(p.proofFile)) {
    throw new Error(`the pipeline failed (exit ${p.result.code}):\n${p.result.stdout}\n${p.result.stderr}`);
  }
  expect(p.result.stdout).toMatch(/cnspec-scan\s.*(PASS|passed|successfully)|PASS.*cnspec-scan/i);
}

function leaked(text: string): string[] {
  return sims
    .secrets()
    .filter((s) => s.length >= 6 && text.includes(s))
    .map((s) => `${s.slice(0, 6)}… (${s.length} chars)`);
}

function readProof(p: Pipeline): {
  mrn: string;
  space_mrn: string;
  sha256: string;
  ci_project_id: string;
  ci_job_id: string;
  leftovers: string[];
} {
  return JSON.parse(readFileSync(p.proofFile, 'utf8')) as ReturnType<typeof readProof>;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The simulator environment, as pipeline variables (the job gets them; gitlab-ci-local's own process does not). */
function simVariables(mode: 'none' | 'env-long'): Record<string, string> {
  const env = sims.env(mode);
  delete env['SIM_MONDOO_URL'];
  delete env['SIM_AUDIENCE'];
  return env;
}

withTools.describe('templates/aws-auth.yml in a GitLab pipeline (gitlab-ci-local, shell executor)', () => {
  it('has what it needs to run (gitlab-ci-local, dist/cli.cjs)', () => {
    expect(missingPrerequisites()).toEqual([]);
  });

  it('assumes the role with the GitLab ID token and hands the scan job the credential, printing no secret', async () => {
    const idToken = sims.oidc.mint({ aud: 'sts.amazonaws.com', sub: GITLAB_SUBJECT });
    const issuedBefore = sims.mondoo.issued.length;
    const p = await runPipeline(
      'role',
      {
        audience: sims.world.mondoo.audience,
        'universe-domain': sims.mondoo.url,
        'role-to-assume': ROLE_ARN,
        'cli-path': 'vendor/mondoo-aws-auth/cli.cjs',
        'cli-sha256': sha256(readFileSync(CLI_BUNDLE, 'utf8')),
      },
      // gitlab-ci-local mints no ID tokens: pass the one GitLab would put in the id_tokens variable.
      { ...simVariables('none'), MONDOO_AWS_AUTH_ID_TOKEN: idToken },
    );
    expectSucceeded(p);

    expect(sims.mondoo.issued).toHaveLength(issuedBefore + 1);
    const issued = sims.mondoo.issued.at(-1)!;
    const proof = readProof(p);
    expect(proof.ci_project_id).toMatch(/^\d+$/);
    expect(proof.ci_job_id).toMatch(/^\d+$/);
    // The CLI named the session after the GitLab job, so CloudTrail and Mondoo show which job it was.
    const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/gitlab-${proof.ci_project_id}-${proof.ci_job_id}`;
    expect(issued.identity.arn).toBe(sessionArn);
    expect(proof.mrn).toBe(issued.credential.mrn);
    expect(proof.space_mrn).toBe(sims.world.mondoo.spaceMrn);
    expect(proof.sha256).toBe(sha256(issued.base64Credential));
    expect(proof.leftovers).toEqual([]);

    const assume = sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity').at(-1)!;
    const params = new URLSearchParams(assume.body);
    expect(params.get('RoleArn')).toBe(ROLE_ARN);
    expect(params.get('WebIdentityToken')).toBe(idToken);
    expect(params.get('RoleSessionName')).toBe(`gitlab-${proof.ci_project_id}-${proof.ci_job_id}`);

    expect(p.log).toContain('CLI file verified');
    expect(p.log).toContain(`Authenticated to Mondoo as ${issued.credential.mrn}`);
    expect(p.log).toContain(`scan stand-in: scanning as ${issued.credential.mrn}`);
    expect(leaked(p.log)).toEqual([]);
    expect(p.log).not.toContain('::add-mask::');
  });

  it('without a role, exchanges the AWS keys the job already has (CI/CD variables)', async () => {
    const issuedBefore = sims.mondoo.issued.length;
    const assumedBefore = sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity').length;
    const p = await runPipeline(
      'keys',
      {
        audience: sims.world.mondoo.audience,
        'universe-domain': sims.mondoo.url,
        'cli-path': 'vendor/mondoo-aws-auth/cli.cjs',
      },
      simVariables('env-long'),
    );
    expectSucceeded(p);
    expect(sims.mondoo.issued).toHaveLength(issuedBefore + 1);
    const issued = sims.mondoo.issued.at(-1)!;
    expect(issued.identity.arn).toBe(sims.world.user.arn);
    const proof = readProof(p);
    expect(proof.mrn).toBe(issued.credential.mrn);
    expect(proof.sha256).toBe(sha256(issued.base64Credential));
    expect(sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity')).toHaveLength(assumedBefore);
    expect(leaked(p.log)).toEqual([]);
    expect(p.log).not.toContain('::add-mask::');
  });

  it('fails the job, and never runs the scan, when Mondoo refuses the identity', async () => {
    const p = await runPipeline(
      'refused',
      {
        audience: '//captain.api.mondoo.app/spaces/no-such-space',
        'universe-domain': sims.mondoo.url,
        'cli-path': 'vendor/mondoo-aws-auth/cli.cjs',
      },
      simVariables('env-long'),
    );
    expect(p.result.code).not.toBe(0);
    expect(existsSync(p.proofFile)).toBe(false);
    expect(p.log).toContain('mondoo-aws-auth: error:');
    expect(p.log).toContain('no Mondoo credential');
    expect(p.log).not.toContain('scan stand-in');
    expect(leaked(p.log)).toEqual([]);
  });
});
