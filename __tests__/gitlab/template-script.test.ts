/**
 * The before_script of templates/aws-auth.yml, run directly (no GitLab, no gitlab-ci-local): the template is
 * read with a small extractor (no YAML library), its inputs substituted as GitLab would, and the lines run
 * with bash (as GitLab's shell executor does, under `set -eo pipefail`) and with dash (POSIX sh, as on an
 * Alpine-like image) against the loopback simulators. A following command must see MONDOO_CONFIG_BASE64;
 * nothing secret may reach stdout or stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { findTool, needTools } from '../../testkit/system-tools.js';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const TEMPLATE_FILE = join(ROOT, 'templates', 'aws-auth.yml');
const CLI_BUNDLE = join(ROOT, 'dist', 'cli.cjs');
const ACCOUNT = '123456789012';
const ROLE_NAME = 'gitlab-mondoo-scan';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`;
const GITLAB_SUBJECT = 'project_path:group/project:ref_type:branch:ref:main';

interface InputSpec {
  type: string;
  default?: string;
}

interface Template {
  inputs: Record<string, InputSpec>;
  /** Name of the id_tokens variable. */
  idTokenVariable: string;
  idTokenAud: string;
  /** Job variables, before input substitution. */
  variables: Record<string, string>;
  /** before_script entries, before input substitution. */
  beforeScript: string[];
}

const unquote = (v: string): string => {
  const t = v.trim();
  if (t.startsWith('"') && t.endsWith('"')) return JSON.parse(t) as string;
  if (t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  return t;
};

/** Reads the parts of the component this test needs, from the text as written (a deliberately small reader). */
function readTemplate(text: string): Template {
  const [header, body] = text.split(/^---$/m) as [string, string | undefined];
  if (body === undefined) throw new Error('no --- between spec and the job');
  const lines = header.split('\n');
  const inputs: Record<string, InputSpec> = {};
  let current: InputSpec | undefined;
  let inInputs = false;
  for (const line of lines) {
    if (/^ {2}inputs:\s*$/.test(line)) {
      inInputs = true;
      continue;
    }
    if (!inInputs) continue;
    const name = /^ {4}([a-z0-9-]+):\s*$/.exec(line)?.[1];
    if (name !== undefined) {
      current = { type: 'string' };
      inputs[name] = current;
      continue;
    }
    const field = /^ {6}(type|default):\s*(.*)$/.exec(line);
    if (field && current) {
      if (field[1] === 'type') current.type = (field[2] ?? '').trim();
      else current.default = unquote(field[2] ?? '');
    }
  }

  const job = body.split('\n');
  const start = job.findIndex((l) => l === '.mondoo-aws-auth:');
  if (start < 0) throw new Error('no hidden job .mondoo-aws-auth');
  const section = (key: string): string[] => {
    const at = job.findIndex((l, i) => i > start && l === `  ${key}:`);
    if (at < 0) throw new Error(`the job has no ${key}`);
    const out: string[] = [];
    for (let i = at + 1; i < job.length; i++) {
      const l = job[i] as string;
      if (l.trim() !== '' && !l.startsWith('    ')) break;
      out.push(l);
    }
    return out;
  };

  const ids = section('id_tokens');
  const idTokenVariable = /^ {4}([A-Z0-9_]+):\s*$/.exec(ids[0] ?? '')?.[1] ?? '';
  const idTokenAud = unquote(/^ {6}aud:\s*(.*)$/.exec(ids[1] ?? '')?.[1] ?? '');

  const variables: Record<string, string> = {};
  for (const l of section('variables')) {
    const m = /^ {4}([A-Z0-9_]+):\s*(.*)$/.exec(l);
    if (m) variables[m[1] as string] = unquote(m[2] ?? '');
  }

  const beforeScript: string[] = [];
  const script = section('before_script');
  for (let i = 0; i < script.length; i++) {
    const l = script[i] as string;
    if (/^ {4}#/.test(l) || l.trim() === '') continue;
    if (/^ {4}- \|\s*$/.test(l)) {
      const block: string[] = [];
      for (i++; i < script.length && (script[i] === '' || (script[i] as string).startsWith('      ')); i++)
        block.push((script[i] as string).slice(6));
      i--;
      beforeScript.push(`${block.join('\n').replace(/\n+$/, '')}\n`);
      continue;
    }
    const plain = /^ {4}- (.*)$/.exec(l);
    if (plain) beforeScript.push(unquote(plain[1] ?? ''));
    else throw new Error(`cannot read before_script line: ${l}`);
  }
  return { inputs, idTokenVariable, idTokenAud, variables, beforeScript };
}

/** GitLab's interpolation of $[[ inputs.name ]], with the spec's defaults and a check for unknown names. */
function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(/\$\[\[\s*inputs\.([\w-]+)\s*\]\]/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`input ${name} has no value`);
    return value;
  });
}

