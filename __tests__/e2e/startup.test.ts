/**
 * What the built bundles load and create on the way through a run (not how long it takes: timing is the
 * benchmark's job, see bench/). A preload records, at exit, the built-in modules Node loaded and whether
 * process.stdout / process.stderr were ever created.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { ACTION_BUNDLE, CLI_BUNDLE, ROOT, runAction, runCli } from '../../testkit/runner.js';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  await sims.close();
});
beforeEach(() => sims.clearRecords());

const scratch = mkdtempSync(join(tmpdir(), 'mondoo-startup-'));
const PRELOAD = join(scratch, 'record-startup.cjs');
writeFileSync(
  PRELOAD,
  `'use strict';
const fs = require('node:fs');
const created = { stdout: false, stderr: false };
for (const name of ['stdout', 'stderr']) {
  const original = Object.getOwnPropertyDescriptor(process, name);
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: original.enumerable,
    get() {
      created[name] = true;
      Object.defineProperty(process, name, original);
      return original.get.call(process);
    },
  });
}
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  fs.writeFileSync(process.env.STARTUP_RECORD, JSON.stringify({ builtins, created }));
});
`,
);

interface StartupRecord {
  builtins: string[];
  created: { stdout: boolean; stderr: boolean };
}
let records = 0;
function recorded(): { file: string; read: () => StartupRecord } {
  const file = join(scratch, `record-${++records}.json`);
  return { file, read: () => JSON.parse(readFileSync(file, 'utf8')) as StartupRecord };
}

/** Built-ins a run with credentials in the environment has no use for. */
const NOT_NEEDED = ['module', 'fs/promises', 'child_process', 'zlib', 'http2', 'readline'];

/** A copy of dist/ without the lazily loaded chunks (the AWS SDK's credential chain). */
function distWithoutChunks(): string {
  const dist = mkdtempSync(join(tmpdir(), 'mondoo-dist-nochunks-'));
  const chunks = readdirSync(join(ROOT, 'dist')).filter((f) => /^\d+\.index\.js$/.test(f));
  expect(chunks.length).toBeGreaterThan(0);
  for (const f of readdirSync(join(ROOT, 'dist')).filter((f) => !chunks.includes(f))) copyFileSync(join(ROOT, 'dist', f), join(dist, f));
  return dist;
}

describe('start-up: only what the run needs', () => {
  it('the action, keys in the environment: no SDK chunk, no unneeded built-in, no stdout stream', async () => {
    const dist = distWithoutChunks();
    const record = recorded();
    const r = await runAction(
      { audience: sims.world.mondoo.audience, 'universe-domain': sims.mondoo.url },
      { ...sims.env('env-long'), STARTUP_RECORD: record.file },
      { script: join(dist, 'index.js'), nodeArgs: ['--require', PRELOAD] },
    );
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.outputs['base64-credential']).toBe(sims.mondoo.issued[0]?.base64Credential);
    const { builtins, created } = record.read();
    expect(builtins.filter((m) => NOT_NEEDED.includes(m))).toEqual([]);
    expect(created.stdout).toBe(false);
  });

  it('the CLI, keys in the environment: no unneeded built-in, no stdout or stderr stream', async () => {
    const record = recorded();
    const r = await runCli(['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--output', 'raw'], { ...sims.env('env-long'), STARTUP_RECORD: record.file }, { nodeArgs: ['--require', PRELOAD] });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${sims.mondoo.issued[0]?.base64Credential}\n`);
    expect(r.stderr).toContain('mondoo-aws-auth: Authenticated to Mondoo as');
    const { builtins, created } = record.read();
    expect(builtins.filter((m) => NOT_NEEDED.includes(m))).toEqual([]);
    expect(created).toEqual({ stdout: false, stderr: false });
  });

  it('the action in role mode needs no SDK chunk either (AssumeRoleWithWebIdentity is one plain request)', async () => {
    const r = await runAction(
      { audience: sims.world.mondoo.audience, 'universe-domain': sims.mondoo.url, 'role-to-assume': sims.world.role.roleArn },
      sims.env('role'),
      { script: join(distWithoutChunks(), 'index.js') },
    );
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.outputs['aws-arn']).toBe('arn:aws:sts::123456789012:assumed-role/mondoo-ci/GitHubActions');
  });

  it('the CLI unpacks its embedded chunk only for the SDK credential chain (here: instance metadata)', async () => {
    const record = recorded();
    const r = await runCli(['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--output', 'raw'], { ...sims.env('imds'), STARTUP_RECORD: record.file }, { nodeArgs: ['--require', PRELOAD] });
    expect(r.stderr).toContain('AWS credentials: EC2 instance metadata (IMDSv2, instance role RunnerRole)');
    expect(r.code).toBe(0);
    expect(record.read().builtins).toContain('zlib');
  });
});

describe('Node without process.getBuiltinModule (before 20.16 / 22.3)', () => {
  // The bundles take built-ins from process.getBuiltinModule and fall back to createRequire without it.
  const withoutIt = ['--import', 'data:text/javascript,delete process.getBuiltinModule'];

  it('the action still runs', async () => {
    const r = await runAction({ audience: sims.world.mondoo.audience, 'universe-domain': sims.mondoo.url }, sims.env('env-long'), { nodeArgs: withoutIt, script: ACTION_BUNDLE });
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.outputs['aws-arn']).toBe(sims.world.user.arn);
  });

  it('the CLI still runs, its embedded chunk (unpacked with zlib) included', async () => {
    const r = await runCli(['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--output', 'raw'], sims.env('imds'), { nodeArgs: withoutIt, script: CLI_BUNDLE });
    expect(r.stderr).toContain('AWS credentials: EC2 instance metadata (IMDSv2, instance role RunnerRole)');
    expect(r.code).toBe(0);
  });

  it('the CLI in role mode still runs', async () => {
    // The simulators' own role, with a token its trust policy accepts.
    const token = sims.oidc.mint({ aud: sims.world.role.audience, sub: 'repo:org/repo:ref:refs/heads/main' });
    const r = await runCli(
      ['--audience', sims.world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--role-to-assume', sims.world.role.roleArn, '--web-identity-token-env', 'MONDOO_ID_TOKEN', '--role-session-name', 'fallback', '--output', 'raw'],
      { ...sims.env('none'), MONDOO_ID_TOKEN: token },
      { nodeArgs: withoutIt, script: CLI_BUNDLE },
    );
    expect(r.stderr).toContain('AWS identity arn:aws:sts::123456789012:assumed-role/mondoo-ci/fallback');
    expect(r.code).toBe(0);
  });
});
