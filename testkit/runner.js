// @ts-check
/**
 * Runs the built bundles the way their hosts do: dist/index.js as the GitHub runner runs an action
 * (INPUT_* variables with action.yml defaults, GITHUB_OUTPUT/GITHUB_ENV/GITHUB_STEP_SUMMARY files, workflow
 * commands on stdout), and dist/cli.cjs as a CI script runs a command. Shared by the tests, the demo and the
 * benchmark.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '');
export const ACTION_BUNDLE = join(ROOT, 'dist', 'index.js');
export const CLI_BUNDLE = join(ROOT, 'dist', 'cli.cjs');
/** The node that runs the bundles: the one running the tests, unless MONDOO_TEST_NODE says otherwise. */
export const NODE = process.env['MONDOO_TEST_NODE'] || process.execPath;

/**
 * action.yml's inputs as written: name, description, required, default (one-line values, as the file has).
 * @returns {{ name: string, description: string | undefined, required: boolean, default: string | undefined }[]}
 */
export function actionInputs() {
  const yml = readFileSync(join(ROOT, 'action.yml'), 'utf8');
  const inputs = yml.split(/^inputs:\s*$/m)[1]?.split(/^outputs:\s*$/m)[0] ?? '';
  /** @type {{ name: string, description: string | undefined, required: boolean, default: string | undefined }[]} */
  const found = [];
  for (const line of inputs.split(/\r?\n/)) {
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line)?.[1];
    if (name !== undefined) {
      found.push({ name, description: undefined, required: false, default: undefined });
      continue;
    }
    const field = /^ {4}(description|required|default):\s*(.*)$/.exec(line);
    const current = found.at(-1);
    if (field === null || current === undefined) continue;
    const value = (field[2] ?? '').trim().replace(/^'(.*)'$/, '$1');
    if (field[1] === 'description') current.description = value;
    else if (field[1] === 'required') current.required = value === 'true';
    else current.default = value;
  }
  return found;
}

/**
 * action.yml input defaults, read from the file itself so the tests follow it.
 * @returns {Record<string, string>}
 */
export function actionDefaults() {
  /** @type {Record<string, string>} */
  const defaults = {};
  for (const input of actionInputs()) if (input.default !== undefined) defaults[input.name] = input.default;
  return defaults;
}

/** @typedef {{ code: number | null, stdout: string, stderr: string, ms: number }} ProcessResult */

/**
 * @param {string} script
 * @param {string[]} args
 * @param {Record<string, string>} env
 * @param {{ cwd?: string, node?: string, timeoutMs?: number, nodeArgs?: string[] }} [opts]
 * @returns {Promise<ProcessResult>}
 */
export function runNode(script, args, env, opts = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(opts.node ?? NODE, [...(opts.nodeArgs ?? []), script, ...args], {
      env,
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (/** @type {Buffer} */ d) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (/** @type {Buffer} */ d) => (stderr += d.toString('utf8')));
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
 * @param {string} home
 * @param {Record<string, string>} [env]
 * @returns {Record<string, string>}
 */
export function baseEnv(home, env = {}) {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    USERPROFILE: home,
    TMPDIR: tmpdir(),
    ...(process.env['SYSTEMROOT'] ? { SYSTEMROOT: process.env['SYSTEMROOT'] } : {}),
    ...(env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ? {} : { AWS_EC2_METADATA_DISABLED: 'true' }),
  };
}

/**
 * Reads a GITHUB_OUTPUT / GITHUB_ENV file: `name<<DELIM\nvalue\nDELIM` entries.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseFileCommands(text) {
  /** @type {Record<string, string>} */
  const out = {};
  // @actions/core ends lines with os.EOL (\r\n on Windows).
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (m === null) {
      const kv = /^([^=]+)=(.*)$/.exec(lines[i] ?? '');
      if (kv?.[1] !== undefined) out[kv[1]] = kv[2] ?? '';
      continue;
    }
    const name = m[1] ?? '';
    const delimiter = m[2];
    /** @type {string[]} */
    const value = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
    out[name] = value.join('\n');
  }
  return out;
}

