// Builds the committed bundles with @vercel/ncc:
//   dist/index.js (+ lazily loaded chunks)  the GitHub Action
//   dist/cli.js                             the CLI, one self-contained file
// Everything is built in a scratch folder and swapped in at the end, so dist/ is never half-built.
//
// Both entry points load the AWS SDK's default credential chain with import(), so ncc puts that code in a
// separate chunk that only runs without keys in the environment (and without a role) load. The action ships
// it as a file beside index.js. The CLI must stay one file, so its chunks are embedded in it, brotli-compressed, as string
// literals, and imported from data: URLs when needed: bundling the same code inline would have V8 parse
// ~1 MB of JavaScript on every run, and even as uncompressed base64 the 1.3 MB of string costs ~8 ms to load.
//
// ncc's ESM output loads Node's built-in modules through `createRequire(import.meta.url)` from "module".
// Loading that public module costs a few milliseconds on every run, for nothing but built-ins: the bundles
// take them from `process.getBuiltinModule` instead (Node >= 20.16), and fall back to createRequire only on
// an older Node.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const ncc = join('node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

function bundle(entry, outDir) {
  execFileSync(process.execPath, [ncc, 'build', entry, '-o', outDir, '--target', 'es2022', '--license', 'licenses.txt', '--quiet'], { stdio: 'inherit' });
}

const CREATE_REQUIRE_IMPORT = 'import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";';
const BUILTIN_REQUIRE = /__WEBPACK_EXTERNAL_createRequire\(import\.meta\.url\)\("([^"]+)"\)/g;

/** A bundle that takes Node's built-in modules from process.getBuiltinModule (see the comment at the top). */
function useBuiltinModule(code, file) {
  if (!code.includes('__WEBPACK_EXTERNAL_createRequire')) return code;
  if (code.split(CREATE_REQUIRE_IMPORT).length !== 2) throw new Error(`${file}: ncc's createRequire import changed`);
  const required = [...code.matchAll(BUILTIN_REQUIRE)].map((m) => m[1]);
  const notBuiltin = required.filter((id) => !isBuiltin(id));
  if (notBuiltin.length > 0) throw new Error(`${file}: requires modules that are not built into Node: ${notBuiltin.join(', ')}`);
  const rewritten = code
    .replace(CREATE_REQUIRE_IMPORT, 'const __builtinModule = process.getBuiltinModule ?? (await import("node:module")).createRequire(import.meta.url);')
    .replace(BUILTIN_REQUIRE, (_, id) => `__builtinModule(${JSON.stringify(id)})`);
  if (rewritten.includes('__WEBPACK_EXTERNAL_createRequire')) throw new Error(`${file}: createRequire is used for something other than a built-in module`);
  return rewritten;
}

// ncc's runtime computes the folder of the bundle for its asset relocation on every start (new URL on
// import.meta.url, which also loads Node's import.meta support). These bundles relocate no assets: the value
// is computed only if something ever asks for it.
const ASSET_BASE = /^\/\*{6}\/ if \(typeof __nccwpck_require__ !== 'undefined'\) __nccwpck_require__\.ab = (.+);$/m;

function lazyAssetBase(code) {
  const m = ASSET_BASE.exec(code);
  if (m === null) return code;
  return code.replace(ASSET_BASE, () => `/******/ if (typeof __nccwpck_require__ !== 'undefined') Object.defineProperty(__nccwpck_require__, "ab", { configurable: true, get: () => ${m[1]} });`);
}

function rewriteRuntime(dir) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    const path = join(dir, file);
    writeFileSync(path, lazyAssetBase(useBuiltinModule(readFileSync(path, 'utf8'), path)));
  }
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
    chunks[id] = brotliCompressSync(readFileSync(join(dir, file)), { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }).toString('base64');
  }
  main = main.replace(
    loader,
    'import("data:text/javascript;base64," + __builtinModule("node:zlib").brotliDecompressSync(Buffer.from(__embeddedChunks[chunkId], "base64")).toString("base64"))',
  );
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
  rewriteRuntime(out);
  rewriteRuntime(cli);
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
