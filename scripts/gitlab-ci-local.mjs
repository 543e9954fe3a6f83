// @ts-check
// Runs gitlab-ci-local (a devDependency) through its command line, for the docs linter (GitLab's CI schema,
// which gitlab-ci-local checks every pipeline against) and the tests of .gitlab-ci.yml.
//
// gitlab-ci-local 4.x uses the ES2025 Set methods (Node 22+). Under Node 20 it runs with a small polyfill of
// those seven methods preloaded (--import of a data: URL); under Node 22+ as is.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const SET_METHODS_POLYFILL = `
const P = Set.prototype;
const define = (name, fn) => { if (typeof P[name] !== 'function') Object.defineProperty(P, name, { value: fn, writable: true, configurable: true }); };
define('union', function (o) { const r = new Set(this); for (const v of o.keys()) r.add(v); return r; });
define('intersection', function (o) { const r = new Set(); for (const v of this) if (o.has(v)) r.add(v); return r; });
define('difference', function (o) { const r = new Set(); for (const v of this) if (!o.has(v)) r.add(v); return r; });
define('symmetricDifference', function (o) { const r = new Set(this); for (const v of o.keys()) { if (this.has(v)) r.delete(v); else r.add(v); } return r; });
define('isSubsetOf', function (o) { for (const v of this) if (!o.has(v)) return false; return true; });
define('isSupersetOf', function (o) { for (const v of o.keys()) if (!this.has(v)) return false; return true; });
define('isDisjointFrom', function (o) { for (const v of this) if (o.has(v)) return false; return true; });
`;

/** The gitlab-ci-local command: its package's "bin", found the way Node resolves the package. */
export function gitlabCiLocalScript() {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('gitlab-ci-local/package.json');
  const bin = require(pkgFile).bin;
  return join(dirname(pkgFile), typeof bin === 'string' ? bin : bin['gitlab-ci-local']);
}

/** [node, args before the script]. */
export function gitlabCiLocalNode() {
  const major = Number(process.versions.node.split('.')[0]);
  const pre = major >= 22 ? [] : ['--import', `data:text/javascript,${encodeURIComponent(SET_METHODS_POLYFILL)}`];
  return { node: process.execPath, args: [...pre, gitlabCiLocalScript()] };
}

/**
 * Runs gitlab-ci-local in `cwd` (a git repository with an origin remote) with only PATH, HOME and TMPDIR
 * from outside, so nothing of the developer's own GitLab or GCL_* setup leaks in. `pathPrefix` puts directories
 * before PATH (stand-in commands for the jobs of the shell executor).
 * @param {string[]} args
 * @param {{ cwd: string, home: string, timeoutMs?: number, pathPrefix?: string[] }} opts
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
export function runGitlabCiLocal(args, opts) {
  const { node, args: pre } = gitlabCiLocalNode();
  const env = {
    PATH: [...(opts.pathPrefix ?? []), dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':'),
    HOME: opts.home,
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    LANG: 'C.UTF-8',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(node, [...pre, '--home', opts.home, '--no-color', ...args], {
      cwd: opts.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
