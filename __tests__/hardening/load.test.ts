/**
 * Fifty concurrent runs of the built bundles (half the Action, half the CLI) against one set of simulators.
 * Each run has an AWS identity of its own (its own IAM user's keys, or its own role session name), so the
 * credential Mondoo issued for each request can be traced back: every run must deliver exactly the credential
 * issued for its own request, report its own identity, and show nothing of any other run.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leakedSecrets, runAction, runCli } from '../../testkit/runner.js';
import { startSimulators, type Simulators } from '../../testkit/index.js';

const RUNS = 50;
const ROLE_RUNS = 10;

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
  // Any IAM user of the account may exchange (one path segment in place of the *).
  sims.mondoo.addIdentityProvider({
    audience: sims.world.mondoo.audience,
    subject: 'arn:aws:iam::123456789012:user/*',
    spaceMrn: sims.world.mondoo.spaceMrn,
  });
});
afterAll(async () => {
  await sims.close();
});

interface Outcome {
  index: number;
  kind: 'action' | 'cli';
  arn: string;
  code: number | null;
  credential: string | undefined;
  reportedArn: string | undefined;
  mrn: string | undefined;
  /** Everything the run printed or wrote. */
  text: string;
  /** The secrets that belong to this run only. */
  own: string[];
}

async function oneRun(index: number): Promise<Outcome> {
  const kind = index % 2 === 0 ? 'action' : 'cli';
  const role = index < ROLE_RUNS;
  const sessionName = `load-${index}`;
  const user = role
    ? undefined
    : {
        arn: `arn:aws:iam::123456789012:user/load-${index}`,
        ...sims.sts.addLongTermKey({ arn: `arn:aws:iam::123456789012:user/load-${index}` }),
      };
  const arn = role ? `arn:aws:sts::123456789012:assumed-role/mondoo-ci/${sessionName}` : user!.arn;
  const env = role
    ? sims.env('role')
    : { ...sims.env('env-long'), AWS_ACCESS_KEY_ID: user!.accessKeyId, AWS_SECRET_ACCESS_KEY: user!.secretAccessKey };
  const inputs: Record<string, string> = {
    audience: sims.world.mondoo.audience,
    'universe-domain': sims.mondoo.url,
    // Fifty node processes on a small machine: generous per-attempt time, the default three attempts.
    'attempt-timeout-seconds': '30',
    'timeout-seconds': '120',
    ...(role ? { 'role-to-assume': sims.world.role.roleArn, 'role-session-name': sessionName } : {}),
  };
  const own = user ? [user.secretAccessKey] : [];
  if (kind === 'action') {
    const r = await runAction(inputs, env, { timeoutMs: 120_000 });
    return {
      index,
      kind,
      arn,
      own,
      code: r.code,
      credential: r.outputs['base64-credential'],
      reportedArn: r.outputs['aws-arn'],
      mrn: r.outputs['service-account-mrn'],
      text: [r.stdout, r.stderr, r.files.output, r.files.env, r.files.summary].join('\n'),
    };
  }
  const home = mkdtempSync(join(tmpdir(), 'mondoo-load-'));
  try {
    const args = Object.entries(inputs).flatMap(([name, value]) => [`--${name}`, value]);
    const r = await runCli([...args, '--output', 'json'], { ...env, HOME: home }, { cwd: home, timeoutMs: 120_000 });
    let out: { base64_credential?: string; aws_arn?: string; service_account_mrn?: string } = {};
    try {
      out = JSON.parse(r.stdout) as typeof out;
    } catch {
      out = {};
    }
    return {
      index,
      kind,
      arn,
      own,
      code: r.code,
      credential: out.base64_credential,
      reportedArn: out.aws_arn,
      mrn: out.service_account_mrn,
      text: `${r.stdout}\n${r.stderr}`,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

describe('load', () => {
  it(`${RUNS} concurrent runs all succeed, each with the credential issued for its own request`, async () => {
    const outcomes = await Promise.all(Array.from({ length: RUNS }, (_, i) => oneRun(i)));

    expect(outcomes.filter((o) => o.code !== 0).map((o) => `${o.kind} #${o.index}: exit ${o.code}`)).toEqual([]);
    // One credential per run, each issued for that run's identity (no retries were needed to get there twice).
    expect(sims.mondoo.issued).toHaveLength(RUNS);
    const byArn = new Map(sims.mondoo.issued.map((i) => [i.identity.arn, i]));
    expect(byArn.size).toBe(RUNS);
    for (const o of outcomes) {
      const issued = byArn.get(o.arn);
      expect({ run: o.index, issuedFor: issued?.identity.arn }).toEqual({ run: o.index, issuedFor: o.arn });
      expect({ run: o.index, same: o.credential === issued?.base64Credential }).toEqual({ run: o.index, same: true });
      expect({ run: o.index, arn: o.reportedArn, mrn: o.mrn }).toEqual({
        run: o.index,
        arn: o.arn,
        mrn: issued?.credential.mrn,
      });
    }
    // Nothing crosses: no run shows another run's credential, private key or AWS secret.
    for (const o of outcomes) {
      const others = outcomes
        .filter((x) => x !== o)
        .flatMap((x) => {
          const issued = byArn.get(x.arn)!;
          return [issued.base64Credential, issued.credential.private_key, ...x.own];
        });
      expect({ run: o.index, leaked: leakedSecrets(o.text, others) }).toEqual({ run: o.index, leaked: [] });
    }
  }, 180_000);
});
