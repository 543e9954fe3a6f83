/**
 * What a user copies from README.md and docs/*.md runs, against the simulators (scripts/lint-docs.mjs only lints it):
 *
 * - every GitHub workflow that uses `mondoohq/mondoo-aws-auth@v1`: the step's `with:` runs through dist/index.js as
 *   the runner runs it (the simulators' Mondoo as universe domain, their space as audience), later `run:` steps
 *   under bash with the exported environment and a stand-in `cnspec`, and each mondoohq/actions scan gets the
 *   issued credential from `service-account-credentials`;
 * - every GitLab snippet that extends `.mondoo-aws-auth` or runs the CLI file: under gitlab-ci-local (shell
 *   executor) with this checkout's component and CLI, a stand-in `cnspec` on PATH recording MONDOO_CONFIG_BASE64
 *   (and stand-ins for `curl`/`wget`, serving this checkout's CLI at the release URL, and `apk`);
 * - the shell recipes that run the CLI file: under bash and dash, with stand-ins for `curl` (serving this checkout's
 *   dist/cli.cjs at the release URL) and `cnspec`; the pinned download also with MONDOO_AWS_AUTH_SHA256 unset and
 *   wrong.
 *
 * Not run here: the npx recipes (__tests__/release/release.test.ts runs the packed package), `aws iam`, Terraform,
 * CloudFormation, PowerShell and the other CI systems' YAML (linted only).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGitlabCiLocal } from '../../scripts/gitlab-ci-local.mjs';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { CLI_BUNDLE, ROOT, runAction } from '../../testkit/runner.js';
import { missingTools, needTools, REQUIRE_ALL_TOOLS } from '../../testkit/system-tools.js';

jest.setTimeout(240_000);

/** The docs linter's readers, shared with it (loaded by URL: the script is plain JS, outside the type check). */
type LintDocs = {
  codeBlocks(
    file: string,
    markdown: string,
  ): { file: string; line: number; lang: string; text: string; marker: string }[];
  loadYaml(text: string): unknown;
  yamlKind(value: unknown): string;
  localComponentPipeline(text: string): string;
  mondooActionsWithoutCredential(workflow: unknown): string[];
};
const LINT_DOCS_URL: string = new URL('../../scripts/lint-docs.mjs', import.meta.url).href;
const { codeBlocks, loadYaml, yamlKind, localComponentPipeline, mondooActionsWithoutCredential } = (await import(
  LINT_DOCS_URL
)) as LintDocs;

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => join('docs', f))].filter((f) =>
  f.endsWith('.md'),
);
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const RELEASE_URL = `https://github.com/mondoohq/mondoo-aws-auth/releases/download/v${VERSION}/cli.cjs`;
const CLI_SHA256 = createHash('sha256').update(readFileSync(CLI_BUNDLE)).digest('hex');

type Step = { id?: string; uses?: string; run?: string; with?: Record<string, string> };
type Snippet = { where: string; text: string; value: Record<string, unknown> };

/** The YAML blocks of the docs of one kind, parsed. */
function yamlSnippets(kind: string): Snippet[] {
  const out: Snippet[] = [];
  for (const file of DOCS) {
    for (const block of codeBlocks(file, readFileSync(join(ROOT, file), 'utf8'))) {
      if (!['yaml', 'yml'].includes(block.lang) || block.marker === 'skip' || block.marker === 'fragment') continue;
      const value = loadYaml(block.text) as Record<string, unknown>;
      if (yamlKind(value) === kind) out.push({ where: `${file}:${block.line}`, text: block.text, value });
    }
  }
  return out;
}

/** The sh blocks of the docs that run the CLI file (not npx). */
function shellRecipes(): Snippet[] {
  const out: Snippet[] = [];
  for (const file of DOCS) {
    for (const block of codeBlocks(file, readFileSync(join(ROOT, file), 'utf8'))) {
      if (block.lang === 'sh' && /mondoo-aws-auth\.cjs/.test(block.text) && !/npx/.test(block.text))
        out.push({ where: `${file}:${block.line}`, text: block.text, value: {} });
    }
  }
  return out;
}

/** The docs' audience, any space, becomes the simulators' identity provider's. */
const simAudience = (text: string, sims: Simulators) =>
  text.replace(/\/\/captain\.api\.mondoo\.app\/spaces\/[A-Za-z0-9-]+/g, sims.world.mondoo.audience);

