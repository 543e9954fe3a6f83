#!/usr/bin/env node
// @ts-check
// The release steps, one command each (the release workflow, `npm run release:*` and the dry-run test call these):
//
//   node scripts/release.mjs check                     versions and the CLI hash agree (.ci/run calls this)
//   node scripts/release.mjs pin                       set the component's pins from package.json and dist/ (no commit)
//   node scripts/release.mjs prepare X.Y.Z [--no-commit] [--date YYYY-MM-DD]
//                                                      bump every version and pin the committed CLI, in one commit
//   node scripts/release.mjs tag-check TAG             the tag (vX.Y.Z) names package.json's version
//   node scripts/release.mjs dist-check                dist/ is exactly what is committed (run after npm run build)
//   node scripts/release.mjs notes X.Y.Z               CHANGELOG.md's section for X.Y.Z, to stdout
//   node scripts/release.mjs assets OUTDIR             the CLI and its .sha256 in OUTDIR, checked against the pins
//   node scripts/release.mjs npm-stage OUTDIR          the npm package (the CLI alone, no dependencies) in OUTDIR
//
// Every command works in the current directory (the repository root) and exits 1 with a message on failure.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CHANGELOG,
  COMPONENT,
  SEMVER,
  changedFiles,
  changelogForRelease,
  checksumLine,
  cliAssetName,
  cliPath,
  componentPins,
  consistencyProblems,
  publishedPackageJson,
  readPackage,
  releaseNotes,
  setPins,
  sha256,
  versionOfTag,
} from './release-lib.mjs';

const root = process.cwd();

class UsageError extends Error {}

function lockVersion() {
  const lockFile = join(root, 'package-lock.json');
  return existsSync(lockFile) ? String(JSON.parse(readFileSync(lockFile, 'utf8')).version) : undefined;
}

function check() {
  const pkg = readPackage(root);
  const problems = consistencyProblems({
    pkg,
    componentText: readFileSync(join(root, COMPONENT), 'utf8'),
    cli: readFileSync(join(root, cliPath(pkg))),
    lockVersion: lockVersion(),
  });
  if (problems.length > 0) throw new Error(`release pins disagree:\n- ${problems.join('\n- ')}`);
  console.log(
    `release pins agree: version ${pkg.version}, ${cliPath(pkg)} sha256 ${sha256(readFileSync(join(root, cliPath(pkg))))}`,
  );
}

/** package.json and package-lock.json with `version`, edited as text so nothing else moves. */
function setPackageVersion(version) {
  const pkgFile = join(root, 'package.json');
  const pkgText = readFileSync(pkgFile, 'utf8');
  const re = /^( {2}"version": )"[^"]*"/m;
  if (!re.test(pkgText)) throw new Error('package.json: no top-level "version" line');
  writeFileSync(pkgFile, pkgText.replace(re, `$1"${version}"`));
  const lockFile = join(root, 'package-lock.json');
  if (existsSync(lockFile)) {
    const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
    lock.version = version;
    if (lock.packages?.['']) lock.packages[''].version = version;
    writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  }
}

function writePins(version, hash) {
  const file = join(root, COMPONENT);
  writeFileSync(file, setPins(readFileSync(file, 'utf8'), version, hash));
}

function pin() {
  const pkg = readPackage(root);
  const hash = sha256(readFileSync(join(root, cliPath(pkg))));
  writePins(String(pkg.version), hash);
  console.log(`${COMPONENT}: version ${pkg.version}, cli-sha256 ${hash}`);
}

