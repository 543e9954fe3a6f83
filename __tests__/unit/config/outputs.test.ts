/**
 * The one outputs table (src/core/config/outputs.ts) against what users read and what the adapters write: action.yml's
 * outputs, the README's outputs table, the CLI's `--output json` keys and the Action's job summary.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobSummary } from '../../../src/action.js';
import { formatOutput } from '../../../src/cli.js';
import type { AuthResult } from '../../../src/core/authenticate.js';
import type { Config } from '../../../src/core/config/config.js';
import { OUTPUTS, outputsJson, summaryRows } from '../../../src/core/config/outputs.js';
import { ROOT } from '../../../testkit/runner.js';

/** action.yml's outputs: name and description, in file order. */
function actionOutputs(): { name: string; description: string }[] {
  const yml = readFileSync(join(ROOT, 'action.yml'), 'utf8');
  const block = yml.split(/^outputs:\s*$/m)[1]?.split(/^runs:\s*$/m)[0] ?? '';
  const found: { name: string; description: string }[] = [];
  for (const line of block.split(/\r?\n/)) {
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line)?.[1];
    if (name !== undefined) found.push({ name, description: '' });
    const description = /^ {4}description:\s*(.*)$/.exec(line)?.[1];
    const current = found.at(-1);
    if (description !== undefined && current) current.description = description.trim();
  }
  return found;
}

const result: AuthResult = {
  base64Credential: 'Q1JFREVOVElBTA==',
  credential: {
    kind: 'credential',
    mrn: '//agents/sa/1',
    spaceMrn: '//captain/spaces/s',
    apiEndpoint: 'https://us.api.mondoo.com',
  },
  identity: { arn: 'arn:aws:sts::123456789012:assumed-role/ci/run-1', accountId: '123456789012' },
};

describe('the outputs table', () => {
  it('is exactly action.yml outputs, in order, with their descriptions', () => {
    expect(actionOutputs()).toEqual(OUTPUTS.map((o) => ({ name: o.name, description: o.description })));
  });

  it("is exactly the README's outputs table, in order", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const lines = readme.slice(readme.indexOf('\n## Outputs\n')).split('\n');
    const start = lines.findIndex((l) => l.startsWith('|'));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
    const names = lines.slice(start + 2, end).map((l) => /^\| `([a-z0-9-]+)` \|/.exec(l)?.[1]);
    expect(names).toEqual(OUTPUTS.map((o) => o.name));
  });

  it('drives the CLI json: one key per row, in order, with the values the result holds', () => {
    const json = JSON.parse(formatOutput('json', result)) as Record<string, string>;
    expect(Object.keys(json)).toEqual(OUTPUTS.map((o) => o.jsonKey));
    expect(json).toEqual({
      base64_credential: 'Q1JFREVOVElBTA==',
      aws_arn: 'arn:aws:sts::123456789012:assumed-role/ci/run-1',
      aws_account_id: '123456789012',
      scope_mrn: '//captain/spaces/s',
      service_account_mrn: '//agents/sa/1',
      api_endpoint: 'https://us.api.mondoo.com',
    });
    expect(outputsJson(result)).toBe(formatOutput('json', result).trimEnd());
  });

  it('drives the job summary, which never shows a secret output', () => {
    expect(summaryRows(result)).toEqual([
      ['AWS identity', 'arn:aws:sts::123456789012:assumed-role/ci/run-1'],
      ['Mondoo scope', '//captain/spaces/s'],
      ['Service account', '//agents/sa/1'],
      ['API endpoint', 'https://us.api.mondoo.com'],
    ]);
    const summary = jobSummary({ exportEnv: true } as Config, result);
    for (const o of OUTPUTS.filter((x) => x.secret)) expect(summary).not.toContain(o.read(result));
    expect(OUTPUTS.filter((o) => o.secret && o.summary)).toEqual([]);
  });

  it('shows what an empty value means in the summary', () => {
    const empty = {
      ...result,
      identity: undefined,
      credential: { ...result.credential, spaceMrn: '', mrn: '', apiEndpoint: '' },
    };
    expect(summaryRows(empty as AuthResult).map(([, v]) => v)).toEqual([
      '(not determined)',
      '(organization or platform)',
      '(not named in the token answer)',
      '(not named in the token answer)',
    ]);
  });
});