function inputValues(template: Template, given: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(template.inputs)) {
    const value = given[name] ?? spec.default;
    if (value === undefined) throw new Error(`input ${name} is required`);
    values[name] = value;
  }
  for (const name of Object.keys(given)) if (!(name in template.inputs)) throw new Error(`unknown input ${name}`);
  return values;
}

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the command after the before_script saw, if it ran. */
  after: { sha256: string; mrn: string; leftovers: string[]; idTokenSet: boolean } | undefined;
}

let sims: Simulators;
let work: string;
let template: Template;
let download: Server;
let downloadUrl: string;

beforeAll(async () => {
  template = readTemplate(readFileSync(TEMPLATE_FILE, 'utf8'));
  sims = await startSimulators();
  work = mkdtempSync(join(tmpdir(), 'mondoo-gitlab-script-'));
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
  // proof aws-jwt: the custom OIDC provider for the STS simulator's issuer, subject the role's ARN.
  sims.mondoo.addOidcProvider({
    audience: sims.world.mondoo.audience,
    issuerUri: sims.world.mondoo.jwtIssuer,
    subject: ROLE_ARN,
    spaceMrn: sims.world.mondoo.spaceMrn,
  });
  // A plain-HTTP loopback server that hands out the CLI, for the download path (cli-url).
  const bundle = readFileSync(CLI_BUNDLE);
  download = createServer((req, res) => {
    if (req.url === '/releases/cli.cjs') res.writeHead(200, { 'content-type': 'application/javascript' }).end(bundle);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => download.listen(0, '127.0.0.1', r));
  downloadUrl = `http://127.0.0.1:${(download.address() as AddressInfo).port}/releases/cli.cjs`;
});

afterAll(async () => {
  await sims?.close();
  await new Promise<void>((r) => (download ? download.close(() => r()) : r()));
  if (work) rmSync(work, { recursive: true, force: true });
});

/** After the before_script: what a scan step would see, without printing anything secret. */
const AFTER = `node -e '
const { createHash } = require("node:crypto");
const b64 = process.env.MONDOO_CONFIG_BASE64 || "";
const config = b64 ? JSON.parse(Buffer.from(b64, "base64").toString("utf8")) : {};
require("node:fs").writeFileSync(process.env.AFTER_FILE, JSON.stringify({
  sha256: createHash("sha256").update(b64).digest("hex"),
  mrn: config.mrn || "",
  leftovers: Object.keys(process.env).filter((k) => k === "MONDOO_AWS_AUTH_EXPORT" || k === "MONDOO_AWS_AUTH_B64"),
  idTokenSet: Boolean(process.env.MONDOO_AWS_AUTH_ID_TOKEN),
}));'
`;

let counter = 0;

/**
 * Runs the before_script (then AFTER) in `shell`, in a fresh project folder holding vendor/cli.cjs, with the
 * job variables GitLab would set plus `env`.
 */
async function runScript(opts: {
  shell: 'bash' | 'dash';
  inputs: Record<string, string>;
  env: Record<string, string>;
  path?: string;
  setup?: (project: string) => void;
}): Promise<ScriptRun> {
  const n = ++counter;
  const project = join(work, `project-${n}`);
  mkdirSync(join(project, 'vendor'), { recursive: true });
  copyFileSync(CLI_BUNDLE, join(project, 'vendor', 'cli.cjs'));
  opts.setup?.(project);
  const values = inputValues(template, opts.inputs);
  const jobVariables: Record<string, string> = {};
  for (const [k, v] of Object.entries(template.variables)) jobVariables[k] = interpolate(v, values);
  const script = [
    // How GitLab Runner starts a bash job script; dash gets the POSIX part.
    opts.shell === 'bash' ? 'set -eo pipefail' : 'set -e',
    ...template.beforeScript.map((s) => interpolate(s, values)),
    AFTER,
  ].join('\n');
  const file = join(work, `job-${n}.sh`);
  writeFileSync(file, script);
  const afterFile = join(work, `after-${n}.json`);
  const home = join(work, `home-${n}`);
  mkdirSync(home);
  const env = {
    PATH: opts.path ?? process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: work,
    GITLAB_CI: 'true',
    CI: 'true',
    CI_PROJECT_ID: '4242',
    CI_JOB_ID: String(9000 + n),
    ...jobVariables,
    AFTER_FILE: afterFile,
    ...opts.env,
  };
  // The shell the skip rule found on PATH (so a shell hidden from PATH is missing here too, testkit/tools.js).
  const shellPath = findTool(opts.shell);
  if (shellPath === undefined) throw new Error(`${opts.shell} is not on PATH`);
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolvePromise, reject) => {
      const child = spawn(shellPath, [file], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ code, stdout, stderr });
      });
    },
  );
  const after = existsSync(afterFile) ? (JSON.parse(readFileSync(afterFile, 'utf8')) as ScriptRun['after']) : undefined;
  return { ...result, after };
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function simEnv(mode: 'none' | 'env-long'): Record<string, string> {
  const env = sims.env(mode);
  delete env['SIM_MONDOO_URL'];
  delete env['SIM_AUDIENCE'];
  return env;
}