/** @param {string} value */
function unescapeCommandValue(value) {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/**
 * @typedef {ProcessResult & {
 *   masks: string[],
 *   outputs: Record<string, string>,
 *   exported: Record<string, string>,
 *   summary: string,
 *   errors: string[],
 *   warnings: string[],
 *   files: { output: string, env: string, summary: string },
 * }} ActionRun
 */

/**
 * The variables a GitHub runner sets for every step that the CLI needs before it writes ::add-mask:: (see
 * onGitHubRunner in src/core/safety/masker.ts), with `dir` as the job's temporary folder and workspace.
 * @param {string} dir
 * @returns {Record<string, string>}
 */
export function gitHubRunnerEnv(dir) {
  return { GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '4242', RUNNER_TEMP: dir, GITHUB_WORKSPACE: dir };
}

/**
 * Runs dist/index.js as the runner would, with `inputs` over action.yml's defaults.
 * @param {Record<string, string>} inputs
 * @param {Record<string, string>} env
 * @param {{ nodeArgs?: string[], timeoutMs?: number, node?: string, script?: string }} [opts]
 * @returns {Promise<ActionRun>}
 */
export async function runAction(inputs, env, opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mondoo-action-run-'));
  const files = { output: join(dir, 'output'), env: join(dir, 'env'), summary: join(dir, 'summary') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  /** @type {Record<string, string>} */
  const inputEnv = {};
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...inputs }))
    inputEnv[`INPUT_${name.toUpperCase()}`] = value;
  const result = await runNode(
    opts.script ?? ACTION_BUNDLE,
    [],
    {
      ...baseEnv(dir, env),
      ...gitHubRunnerEnv(dir),
      GITHUB_OUTPUT: files.output,
      GITHUB_ENV: files.env,
      GITHUB_STEP_SUMMARY: files.summary,
      ...inputEnv,
      ...env,
    },
    opts,
  );
  const lines = result.stdout.split(/\r?\n/);
  /** @param {string} name */
  const command = (name) =>
    lines.filter((l) => l.startsWith(`::${name}`)).map((l) => unescapeCommandValue(l.slice(l.indexOf('::', 2) + 2)));
  const raw = {
    output: readFileSync(files.output, 'utf8'),
    env: readFileSync(files.env, 'utf8'),
    summary: readFileSync(files.summary, 'utf8'),
  };
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

/**
 * Runs dist/cli.cjs (or another copy of it) with `args`.
 * @param {string[]} args
 * @param {Record<string, string>} env
 * @param {{ script?: string, cwd?: string, timeoutMs?: number, node?: string, nodeArgs?: string[] }} [opts]
 * @returns {Promise<ProcessResult>}
 */
export async function runCli(args, env, opts = {}) {
  const home = mkdtempSync(join(tmpdir(), 'mondoo-cli-run-'));
  return runNode(
    opts.script ?? CLI_BUNDLE,
    args,
    { ...baseEnv(home, env), ...env },
    {
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.node ? { node: opts.node } : {}),
      ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}),
    },
  );
}

/**
 * Every secret that occurs in `text`, for leak assertions (reported by a short prefix only).
 * @param {string} text
 * @param {string[]} secrets
 * @returns {string[]}
 */
export function leakedSecrets(text, secrets) {
  return secrets.filter((s) => s.length >= 6 && text.includes(s)).map((s) => `${s.slice(0, 6)}… (${s.length} chars)`);
}

/**
 * Every secret of which a piece of `length` characters (any window of it) occurs in `text`: the rule the
 * masker keeps for echoes a server truncated or reshaped (src/core/safety/log-safety.ts). Leave out composites whose
 * secret parts are listed on their own (a serialized signed request: its signature is in the list).
 * @param {string} text
 * @param {string[]} secrets
 * @param {number} [length]
 * @returns {string[]}
 */
export function leakedPieces(text, secrets, length = 20) {
  return secrets
    .filter((s) => {
      for (let i = 0; i + length <= s.length; i++) if (text.includes(s.slice(i, i + length))) return true;
      return false;
    })
    .map((s) => `${s.slice(0, 6)}… (${s.length} chars)`);
}
