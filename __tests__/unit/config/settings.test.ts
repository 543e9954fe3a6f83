/**
 * The one settings table (src/core/config/settings.ts) against what users read: action.yml's inputs, the README's
 * inputs table, docs/ci-systems.md's copy of --help, and the CLI's options, help and argument rules.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSetting, helpText, main, parseArgs } from '../../../src/cli.js';
import { ConfigError } from '../../../src/core/safety/errors.js';
import { ACTION_INPUTS, CLI_OPTIONS, parseConfig, SETTINGS } from '../../../src/core/config/settings.js';
import { actionInputs, ROOT } from '../../../testkit/runner.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const CI_SYSTEMS = readFileSync(join(ROOT, 'docs', 'ci-systems.md'), 'utf8');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The rows of the first Markdown table after `heading`: the cells of each, trimmed. */
function tableAfter(heading: string): string[][] {
  const section = README.slice(README.indexOf(`\n${heading}\n`));
  const lines = section.split('\n').slice(1);
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows.slice(2);
}

describe('action.yml', () => {
  it('has exactly the Action inputs of the table, in its order, with its defaults, required flags and descriptions', () => {
    expect(actionInputs()).toEqual(
      ACTION_INPUTS.map((s) => ({
        name: s.name,
        description: s.description,
        required: s.required ?? false,
        default: s.required ? undefined : (s.default ?? ''),
      })),
    );
  });

  it('every default passes its own validation', () => {
    const config = parseConfig({ audience: 'aud' }, {});
    expect(Object.keys(config).sort()).toEqual(SETTINGS.flatMap((s) => (s.config ? [s.config.key] : [])).sort());
  });
});

describe('the README', () => {
  it("lists the Action inputs with the table's defaults", () => {
    const rows = tableAfter('## Inputs');
    const shown = (s: (typeof ACTION_INPUTS)[number]): string =>
      s.required ? 'required' : s.default === '' ? "`''`" : `\`${s.default}\``;
    expect(rows.map(([name, value]) => [name, value])).toEqual(ACTION_INPUTS.map((s) => [`\`${s.name}\``, shown(s)]));
  });

  it('lists every error code the tool can report', () => {
    const codes = [
      ...readFileSync(join(ROOT, 'src', 'core', 'safety', 'errors.ts'), 'utf8').matchAll(/^\s+\| '([A-Z_]+)'$/gm),
    ].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(15);
    expect(codes.filter((code) => !README.includes(`\`${code}\``))).toEqual([]);
  });
});