function leaked(text: string): string[] {
  return sims
    .secrets()
    .filter((s) => s.length >= 6 && text.includes(s))
    .map((s) => `${s.slice(0, 6)}… (${s.length} chars)`);
}

function explain(r: ScriptRun): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

function expectCredentialReached(r: ScriptRun, arn: string): void {
  if (r.code !== 0 || r.after === undefined) throw new Error(`the script failed:\n${explain(r)}`);
  const issued = sims.mondoo.issued.at(-1)!;
  expect(issued.identity.arn).toBe(arn);
  expect(r.after.mrn).toBe(issued.credential.mrn);
  expect(r.after.sha256).toBe(sha256(issued.base64Credential));
  expect(r.after.leftovers).toEqual([]);
  expect(leaked(`${r.stdout}\n${r.stderr}`)).toEqual([]);
  expect(`${r.stdout}\n${r.stderr}`).not.toContain('::add-mask::');
  expect(r.stdout).not.toContain('MONDOO_CONFIG_BASE64=');
}

/** A PATH with the usual tools but without node (symlinks to the real ones). */
function pathWithout(excluded: string[], dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const tool of [
    'sh',
    'bash',
    'dash',
    'mktemp',
    'cp',
    'rm',
    'tr',
    'cat',
    'pwd',
    'env',
    'printf',
    'curl',
    'wget',
  ]) {
    if (excluded.includes(tool)) continue;
    const found = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found.startsWith('/')) symlinkSync(found, join(dir, tool));
  }
  return dir;
}

