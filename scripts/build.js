// Builds the committed bundles with esbuild, as CommonJS for Node >= 20:
//   dist/index.js             the GitHub Action (action.yml's `main`)
//   dist/credential-chain.js  the AWS SDK's default credential chain (its loop and links, the tool's own
//                             container, instance metadata and credential_process clients, the SDK's
//                             providers), which the Action loads with import() only when it needs it (no keys
//                             in the environment and no role). It carries its own copy of the modules it
//                             shares with the entry; their error classes match across the copies (ToolError,
//                             src/core/safety/errors.ts)
//   dist/cli.cjs              the CLI: one self-contained file, the credential chain included
//   dist/licenses.txt         the licenses of the third-party code in the bundles
// Everything is built in a scratch folder and swapped in at the end, so dist/ is never half-built.
// Why esbuild rather than @vercel/ncc: bench/README.md ("The build").
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** What every bundle shares. `format: 'cjs'` so one file runs under any Node >= 20 whatever its name or folder. */
const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Prefer a package's ES module build: esbuild can leave out what is not imported from it, and cannot from a
  // CommonJS build (@smithy/signature-v4 uses a few helpers of @smithy/core).
  mainFields: ['module', 'main'],
  charset: 'utf8',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};

/**
 * @actions/core's index also exports its OIDC client (with @actions/http-client and undici) and a platform
 * module that runs commands; this tool calls neither. Its modules only define functions, so they are declared
 * free of side effects, and esbuild leaves out whatever the tool does not use. (The package.json does not
 * declare `sideEffects`; this says what it would.)
 */
const actionsCoreHasNoSideEffects = {
  name: 'actions-core-has-no-side-effects',
  /** @param {import('esbuild').PluginBuild} b */
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolved') return undefined;
      const inCore =
        /[\\/]node_modules[\\/]@actions[\\/]core[\\/]/.test(args.importer) || args.path === '@actions/core';
      if (!inCore) return undefined;
      const result = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolved',
      });
      if (result.errors.length > 0 || result.external) return result;
      return { ...result, sideEffects: false };
    });
  },
};

/** In the Action, `import('./core/credentials/links/credential-chain.js')` loads the separately built dist/credential-chain.js. */
const credentialChainBeside = {
  name: 'credential-chain-beside',
  /** @param {import('esbuild').PluginBuild} b */
  setup(b) {
    b.onResolve({ filter: /^\.\/core\/credentials\/links\/credential-chain\.js$/ }, () => ({
      path: './credential-chain.js',
      external: true,
    }));
  },
};

/** The license texts of the packages whose code is in the bundles, for dist/licenses.txt. */
function licenses(metafiles) {
  const packages = new Map();
  // Only the files that contributed code: esbuild also lists the modules it read and then left out.
  const inputs = metafiles.flatMap((m) => Object.values(m.outputs).flatMap((o) => Object.entries(o.inputs)));
  for (const [input, { bytesInOutput }] of inputs) {
    const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input.replace(/\\/g, '/'));
    if (bytesInOutput === 0 || m === null || packages.has(m[2])) continue;
    const dir = m[1];
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE']
      .map((f) => join(dir, f))
      .find((f) => existsSync(f));
    packages.set(
      m[2],
      `${pkg.name}@${pkg.version} (${pkg.license ?? 'see package'})\n${file ? readFileSync(file, 'utf8').trim() : '(no license file in the package)'}\n`,
    );
  }
  return [...packages.keys()]
    .sort()
    .map((name) => packages.get(name))
    .join('\n');
}

const scratch = mkdtempSync('.dist-build-');
try {
  const out = join(scratch, 'dist');
  const results = await Promise.all([
    build({
      ...COMMON,
      entryPoints: ['src/index.ts'],
      outfile: join(out, 'index.js'),
      plugins: [actionsCoreHasNoSideEffects, credentialChainBeside],
    }),
    build({
      ...COMMON,
      entryPoints: ['src/core/credentials/links/credential-chain.ts'],
      outfile: join(out, 'credential-chain.js'),
    }),
    build({
      ...COMMON,
      entryPoints: ['src/cli-main.ts'],
      outfile: join(out, 'cli.cjs'),
      plugins: [actionsCoreHasNoSideEffects],
    }),
  ]);
  writeFileSync(join(out, 'licenses.txt'), licenses(results.map((r) => r.metafile)));
  // The repository's package.json says "type": "module"; the Action's .js files are CommonJS.
  writeFileSync(join(out, 'package.json'), '{"type":"commonjs"}\n');
  const old = join(scratch, 'old');
  if (existsSync('dist')) renameSync('dist', old);
  renameSync(out, 'dist');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
