#!/usr/bin/env node
// Entry point of the CLI (dist/cli.cjs): one self-contained file, the AWS SDK's default credential chain included.
import pkg from '../package.json' with { type: 'json' };
import { main } from './cli.js';
import { exitSoon } from './exit-soon.js';

void main(
  process.argv.slice(2),
  process.env,
  { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
  pkg.version,
  { credentialChain: () => import('./core/credentials/links/credential-chain.js') },
).then((code) => {
  process.exitCode = code;
  exitSoon();
});
