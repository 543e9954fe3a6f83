// Builds the committed bundles with @vercel/ncc:
//   dist/index.js (+ lazily loaded chunks)  the GitHub Action
//   dist/cli.js                             the CLI, one self-contained file
// Everything is built in a scratch folder and swapped in at the end, so dist/ is never half-built.
//
// Both entry points load the STS client and the full credential chain with import(), so ncc puts that code
// in separate chunks that only role mode / the SDK chain load. The action ships them as files beside
// index.js. The CLI must stay one file, so its chunks are embedded in it as string literals and imported
// from data: URLs when needed: a string costs next to nothing to load, where bundling the same code inline
// would have V8 parse ~1 MB of JavaScript on every run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ncc = join('node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

function bundle(entry, outDir) {
  execFileSync(process.execPath, [ncc, 'build', entry, '-o', outDir, '--target', 'es2022', '--license', 'licenses.txt', '--quiet'], { stdio: 'inherit' });
}

/** The CLI's main file with every chunk ncc emitted beside it embedded (see the comment at the top). */
function embedChunks(dir) {
  const loader = 'import("./" + __nccwpck_require__.u(chunkId))';
  let main = readFileSync(join(dir, 'index.js'), 'utf8');
  if (main.split(loader).length !== 2) throw new Error('ncc\'s chunk loader changed: cannot embed the CLI\'s chunks');
  const chunks = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'index.js')) {
    const id = /^(\d+)\.index\.js$/.exec(file)?.[1];
    if (id === undefined) throw new Error(`unexpected file in the CLI build: ${file}`);
    chunks[id] = readFileSync(join(dir, file)).toString('base64');
  }
  main = main.replace(loader, 'import("data:text/javascript;base64," + __embeddedChunks[chunkId])');
  const [first, ...rest] = main.split('\n');
  if (!first.startsWith('#!')) throw new Error('the CLI bundle lost its #! line');
  return [first, `const __embeddedChunks = ${JSON.stringify(chunks)};`, ...rest].join('\n');
}

const scratch = mkdtempSync('.dist-build-');
try {
  const out = join(scratch, 'dist');
  const cli = join(scratch, 'cli');
  bundle('src/index.ts', out);
  bundle('src/cli-main.ts', cli);
  writeFileSync(join(out, 'cli.js'), embedChunks(cli));
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