describe('templates/aws-auth.yml: the component as written', () => {
  it('declares the inputs, the ID token and a before_script', () => {
    expect(Object.keys(template.inputs).sort()).toEqual(
      [
        'audience',
        'aws-jwt-algorithm',
        'aws-jwt-duration-seconds',
        'aws-region',
        'cli-path',
        'cli-sha256',
        'cli-url',
        'id-token-audience',
        'web-identity-audience',
        'allowed-account-ids',
        'install-node',
        'proof',
        'role-session-name',
        'role-to-assume',
        'universe-domain',
        'version',
      ].sort(),
    );
    // Only the audience is required; the tool is pinned by default.
    expect(
      Object.entries(template.inputs)
        .filter(([, s]) => s.default === undefined)
        .map(([k]) => k),
    ).toEqual(['audience']);
    expect(template.inputs['version']).toEqual({
      type: 'string',
      default: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    });
    expect(template.inputs['universe-domain']?.default).toBe('https://us.api.mondoo.com');
    expect(template.inputs['install-node']).toEqual({ type: 'boolean', default: 'false' });
    expect(template.idTokenVariable).toBe('MONDOO_AWS_AUTH_ID_TOKEN');
    expect(interpolate(template.idTokenAud, inputValues(template, { audience: 'x' }))).toBe('sts.amazonaws.com');
    // The ID token's aud is web-identity-audience, the name the Action and the CLI use.
    expect(
      interpolate(template.idTokenAud, inputValues(template, { audience: 'x', 'web-identity-audience': 'aud-x' })),
    ).toBe('aud-x');
    expect(template.inputs['id-token-audience']?.default).toBe('');
    expect(template.beforeScript.length).toBeGreaterThan(0);
    // Every interpolation names a declared input; string inputs only reach the script through variables.
    const text = readFileSync(TEMPLATE_FILE, 'utf8').split(/^---$/m)[1] ?? '';
    for (const m of text.matchAll(/\$\[\[\s*inputs\.([\w-]+)/g)) expect(Object.keys(template.inputs)).toContain(m[1]);
    for (const m of template.beforeScript.join('\n').matchAll(/\$\[\[\s*inputs\.([\w-]+)/g))
      expect(template.inputs[m[1] as string]?.type).toBe('boolean');
    expect(template.beforeScript.join('\n')).not.toMatch(/add-mask|set -x/);
  });
});

// Without bash or dash these are skipped with a line saying how to install them, except under .ci/run.
const withShells = needTools(['bash', 'dash'], 'the GitLab before_script tests');

withShells.describe('templates/aws-auth.yml: the before_script against the simulators', () => {
  it.each(['bash', 'dash'] as const)(
    '%s: assumes the role with the ID token; the next command has MONDOO_CONFIG_BASE64',
    async (shell) => {
      const idToken = sims.oidc.mint({ aud: 'sts.amazonaws.com', sub: GITLAB_SUBJECT });
      const r = await runScript({
        shell,
        inputs: {
          audience: sims.world.mondoo.audience,
          'universe-domain': sims.mondoo.url,
          'role-to-assume': ROLE_ARN,
          'cli-path': 'vendor/cli.cjs',
          'cli-sha256': sha256(readFileSync(CLI_BUNDLE)).toUpperCase(),
        },
        env: { ...simEnv('none'), MONDOO_AWS_AUTH_ID_TOKEN: idToken },
      });
      expectCredentialReached(r, `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/gitlab-4242-${9000 + counter}`);
      expect(r.stderr).toContain('CLI file verified');
      expect(r.stdout).toContain('MONDOO_CONFIG_BASE64 is set for this job.');
      const assume = sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity').at(-1)!;
      expect(new URLSearchParams(assume.body).get('WebIdentityToken')).toBe(idToken);
    },
  );

  it.each(['bash', 'dash'] as const)(
    '%s: without a role, uses the AWS keys in the environment (and downloads the CLI from cli-url)',
    async (shell) => {
      const assumed = sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity').length;
      const r = await runScript({
        shell,
        inputs: {
          audience: sims.world.mondoo.audience,
          'universe-domain': sims.mondoo.url,
          'cli-url': downloadUrl,
          'aws-region': 'eu-west-1',
        },
        env: simEnv('env-long'),
      });
      expectCredentialReached(r, sims.world.user.arn);
      expect(r.stderr).toContain(`mondoo-aws-auth: downloading ${downloadUrl}`);
      expect(sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity')).toHaveLength(assumed);
    },
  );

  it('proof aws-jwt: assumes the role, exchanges a GetWebIdentityToken JWT (ES384, 120 s) for the audience', async () => {
    const idToken = sims.oidc.mint({ aud: 'sts.amazonaws.com', sub: GITLAB_SUBJECT });
    const r = await runScript({
      shell: 'dash',
      inputs: {
        audience: sims.world.mondoo.audience,
        'universe-domain': sims.mondoo.url,
        'role-to-assume': ROLE_ARN,
        'cli-path': 'vendor/cli.cjs',
        'cli-sha256': sha256(readFileSync(CLI_BUNDLE)),
        proof: 'aws-jwt',
        'aws-jwt-duration-seconds': '120',
        'aws-jwt-algorithm': 'ES384',
      },
      env: { ...simEnv('none'), MONDOO_AWS_AUTH_ID_TOKEN: idToken },
    });
    expectCredentialReached(r, ROLE_ARN);
    const request = sims.sts.requests.filter((q) => q.action === 'GetWebIdentityToken').at(-1)!;
    expect(Object.fromEntries(new URLSearchParams(request.body))).toMatchObject({
      'Audience.member.1': sims.world.mondoo.audience,
      SigningAlgorithm: 'ES384',
      DurationSeconds: '120',
    });
    const body = JSON.parse(sims.mondoo.requests.at(-1)!.rawBody) as Record<string, string>;
    expect(body['issuer_uri']).toBe(sims.world.mondoo.jwtIssuer);
    expect(body['jwt_token']).toBe(sims.sts.webIdentityTokens.at(-1));
  });

  it('downloads the pinned release by default (the URL of v<version>)', async () => {
    // A stand-in curl that records its arguments and fails, as an offline machine would.
    const bin = join(work, 'fake-curl-bin');
    mkdirSync(bin);
    const record = join(work, 'curl-args');
    writeFileSync(
      join(bin, 'curl'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\necho 'curl: (6) Could not resolve host' >&2\nexit 6\n`,
    );
    chmodSync(join(bin, 'curl'), 0o755);
    const r = await runScript({
      shell: 'dash',
      inputs: { audience: sims.world.mondoo.audience, 'universe-domain': sims.mondoo.url },
      env: simEnv('env-long'),
      path: `${bin}${delimiter}${process.env['PATH'] ?? ''}`,
    });
    expect(r.code).not.toBe(0);
    expect(r.after).toBeUndefined();
    const url = `https://github.com/mondoohq/mondoo-aws-auth/releases/download/v${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}/cli.cjs`;
    expect(readFileSync(record, 'utf8').split('\n')).toContain(url);
    expect(r.stderr).toContain(`mondoo-aws-auth: error: could not download ${url}`);
    expect(r.stderr).toContain('no Mondoo credential');
  });

  it('refuses a CLI file whose SHA-256 is not cli-sha256, and runs nothing after', async () => {
    const r = await runScript({
      shell: 'bash',
      inputs: {
        audience: sims.world.mondoo.audience,
        'universe-domain': sims.mondoo.url,
        'cli-path': 'vendor/cli.cjs',
        'cli-sha256': '0'.repeat(64),
      },
      env: simEnv('env-long'),
    });
    expect(r.code).toBe(1);
    expect(r.after).toBeUndefined();
    expect(r.stderr).toMatch(/the CLI file's SHA-256 is [0-9a-f]{64}, but cli-sha256 is 0{64}\. Not running it\./);
  });

  const vendored = () => ({ 'cli-path': 'vendor/cli.cjs', 'cli-sha256': sha256(readFileSync(CLI_BUNDLE)) });

  it('id-token-audience (deprecated) equal to web-identity-audience: accepted, with a warning', async () => {
    const idToken = sims.oidc.mint({ aud: 'sts.amazonaws.com', sub: GITLAB_SUBJECT });
    const r = await runScript({
      shell: 'dash',
      inputs: {
        audience: sims.world.mondoo.audience,
        'universe-domain': sims.mondoo.url,
        'role-to-assume': ROLE_ARN,
        'id-token-audience': 'sts.amazonaws.com',
        ...vendored(),
      },
      env: { ...simEnv('none'), MONDOO_AWS_AUTH_ID_TOKEN: idToken },
    });
    expectCredentialReached(r, `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/gitlab-4242-${9000 + counter}`);
    expect(r.stderr).toContain(
      'mondoo-aws-auth: warning: the input id-token-audience is deprecated; rename it to web-identity-audience.',
    );
  });

  it.each(['bash', 'dash'] as const)(
    '%s: id-token-audience differing from web-identity-audience fails before any request, naming both',
    async (shell) => {
      const before = { sts: sims.sts.requests.length, mondoo: sims.mondoo.requests.length };
      const r = await runScript({
        shell,
        inputs: {
          audience: sims.world.mondoo.audience,
          'universe-domain': sims.mondoo.url,
          'role-to-assume': ROLE_ARN,
          'id-token-audience': 'my-audience',
          ...vendored(),
        },
        env: { ...simEnv('none'), MONDOO_AWS_AUTH_ID_TOKEN: 'x.y.z' },
      });
      expect(r.code).toBe(1);
      expect(r.after).toBeUndefined();
      expect(r.stderr).toContain(
        'mondoo-aws-auth: error: the inputs id-token-audience (my-audience) and web-identity-audience (sts.amazonaws.com) differ. id-token-audience is the deprecated name of web-identity-audience',
      );
      expect(r.stderr).not.toContain('CLI file verified');
      expect({ sts: sims.sts.requests.length, mondoo: sims.mondoo.requests.length }).toEqual(before);
    },
  );

  it('allowed-account-ids reaches the CLI: a listed account authenticates, another fails with nothing sent to Mondoo', async () => {
    const inputs = { audience: sims.world.mondoo.audience, 'universe-domain': sims.mondoo.url, ...vendored() };
    const ok = await runScript({
      shell: 'dash',
      inputs: { ...inputs, 'allowed-account-ids': ACCOUNT },
      env: simEnv('env-long'),
    });
    expectCredentialReached(ok, sims.world.user.arn);
    const sent = sims.mondoo.requests.length;
    const refused = await runScript({
      shell: 'bash',
      inputs: { ...inputs, 'allowed-account-ids': '111111111111' },
      env: simEnv('env-long'),
    });
    expect(refused.code).toBe(1);
    expect(refused.after).toBeUndefined();
    expect(refused.stderr).toContain(
      `[AWS_ACCOUNT_NOT_ALLOWED] The AWS credentials (${sims.world.user.arn}) belong to account ${ACCOUNT}, which --allowed-account-ids (111111111111) does not list.`,
    );
    expect(sims.mondoo.requests.length).toBe(sent);
  });

  it('fails the job when authentication fails, and runs nothing after', async () => {
    const r = await runScript({
      shell: 'bash',
      inputs: {
        audience: sims.world.mondoo.audience,
        'universe-domain': sims.mondoo.url,
        'cli-path': 'vendor/cli.cjs',
        'role-to-assume': ROLE_ARN,
      },
      env: simEnv('none'), // no ID token in the job
    });
    expect(r.code).toBe(1);
    expect(r.after).toBeUndefined();
    expect(r.stderr).toContain('MONDOO_AWS_AUTH_ID_TOKEN is not set or empty');
    expect(r.stderr).toContain('no Mondoo credential (see the messages above); stopping the job.');
  });

  it('says what to do when the image has no node', async () => {
    const r = await runScript({
      shell: 'dash',
      inputs: { audience: sims.world.mondoo.audience, 'cli-path': 'vendor/cli.cjs' },
      env: simEnv('env-long'),
      path: pathWithout(['node'], join(work, 'no-node-bin')),
    });
    expect(r.code).toBe(1);
    expect(r.after).toBeUndefined();
    expect(r.stderr).toContain(
      "mondoo-aws-auth: error: node is not installed in this job's image; mondoo-aws-auth needs Node.js 20 or later.",
    );
    expect(r.stderr).toContain('install-node: true');
  });

  it('evaluates nothing the CLI prints, and takes only one base64 credential (a tampered CLI cannot run commands)', async () => {
    const marker = join(work, 'pwned');
    const evil = `process.stdout.write("export MONDOO_CONFIG_BASE64='e30='; touch ${marker}; echo '\\n");\n`;
    const r = await runScript({
      shell: 'bash',
      // Its hash given, as a user vendoring their own build would: the export-line check is the last defence.
      inputs: { audience: sims.world.mondoo.audience, 'cli-path': 'vendor/evil.mjs', 'cli-sha256': sha256(evil) },
      env: simEnv('env-long'),
      setup: (project) => writeFileSync(join(project, 'vendor', 'evil.mjs'), evil),
    });
    expect(r.code).toBe(1);
    expect(r.after).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
    expect(r.stderr).toContain('the CLI printed something other than one base64 credential; not using it.');
  });
});
