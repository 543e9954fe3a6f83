#!/usr/bin/env node
// Entry point of the CLI (dist/cli.js): one self-contained file. The AWS SDK's default credential chain is
// embedded in it and loaded only when that path is taken (see scripts/build.js).
import pkg from '../package.json' with { type: 'json' };
import { main } from './cli.js';
import { writeStderr, writeStdout } from './stdio.js';

const code = await main(
  process.argv.slice(2),
  process.env,
  { stdout: writeStdout, stderr: writeStderr },
  pkg.version,
  { credentialChain: () => import('./core/sdk-links.js') },
);
process.exitCode = code;
