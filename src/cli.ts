/**
 * The CI-script adapter: flags and environment → core → stdout or a file. Never imports @actions/core.
 *
 * stdout carries only the requested output; every log line goes to stderr, with every secret redacted.
 * Exit codes: 0 success, 1 authentication or exchange failure, 2 usage or configuration error (before any
 * request is sent).
 */
import { parseArgs as tokenize } from 'node:util';
import type { AuthResult, LazyModules, Logger } from './core/authenticate.js';
import { ciTokenSource } from './core/ci-tokens/ci-token-sources.js';
import type { CiEnvironment } from './core/ci-tokens/ci-environment.js';
import type { AwsEnvironment } from './core/credentials/aws-environment.js';
import { chainSummary } from './core/credentials/links/chain-links.js';
import type { Config, RawInputs } from './core/config/config.js';
import { ConfigError, failureLine, quoteForLog } from './core/safety/errors.js';
import type { HttpClient } from './core/network/http.js';
import { addMaskCommand, createMasker, onGitHubRunner, type Masker } from './core/safety/masker.js';
import { describeIssued } from './core/mondoo/issued-credential.js';
import { checkOutputPath, writePrivateFile } from './core/safety/output-file.js';
import { outputsJson } from './core/config/outputs.js';
import { CLI_OPTIONS, settingNamed, SETTINGS, type Setting } from './core/config/settings.js';
import { setUpAndAuthenticate } from './core/run-setup.js';
import type { WebIdentityTokenSource } from './core/ci-tokens/token-source.js';

export const EXIT_OK = 0;
export const EXIT_AUTH = 1;
export const EXIT_USAGE = 2;

