// @ts-check
// The release steps as small functions, shared by scripts/release.mjs (what the release workflow and
// `npm run release:*` call) and by the dry-run test (__tests__/release/release.test.ts).
//
// One version and one file tie a release together:
//   package.json "version"                    the npm package and the CLI's --version
//   templates/aws-auth.yml                    the component's default `version` and `cli-sha256` inputs, and
//                                             the same two values in the job's MONDOO_AWS_AUTH_RELEASE_* variables
//   the CLI file (package.json "bin")         attached to the GitHub release under its own name, with .sha256
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const COMPONENT = join('templates', 'aws-auth.yml');
export const CHANGELOG = 'CHANGELOG.md';
export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** @param {string} root */
export function readPackage(root) {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
}

/** The CLI file, relative to the repository: package.json's bin entry (one command, mondoo-aws-auth). */
export function cliPath(pkg) {
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['mondoo-aws-auth'];
  if (typeof bin !== 'string' || bin === '') throw new Error('package.json has no bin "mondoo-aws-auth"');
  return bin.replace(/^\.\//, '');
}

/** The name the CLI has as a release asset and in the component's download URL. */
export function cliAssetName(pkg) {
  return basename(cliPath(pkg));
}

/** @param {Buffer | string} data */
export function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

/** The `.sha256` file beside an asset, in the format `sha256sum -c` reads. */
export function checksumLine(hash, name) {
  return `${hash}  ${name}\n`;
}

/** The version of a tag `vX.Y.Z` (GitHub) or `X.Y.Z` (GitLab catalog); throws on anything else. */
export function versionOfTag(tag) {
  const version = tag.replace(/^refs\/tags\//, '').replace(/^v/, '');
  if (!SEMVER.test(version)) throw new Error(`tag ${JSON.stringify(tag)} is not vX.Y.Z or X.Y.Z`);
  return version;
}

/**
 * The component's release pins, read from its text: the spec's default `version` and `cli-sha256`, and the
 * job's MONDOO_AWS_AUTH_RELEASE_VERSION and MONDOO_AWS_AUTH_RELEASE_SHA256 variables.
 * @param {string} text
 */
export function componentPins(text) {
  const docs = parseAllDocuments(text);
  if (docs.length !== 2)
    throw new Error(`${COMPONENT}: expected two YAML documents (spec, then the job), found ${docs.length}`);
  for (const doc of docs) if (doc.errors.length > 0) throw new Error(`${COMPONENT}: ${doc.errors[0].message}`);
  const spec = /** @type {any} */ (docs[0].toJS());
  const jobs = /** @type {any} */ (docs[1].toJS());
  const vars = jobs?.['.mondoo-aws-auth']?.variables ?? {};
  return {
    version: String(spec?.spec?.inputs?.version?.default ?? ''),
    sha256: String(spec?.spec?.inputs?.['cli-sha256']?.default ?? ''),
    releaseVersion: String(vars.MONDOO_AWS_AUTH_RELEASE_VERSION ?? ''),
    releaseSha256: String(vars.MONDOO_AWS_AUTH_RELEASE_SHA256 ?? ''),
  };
}

// The lines release:prepare rewrites. Each must occur exactly once; setPins re-reads the result to prove it.
const PIN_LINES = {
  version: /^( {4}version:\n {6}type: string\n {6}default: )"?[^"\n]*"?$/m,
  sha256: /^( {4}cli-sha256:\n {6}type: string\n {6}default: )"?[^"\n]*"?$/m,
  releaseVersion: /^( {4}MONDOO_AWS_AUTH_RELEASE_VERSION: )"?[^"\n]*"?$/m,
  releaseSha256: /^( {4}MONDOO_AWS_AUTH_RELEASE_SHA256: )"?[^"\n]*"?$/m,
};

/** The component's text with all four pins set to this version and hash. */
export function setPins(text, version, hash) {
  let out = text;
  for (const [key, re] of Object.entries(PIN_LINES)) {
    const found = out.match(new RegExp(re.source, 'gm'))?.length ?? 0;
    if (found !== 1)
      throw new Error(
        `${COMPONENT}: found the line for ${key} ${found} times, expected once; was the file restructured?`,
      );
    const value = key === 'version' || key === 'releaseVersion' ? version : hash;
    out = out.replace(re, (_, head) => `${head}"${value}"`);
  }
  const pins = componentPins(out);
  if (
    pins.version !== version ||
    pins.releaseVersion !== version ||
    pins.sha256 !== hash ||
    pins.releaseSha256 !== hash
  ) {
    throw new Error(`${COMPONENT}: rewriting the pins did not give version ${version} and sha256 ${hash}`);
  }
  return out;
}

/**
 * Everything that must agree, as a list of problems (empty when consistent): package.json's version, the
 * component's four pins, the hash of the CLI file in dist/, and package.json's `files` shipping that file.
 * @param {{ pkg: any, componentText: string, cli: Buffer, lockVersion?: string }} input
 */