function prepare(args) {
  const version = args.find((a) => !a.startsWith('--'));
  if (!version || !SEMVER.test(version))
    throw new UsageError('usage: release.mjs prepare X.Y.Z [--no-commit] [--date YYYY-MM-DD]');
  const dateIndex = args.indexOf('--date');
  const date = dateIndex >= 0 ? args[dateIndex + 1] : new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date ?? '')) throw new UsageError('--date wants YYYY-MM-DD');
  const pkg = readPackage(root);
  const cli = cliPath(pkg);
  // The hash is of the committed CLI: what the tag will hold and the release will attach.
  const dirty = changedFiles(root, 'dist');
  if (dirty.length > 0)
    throw new Error(
      `dist/ differs from the last commit; commit it (or git checkout -- dist) first:\n${dirty.join('\n')}`,
    );
  const committed = execFileSync('git', ['show', `HEAD:${cli}`], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  const hash = sha256(committed);
  const repoUrl = String(pkg.homepage ?? '').replace(/#.*$/, '');
  setPackageVersion(version);
  writePins(version, hash);
  const changelogFile = join(root, CHANGELOG);
  writeFileSync(changelogFile, changelogForRelease(readFileSync(changelogFile, 'utf8'), version, date, repoUrl));
  releaseNotes(readFileSync(changelogFile, 'utf8'), version); // fails now, not at tag time, when the notes are empty
  const files = ['package.json', 'package-lock.json', COMPONENT, CHANGELOG].filter((f) => existsSync(join(root, f)));
  if (args.includes('--no-commit')) {
    console.log(`prepared ${version} (${cli} sha256 ${hash}); not committed: ${files.join(', ')}`);
    return;
  }
  execFileSync('git', ['add', '--', ...files], { cwd: root, stdio: 'inherit' });
  execFileSync('git', ['commit', '-q', '-m', `Release ${version}`, '--', ...files], { cwd: root, stdio: 'inherit' });
  console.log(
    `committed "Release ${version}" (${cli} sha256 ${hash}). Next: git tag v${version} && git push origin v${version}`,
  );
}

function tagCheck(args) {
  const tag = args[0];
  if (!tag) throw new UsageError('usage: release.mjs tag-check TAG');
  const version = versionOfTag(tag);
  const pkg = readPackage(root);
  if (version !== pkg.version)
    throw new Error(
      `tag ${tag} is version ${version}, but package.json says ${pkg.version}: tag the commit made by npm run release:prepare`,
    );
  console.log(`tag ${tag} matches package.json ${pkg.version}`);
}

function distCheck() {
  const changed = changedFiles(root, 'dist');
  if (changed.length > 0) {
    throw new Error(
      `dist/ differs from the commit: the committed bundles are not what this source builds. Run npm run build and commit dist/.\n${changed.join('\n')}`,
    );
  }
  console.log('dist/ is what this source builds');
}

function notes(args) {
  const version = args[0];
  if (!version) throw new UsageError('usage: release.mjs notes X.Y.Z');
  process.stdout.write(releaseNotes(readFileSync(join(root, CHANGELOG), 'utf8'), versionOfTag(version)));
}

function assets(args) {
  const out = args[0];
  if (!out) throw new UsageError('usage: release.mjs assets OUTDIR');
  const pkg = readPackage(root);
  const data = readFileSync(join(root, cliPath(pkg)));
  const hash = sha256(data);
  const pins = componentPins(readFileSync(join(root, COMPONENT), 'utf8'));
  if (pins.sha256 !== hash)
    throw new Error(
      `${cliPath(pkg)} has SHA-256 ${hash}, but the component pins ${pins.sha256}: run npm run release:prepare`,
    );
  const name = cliAssetName(pkg);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, name), data);
  writeFileSync(join(out, `${name}.sha256`), checksumLine(hash, name));
  console.log(join(out, name));
  console.log(join(out, `${name}.sha256`));
}

function npmStage(args) {
  const out = args[0];
  if (!out) throw new UsageError('usage: release.mjs npm-stage OUTDIR');
  const pkg = readPackage(root);
  const published = publishedPackageJson(pkg);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  for (const file of ['README.md', 'LICENSE', ...(pkg.files ?? [])]) {
    if (!existsSync(join(root, file))) throw new Error(`${file} (package.json "files") does not exist`);
    mkdirSync(dirname(join(out, file)), { recursive: true });
    copyFileSync(join(root, file), join(out, file));
  }
  console.log(out);
}

const commands = {
  check,
  pin,
  prepare,
  'tag-check': tagCheck,
  'dist-check': distCheck,
  notes,
  assets,
  'npm-stage': npmStage,
};

function main() {
  const [command, ...args] = process.argv.slice(2);
  const run = commands[/** @type {keyof typeof commands} */ (command)];
  if (!run) throw new UsageError(`usage: release.mjs ${Object.keys(commands).join('|')} …`);
  run(args);
}

try {
  main();
} catch (err) {
  console.error(`release: ${err instanceof Error ? err.message : err}`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
