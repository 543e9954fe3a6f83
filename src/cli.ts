/**
 * The CI-script adapter: flags and environment → core → stdout or a file. Never imports @actions/core.
 *
 * stdout carries only the requested output; every log line goes to stderr, with every secret redacted.
 * Exit codes: 0 success, 1 authentication or exchange failure, 2 usage or configuration error (before any
 * request is sent).
 */
import { authenticate, type AuthResult, type LazyModules } from './core/authenticate.js';
import { ciTokenSource, deriveSessionName } from './core/ci-environment.js';
import { systemClock } from './core/clock.js';
import { parseConfig, type InputName, type RawInputs } from './core/config.js';
import { ConfigError, errorMessage, quoteForLog } from './core/errors.js';
import { createHttpClient } from './core/http.js';
import { safeLogText, workflowCommand } from './core/log-safety.js';
import { describeIssued } from './core/mondoo-credential.js';
import { checkOutputPath, writePrivateFile } from './core/output-file.js';
import { proxySecrets, readProxySettings } from './core/proxy.js';

export const EXIT_OK = 0;
export const EXIT_AUTH = 1;
export const EXIT_USAGE = 2;

const OUTPUT_FORMATS = ['shell', 'dotenv', 'raw', 'json'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

interface FlagSpec {
  /** The Action input it sets, if any. */
  input?: InputName;
  /** Environment variables read when the flag is absent, in order. */
  env?: string[];
  boolean?: boolean;
  help: string;
}

const FLAGS: Record<string, FlagSpec> = {
  '--audience': { input: 'audience', env: ['MONDOO_AUDIENCE'], help: 'Audience of the Mondoo identity provider (required)' },
  '--universe-domain': { input: 'universe-domain', env: ['MONDOO_UNIVERSE_DOMAIN'], help: 'Mondoo API URL (default https://us.api.mondoo.com; EU: https://eu.api.mondoo.com)' },
  '--issuer-uri': { input: 'issuer-uri', env: ['MONDOO_ISSUER_URI'], help: 'Issuer of the identity provider (default https://sts.amazonaws.com)' },
  '--role-to-assume': { input: 'role-to-assume', env: ['AWS_ROLE_ARN'], help: 'IAM role ARN to assume with a web identity (OIDC) token first' },
  '--role-session-name': { input: 'role-session-name', env: ['AWS_ROLE_SESSION_NAME'], help: 'Session name (default: derived from the CI job, e.g. gitlab-<project>-<job>)' },
  '--role-duration-seconds': { input: 'role-duration-seconds', help: 'Assumed-role session lifetime, 900-43200 (default 900)' },
  '--web-identity-token-file': { env: ['AWS_WEB_IDENTITY_TOKEN_FILE'], help: 'File holding the OIDC token for the role' },
  '--web-identity-token-env': { help: 'NAME of a variable holding the OIDC token (e.g. a GitLab id_tokens variable)' },
  '--web-identity-audience': { input: 'web-identity-audience', help: 'Audience to request for minted tokens (GitHub, Buildkite; default sts.amazonaws.com)' },
  '--aws-region': { input: 'aws-region', help: 'Region for the tool\'s own STS calls (default AWS_REGION, AWS_DEFAULT_REGION, us-east-1)' },
  '--max-attempts': { input: 'max-attempts', help: 'Attempts per call on transient failures, 1-10 (default 3)' },
  '--attempt-timeout-seconds': { input: 'attempt-timeout-seconds', help: 'Time limit per attempt (default 10)' },
  '--timeout-seconds': { input: 'timeout-seconds', help: 'Time limit for the whole run (default 60)' },
  '--response-type': { input: 'response-type', env: ['MONDOO_RESPONSE_TYPE'], help: 'credential (default): a service account; token: a short-lived bearer token in the same variable' },
  '--output': { help: 'shell (default): export MONDOO_CONFIG_BASE64=\'…\' for eval; dotenv; raw; json (adds the AWS identity)' },
  '--output-file': { help: 'Write the output to this file instead of stdout: a new file, or a regular file replaced (mode 0600)' },
  '--verbose': { boolean: true, help: 'Log debug lines to stderr (never secrets)' },
  '--help': { boolean: true, help: 'Show this help' },
  '--version': { boolean: true, help: 'Show the version' },
};

function describeSetting(name: InputName): string {
  const entry = Object.entries(FLAGS).find(([, spec]) => spec.input === name);
  if (entry === undefined) return name;
  const [flag, spec] = entry;
  if (name === 'aws-region') return `${flag} (or AWS_REGION, AWS_DEFAULT_REGION)`;
  return spec.env && spec.env.length > 0 ? `${flag} (or ${spec.env.join(', ')})` : flag;
}

export function helpText(version: string): string {
  const lines = Object.entries(FLAGS).map(([flag, spec]) => {
    const left = `  ${flag}${spec.boolean ? '' : ' VALUE'}`;
    const env = spec.env && spec.env.length > 0 ? ` [env: ${spec.env.join(', ')}]` : flag === '--aws-region' ? ' [env: AWS_REGION, AWS_DEFAULT_REGION]' : '';
    return `${left.padEnd(34)} ${spec.help}${env}`;
  });
  return [
    `mondoo-aws-auth ${version}`,
    'Exchange this job\'s AWS identity for a short-lived Mondoo service-account credential (no stored secret).',
    '',
    'Usage:',
    '  out="$(mondoo-aws-auth --audience AUDIENCE)" && eval "$out"   # sets MONDOO_CONFIG_BASE64 for cnspec',
    '  (capture first: a bare eval "$(…)" would hide a failure, since eval of nothing succeeds)',
    '  mondoo-aws-auth --audience AUDIENCE --output-file creds.env --output dotenv',
    '',
    'Options:',
    ...lines,
    '',
    'AWS credentials: --role-to-assume with a web identity token, else the environment, shared profile,',
    'web identity token file, container credentials or EC2 instance metadata (the AWS SDK default chain).',
    'Proxies: HTTPS_PROXY, HTTP_PROXY, NO_PROXY. Exit codes: 0 ok, 1 authentication failed, 2 usage error.',
    '',
  ].join('\n');
}

export interface ParsedArgs {
  values: Map<string, string>;
  flags: Set<string>;
}

/** --flag value and --flag=value; booleans take no value. Unknown flags, stray words and repeats are errors. */
export function parseArgs(argv: string[]): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const spec = Object.hasOwn(FLAGS, flag) ? FLAGS[flag] : undefined;
    if (spec === undefined) {
      // An unknown option is named (its name only, never a value after '='); a stray word is not echoed:
      // it may be a secret pasted in the wrong place.
      const hint = arg.startsWith('-') ? `Unknown option ${quoteForLog(flag, 40)}` : `Unexpected argument in position ${i + 1} (options start with --)`;
      throw new ConfigError('arguments', `${hint}. Run mondoo-aws-auth --help for the options.`);
    }
    if (flags.has(flag) || values.has(flag)) throw new ConfigError('arguments', `${flag} is given more than once. Give it once.`);
    if (spec.boolean) {
      if (eq > 0 && arg.startsWith('--')) throw new ConfigError('arguments', `${flag} takes no value.`);
      flags.add(flag);
      continue;
    }
    let value: string | undefined;
    if (eq > 0 && arg.startsWith('--')) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && Object.hasOwn(FLAGS, value.split('=')[0] ?? ''))) {
        throw new ConfigError('arguments', `${flag} needs a value, as in ${flag} VALUE.`);
      }
      i++;
    }
    values.set(flag, value);
  }
  return { values, flags };
}

