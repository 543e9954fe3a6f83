// @ts-check
/**
 * System tools some tests need beyond Node (rsync for gitlab-ci-local, git, bash, dash, a POSIX sh).
 *
 * A test file asks for its tools with `needTools([...])` and gets `describe`/`it`, or their `.skip` when a tool
 * is missing, after printing one line per missing tool that names it and how to install it. Under
 * MONDOO_AUTH_REQUIRE_ALL_TOOLS=1 (set by .ci/run, which installs every tool) a missing tool fails the file
 * instead: nothing is skipped in CI.
 */
import { describe, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** @typedef {'rsync' | 'git' | 'bash' | 'dash' | 'sh' | 'shellcheck' | 'sha256sum'} Tool */

/** @type {Record<Tool, { present: () => boolean, why: string, install: Partial<Record<NodeJS.Platform, string>> & { linux: string } }>} */
const TOOLS = {
  rsync: {
    // macOS 15 ships openrsync as rsync; gitlab-ci-local's options (-Ra, --delete-excluded) are known from rsync.
    present: () => {
      const r = spawnSync('rsync', ['--version'], { encoding: 'utf8' });
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
    present: () => runs('git', ['--version']),
    why: 'gitlab-ci-local reads the project from a git repository',
    install: { linux: 'apt-get install -y git', darwin: 'xcode-select --install', win32: 'winget install Git.Git' },
  },
  bash: {
    present: () => process.platform !== 'win32' && existsSync('/bin/bash'),
    why: "GitLab's shell executor runs job scripts with /bin/bash",
    install: {
      linux: 'apt-get install -y bash',
      darwin: 'part of macOS',
      win32: 'not available as /bin/bash; run this test on Linux or macOS',
    },
  },
  dash: {
    present: () => process.platform !== 'win32' && existsSync('/bin/dash'),
    why: 'the POSIX shell of Alpine-like images, run as /bin/dash',
    install: {
      linux: 'apt-get install -y dash',
      darwin: 'part of macOS (10.15 and later)',
      win32: 'not available as /bin/dash; run this test on Linux or macOS',
    },
  },
  shellcheck: {
    present: () => runs('shellcheck', ['--version']),
    why: 'scripts/lint-docs.mjs checks every shell recipe the docs show with it',
    install: { linux: 'apt-get install -y shellcheck', darwin: 'brew install shellcheck', win32: 'winget install koalaman.shellcheck' },
  },
  sha256sum: {
    present: () => runs('sha256sum', ['--version']),
    why: "the docs' download recipes check the CLI file with sha256sum -c",
    install: {
      linux: 'apt-get install -y coreutils',
      darwin: 'brew install coreutils',
      win32: 'not available natively; run this test on Linux or macOS',
    },
  },
  sh: {
    present: () => process.platform !== 'win32' && existsSync('/bin/sh'),
    why: 'the test runs `#!/bin/sh` scripts as commands on PATH',
    install: {
      linux: 'apt-get install -y dash',
      darwin: 'part of macOS',
      win32: 'Windows runs no #! scripts; run this test on Linux or macOS',
    },
  },
};

/**
 * @param {string} command
 * @param {string[]} args
 */
function runs(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/**
 * The tools of `tools` this machine lacks, each as one line naming it, why it is needed and how to install it.
 * @param {Tool[]} tools
 * @returns {string[]}
 */
export function missingTools(tools) {
  return tools
    .filter((tool) => !TOOLS[tool].present())
    .map((tool) => {
      const { why, install } = TOOLS[tool];
      return `${tool} is not installed (${why}). Install it: ${install[process.platform] ?? install.linux}`;
    });
}

/** Whether a missing tool fails instead of skipping (.ci/run sets it). */
export const REQUIRE_ALL_TOOLS = process.env['MONDOO_AUTH_REQUIRE_ALL_TOOLS'] === '1';

/**
 * `describe` and `it` for tests that need `tools`: the real ones when every tool is there, `.skip` (after one
 * printed line per missing tool) when not, and a thrown error under MONDOO_AUTH_REQUIRE_ALL_TOOLS=1.
 * @param {Tool[]} tools
 * @param {string} what the tests, for the printed line
 */
export function needTools(tools, what) {
  const missing = missingTools(tools);
  if (missing.length === 0) return { describe, it };
  if (REQUIRE_ALL_TOOLS) throw new Error(`${what} cannot run (MONDOO_AUTH_REQUIRE_ALL_TOOLS=1):\n- ${missing.join('\n- ')}`);
  for (const line of missing) process.stderr.write(`skipped: ${what}: ${line}\n`);
  return { describe: describe.skip, it: it.skip };
}
