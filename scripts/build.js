// Builds the committed bundles with @vercel/ncc:
//   dist/index.js (+ lazily loaded chunks)  the GitHub Action
//   dist/cli.js                             the CLI, one self-contained file
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ncc = join('node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

function bundle(entry, outDir) {
  execFileSync(process.execPath, [ncc, 'build', entry, '-o', outDir, '--target', 'es2022', '--license', 'licenses.txt', '--quiet'], { stdio: 'inherit' });
}

rmSync('dist', { recursive: true, force: true });
bundle('src/index.ts', 'dist');

if (existsSync('src/cli-main.ts')) {
  const tmp = mkdtempSync(join(tmpdir(), 'mondoo-aws-auth-cli-'));
  bundle('src/cli-main.ts', tmp);
  const files = readdirSync(tmp).filter((f) => f.endsWith('.js'));
  if (files.length !== 1) throw new Error(`the CLI must bundle into one file, got: ${files.join(', ')}`);
  renameSync(join(tmp, 'index.js'), join('dist', 'cli.js'));
  renameSync(join(tmp, 'licenses.txt'), join('dist', 'cli-licenses.txt'));
  rmSync(tmp, { recursive: true, force: true });
}
// dist/ holds ES modules: say so, so node runs them as ESM wherever dist/ is copied with its package.json.
writeFileSync(join('dist', 'package.json'), '{"type":"module"}\n');
