/**
 * Runs the built bundles against a private set of simulators ("a world"), the same way for the Action and the
 * CLI, and scans everything a run left behind for secrets.
 *
 * Each world has its own simulators, optionally a CONNECT proxy, and a fresh directory used as HOME, TMPDIR,
 * RUNNER_TEMP and working directory, so scenarios can run concurrently and every file a run writes is found.
 * A preload (record-writes.mjs) reports each file write (path and byte range, never content) in order with
 * the run's ::add-mask:: commands, so the scan can also check that a secret was masked before it was written.
 */
import { expect } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitHubRunnerEnv, leakedSecrets, runAction, runCli, type ProcessResult } from '../../testkit/runner.js';
import { createInMemoryNetwork, startSimulators, type Simulators } from '../../testkit/index.js';
import { startProxy, type ProxySim } from '../../testkit/proxy.js';

export const PRELOAD = fileURLToPath(new URL('./record-writes.mjs', import.meta.url));
/** --import takes a URL: a Windows path (C:\…) would be read as a URL with the scheme c:. */
const PRELOAD_URL = new URL('./record-writes.mjs', import.meta.url).href;

export type Mode = Parameters<Simulators['env']>[0];
/**
 * The Action; the CLI as a CI script runs it; the CLI inside a GitHub Actions job (it then prints ::add-mask::);
 * or the core in this process, through the Deps seam, with the simulators' handlers behind an in-memory client.
 */
export type Kind = 'action' | 'cli' | 'cli-in-actions' | 'core';

export interface WorldOptions {
  /** Put a CONNECT proxy in front of everything; the tool is given `.test` names only the proxy resolves. */
  proxy?: { user: string; password: string } | true;
  imds?: { silent?: boolean };
  /** Serve the simulators without sockets (for the core in process; no proxy then). */
  inMemory?: boolean;
}

export interface World {
  sims: Simulators;
  proxy: ProxySim | undefined;
  /** The simulators' handlers, when the world is in memory. */
  network: ReturnType<typeof createInMemoryNetwork> | undefined;
  /** HOME, TMPDIR, RUNNER_TEMP and working directory of the runs in this world. */
  dir: string;
  /** Mondoo's base URL as the tool is told it (through the proxy: https://mondoo.test:<port>). */
  mondooUrl: string;
  /** Environment for a run in `mode`, with the proxy settings when there is a proxy. */
  env(mode: Mode): Record<string, string>;
  /** Every secret the simulators handed out or received, and the proxy's password. */
  secrets(): string[];
  /** Moves the servers' clocks (STS, Mondoo, the OIDC issuer) by `ms`, as if this machine's clock were off by -ms. */
  setServerClockOffset(ms: number): void;
  close(): Promise<void>;
}

