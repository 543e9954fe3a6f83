#!/usr/bin/env node
// @ts-check
/**
 * Runs all simulators until SIGTERM/SIGINT, for CI pipelines and demos:
 *
 *   node testkit/serve.js [--mode env-long|env-session|role|imds|none] (--env-out PATH | --github-env)
 *
 * Writes the environment for the mode as KEY=VALUE lines (to PATH, or appended to $GITHUB_ENV), then
 * prints `simulators ready`. (Not `--env-file`: Node 20 takes that flag for itself even after the script
 * name and exits when the file does not exist yet.)
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { MODES, startSimulators } from './index.js';

const USAGE = `usage: node testkit/serve.js [--mode ${MODES.join('|')}] (--env-out PATH | --github-env)`;

/** @returns {{ mode: import('./index.js').Mode, write: (text: string) => Promise<void> }} */
function parseCommandLine() {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'env-long' },
      'env-out': { type: 'string' },
      'github-env': { type: 'boolean', default: false },
    },
  });
  const mode = MODES.find((m) => m === values.mode);
  if (mode === undefined) throw new Error(`unknown --mode ${values.mode}\n${USAGE}`);
  const envOut = values['env-out'];
  if (values['github-env']) {
    const githubEnv = process.env.GITHUB_ENV;
    if (!githubEnv) throw new Error('--github-env: GITHUB_ENV is not set');
    return { mode, write: (text) => appendFile(githubEnv, text) };
  }
  if (envOut) return { mode, write: (text) => writeFile(envOut, text) };
  throw new Error(USAGE);
}

/** @param {Record<string, string>} env */
function envLines(env) {
  return Object.entries(env)
    .map(([key, value]) => {
      if (/[\r\n]/.test(value)) throw new Error(`${key} has a line break`);
      return `${key}=${value}\n`;
    })
    .join('');
}

async function main() {
  const { mode, write } = parseCommandLine();
  const sims = await startSimulators();
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    sims.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await write(envLines(sims.env(mode)));
  console.log('simulators ready');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