export function consistencyProblems({ pkg, componentText, cli, lockVersion }) {
  const problems = [];
  const version = String(pkg.version ?? '');
  const file = cliPath(pkg);
  const hash = sha256(cli);
  const fix = `run \`npm run release:pin\` after building (or \`npm run release:prepare X.Y.Z\` to cut a release) and commit ${COMPONENT}`;
  if (!SEMVER.test(version)) problems.push(`package.json version ${JSON.stringify(version)} is not X.Y.Z`);
  if (lockVersion !== undefined && lockVersion !== version)
    problems.push(`package-lock.json says version ${lockVersion}, package.json ${version}: ${fix}`);
  let pins;
  try {
    pins = componentPins(componentText);
  } catch (err) {
    return [...problems, /** @type {Error} */ (err).message];
  }
  if (pins.version !== version)
    problems.push(
      `${COMPONENT}: input version defaults to ${JSON.stringify(pins.version)}, package.json says ${version}: ${fix}`,
    );
  if (pins.releaseVersion !== version)
    problems.push(
      `${COMPONENT}: MONDOO_AWS_AUTH_RELEASE_VERSION is ${JSON.stringify(pins.releaseVersion)}, package.json says ${version}: ${fix}`,
    );
  if (pins.sha256 !== hash)
    problems.push(
      `${COMPONENT}: input cli-sha256 defaults to ${JSON.stringify(pins.sha256)}, but ${file} has SHA-256 ${hash}: ${fix}`,
    );
  if (pins.releaseSha256 !== hash)
    problems.push(
      `${COMPONENT}: MONDOO_AWS_AUTH_RELEASE_SHA256 is ${JSON.stringify(pins.releaseSha256)}, but ${file} has SHA-256 ${hash}: ${fix}`,
    );
  if (!Array.isArray(pkg.files) || !pkg.files.includes(file))
    problems.push(
      `package.json "files" does not list the CLI ${file} (its "bin"): the npm package would not contain it`,
    );
  return problems;
}

/**
 * The body of CHANGELOG.md's section `## [version]` (Keep a Changelog), without its heading and the link
 * references at the end. Throws when the section is missing or empty: a release has notes.
 * @param {string} changelog
 * @param {string} version
 */
export function releaseNotes(changelog, version) {
  const lines = changelog.split(/\r?\n/);
  const heading = new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\](\\s|$)`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0)
    throw new Error(
      `${CHANGELOG} has no section "## [${version}] - YYYY-MM-DD": add one (release:prepare turns [Unreleased] into it)`,
    );
  let end = lines.findIndex((line, i) => i > start && (/^## /.test(line) || /^\[[^\]]+\]: /.test(line)));
  if (end < 0) end = lines.length;
  const body = lines
    .slice(start + 1, end)
    .join('\n')
    .trim();
  if (body === '') throw new Error(`${CHANGELOG}: the section for ${version} is empty`);
  return `${body}\n`;
}

/**
 * CHANGELOG.md with `## [Unreleased]` renamed to the release (dated) and a new empty [Unreleased] above it.
 * The compare links at the end are updated when present.
 */
export function changelogForRelease(changelog, version, date, repoUrl) {
  if (new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\]`, 'm').test(changelog)) return changelog;
  if (!/^## \[Unreleased\][ \t]*$/m.test(changelog))
    throw new Error(`${CHANGELOG} has no "## [Unreleased]" section to release`);
  let out = changelog.replace(/^## \[Unreleased\][ \t]*$/m, `## [Unreleased]\n\n## [${version}] - ${date}`);
  const link = /^\[Unreleased\]: (\S+)\/compare\/(\S+)\.\.\.HEAD$/m.exec(out);
  if (link) {
    out = out.replace(
      link[0],
      `[Unreleased]: ${link[1]}/compare/v${version}...HEAD\n[${version}]: ${link[1]}/compare/${link[2]}...v${version}`,
    );
  } else if (/^\[Unreleased\]: /m.test(out)) {
    out = out.replace(
      /^\[Unreleased\]: .*$/m,
      `[Unreleased]: ${repoUrl}/compare/v${version}...HEAD\n[${version}]: ${repoUrl}/releases/tag/v${version}`,
    );
  }
  return out;
}

/** The files git reports as changed (or new) under `path`, relative to HEAD; empty when dist/ is as committed. */
export function changedFiles(root, path) {
  const out = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', path], {
    cwd: root,
    encoding: 'utf8',
  });
  return out.split('\n').filter((line) => line.trim() !== '');
}

/**
 * The package.json that is published to npm: the CLI alone, which is one self-contained file, so the
 * published package has no dependencies (nothing to install at `npx` time) and no scripts.
 */
export function publishedPackageJson(pkg) {
  const keep = [
    'name',
    'version',
    'description',
    'keywords',
    'homepage',
    'bugs',
    'license',
    'repository',
    'type',
    'bin',
    'files',
    'engines',
    'publishConfig',
  ];
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const key of keep) if (pkg[key] !== undefined) out[key] = pkg[key];
  return out;
}