describe('scripts/demo.js', () => {
  it("names the Action by this repository (package.json's repository), as a workflow would use it", () => {
    const demo = readFileSync(join(ROOT, 'scripts', 'demo.js'), 'utf8');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { repository: { url: string } };
    const repo = /github\.com[/:]([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(pkg.repository.url)?.[1];
    expect(repo).toBe('mondoohq/mondoo-aws-auth');
    const uses = [...demo.matchAll(/uses: ([\w.-]+\/[\w.-]+)@/g)].map((m) => m[1]);
    expect(uses.length).toBeGreaterThan(0);
    expect(uses.filter((u) => u !== repo)).toEqual([]);
  });
});

describe('docs/ci-systems.md', () => {
  it('shows the option list exactly as --help prints it', () => {
    const options = helpText(VERSION)
      .split('\n')
      .filter((line) => line.startsWith('  --'));
    expect(options).toHaveLength(CLI_OPTIONS.length);
    expect(options.filter((line) => !CI_SYSTEMS.includes(`${line}\n`))).toEqual([]);
  });
});

describe('--help', () => {
  it('lists every CLI option of the table, with VALUE for those that take one, and its environment fallbacks', () => {
    const help = helpText(VERSION);
    for (const s of CLI_OPTIONS) {
      const line = help.split('\n').find((l) => l.startsWith(`  --${s.name} `));
      expect(line).toBeDefined();
      expect(line).toContain(s.help);
      if (!s.boolean) expect(line).toContain(`--${s.name} VALUE`);
      for (const name of s.env ?? []) expect(line).toContain(name);
    }
    expect(CLI_OPTIONS.map((s) => s.name)).not.toContain('export-env');
  });

  it('names a setting by its flag and fallbacks in messages', () => {
    expect(describeSetting('audience')).toBe('--audience (or MONDOO_AUDIENCE)');
    expect(describeSetting('aws-region')).toBe('--aws-region (or AWS_REGION, AWS_DEFAULT_REGION)');
    expect(describeSetting('role-duration-seconds')).toBe('--role-duration-seconds');
  });
});

describe('command-line arguments', () => {
  const usageError = (argv: string[]): ConfigError => {
    try {
      parseArgs(argv);
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error('expected a usage error');
  };

  it('reads --flag value, --flag=value and switches', () => {
    const args = parseArgs([
      '--audience',
      'a',
      '--output=json',
      '--verbose',
      '--universe-domain=',
      '--role-to-assume',
      '-x',
    ]);
    expect(Object.fromEntries(args.values)).toEqual({
      '--audience': 'a',
      '--output': 'json',
      '--universe-domain': '',
      '--role-to-assume': '-x',
    });
    expect([...args.flags]).toEqual(['--verbose']);
  });

  it.each<[string[], RegExp]>([
    [
      ['--audiense', 'x'],
      /^Unknown option "--audiense"\. Did you mean --audience\? Run mondoo-aws-auth --help for the options\.$/,
    ],
    [['--audiense=s3cret-value'], /^Unknown option "--audiense"\. Did you mean --audience\?/],
    [['--timout-seconds=s3cret-value'], /^Unknown option "--timout-seconds"\. Did you mean --timeout-seconds\?/],
    [['--role-to-asume', 'x'], /^Unknown option "--role-to-asume"\. Did you mean --role-to-assume\?/],
    [['--Output', 'raw'], /^Unknown option "--Output"\. Did you mean --output\?/],
    [['--allowed-accounts=1'], /^Unknown option "--allowed-accounts"\. Did you mean --allowed-account-ids\?/],
    [['--zzzzzzzz=s3cret-value'], /^Unknown option "--zzzzzzzz"\. Run mondoo-aws-auth --help for the options\.$/],
    [['--=s3cret-value'], /^Unknown option "--"\. Run mondoo-aws-auth --help/],
    [['-x'], /^Unknown option "-x"\. Run mondoo-aws-auth --help/],
    [['-h', '--help'], /^--help is given more than once/],
    [['--audience', 'a', 'wJalrXUtnFEMI/K7MDENG'], /^Unexpected argument in position 3 \(options start with --\)\./],
    [['--', 'wJalrXUtnFEMI/K7MDENG'], /^Unexpected argument in position 1 /],
    [['--audience'], /^--audience needs a value, as in --audience VALUE\.$/],
    [['--audience', '--verbose'], /^--audience needs a value/],
    [['--output', 'raw', '--output', 'json'], /^--output is given more than once\. Give it once\.$/],
    [['--verbose', '--verbose'], /^--verbose is given more than once/],
    [['--verbose=true'], /^--verbose takes no value\.$/],
  ])('%j is a usage error that never echoes a value', (argv, message) => {
    const err = usageError(argv);
    expect({ code: err.code, input: err.input }).toEqual({ code: 'CONFIG_USAGE', input: 'arguments' });
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/s3cret|wJalr|raw|json/);
  });
});

describe('the CLI in process: usage and configuration errors exit 2 before anything is sent', () => {
  const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    let stdout = '';
    let stderr = '';
    const lazy = { credentialChain: () => Promise.reject(new Error('not reached')) };
    // No simulators: a request would fail as unreachable (exit 1), never exit 2.
    const base = {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
    };
    const code = await main(
      argv,
      { ...base, ...env },
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
      VERSION,
      lazy,
    );
    return { code, stdout, stderr };
  };
  const AUDIENCE = ['--audience', '//captain.api.mondoo.app/spaces/s', '--universe-domain', 'http://127.0.0.1:9'];
  const ROLE = 'arn:aws:iam::123456789012:role/gitlab-ci';

  it.each<[string, string[], NodeJS.ProcessEnv, string, RegExp]>([
    [
      'an unknown flag',
      ['--audiense', 'x'],
      {},
      'CONFIG_USAGE',
      /Unknown option "--audiense"\. Did you mean --audience\? Run mondoo-aws-auth --help/,
    ],
    [
      'a universe domain with a path (the corrected value named)',
      ['--audience', 'a', '--universe-domain', 'https://us.api.mondoo.com/v1'],
      {},
      'CONFIG_INVALID_INPUT',
      /--universe-domain \(or MONDOO_UNIVERSE_DOMAIN\) "https:\/\/us.api.mondoo.com\/v1" must not contain a path \("\/v1"\).* Use https:\/\/us.api.mondoo.com\.\n$/,
    ],
    [
      'a malformed allowed-account-ids entry',
      [...AUDIENCE, '--allowed-account-ids', '123456789012,1234'],
      {},
      'CONFIG_INVALID_INPUT',
      /--allowed-account-ids \(or MONDOO_ALLOWED_ACCOUNT_IDS\) has the entry "1234", which is not a 12-digit AWS account ID/,
    ],
    [
      'a stray argument (not echoed: it may be a pasted secret)',
      [...AUDIENCE, 'wJalrXUtnFEMI/K7MDENG'],
      {},
      'CONFIG_USAGE',
      /Unexpected argument in position 5 \(options start with --\)/,
    ],
    [
      'no audience',
      ['--universe-domain', 'http://127.0.0.1:9'],
      { MONDOO_AUDIENCE: '' },
      'CONFIG_INVALID_INPUT',
      /--audience \(or MONDOO_AUDIENCE\) is required/,
    ],
    [
      'a bad output format',
      [...AUDIENCE, '--output', 'yaml'],
      {},
      'CONFIG_INVALID_INPUT',
      /--output "yaml" is not a format\. Use one of: shell, dotenv, raw, json/,
    ],
    [
      'a bad universe domain',
      ['--audience', 'a', '--universe-domain', 'http://example.com'],
      {},
      'CONFIG_INVALID_INPUT',
      /--universe-domain \(or MONDOO_UNIVERSE_DOMAIN\) "http:\/\/example.com" uses plain http/,
    ],
    [
      'a bad role',
      [...AUDIENCE, '--role-to-assume', 'admin'],
      {},
      'CONFIG_INVALID_INPUT',
      /--role-to-assume \(or AWS_ROLE_ARN\) "admin" is not an IAM role ARN/,
    ],
    [
      'a bad duration',
      [...AUDIENCE, '--role-duration-seconds', '5'],
      {},
      'CONFIG_INVALID_INPUT',
      /--role-duration-seconds "5" must be a whole number from 900 to 43200/,
    ],
    [
      'a bad region',
      [...AUDIENCE, '--aws-region', 'EU'],
      {},
      'CONFIG_INVALID_INPUT',
      /--aws-region \(or AWS_REGION, AWS_DEFAULT_REGION\) "EU" is not an AWS region/,
    ],
    [
      'a role without any token',
      [...AUDIENCE, '--role-to-assume', ROLE],
      { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
      'CONFIG_INVALID_INPUT',
      /A role to assume is set, but no web identity token was found\. Give one with --web-identity-token-env NAME/,
    ],
    [
      'a token variable that is not set',
      [...AUDIENCE, '--role-to-assume', ROLE, '--web-identity-token-env', 'NOPE'],
      {},
      'CONFIG_INVALID_INPUT',
      /--web-identity-token-env names NOPE, but NOPE is not set or empty/,
    ],
    [
      'a token itself instead of a variable name',
      [...AUDIENCE, '--role-to-assume', ROLE, '--web-identity-token-env', 'eyJhbGciOi.x.y'],
      {},
      'CONFIG_INVALID_INPUT',
      /is not a variable name\. Give the NAME of the variable/,
    ],
    [
      'a token file that does not exist',
      [...AUDIENCE, '--role-to-assume', ROLE, '--web-identity-token-file', '/nonexistent/token'],
      {},
      'CONFIG_INVALID_INPUT',
      /the web identity token file "\/nonexistent\/token" cannot be read \(ENOENT\)/,
    ],
    [
      'a token source without a role',
      [...AUDIENCE, '--web-identity-token-env', 'MONDOO_ID_TOKEN'],
      { MONDOO_ID_TOKEN: 'x.y.z' },
      'CONFIG_INVALID_INPUT',
      /--web-identity-token-env gives a web identity token, but no role to assume it for\. Add --role-to-assume ARN/,
    ],
    [
      'an output folder that does not exist',
      [...AUDIENCE, '--output-file', '/nonexistent/dir/out'],
      {},
      'CONFIG_INVALID_INPUT',
      /the folder of --output-file \/nonexistent\/dir\/out does not exist/,
    ],
    [
      'half the keys',
      AUDIENCE,
      { AWS_SECRET_ACCESS_KEY: '' },
      'CONFIG_INVALID_INPUT',
      /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is empty/,
    ],
    [
      'a proxy URL that is not one',
      AUDIENCE,
      { HTTPS_PROXY: 'socks5://proxy:1080' },
      'CONFIG_INVALID_INPUT',
      /HTTPS_PROXY uses socks5:\/\/, which is not supported/,
    ],
  ])('%s', async (_, argv, env, code, message) => {
    const r = await run(argv, env);
    expect({ exit: r.code, stdout: r.stdout }).toEqual({ exit: 2, stdout: '' });
    expect(r.stderr).toMatch(new RegExp(`^mondoo-aws-auth: error: \\[${code}\\] `));
    expect(r.stderr).toMatch(message);
  });

  it('--help (or -h) and --version print to stdout and exit 0', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, stdout: helpText(VERSION), stderr: '' });
    expect(await run(['-h'])).toEqual({ code: 0, stdout: helpText(VERSION), stderr: '' });
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });
});