export async function startWorld(opts: WorldOptions = {}): Promise<World> {
  const network = opts.inMemory ? createInMemoryNetwork() : undefined;
  // In memory, the Mondoo simulator reaches the issuer's discovery document and JWKS through the same handlers.
  const fetchJson = network
    ? async (url: string): Promise<unknown> =>
        JSON.parse((await network.dispatch({ url, method: 'GET' })).body) as unknown
    : undefined;
  const sims = await startSimulators({
    ...(opts.imds ? { imds: opts.imds } : {}),
    ...(network ? { listen: network.listen } : {}),
    ...(fetchJson ? { fetchJson } : {}),
  });
  const proxy =
    opts.proxy === undefined ? undefined : await startProxy(opts.proxy === true ? {} : { auth: opts.proxy });
  const dir = mkdtempSync(join(tmpdir(), 'mondoo-hardening-'));
  const proxySecrets =
    opts.proxy !== undefined && opts.proxy !== true
      ? [
          opts.proxy.password,
          encodeURIComponent(opts.proxy.password),
          proxy?.urlWithAuth ?? '',
          Buffer.from(`${opts.proxy.user}:${opts.proxy.password}`).toString('base64'),
        ]
      : [];
  return {
    sims,
    proxy,
    network,
    dir,
    mondooUrl: proxy ? `https://mondoo.test:${sims.mondoo.port}` : sims.mondoo.url,
    env(mode) {
      const base = sims.env(mode);
      if (proxy === undefined) return base;
      return {
        ...base,
        AWS_ENDPOINT_URL_STS: `https://sts.test:${sims.sts.port}`,
        ...(base['ACTIONS_ID_TOKEN_REQUEST_URL']
          ? {
              ACTIONS_ID_TOKEN_REQUEST_URL: base['ACTIONS_ID_TOKEN_REQUEST_URL'].replace(
                '//127.0.0.1:',
                '//oidc.test:',
              ),
            }
          : {}),
        HTTPS_PROXY: proxy.urlWithAuth,
      };
    },
    secrets: () => [...sims.secrets(), ...proxySecrets.filter((s) => s !== '')],
    setServerClockOffset(ms) {
      sims.sts.clockOffsetMs = ms;
      sims.mondoo.clockOffsetMs = ms;
      sims.oidc.clockOffsetMs = ms;
    },
    async close() {
      await Promise.all([sims.close(), proxy?.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A file write the run made, as the preload saw it just before it happened. */
export type WriteRecord =
  { op: 'write'; path: string; start: number; length: number } | { op: 'rename'; from: string; to: string };

export interface Run extends ProcessResult {
  kind: Kind;
  /** What a person reads in the job log: no ::add-mask:: lines (the runner swallows them), no test markers. */
  log: string;
  /** The run's final error message (without its code), '' when it succeeded. */
  error: string;
  /** The code of that error (`[CODE] message` in the error line), undefined when it succeeded. */
  errorCode: string | undefined;
  /** The setting a configuration error names (known in process only). */
  input?: string | undefined;
  warnings: string[];
  /** The credential the run delivered (Action output / CLI output), if any. */
  credential: string | undefined;
  /** The AWS identity the run reported, if any. */
  arn: string | undefined;
  /** Values of ::add-mask:: commands, in order. */
  masks: string[];
  /** Lines of the stream that carries the masks and the write markers, in order (Action: stdout; CLI in Actions: stderr). */
  ordered: string[];
  writes: WriteRecord[];
  /** The Action's outputs, exported variables and job summary (Action runs only). */
  outputs?: Record<string, string>;
  exported?: Record<string, string>;
  summary?: string;
  /** Files that hold the requested output: they may contain the credential, and nothing else secret. */
  requestedOutputs: string[];
  /** Every file the run wrote, with its content after the run. */
  files: Map<string, string>;
}

export interface RunOptions {
  /** Inputs beyond audience, universe-domain and (role mode) role-to-assume; the CLI gets them as --flags. */
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /** CLI: write the output with --output-file instead of stdout. */
  outputFile?: boolean;
  timeoutMs?: number;
}

const MARKER = '::debug::mondoo-test-write ';

/** An error line's `[CODE] message`, split. */
export function splitErrorCode(line: string): { errorCode: string | undefined; error: string } {
  const m = /^\[([A-Z_]+)\] ([\s\S]*)$/.exec(line);
  return m ? { errorCode: m[1], error: m[2] ?? '' } : { errorCode: undefined, error: line };
}

function unescapeCommandValue(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** Runs the Action or the CLI in `world`, in `mode`, with the preload recording its file writes. */
export async function runIn(world: World, kind: Kind, mode: Mode, opts: RunOptions = {}): Promise<Run> {
  const inputs: Record<string, string> = {
    audience: world.sims.world.mondoo.audience,
    'universe-domain': world.mondooUrl,
    ...(mode === 'role' ? { 'role-to-assume': world.sims.world.role.roleArn } : {}),
    'attempt-timeout-seconds': '5',
    ...opts.inputs,
  };
  const dirs = { HOME: world.dir, USERPROFILE: world.dir, TMPDIR: world.dir };
  const env = { ...world.env(mode), ...dirs, ...opts.env };

  if (kind === 'action') {
    const r = await runAction(
      inputs,
      { ...env, RUNNER_TEMP: world.dir, MONDOO_TEST_WRITES: 'stdout' },
      { nodeArgs: ['--import', PRELOAD_URL], ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) },
    );
    const ordered = r.stdout.split(/\r?\n/);
    const writes = markers(ordered);
    const outputFiles = writes
      .filter((w) => w.op === 'write')
      .map((w) => w.path)
      .filter((p) => /[\\/](output|env)$/.test(p));
    return {
      ...r,
      kind,
      log: [
        ordered.filter((l) => !l.startsWith('::add-mask::') && !l.startsWith(MARKER)).join('\n'),
        r.stderr,
        r.summary,
      ].join('\n'),
      ...splitErrorCode(r.errors.join('\n')),
      warnings: r.warnings,
      credential: r.outputs['base64-credential'],
      arn: r.outputs['aws-arn'],
      masks: r.masks,
      ordered,
      writes,
      requestedOutputs: [...new Set(outputFiles)],
      files: filesWritten(writes, [world.dir]),
    };
  }

  const args: string[] = [];
  for (const [name, value] of Object.entries(inputs)) if (name !== 'export-env') args.push(`--${name}`, value);
  const outputFile = opts.outputFile ? join(world.dir, 'mondoo.json') : undefined;
  args.push('--output', 'json', ...(outputFile ? ['--output-file', outputFile] : []));
  const inActions = kind === 'cli-in-actions';
  const logDir = mkdtempSync(join(tmpdir(), 'mondoo-hardening-writes-'));
  const writeLog = join(logDir, 'writes.jsonl');
  const r = await runCli(
    args,
    {
      ...env,
      ...(inActions
        ? { ...gitHubRunnerEnv(world.dir), MONDOO_TEST_WRITES: 'stderr' }
        : { MONDOO_TEST_WRITES: writeLog }),
      NODE_OPTIONS: `--import=${PRELOAD_URL}`,
    },
    { cwd: world.dir, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) },
  );
  const ordered = r.stderr.split(/\r?\n/);
  const writes = inActions
    ? markers(ordered)
    : readFileIfAny(writeLog)
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as WriteRecord);
  rmSync(logDir, { recursive: true, force: true });
  const delivered = outputFile ? readFileIfAny(outputFile) : r.stdout;
  let output: { base64_credential?: string; aws_arn?: string } = {};
  try {
    output = JSON.parse(delivered) as typeof output;
  } catch {
    output = {};
  }
  const errorAt = r.stderr.indexOf('mondoo-aws-auth: error: ');
  const visible = ordered.filter((l) => !l.startsWith('::add-mask::') && !l.startsWith(MARKER)).join('\n');
  return {
    ...r,
    kind,
    log: visible,
    ...splitErrorCode(
      errorAt < 0 ? '' : r.stderr.slice(errorAt + 'mondoo-aws-auth: error: '.length).replace(/\n$/, ''),
    ),
    warnings: ordered
      .filter((l) => l.startsWith('mondoo-aws-auth: warning: '))
      .map((l) => l.slice('mondoo-aws-auth: warning: '.length)),
    credential: output.base64_credential,
    arn: output.aws_arn,
    masks: ordered
      .filter((l) => l.startsWith('::add-mask::'))
      .map((l) => unescapeCommandValue(l.slice('::add-mask::'.length))),
    ordered,
    writes,
    requestedOutputs: outputFile ? [outputFile] : [],
    files: filesWritten(writes, [world.dir]),
  };
}

function markers(lines: string[]): WriteRecord[] {
  return lines.filter((l) => l.startsWith(MARKER)).map((l) => JSON.parse(l.slice(MARKER.length)) as WriteRecord);
}

function readFileIfAny(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Every file the records name (renames followed) and every file under `dirs`, with its content now. */
function filesWritten(writes: WriteRecord[], dirs: string[]): Map<string, string> {
  const paths = new Set<string>();
  for (const w of writes) {
    if (w.op === 'write') paths.add(w.path);
    else paths.add(w.to);
  }
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else paths.add(path);
    }
  };
  for (const dir of dirs) walk(dir);
  // The runner's own folder (GITHUB_OUTPUT and friends) too.
  for (const w of writes) if (w.op === 'write') walk(dirname(w.path));
  const files = new Map<string, string>();
  for (const path of paths) if (existsSync(path)) files.set(path, readFileSync(path, 'utf8'));
  return files;
}

/**
 * The secret scan: nothing the simulators handed out or received appears in the log, the job summary, the
 * CLI's stdout beyond its requested output, or any file the run wrote; the requested output holds the issued
 * credential and nothing else secret; and (Action, CLI in Actions) each secret written to a file was masked
 * on the same stream before the write.
 */
export function expectNoSecretsLeaked(run: Run, world: World): void {
  const secrets = world.secrets();
  const issued = world.sims.mondoo.issued.map((i) => i.base64Credential);
  const withoutIssued = (text: string): string => issued.reduce((t, c) => t.split(c).join('<credential>'), text);
  const where: Record<string, string[]> = {};
  const note = (place: string, leaks: string[]): void => {
    if (leaks.length > 0) where[place] = leaks;
  };
  note('log', leakedSecrets(run.log, secrets));
  // The CLI's stdout is its requested output: the credential (as JSON) or nothing.
  if (run.kind !== 'action') note('stdout', leakedSecrets(withoutIssued(run.stdout), secrets));
  for (const [path, content] of run.files) {
    const requested = run.requestedOutputs.includes(path);
    note(path, leakedSecrets(requested ? withoutIssued(content) : content, secrets));
    if (!requested) note(`${path} (issued credential)`, leakedSecrets(content, issued));
  }
  expect(where).toEqual({});
  // No half-written output left behind (the CLI writes a temporary file and renames it).
  expect([...run.files.keys()].filter((p) => p.endsWith('.tmp'))).toEqual([]);
  if (run.kind !== 'cli') expectMaskedBeforeWritten(run, secrets);
}

/** For each write (in stream order), every secret in the bytes it wrote had an ::add-mask:: earlier on the stream. */
export function expectMaskedBeforeWritten(run: Run, secrets: string[]): void {
  const late: string[] = [];
  const masked = new Set<string>();
  for (const line of run.ordered) {
    if (line.startsWith('::add-mask::')) {
      masked.add(unescapeCommandValue(line.slice('::add-mask::'.length)));
      continue;
    }
    if (!line.startsWith(MARKER)) continue;
    const w = JSON.parse(line.slice(MARKER.length)) as WriteRecord;
    if (w.op !== 'write') continue;
    const content = run.files.get(w.path);
    if (content === undefined) continue;
    const written = Buffer.from(content, 'utf8')
      .subarray(w.start, w.start + w.length)
      .toString('utf8');
    for (const s of secrets)
      if (s.length >= 6 && written.includes(s) && !masked.has(s))
        late.push(`${s.slice(0, 6)}… (${s.length} chars) in ${w.path}`);
  }
  expect(late).toEqual([]);
}