const OUTPUT_FORMATS = ['shell', 'dotenv', 'raw', 'json'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The settings whose names the core's messages use, longest first (so timeout-seconds is not found inside attempt-timeout-seconds). */
const FLAG_NAMES = CLI_OPTIONS.filter((s) => s.scope === 'both' && s.name.includes('-'))
  .map((s) => s.name)
  .sort((a, b) => b.length - a.length);
// Not inside a longer word, path, ARN, URL or session name (…/role-to-assume, gitlab-timeout-seconds, x=…).
// A one-word setting only where a value of its follows ("use proof signed-request").
const FLAG_IN_TEXT = new RegExp(
  `(?<![\\w\\-/:.=@+,])(${FLAG_NAMES.join('|')}|proof(?= (?:signed-request|aws-jwt)\\b))(?![\\w\\-/=@+])`,
  'g',
);

/**
 * A core message as the CLI shows it: every setting the core names by its Action input name (timeout-seconds,
 * role-to-assume) named by its flag (--timeout-seconds), so each message names what the user can type here.
 * Names already written as flags are left alone. Applied after redaction, so it never changes a secret's text.
 */
export function withFlagNames(message: string): string {
  return message.replace(FLAG_IN_TEXT, '--$1');
}

/** How the CLI names a setting in messages: the flag, and the environment variables it falls back to. */
export function describeSetting(name: string): string {
  const setting = settingNamed(name);
  if (setting === undefined || setting.scope === 'action') return name;
  return setting.env && setting.env.length > 0 ? `--${name} (or ${setting.env.join(', ')})` : `--${name}`;
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

export function helpText(version: string): string {
  const lines = CLI_OPTIONS.map((setting) => {
    const left = `  --${setting.name}${setting.boolean ? '' : ' VALUE'}`;
    const env = setting.env && setting.env.length > 0 ? ` [env: ${setting.env.join(', ')}]` : '';
    const short = setting.short ? ` (also -${setting.short})` : '';
    return `${left.padEnd(34)} ${setting.help ?? ''}${short}${env}`;
  });
  return [
    `mondoo-aws-auth ${version}`,
    "Exchange this job's AWS identity for a short-lived Mondoo service-account credential (no stored secret).",
    '',
    'Usage:',
    '  MONDOO_CONFIG_BASE64="$(mondoo-aws-auth --audience AUDIENCE --output raw)"   # stops a set -e script on failure',
    '  export MONDOO_CONFIG_BASE64                                                 # cnspec reads it',
    '  mondoo-aws-auth --audience AUDIENCE --output-file creds.env --output dotenv',
    '',
    'Options:',
    ...lines,
    '',
    ...wrap(
      `AWS credentials: --role-to-assume with a web identity token, else ${chainSummary()} (the AWS SDK default chain).`,
      100,
    ),
    'Proxies: HTTPS_PROXY, HTTP_PROXY, NO_PROXY. Exit codes: 0 ok, 1 authentication failed, 2 usage error.',
    '',
  ].join('\n');
}

export interface ParsedArgs {
  values: Map<string, string>;
  flags: Set<string>;
}

const usage = (message: string): ConfigError => new ConfigError('arguments', `${message}`, 'CONFIG_USAGE');

/** Levenshtein distance (insertions, deletions, substitutions), for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/**
 * The option an unknown one was probably meant to be, ignoring letter case and the leading dashes: the one
 * it is the start or the last words of (--attempt-timeout, --region), else the nearest by edit distance if
 * near enough (at most 2 edits, 3 for names of 12 letters or more).
 */
export function nearestOption(given: string): string | undefined {
  const name = given.replace(/^-+/, '').toLowerCase();
  if (name === '') return undefined;
  const part = CLI_OPTIONS.filter((s) => name.length >= 4 && (s.name.startsWith(name) || s.name.endsWith(`-${name}`)));
  if (part.length === 1) return `--${part[0]?.name ?? ''}`;
  let best: { name: string; distance: number } | undefined;
  for (const setting of CLI_OPTIONS) {
    const distance = editDistance(name, setting.name);
    if (best === undefined || distance < best.distance) best = { name: setting.name, distance };
  }
  if (best === undefined) return undefined;
  return best.distance <= (best.name.length >= 12 ? 3 : 2) ? `--${best.name}` : undefined;
}

/**
 * The command line, read by node:util's parseArgs, plus the rules users rely on: each option at most once,
 * switches without a value, values present; an unknown option is named (never a value after '='), and a
 * stray word is not echoed at all: it may be a secret pasted in the wrong place.
 */
export function parseArgs(argv: string[]): ParsedArgs {
  const options = Object.fromEntries(
    CLI_OPTIONS.map((s) => [
      s.name,
      { type: s.boolean ? ('boolean' as const) : ('string' as const), ...(s.short ? { short: s.short } : {}) },
    ]),
  );
  const { tokens } = tokenize({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option')
      throw usage(
        `Unexpected argument in position ${token.index + 1} (options start with --). Run mondoo-aws-auth --help for the options.`,
      );
    const flag = `--${token.name}`;
    const setting = CLI_OPTIONS.find(
      (s) => s.name === token.name && (token.rawName === flag || token.rawName === `-${s.short}`),
    );
    if (setting === undefined) {
      // The name only: a value after '=' may be a secret.
      const given = token.rawName.split('=')[0] ?? '';
      const nearest = nearestOption(given);
      throw usage(
        `Unknown option ${quoteForLog(given, 40)}.${nearest ? ` Did you mean ${nearest}?` : ''} Run mondoo-aws-auth --help for the options.`,
      );
    }
    if (values.has(flag) || flags.has(flag)) throw usage(`${flag} is given more than once. Give it once.`);
    if (setting.boolean) {
      if (token.inlineValue) throw usage(`${flag} takes no value.`);
      flags.add(flag);
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && isOption(value)))
      throw usage(`${flag} needs a value, as in ${flag} VALUE.`);
    values.set(flag, value);
  }
  return { values, flags };
}

/** An argument that names one of the options (a value left out before it). */
function isOption(arg: string): boolean {
  return arg.startsWith('--') && CLI_OPTIONS.some((s) => `--${s.name}` === arg.split('=')[0]);
}

/** An option's value, else the first of its environment variables that is set (unless validation reads them). */
function cliValue(args: ParsedArgs, env: NodeJS.ProcessEnv, setting: Setting): string | undefined {
  const given = args.values.get(`--${setting.name}`);
  if (given !== undefined || setting.envInValidation) return given;
  for (const name of setting.env ?? []) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return value;
  }
  return undefined;
}

/** What only the CLI reads: the output format and file, and where a role's token comes from. */
interface CliOptions {
  format: OutputFormat;
  outputFile: string | undefined;
  tokenEnv: string | undefined;
  tokenFile: string | undefined;
}

function cliOptions(args: ParsedArgs, env: NodeJS.ProcessEnv): CliOptions {
  const format = (args.values.get('--output') ?? 'shell').trim() as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new ConfigError(
      'output',
      `--output ${quoteForLog(format, 40)} is not a format. Use one of: ${OUTPUT_FORMATS.join(', ')}.`,
    );
  }
  const outputFile = args.values.get('--output-file');
  if (outputFile !== undefined) checkOutputPath(outputFile);
  const tokenFileSetting = settingNamed('web-identity-token-file') as Setting;
  return {
    format,
    outputFile,
    tokenEnv: args.values.get('--web-identity-token-env'),
    tokenFile: cliValue(args, env, tokenFileSetting),
  };
}

/**
 * The settings the core reads, from options, environment fallbacks and CLI defaults. The role comes from
 * --role-to-assume always; from AWS_ROLE_ARN only when no static keys are in the environment (the AWS SDK's
 * order), unless a token source is given explicitly, which means role mode.
 */
