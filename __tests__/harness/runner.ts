/**
 * Runs the built bundles the way their hosts do: dist/index.js as the GitHub runner runs an action
 * (INPUT_* variables with action.yml defaults, GITHUB_OUTPUT/GITHUB_ENV/GITHUB_STEP_SUMMARY files, workflow
 * commands on stdout), and dist/cli.js as a CI script runs a command.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
export const ACTION_BUNDLE = join(ROOT, 'dist', 'index.js');
export const CLI_BUNDLE = join(ROOT, 'dist', 'cli.js');
/** The node that runs the bundles: the one running the tests, unless MONDOO_TEST_NODE says otherwise. */
export const NODE = process.env['MONDOO_TEST_NODE'] || process.execPath;

/** action.yml input defaults, read from the file itself so the tests follow it. */
export function actionDefaults(): Record<string, string> {
  const yml = readFileSync(join(ROOT, 'action.yml'), 'utf8');
  const inputs = yml.split(/^inputs:\s*$/m)[1]?.split(/^outputs:\s*$/m)[0] ?? '';
  const defaults: Record<string, string> = {};
  let current: string | undefined;
  for (const line of inputs.split('\n')) {
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line)?.[1];
    if (name !== undefined) {
      current = name;
      continue;
    }
    const value = /^ {4}default:\s*(.*)$/.exec(line)?.[1];
    if (value !== undefined && current !== undefined) defaults[current] = value.trim().replace(/^'(.*)'$/, '$1');
  }
  return defaults;
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Whole run, in ms. */
  ms: number;
}

export function runNode(script: string, args: string[], env: Record<string, string>, opts: { cwd?: string; node?: string; timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(opts.node ?? NODE, [...(opts.nodeArgs ?? []), script, ...args], { env, cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/**
 * The variables every child gets: nothing of the developer's own AWS or GitHub setup leaks in, and instance
 * metadata is off unless the run points it at the loopback IMDS simulator.
 */
export function baseEnv(home: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    USERPROFILE: home,
    TMPDIR: tmpdir(),
    ...(process.env['SYSTEMROOT'] ? { SYSTEMROOT: process.env['SYSTEMROOT'] } : {}),
    ...(env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ? {} : { AWS_EC2_METADATA_DISABLED: 'true' }),
  };
}

/** Reads a GITHUB_OUTPUT / GITHUB_ENV file: `name<<DELIM\nvalue\nDELIM` entries. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (m === null) {
      const kv = /^([^=]+)=(.*)$/.exec(lines[i] ?? '');
      if (kv) out[kv[1] as string] = kv[2] as string;
      continue;
    }
    const [, name, delimiter] = m as unknown as [string, string, string];
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string);
    out[name] = value.join('\n');
  }
  return out;
}

function unescapeCommandValue(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export interface ActionRun extends ProcessResult {
  masks: string[];
  outputs: Record<string, string>;
  exported: Record<string, string>;
  summary: string;
  /** stdout lines that are not workflow commands, and the annotations. */
  errors: string[];
  warnings: string[];
  /** Raw contents of the files the run wrote. */
  files: { output: string; env: string; summary: string };
}

/** Runs dist/index.js as the runner would, with `inputs` over action.yml's defaults. */
export async function runAction(inputs: Record<string, string>, env: Record<string, string>, opts: { nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'mondoo-action-run-'));
  const files = { output: join(dir, 'output'), env: join(dir, 'env'), summary: join(dir, 'summary') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const inputEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...inputs })) inputEnv[`INPUT_${name.toUpperCase()}`] = value;
  const result = await runNode(ACTION_BUNDLE, [], {
    ...baseEnv(dir, env),
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_STEP_SUMMARY: files.summary,
    ...inputEnv,
    ...env,
  }, opts);
  const lines = result.stdout.split(/\r?\n/);
  const command = (name: string) => lines.filter((l) => l.startsWith(`::${name}`)).map((l) => unescapeCommandValue(l.slice(l.indexOf('::', 2) + 2)));
  const raw = { output: readFileSync(files.output, 'utf8'), env: readFileSync(files.env, 'utf8'), summary: readFileSync(files.summary, 'utf8') };
  return {
    ...result,
    masks: command('add-mask'),
    errors: command('error'),
    warnings: command('warning'),
    outputs: parseFileCommands(raw.output),
    exported: parseFileCommands(raw.env),
    summary: raw.summary,
    files: raw,
  };
}

/** Runs dist/cli.js (or another copy of it) with `args`. */
export async function runCli(args: string[], env: Record<string, string>, opts: { script?: string; cwd?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
  const home = mkdtempSync(join(tmpdir(), 'mondoo-cli-run-'));
  return runNode(opts.script ?? CLI_BUNDLE, args, { ...baseEnv(home, env), ...env }, { ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
}

/** Every secret that occurs in `text`, for leak assertions (reported by a short prefix only). */
export function leakedSecrets(text: string, secrets: string[]): string[] {
  return secrets.filter((s) => s.length >= 6 && text.includes(s)).map((s) => `${s.slice(0, 6)}… (${s.length} chars)`);
}
