// @ts-check
/**
 * Which system tools this machine has, for the tests that need them (rsync for gitlab-ci-local, git, bash,
 * dash, shellcheck, a POSIX sh). No Jest here, so scripts and child processes can ask too; the tests use
 * `needTools` of testkit/system-tools.js.
 *
 * A tool is there when it is found on PATH, the way a shell finds a command, and a test runs the one found
 * (`findTool`): so hiding a tool from PATH (scripts/without-tools.mjs, run by .ci/run) makes exactly its
 * tests skip, even where it is also installed as /bin/<name>. Only `sh` is looked for as /bin/sh too: the
 * tests run `#!/bin/sh` scripts, and a shebang names the path.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** @typedef {'rsync' | 'git' | 'bash' | 'dash' | 'sh' | 'shellcheck' | 'sha256sum' | 'mkfifo'} Tool */

/**
 * The first executable file named `name` in the directories of `path` (PATH by default), as an absolute path;
 * undefined when there is none.
 * @param {string} name
 * @param {string | undefined} [path]
 * @returns {string | undefined}
 */
export function findTool(name, path = process.env['PATH']) {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!isAbsolute(dir)) continue; // an empty or relative entry would depend on the working directory
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not there, or not executable: the next directory
    }
  }
  return undefined;
}

/**
 * @param {string} name
 * @param {string[]} args
 * @param {string | undefined} path
 */
function runs(name, args, path) {
  const file = findTool(name, path);
  return file !== undefined && spawnSync(file, args, { stdio: 'ignore' }).status === 0;
}

/** @type {Record<Tool, { present: (path: string | undefined) => boolean, why: string, install: Partial<Record<NodeJS.Platform, string>> & { linux: string } }>} */
const TOOLS = {
  rsync: {
    // macOS 15 ships openrsync as rsync; gitlab-ci-local's options (-Ra, --delete-excluded) are known from rsync.
    present: (path) => {
      const file = findTool('rsync', path);
      if (file === undefined) return false;
      const r = spawnSync(file, ['--version'], { encoding: 'utf8' });
      return r.status === 0 && !/openrsync/i.test(`${r.stdout}${r.stderr}`);
    },
    why: 'gitlab-ci-local copies the project with it',
    install: {
      linux: 'apt-get install -y rsync',
      darwin: 'brew install rsync (the openrsync of macOS is not enough)',
      win32: 'not available natively; run this test on Linux or macOS',
    },
  },
  git: {
    present: (path) => runs('git', ['--version'], path),
    why: 'gitlab-ci-local reads the project from a git repository',
    install: { linux: 'apt-get install -y git', darwin: 'xcode-select --install', win32: 'winget install Git.Git' },
  },
  bash: {
    present: (path) => process.platform !== 'win32' && findTool('bash', path) !== undefined,
    why: "GitLab's shell executor runs job scripts with bash",
    install: {
      linux: 'apt-get install -y bash',
      darwin: 'part of macOS',
      win32: 'not available as a POSIX bash; run this test on Linux or macOS',
    },
  },
  dash: {
    present: (path) => process.platform !== 'win32' && findTool('dash', path) !== undefined,
    why: 'the POSIX shell of Alpine-like images',
    install: {
      linux: 'apt-get install -y dash',
      darwin: 'part of macOS (10.15 and later)',
      win32: 'not available; run this test on Linux or macOS',
    },
  },
  shellcheck: {
    present: (path) => runs('shellcheck', ['--version'], path),
    why: 'scripts/lint-docs.mjs checks every shell recipe the docs show with it',
    install: {
      linux: 'apt-get install -y shellcheck',
      darwin: 'brew install shellcheck',
      win32: 'winget install koalaman.shellcheck',
    },
  },
  sha256sum: {
    present: (path) => runs('sha256sum', ['--version'], path),
    why: "the docs' download recipes check the CLI file with sha256sum -c",
    install: {
      linux: 'apt-get install -y coreutils',
      darwin: 'brew install coreutils',
      win32: 'not available natively; run this test on Linux or macOS',
    },
  },
  mkfifo: {
    present: (path) => process.platform !== 'win32' && findTool('mkfifo', path) !== undefined,
    why: 'the tests make named pipes (FIFOs) with it, to show that no read or write waits on one',
    install: {
      linux: 'apt-get install -y coreutils',
      darwin: 'part of macOS',
      win32: 'Windows has no FIFOs in its file system; run this test on Linux or macOS',
    },
  },
  sh: {
    present: (path) => process.platform !== 'win32' && existsSync('/bin/sh') && findTool('sh', path) !== undefined,
    why: 'the test runs sh, and `#!/bin/sh` scripts as commands on PATH',
    install: {
      linux: 'apt-get install -y dash',
      darwin: 'part of macOS',
      win32: 'Windows runs no #! scripts; run this test on Linux or macOS',
    },
  },
};

/**
 * The tools of `tools` this machine lacks (looked for on `path`, PATH by default), each as one line naming it,
 * why it is needed and how to install it.
 * @param {Tool[]} tools
 * @param {string | undefined} [path]
 * @returns {string[]}
 */
export function missingTools(tools, path = process.env['PATH']) {
  return tools
    .filter((tool) => !TOOLS[tool].present(path))
    .map((tool) => {
      const { why, install } = TOOLS[tool];
      return `${tool} is not installed (${why}). Install it: ${install[process.platform] ?? install.linux}`;
    });
}
