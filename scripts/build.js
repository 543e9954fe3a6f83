// Builds the committed bundles with @vercel/ncc:
//   dist/index.js (+ lazily loaded chunks)  the GitHub Action
//   dist/cli.js                             the CLI, one self-contained file
// Everything is built in a scratch folder and swapped in at the end, so dist/ is never half-built.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ncc = join('node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

function bundle(entry, outDir) {
  execFileSync(process.execPath, [ncc, 'build', entry, '-o', outDir, '--target', 'es2022', '--license', 'licenses.txt', '--quiet'], { stdio: 'inherit' });
}

const scratch = mkdtempSync('.dist-build-');
try {
  const out = join(scratch, 'dist');
  const cli = join(scratch, 'cli');
  bundle('src/index.ts', out);
  bundle('src/cli-main.ts', cli);
  const files = readdirSync(cli).filter((f) => f.endsWith('.js'));
  if (files.length !== 1) throw new Error(`the CLI must bundle into one file, got: ${files.join(', ')}`);
  renameSync(join(cli, 'index.js'), join(out, 'cli.js'));
  renameSync(join(cli, 'licenses.txt'), join(out, 'cli-licenses.txt'));
  // dist/ holds ES modules: say so, so node runs them as ESM wherever dist/ is copied with its package.json.
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  const old = join(scratch, 'old');
  try {
    renameSync('dist', old);
  } catch {
    // no previous dist/
  }
  renameSync(out, 'dist');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
