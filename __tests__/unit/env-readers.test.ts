/**
 * The environment is read in one place (issue 17, item 5): the adapters hand it to the set-up (run-setup.ts),
 * whose readers turn it into typed settings once; nothing downstream reads `env`. This reads the source: a line
 * of code (comments left out) that names NodeJS.ProcessEnv, indexes an `env`, or reads process.env, may stand
 * only in the files below, and each reader is called only by the set-up (or by its own module's reader).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const ROOT = process.cwd();

/** The files that may read the environment, and why. */
const READERS: Record<string, string> = {
  'src/cli-main.ts': 'the CLI process: hands process.env to the adapter',
  'src/action.ts': 'the Action adapter: its inputs (INPUT_*) and the summary path from the env it is given',
  'src/cli.ts': "the CLI adapter: its flags' environment fallbacks",
  'src/core/run-setup.ts': 'the one set-up: the host secrets, then the readers below',
  'src/core/config/settings.ts': 'the settings table: environment fallbacks of the settings',
  'src/core/config/config.ts': 'the region and the STS endpoint variables',
  'src/core/credentials/aws-environment.ts': 'what the AWS credential chain reads',
  'src/core/ci-tokens/ci-environment.ts': "the CI's variables",
  'src/core/network/proxy.ts': 'the proxy variables',
  'src/core/network/tls-policy.ts': 'NODE_TLS_REJECT_UNAUTHORIZED',
  'src/core/safety/masker.ts': 'whether this is a GitHub runner (the masker is the adapters’ first step)',
};

/** Each reader, and the files allowed to call it. */
const CALLERS: Record<string, string[]> = {
  readAwsEnvironment: ['src/core/run-setup.ts'],
  readCiEnvironment: ['src/core/run-setup.ts'],
  readProxySettings: ['src/core/run-setup.ts'],
  ignoredTlsOverride: ['src/core/run-setup.ts'],
  readStsEndpoint: ['src/core/run-setup.ts', 'src/core/credentials/aws-environment.ts'],
  parseConfig: ['src/core/run-setup.ts'],
  resolveRegion: ['src/core/config/settings.ts'],
  onGitHubRunner: ['src/cli.ts'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The code of a file, its comments blanked (line numbers kept). */
function code(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
  return text.split('\n').map((line) => line.replace(/(^|[^:'"`])\/\/.*$/, '$1'));
}

const FILES = sources(join(ROOT, 'src')).map((f) => relative(ROOT, f).replace(/\\/g, '/'));
const READS_ENV = /\bProcessEnv\b|\benv\[|\bprocess\.env\b/;

describe('the environment is read at set-up only', () => {
  it('only the set-up, its readers and the adapters name or index an environment', () => {
    const found = FILES.flatMap((file) =>
      code(join(ROOT, file)).flatMap((line, i) => (READS_ENV.test(line) ? [`${file}:${i + 1}`] : [])),
    );
    const outside = found.filter((where) => !(where.split(':')[0]! in READERS));
    expect(outside).toEqual([]);
    // Every file listed still reads it: the list says what is true.
    expect([...new Set(found.map((w) => w.split(':')[0]))].sort()).toEqual(Object.keys(READERS).sort());
  });

  it.each(Object.entries(CALLERS))('%s is called only by the set-up (or an adapter, before it)', (reader, allowed) => {
    const call = new RegExp(`\\b${reader}\\(`);
    const definedIn = FILES.filter((file) =>
      code(join(ROOT, file)).some((l) => new RegExp(`function ${reader}\\(`).test(l)),
    );
    const callers = FILES.filter(
      (file) =>
        !definedIn.includes(file) &&
        code(join(ROOT, file)).some((l) => call.test(l) && !new RegExp(`function ${reader}\\(`).test(l)),
    );
    expect(definedIn).toHaveLength(1);
    expect(callers.sort()).toEqual([...allowed].sort());
  });
});
