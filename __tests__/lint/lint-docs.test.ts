/**
 * scripts/lint-docs.mjs (run on the whole repository by .ci/run) catches what it is there to catch: each kind of
 * mistake in a Markdown file of snippets is reported with its file and line, and a clean file passes.
 */
import { afterAll, beforeAll, describe as describeAlways, expect, it as itAlways, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { needTools } from '../../testkit/system-tools.js';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
jest.setTimeout(120_000);

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mondoo-lint-docs-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function lint(name: string, markdown: string) {
  const file = join(work, name);
  writeFileSync(file, markdown);
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'lint-docs.mjs'), file], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}`, file };
}

const fence = '```';
const it_ = itAlways;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const { describe, it } = needTools(
  ['shellcheck', 'git', 'rsync'],
  'the docs linter tests (shellcheck, gitlab-ci-local)',
);

describe('scripts/lint-docs.mjs', () => {
  it('reports shellcheck, actionlint, unverified actions, GitLab schema errors and unknown YAML, by file and line', () => {
    const r = lint(
      'bad.md',
      [
        '# bad',
        '',
        `${fence}sh`,
        'set -eu',
        'cp $HOME/a b',
        fence,
        '',
        `${fence}yaml`,
        'name: bad',
        'on: push',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: mondoohq/actions/cnspec@main',
        '      - run: echo ${{ github.event.issue.title }}',
        fence,
        '',
        `${fence}yaml`,
        'cnspec-scan:',
        '  when: sometimes',
        '  script:',
        '    - cnspec scan local',
        fence,
        '',
        `${fence}yaml`,
        'foo: bar',
        fence,
        '',
        `${fence}groovy`,
        "sh '''",
        '  rm -rf $DIR/x',
        "'''",
        fence,
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `${r.file}:4: line 2:4: note: Double quote to prevent globbing and word splitting. [SC2086]`,
    );
    expect(r.out).toContain(`${r.file}:9: line 8:23: "github.event.issue.title" is potentially untrusted`);
    expect(r.out).toContain(`${r.file}:9: uses: mondoohq/actions/cnspec@main is not in VERIFIED_USES`);
    expect(r.out).toContain(`${r.file}:20: • 'when' property must be one of`);
    expect(r.out).toContain(`${r.file}:27: a YAML block that is neither a workflow nor a pipeline`);
    expect(r.out).toContain(
      `${r.file}:31: line 1:10: note: Double quote to prevent globbing and word splitting. [SC2086]`,
    );
    expect(r.out).toContain(
      `${r.file}:9: job a step 1 (mondoohq/actions/cnspec@main): pass service-account-credentials: \${{ steps.<id>.outputs.base64-credential }} and give the mondoohq/mondoo-aws-auth step that id`,
    );
    expect(r.out).toContain('lint-docs: 8 problem(s)');
  });

  it('passes a clean file: a verified workflow, a GitLab job using the component, a recipe without eval', () => {
    const r = lint(
      'good.md',
      [
        `${fence}yaml`,
        'name: ok',
        'on: push',
        'permissions:',
        '  id-token: write',
        'jobs:',
        '  scan:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - id: mondoo',
        '        uses: mondoohq/mondoo-aws-auth@v1',
        '        with:',
        '          audience: //captain.api.mondoo.app/spaces/S',
        '          role-to-assume: arn:aws:iam::123456789012:role/r',
        '      - uses: mondoohq/actions/terraform-hcl@v13.3.0',
        '        with:',
        '          service-account-credentials: ${{ steps.mondoo.outputs.base64-credential }}',
        '          path: .',
        fence,
        '',
        `${fence}yaml`,
        'include:',
        '  - component: $CI_SERVER_FQDN/mondoohq/mondoo-aws-auth/aws-auth@1.0.0',
        '    inputs:',
        '      audience: //captain.api.mondoo.app/spaces/S',
        '',
        'scan:',
        '  extends: .mondoo-aws-auth',
        '  script:',
        '    - cnspec scan local',
        fence,
        '',
        `${fence}sh`,
        'set -eu',
        'MONDOO_CONFIG_BASE64="$(npx -y mondoo-aws-auth@1.0.0 --audience "//captain.api.mondoo.app/spaces/S" --output raw)"',
        'export MONDOO_CONFIG_BASE64',
        fence,
        '',
      ].join('\n'),
    );
    expect(r.out).toContain(
      'lint-docs: 1 workflows (actionlint), 1 GitLab pipelines (GitLab CI schema), 2 shell scripts (shellcheck), 0 JSON blocks, 0 CloudFormation templates, links of 1 files: no problems',
    );
    expect(r.code).toBe(0);
  });

  it('an input the component does not declare fails the GitLab snippet', () => {
    const r = lint(
      'bad-input.md',
      [
        `${fence}yaml`,
        'include:',
        '  - component: $CI_SERVER_FQDN/mondoohq/mondoo-aws-auth/aws-auth@1.0.0',
        '    inputs:',
        '      audience: a',
        '      no-such-input: x',
        '',
        'scan:',
        '  extends: .mondoo-aws-auth',
        '  script:',
        '    - cnspec scan local',
        fence,
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('the component has no input no-such-input');
  });
});

// Without shellcheck, git or rsync: these files have no shell and no GitLab snippet.
describeAlways('scripts/lint-docs.mjs, JSON, CloudFormation, links and mondoohq/actions', () => {
  it_('a broken JSON block fails, with its file and line; a good one passes', () => {
    const bad = lint('bad-json.md', ['# x', '', `${fence}json`, '{ "Version": "2012-10-17", }', fence, ''].join('\n'));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(new RegExp(`${escape(bad.file)}:4: not valid JSON: .*(property name|Unexpected token)`));
    const good = lint('good-json.md', ['# x', '', `${fence}json`, '{ "Version": "2012-10-17" }', fence, ''].join('\n'));
    expect(good.out).toContain('1 JSON blocks');
    expect(good.code).toBe(0);
  });

  it_("CloudFormation's short-form tags parse; a resource without a Type fails", () => {
    const template = (type: string) =>
      [
        `${fence}yaml`,
        'AWSTemplateFormatVersion: "2010-09-09"',
        'Parameters:',
        '  Repo: { Type: String }',
        'Resources:',
        '  Role:',
        `    ${type}`,
        '    Properties:',
        '      Principal: !Ref Provider',
        '      Sub: !Sub "repo:${Repo}:*"',
        '      Arn: !GetAtt Provider.Arn',
        '      List: !Join [",", [a, b]]',
        fence,
        '',
      ].join('\n');
    const good = lint('cfn-good.md', template('Type: AWS::IAM::Role'));
    expect(good.out).toContain('1 CloudFormation templates');
    expect(good.code).toBe(0);
    const bad = lint('cfn-bad.md', template('Typo: AWS::IAM::Role'));
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`${bad.file}:2: CloudFormation resource Role has no Type like AWS::IAM::Role`);
  });

  it_('a link to a missing file or a missing heading fails; a link to an existing heading passes', () => {
    const r = lint(
      'links.md',
      [
        '# Top part',
        '',
        'See [top](#top-part), [gone](#gone), [setup](' + join(ROOT, 'docs', 'setup.md') + '#terraform).',
        '',
      ].join('\n'),
    );
    expect(r.out).toContain(`${r.file}: line 3: link to #gone: ${r.file} has no heading with the anchor #gone`);
    expect(r.out).toContain('lint-docs: 1 problem(s)');
    expect(r.code).toBe(1);
  });

  it_('a mondoohq/actions scan given the credential of the mondoo-aws-auth step passes', () => {
    const r = lint(
      'actions-ok.md',
      [
        `${fence}yaml`,
        'name: ok',
        'on: push',
        'jobs:',
        '  scan:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - id: auth',
        '        uses: mondoohq/mondoo-aws-auth@v1',
        '        with:',
        '          audience: a',
        '      - uses: mondoohq/actions/aws@v13.3.0',
        '        with:',
        '          service-account-credentials: ${{ steps.other.outputs.base64-credential }}',
        fence,
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'job scan step 2 (mondoohq/actions/aws@v13.3.0): pass service-account-credentials: ${{ steps.auth.outputs.base64-credential }}',
    );
    const fixed = lint('actions-fixed.md', readFileSync(r.file, 'utf8').replace('steps.other.', 'steps.auth.'));
    expect(fixed.out).toContain('no problems');
    expect(fixed.code).toBe(0);
  });
});