/** A directory of stand-in commands: `cnspec` records MONDOO_CONFIG_BASE64; `curl -o FILE URL` serves the CLI. */
function standIns(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'cnspec'),
    [
      '#!/bin/sh',
      '# Stand-in for cnspec: the credential must be there; it is recorded for the test to compare.',
      'if [ -z "${MONDOO_CONFIG_BASE64:-}" ]; then echo "cnspec stand-in: MONDOO_CONFIG_BASE64 is not set" >&2; exit 3; fi',
      'printf "%s" "$MONDOO_CONFIG_BASE64" > "$CNSPEC_RECORD"',
      'echo "cnspec stand-in: $*"',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(bin, 'curl'),
    [
      '#!/bin/sh',
      '# Stand-in for curl: only the release URL of cli.cjs, served from this checkout.',
      'out=""; url=""',
      'while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done',
      'if [ "$url" != "$CURL_RELEASE_URL" ] || [ -z "$out" ]; then echo "curl stand-in: unexpected $url" >&2; exit 22; fi',
      'cp "$CURL_CLI_FILE" "$out"',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(bin, 'wget'),
    [
      '#!/bin/sh',
      '# Stand-in for wget: only the release URL of cli.cjs, served from this checkout.',
      'out=""; url=""',
      'while [ $# -gt 0 ]; do case "$1" in -O) out="$2"; shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done',
      'if [ "$url" != "$CURL_RELEASE_URL" ] || [ -z "$out" ]; then echo "wget stand-in: unexpected $url" >&2; exit 8; fi',
      'cp "$CURL_CLI_FILE" "$out"',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(bin, 'apk'),
    [
      '#!/bin/sh',
      '# Stand-in for Alpine apk: the shell executor has Node.js already; anything but adding nodejs fails.',
      'if [ "$*" = "add --no-cache nodejs" ] && command -v node >/dev/null; then echo "apk stand-in: nodejs is there"; exit 0; fi',
      'echo "apk stand-in: unexpected apk $*" >&2; exit 1',
      '',
    ].join('\n'),
  );
  for (const name of ['cnspec', 'curl', 'wget', 'apk']) chmodSync(join(bin, name), 0o755);
  return bin;
}

let sims: Simulators;
let work: string;
beforeAll(async () => {
  sims = await startSimulators();
  work = mkdtempSync(join(tmpdir(), 'mondoo-doc-snippets-'));
});
afterAll(async () => {
  await sims?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});
beforeEach(() => sims.clearRecords());

/** The JSON blocks of the docs, parsed. */
function jsonSnippets(): { where: string; value: unknown }[] {
  return DOCS.flatMap((file) =>
    codeBlocks(file, readFileSync(join(ROOT, file), 'utf8'))
      .filter((b) => b.lang === 'json')
      .map((b) => ({ where: `${file}:${b.line}`, value: JSON.parse(b.text) as unknown })),
  );
}

type TrustStatement = {
  Principal?: { Federated?: unknown };
  Action?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** A trust statement's mistakes that IAM would not report: conditions on another provider's keys, no aud or sub. */
function trustProblems(statement: TrustStatement, provider: string): string[] {
  const keys = Object.values(statement.Condition ?? {}).flatMap((c) => Object.keys(c));
  const out = keys
    .filter((k) => !k.startsWith(`${provider}:`))
    .map((k) => `condition key ${k} is not one of ${provider}`);
  if (!keys.includes(`${provider}:aud`)) out.push(`no ${provider}:aud condition`);
  if (!keys.includes(`${provider}:sub`)) out.push(`no ${provider}:sub condition`);
  if (statement.Action !== 'sts:AssumeRoleWithWebIdentity') out.push(`Action is ${String(statement.Action)}`);
  return out;
}

describe("the docs' trust policies", () => {
  it('each JSON and CloudFormation trust policy conditions aud and sub on the provider it trusts', () => {
    const problems: string[] = [];
    let policies = 0;
    for (const { where, value } of jsonSnippets()) {
      const statements = ((value as { Statement?: TrustStatement[] }).Statement ?? []).filter(
        (st) => st.Principal?.Federated,
      );
      for (const st of statements) {
        policies++;
        const provider = /:oidc-provider\/(.+)$/.exec(String(st.Principal!.Federated))?.[1] ?? '?';
        problems.push(...trustProblems(st, provider).map((p) => `${where}: ${p}`));
        expect(st.Condition?.['StringEquals']?.[`${provider}:aud`]).toBe('sts.amazonaws.com'); // the default audience
      }
    }
    for (const { where, value } of yamlSnippets('cloudformation')) {
      const resources = value['Resources'] as Record<string, { Type: string; Properties: Record<string, unknown> }>;
      for (const r of Object.values(resources).filter((x) => x.Type === 'AWS::IAM::Role')) {
        const doc = r.Properties['AssumeRolePolicyDocument'] as { Statement: TrustStatement[] };
        for (const st of doc.Statement) {
          policies++;
          const ref = (st.Principal?.Federated as { Ref?: string } | undefined)?.Ref ?? '';
          const url = String((resources[ref]?.Properties ?? {})['Url'] ?? '');
          expect(resources[ref]?.Type).toBe('AWS::IAM::OIDCProvider');
          problems.push(...trustProblems(st, url.replace(/^https:\/\//, '')).map((p) => `${where}: ${p}`));
        }
      }
    }
    expect(policies).toBeGreaterThanOrEqual(4);
    expect(problems).toEqual([]);
  });
});

describe('the docs compose the credential with mondoohq/actions', () => {
  it('every workflow that uses a mondoohq/actions scan passes it the base64-credential output of this action', () => {
    const workflows = yamlSnippets('github');
    expect(workflows.length).toBeGreaterThan(2);
    expect(workflows.flatMap((w) => mondooActionsWithoutCredential(w.value).map((p) => `${w.where}: ${p}`))).toEqual(
      [],
    );
  });

  it('every GitLab snippet on the cnspec image (no Node.js) that extends .mondoo-aws-auth sets install-node: true', () => {
    const problems: string[] = [];
    const pipelines = yamlSnippets('gitlab');
    for (const p of pipelines) {
      const includes = (Array.isArray(p.value['include']) ? p.value['include'] : []) as {
        inputs?: Record<string, unknown>;
      }[];
      const installNode = includes.some((i) => i?.inputs?.['install-node'] === true);
      for (const [name, job] of Object.entries(p.value)) {
        const j = job as { extends?: unknown; image?: unknown } | null;
        const image = typeof j?.image === 'string' ? j.image : (j?.image as { name?: string } | undefined)?.name;
        if (
          String(j?.extends ?? '').includes('.mondoo-aws-auth') &&
          /^mondoo\/cnspec\b/.test(image ?? '') &&
          !installNode
        )
          problems.push(`${p.where}: job ${name} runs on ${image} without install-node: true`);
      }
    }
    expect(pipelines.some((p) => p.where.startsWith('README.md'))).toBe(true);
    expect(problems).toEqual([]);
  });
});

// The workflows' `run:` steps need bash and #! scripts (the stand-in cnspec); without them only the action runs.
const runStepsMissing = missingTools(['bash', 'sh']);
if (runStepsMissing.length > 0 && REQUIRE_ALL_TOOLS)
  throw new Error(`run: steps cannot run: ${runStepsMissing.join('; ')}`);
for (const line of runStepsMissing) process.stderr.write(`skipped: the docs' workflows' run: steps: ${line}\n`);
const runSteps = runStepsMissing.length === 0;

describe("the docs' GitHub workflows, through the built action", () => {
  const workflows = () =>
    yamlSnippets('github').filter((w) =>
      Object.values((w.value['jobs'] ?? {}) as Record<string, { steps?: Step[] }>).some((j) =>
        (j.steps ?? []).some((s) => s.uses === 'mondoohq/mondoo-aws-auth@v1'),
      ),
    );

  it('finds the README workflows (keys, role, proof aws-jwt)', () => {
    expect(workflows().filter((w) => w.where.startsWith('README.md'))).toHaveLength(3);
  });

  it.each(workflows().map((w) => [w.where, w] as const))(
    '%s authenticates and hands the credential to each later step',
    async (_where, w) => {
      const dir = mkdtempSync(join(work, 'workflow-'));
      const bin = standIns(dir);
      const record = join(dir, 'cnspec-record');
      for (const job of Object.values(w.value['jobs'] as Record<string, { steps: Step[] }>)) {
        const steps = job.steps;
        const i = steps.findIndex((s) => s.uses === 'mondoohq/mondoo-aws-auth@v1');
        const step = steps[i]!;
        const inputs: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.with ?? {})) inputs[k] = simAudience(String(v), sims);
        inputs['universe-domain'] = sims.mondoo.url;
        const role = inputs['role-to-assume'];
        if (role !== undefined) expect(role).toBe(sims.world.role.roleArn); // the simulators' role, as in the docs
        // Without role-to-assume, the job's own AWS credentials: a session, as configure-aws-credentials leaves it.
        const configured = steps.slice(0, i).some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
        const r = await runAction(inputs, sims.env(role !== undefined ? 'role' : 'env-session'));
        expect(r.errors).toEqual([]);
        expect(r.code).toBe(0);
        const issued = sims.mondoo.issued.at(-1)!.base64Credential;
        expect(r.exported).toEqual({ MONDOO_CONFIG_BASE64: issued });
        if (configured) expect(r.outputs['aws-arn']).toBe(sims.world.session.arn);
        for (const later of steps.slice(i + 1)) {
          if (later.uses?.startsWith('mondoohq/actions/')) {
            // What the Docker action receives as service-account-credentials (and sets as MONDOO_CONFIG_BASE64).
            const given = String(later.with?.['service-account-credentials'] ?? '');
            const m = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/.exec(given);
            expect(m?.[1]).toBe(step.id);
            expect(r.outputs[m![2]!]).toBe(issued);
          } else if (typeof later.run === 'string' && runSteps) {
            rmSync(record, { force: true });
            const sh = spawnSync('bash', ['-e', '-c', later.run], {
              encoding: 'utf8',
              env: {
                PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
                HOME: dir,
                CNSPEC_RECORD: record,
                ...r.exported,
              },
            });
            expect(sh.stderr).toBe('');
            expect(sh.status).toBe(0);
            if (/\bcnspec\b/.test(later.run)) expect(readFileSync(record, 'utf8')).toBe(issued);
          }
        }
      }
    },
  );
});

const shells = needTools(['bash', 'dash', 'sha256sum'], "the docs' shell recipes");

shells.describe("the docs' shell recipes, under bash and dash", () => {
  const recipes = shellRecipes();

  it('finds the pinned download (README and docs/ci-systems.md) and the plain recipe', () => {
    expect(recipes.filter((r) => r.text.includes('MONDOO_AWS_AUTH_SHA256')).map((r) => r.where.split(':')[0])).toEqual(
      expect.arrayContaining(['README.md', join('docs', 'ci-systems.md')]),
    );
    expect(recipes.some((r) => r.text.includes('node mondoo-aws-auth.cjs'))).toBe(true);
  });

  const run = (shell: string, recipe: Snippet, env: Record<string, string>) => {
    const dir = mkdtempSync(join(work, 'recipe-'));
    const bin = standIns(dir);
    copyFileSync(CLI_BUNDLE, join(dir, 'mondoo-aws-auth.cjs')); // the plain recipe's file, in its working directory
    rmSync('/tmp/mondoo-aws-auth.cjs', { force: true });
    const record = join(dir, 'cnspec-record');
    return new Promise<{ code: number | null; stdout: string; stderr: string; record: string | undefined }>((done) => {
      const child = spawn(shell, ['-c', simAudience(recipe.text, sims)], {
        cwd: dir,
        env: {
          PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
          HOME: dir,
          CNSPEC_RECORD: record,
          CURL_RELEASE_URL: RELEASE_URL,
          CURL_CLI_FILE: CLI_BUNDLE,
          MONDOO_UNIVERSE_DOMAIN: sims.mondoo.url,
          ...sims.env('env-long'),
          ...env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) =>
        done({ code, stdout, stderr, record: existsSync(record) ? readFileSync(record, 'utf8') : undefined }),
      );
    });
  };

  for (const shell of ['bash', 'dash']) {
    it(`${shell}: each recipe exports the issued credential to cnspec`, async () => {
      for (const recipe of recipes) {
        sims.clearRecords();
        const r = await run(shell, recipe, { MONDOO_AWS_AUTH_SHA256: CLI_SHA256 });
        expect({ where: recipe.where, code: r.code, stderr: r.stderr }).toEqual({
          where: recipe.where,
          code: 0,
          stderr: expect.any(String),
        });
        expect(sims.mondoo.issued).toHaveLength(1);
        expect(r.record).toBe(sims.mondoo.issued[0]!.base64Credential);
        expect(r.stdout).toContain('cnspec stand-in: scan local');
      }
    });

    it(`${shell}: the pinned download stops, before running anything, when MONDOO_AWS_AUTH_SHA256 is unset (before downloading) or wrong`, async () => {
      for (const recipe of recipes.filter((r) => r.text.includes('MONDOO_AWS_AUTH_SHA256'))) {
        const unset = await run(shell, recipe, {});
        expect(unset.code).not.toBe(0);
        expect(unset.stderr).toContain('MONDOO_AWS_AUTH_SHA256');
        expect(unset.stderr).toContain('set it to the SHA-256 of cli.cjs (the cli.cjs.sha256 of the release)');
        expect(existsSync('/tmp/mondoo-aws-auth.cjs')).toBe(false); // stopped before downloading
        const wrong = await run(shell, recipe, { MONDOO_AWS_AUTH_SHA256: '0'.repeat(64) });
        expect(wrong.code).not.toBe(0);
        expect(wrong.stdout + wrong.stderr).toMatch(/FAILED/);
        expect([unset.record, wrong.record, sims.mondoo.requests.length]).toEqual([undefined, undefined, 0]);
      }
    });
  }
});

const gitlab = needTools(['rsync', 'git', 'sh'], "the docs' GitLab snippets (gitlab-ci-local)");

gitlab.describe("the docs' GitLab snippets, under gitlab-ci-local", () => {
  const snippets = () =>
    yamlSnippets('gitlab').filter((p) => /extends:\s*\.mondoo-aws-auth|mondoo-aws-auth\.cjs/.test(p.text));

  it('finds the README snippet', () => {
    expect(snippets().some((p) => p.where.startsWith('README.md'))).toBe(true);
  });

  it.each(snippets().map((p) => [p.where, p] as const))(
    '%s: the scan job gets the issued credential',
    async (_where, p) => {
      const repo = mkdtempSync(join(work, 'gitlab-'));
      const bin = standIns(join(repo, '..', `${repo.split('/').pop()}-stand-ins`));
      const record = join(work, `${repo.split('/').pop()}-record`);
      mkdirSync(join(repo, 'templates'));
      copyFileSync(join(ROOT, 'templates', 'aws-auth.yml'), join(repo, 'templates', 'aws-auth.yml'));
      writeFileSync(join(repo, '.gitlab-ci.yml'), simAudience(localComponentPipeline(p.text), sims));
      const git = (...args: string[]) => {
        const r = spawnSync('git', args, {
          cwd: repo,
          encoding: 'utf8',
          env: {
            PATH: process.env['PATH'] ?? '/usr/bin:/bin',
            HOME: repo,
            GIT_CONFIG_NOSYSTEM: '1',
            GIT_AUTHOR_NAME: 't',
            GIT_AUTHOR_EMAIL: 't@example.invalid',
            GIT_COMMITTER_NAME: 't',
            GIT_COMMITTER_EMAIL: 't@example.invalid',
          },
        });
        if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
      };
      git('init', '-q', '-b', 'main');
      git('add', '-A');
      git('commit', '-q', '-m', 'snippet');
      git('remote', 'add', 'origin', 'https://gitlab.example.com/org/repo.git');
      const role = /role-to-assume[:\s]\s*(arn:\S+)/.exec(p.text)?.[1];
      // Every ID token a job declares (the component's, or a plain job's id_tokens), minted by the OIDC simulator.
      const idTokens = [
        ...p.text.matchAll(/^ {4}(\w+):\n {6}aud: (\S+)$/gm),
        ['', 'MONDOO_AWS_AUTH_ID_TOKEN', 'sts.amazonaws.com'],
      ];
      if (role !== undefined) expect(role).toBe(sims.world.role.roleArn);
      const variables: Record<string, string> = {
        ...sims.env(role !== undefined ? 'none' : 'env-long'),
        CNSPEC_RECORD: record,
        // The simulators' Mondoo, and this checkout's CLI (its hash is the component's pinned default).
        MONDOO_AWS_AUTH_UNIVERSE_DOMAIN: sims.mondoo.url,
        MONDOO_AWS_AUTH_CLI_PATH: CLI_BUNDLE,
        ...(role !== undefined
          ? Object.fromEntries(
              idTokens.map((m) => [m[1]!, sims.oidc.mint({ aud: m[2]!, sub: 'repo:org/repo:gitlab' })]),
            )
          : {}),
        // The plain jobs: the pinned hash, the release URL the stand-ins serve, the CLI's universe domain.
        MONDOO_AWS_AUTH_SHA256: CLI_SHA256,
        CURL_RELEASE_URL: RELEASE_URL,
        CURL_CLI_FILE: CLI_BUNDLE,
        MONDOO_UNIVERSE_DOMAIN: sims.mondoo.url,
      };
      const home = mkdtempSync(join(work, 'home-'));
      const args = [
        '--force-shell-executor',
        ...Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`]),
      ];
      const r = await runGitlabCiLocal(args, { cwd: repo, home, timeoutMs: 200_000, pathPrefix: [bin] });
      const log = `${r.stdout}\n${r.stderr}`;
      if (/extends:\s*\.mondoo-aws-auth/.test(p.text))
        expect(log).toContain('mondoo-aws-auth: MONDOO_CONFIG_BASE64 is set for this job.');
      expect(log).toMatch(/cnspec stand-in: scan /);
      expect(r.code).toBe(0);
      expect(sims.mondoo.issued).toHaveLength(1);
      expect(readFileSync(record, 'utf8')).toBe(sims.mondoo.issued[0]!.base64Credential);
    },
  );
});