/** A flag's value, else the first of its environment variables that is set. */
function setting(args: ParsedArgs, env: NodeJS.ProcessEnv, flag: string): string | undefined {
  const given = args.values.get(flag);
  if (given !== undefined) return given;
  for (const name of (Object.hasOwn(FLAGS, flag) ? FLAGS[flag]?.env : undefined) ?? []) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return value;
  }
  return undefined;
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
      return `${JSON.stringify({
        base64_credential: result.base64Credential,
        aws_arn: result.identity?.arn ?? '',
        aws_account_id: result.identity?.accountId ?? '',
        scope_mrn: result.credential.spaceMrn,
        service_account_mrn: result.credential.mrn,
        api_endpoint: result.credential.apiEndpoint,
      })}\n`;
  }
}

// --output-file: checked before any request, written without leaving a temporary file behind.
export { checkOutputPath, writePrivateFile } from './core/output-file.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: CliIo, version: string, lazy: LazyModules): Promise<number> {
  const secrets = new Set<string>();
  // Every log line passes safeLogText: secrets redacted, and nothing from a server or a file can become a
  // workflow command (the GitHub runner reads stderr too).
  const redact = (text: string): string => safeLogText(text, secrets);
  const inGitHubActions = env['GITHUB_ACTIONS'] === 'true';
  const secret = (value: string): void => {
    if (value === '' || secrets.has(value)) return;
    secrets.add(value);
    // Only the GitHub runner understands (and hides) this command; anywhere else it would print the secret.
    // Escaped as the Action's core.setSecret escapes it (%, CR, LF).
    if (inGitHubActions) io.stderr(workflowCommand('add-mask', value));
  };
  let verbose = false;
  const log = {
    info: (m: string) => io.stderr(`mondoo-aws-auth: ${redact(m)}\n`),
    warning: (m: string) => io.stderr(`mondoo-aws-auth: warning: ${redact(m)}\n`),
    debug: (m: string) => {
      if (verbose) io.stderr(`mondoo-aws-auth: debug: ${redact(m)}\n`);
    },
  };

  try {
    // As the Action does: the runner's token for minting OIDC tokens is never printable.
    const requestToken = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']?.trim();
    if (requestToken) secret(requestToken);
    const args = parseArgs(argv);
    if (args.flags.has('--help')) {
      io.stdout(helpText(version));
      return EXIT_OK;
    }
    if (args.flags.has('--version')) {
      io.stdout(`${version}\n`);
      return EXIT_OK;
    }
    verbose = args.flags.has('--verbose');
    const format = (args.values.get('--output') ?? 'shell').trim() as OutputFormat;
    if (!OUTPUT_FORMATS.includes(format)) {
      throw new ConfigError('output', `--output ${quoteForLog(format, 40)} is not a format. Use one of: ${OUTPUT_FORMATS.join(', ')}.`);
    }
    const outputFile = args.values.get('--output-file');
    if (outputFile !== undefined) checkOutputPath(outputFile);

    const proxy = readProxySettings(env);
    for (const value of proxySecrets(proxy)) secret(value);

    // Role from the flag always; from AWS_ROLE_ARN only when no static keys are in the environment (the AWS SDK's order).
    const roleFlag = args.values.get('--role-to-assume');
    const envKeys = Boolean(env['AWS_ACCESS_KEY_ID']?.trim() && env['AWS_SECRET_ACCESS_KEY']?.trim());
    // An explicit token source means role mode, even when static keys are also in the environment.
    const tokenFlag = ['--web-identity-token-env', '--web-identity-token-file'].find((f) => args.values.has(f));
    const role = roleFlag ?? (envKeys && tokenFlag === undefined ? undefined : setting(args, env, '--role-to-assume'));
    if (role === undefined && tokenFlag !== undefined) {
      throw new ConfigError('role-to-assume', `${tokenFlag} gives a web identity token, but no role to assume it for. Add --role-to-assume ARN (or set AWS_ROLE_ARN).`);
    }
    const raw: RawInputs = {};
    for (const [flag, spec] of Object.entries(FLAGS)) {
      if (spec.input === undefined || spec.input === 'role-to-assume') continue;
      const value = setting(args, env, flag);
      if (value !== undefined) raw[spec.input] = value;
    }
    if (role !== undefined) raw['role-to-assume'] = role;
    raw['role-session-name'] ??= deriveSessionName(env);
    raw['export-env'] = 'false';
    const config = parseConfig(raw, env, describeSetting);

    const http = createHttpClient(proxy);
    const webIdentity = config.roleToAssume === undefined
      ? undefined
      : ciTokenSource(env, { tokenEnv: args.values.get('--web-identity-token-env'), tokenFile: setting(args, env, '--web-identity-token-file'), audience: config.webIdentityAudience }, http);
    if (webIdentity !== undefined) log.debug(`Web identity token source: ${webIdentity.name}`);

    // Only the json output names the AWS identity: for the others STS is not asked (except to explain a rejection).
    const result = await authenticate(config, { env, http, clock: systemClock, log, lazy, secret, webIdentity, learnIdentity: format === 'json' });
    const output = formatOutput(format, result);
    if (outputFile !== undefined) {
      writePrivateFile(outputFile, output);
      log.info(`Wrote the credential (${format}) to ${outputFile} (mode 0600).`);
    } else {
      io.stdout(output);
    }
    log.info(`Authenticated to Mondoo ${describeIssued(result.credential)}${result.identity ? ` (AWS identity ${result.identity.arn})` : ''}.`);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`mondoo-aws-auth: error: ${redact(err.message)}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`mondoo-aws-auth: error: ${redact(errorMessage(err))}\n`);
    return EXIT_AUTH;
  }
}
