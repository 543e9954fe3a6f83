#!/usr/bin/env node
// @ts-check
// Runs a command as on a machine without some tools: each PATH directory that holds one of them is replaced
// by a temporary copy made of symbolic links to everything else in it; the other directories stay as they are.
// .ci/run uses it to run the tests as a newcomer would, without rsync, shellcheck and dash.
//
//   node scripts/without-tools.mjs rsync shellcheck dash -- npm test
//
// The tests find their tools on PATH (testkit/tools.js), so a hidden tool is missing for them even when it is
// also installed as /bin/<name>. POSIX only. Exits with the command's status (128 + n after signal n).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * PATH with `hidden` gone: directories holding one of them are mirrored, under `root`, without them.
 * @param {string} path
 * @param {string[]} hidden
 * @param {string} root
 * @returns {string}
 */
export function pathWithout(path, hidden, root) {
  return path
    .split(delimiter)
    .map((dir, i) => {
      if (dir === '' || !hidden.some((name) => existsSync(join(dir, name)))) return dir;
      const mirror = join(root, String(i));
      mkdirSync(mirror);
      for (const name of readdirSync(dir)) if (!hidden.includes(name)) symlinkSync(join(dir, name), join(mirror, name));
      return mirror;
    })
    .join(delimiter);
}

function main() {
  const args = process.argv.slice(2);
  const dashes = args.indexOf('--');
  const hidden = dashes < 0 ? [] : args.slice(0, dashes);
  const command = dashes < 0 ? [] : args.slice(dashes + 1);
  if (hidden.length === 0 || command.length === 0 || hidden.some((name) => name === '' || name.includes('/'))) {
    process.stderr.write('usage: node scripts/without-tools.mjs TOOL... -- COMMAND [ARG...]\n');
    process.exit(2);
  }
  const root = mkdtempSync(join(tmpdir(), 'without-tools-'));
  const cleanUp = () => rmSync(root, { recursive: true, force: true });
  const path = pathWithout(process.env['PATH'] ?? '', hidden, root);
  process.stderr.write(`without-tools: ${hidden.join(', ')} hidden from PATH\n`);
  const child = spawn(command[0] ?? '', command.slice(1), { stdio: 'inherit', env: { ...process.env, PATH: path } });
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']))
    process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    cleanUp();
    process.stderr.write(`without-tools: cannot run ${command[0]}: ${err.message}\n`);
    process.exit(127);
  });
  child.on('close', (code, signal) => {
    cleanUp();
    process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0));
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