function cliInputs(args: ParsedArgs, env: NodeJS.ProcessEnv, ci: CiEnvironment, aws: AwsEnvironment): RawInputs {
  const envKeys = aws.accessKeyId !== undefined && aws.secretAccessKey !== undefined;
  const tokenFlag = ['--web-identity-token-env', '--web-identity-token-file'].find((f) => args.values.has(f));
  const raw: RawInputs = {};
  for (const setting of SETTINGS) {
    if (setting.config === undefined) continue;
    const fromEnvAllowed = setting.name !== 'role-to-assume' || !envKeys || tokenFlag !== undefined;
    const value =
      setting.scope === 'action'
        ? setting.cliValue
        : fromEnvAllowed
          ? cliValue(args, env, setting)
          : args.values.get(`--${setting.name}`);
    const fallback = value === undefined && setting.cliDefault !== undefined ? setting.cliDefault(ci) : undefined;
    if (value !== undefined || fallback !== undefined) raw[setting.name] = value ?? fallback;
  }
  if (raw['role-to-assume'] === undefined && tokenFlag !== undefined) {
    throw new ConfigError(
      'role-to-assume',
      `${tokenFlag} gives a web identity token, but no role to assume it for. Add --role-to-assume ARN (or set AWS_ROLE_ARN).`,
    );
  }
  return raw;
}

/** Where the web identity token for a role comes from (flags, then the CI system), from what the set-up read. */
function tokenSourceFor(
  config: Config,
  options: CliOptions,
  ci: CiEnvironment,
  http: HttpClient,
  log: Logger,
): WebIdentityTokenSource {
  const source = ciTokenSource(
    ci.variables,
    { tokenEnv: ci.tokenEnv, tokenFile: options.tokenFile, audience: config.webIdentityAudience },
    http,
  );
  log.debug(`Web identity token source: ${source.name}`);
  return source;
}

/** Log lines on stderr, redacted; debug lines only with --verbose. */
function cliLogger(io: CliIo, masker: Masker, verbose: boolean): Logger {
  const line = (prefix: string) => (message: string) =>
    io.stderr(`mondoo-aws-auth: ${prefix}${withFlagNames(masker.redact(message))}\n`);
  return { info: line(''), warning: line('warning: '), debug: verbose ? line('debug: ') : () => undefined };
}

export function formatOutput(format: OutputFormat, result: AuthResult): string {
  switch (format) {
    case 'shell':
      // Standard base64 never contains a single quote, so single-quoting is exact.
      return `export MONDOO_CONFIG_BASE64='${result.base64Credential}'\n`;
    case 'dotenv':
      return `MONDOO_CONFIG_BASE64=${result.base64Credential}\n`;
    case 'raw':
      return `${result.base64Credential}\n`;
    case 'json':
      return `${outputsJson(result)}\n`;
  }
}

// --output-file: checked before any request, written without leaving a temporary file behind.
export { checkOutputPath, writePrivateFile } from './core/safety/output-file.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Runs the CLI; returns the exit code. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
  version: string,
  lazy: LazyModules,
): Promise<number> {
  // ::add-mask:: (on stderr: stdout is the output) only where a GitHub runner reads it; anywhere else it would show the secret.
  const masker = createMasker({
    registerWithHost: onGitHubRunner(env) ? (value) => io.stderr(addMaskCommand(value)) : undefined,
  });
  try {
    const args = parseArgs(argv);
    if (args.flags.has('--help') || args.flags.has('--version')) {
      io.stdout(args.flags.has('--help') ? helpText(version) : `${version}\n`);
      return EXIT_OK;
    }
    const log = cliLogger(io, masker, args.flags.has('--verbose'));
    const options = cliOptions(args, env);
    const { result } = await setUpAndAuthenticate(
      {
        env,
        masker,
        log,
        inputs: (ci, aws) => cliInputs(args, env, ci, aws),
        describe: describeSetting,
        tokenEnv: options.tokenEnv,
      },
      {
        lazy,
        webIdentity: (config, http, ci) => tokenSourceFor(config, options, ci, http, log),
        // Only the json output names the AWS identity: for the others STS is not asked (except to explain a rejection).
        learnIdentity: options.format === 'json',
      },
    );
    deliver(formatOutput(options.format, result), options, io, log);
    log.info(
      `Authenticated to Mondoo ${describeIssued(result.credential)}${result.identity ? ` (AWS identity ${result.identity.arn})` : ''}.`,
    );
    return EXIT_OK;
  } catch (err) {
    io.stderr(`mondoo-aws-auth: error: ${withFlagNames(masker.redact(failureLine(err)))}\n`);
    return err instanceof ConfigError ? EXIT_USAGE : EXIT_AUTH;
  }
}

/** The output to stdout, or to a new private file. */
function deliver(output: string, options: CliOptions, io: CliIo, log: Logger): void {
  if (options.outputFile === undefined) {
    io.stdout(output);
    return;
  }
  writePrivateFile(options.outputFile, output);
  log.info(`Wrote the credential (${options.format}) to ${options.outputFile} (mode 0600).`);
}
