/**
 * Every setting of the tool, in one table: its name (the Action input, and with -- the CLI flag), default,
 * validation, environment fallbacks, help text, and whether only the Action or only the CLI has it. The
 * CLI's options, its --help and its messages come from here; a test checks action.yml and the README's
 * tables against it (__tests__/unit/config/settings.test.ts). A new setting is a new row.
 */
import type { CiEnvironment } from '../ci-tokens/ci-environment.js';
import {
  checkCombinedSettings,
  describeAsActionInput,
  normalizeUniverseDomain,
  parseAllowedAccountIds,
  parseBoolean,
  parseInteger,
  parseIssuerUri,
  parseRoleArn,
  parseSeconds,
  parseResponseTypeSetting,
  parseSessionName,
  requireText,
  resolveRegion,
  type Config,
  type Describe,
  type RawInputs,
} from './config.js';
import {
  AWS_JWT_DEFAULT_SECONDS,
  AWS_JWT_MAX_SECONDS,
  AWS_JWT_MIN_SECONDS,
  checkProofSettings,
  DEFAULT_ISSUER_URI,
  parseJwtAlgorithm,
  parseProof,
} from './proof-settings.js';

/** What a row's validation gets besides the value. */
export interface ParseContext {
  env: NodeJS.ProcessEnv;
  describe: Describe;
}

type Binding = { [K in keyof Config]: { key: K; parse(value: string, ctx: ParseContext): Config[K] } }[keyof Config];

export interface Setting {
  name: string;
  /** 'action': an Action input only; 'cli': a CLI option only; 'both'. */
  scope: 'both' | 'action' | 'cli';
  /** action.yml's `required: true` (no default). */
  required?: boolean;
  /** The default, as action.yml states it ('' for none); the CLI uses it too unless `cliDefault` says otherwise. */
  default?: string;
  /** The CLI's default when it differs: computed from the CI job's variables (the session name). */
  cliDefault?: (ci: CiEnvironment) => string;
  /** The value the CLI always uses for an Action-only setting that the core still reads. */
  cliValue?: string;
  /** action.yml's description of the input. */
  description?: string;
  /** The CLI's --help line. */
  help?: string;
  /** Environment variables the CLI reads, in order, when the option is not given. */
  env?: readonly string[];
  /** The environment fallback is applied by the validation, for both adapters (not by the CLI's lookup). */
  envInValidation?: boolean;
  /** A CLI switch without a value. */
  boolean?: boolean;
  /** The CLI's one-letter alias (-h). */
  short?: string;
  /** Validation into the Config the core reads; absent for settings only an adapter reads. */
  config?: Binding;
}

function bind<K extends keyof Config>(key: K, parse: (value: string, ctx: ParseContext) => Config[K]): Binding {
  return { key, parse } as unknown as Binding;
}

export const SETTINGS: readonly Setting[] = [
  {
    name: 'audience',
    scope: 'both',
    required: true,
    description: 'The audience Mondoo shows for the AWS identity provider (Settings → Identity Providers).',
    help: 'Audience of the Mondoo identity provider (required)',
    env: ['MONDOO_AUDIENCE'],
    config: bind('audience', (v, c) =>
      requireText(
        'audience',
        v,
        c.describe,
        'Copy the audience Mondoo shows for your AWS identity provider (Settings → Identity Providers).',
      ),
    ),
  },
  {
    name: 'universe-domain',
    scope: 'both',
    default: 'https://us.api.mondoo.com',
    description: 'Mondoo API base URL. EU customers use https://eu.api.mondoo.com.',
    help: 'Mondoo API URL (default https://us.api.mondoo.com; EU: https://eu.api.mondoo.com)',
    env: ['MONDOO_UNIVERSE_DOMAIN'],
    config: bind('universeDomain', (v, c) => normalizeUniverseDomain(v, c.describe)),
  },
  {
    name: 'issuer-uri',
    scope: 'both',
    default: DEFAULT_ISSUER_URI,
    description:
      "Issuer URL of the Mondoo identity provider, sent as issuer_uri. With proof aws-jwt the token's issuer is sent; a value other than the default must equal it.",
    help: 'Issuer of the identity provider (default https://sts.amazonaws.com)',
    env: ['MONDOO_ISSUER_URI'],
    config: bind('issuerUri', (v, c) => parseIssuerUri(v, c.describe)),
  },
  {
    name: 'role-to-assume',
    scope: 'both',
    default: '',
    description:
      "IAM role ARN to assume with the job's GitHub OIDC token first (needs permissions id-token write). Empty uses the AWS credentials already available (environment, profile, web identity file, container or instance metadata).",
    help: 'IAM role ARN to assume with a web identity (OIDC) token first',
    // The CLI reads AWS_ROLE_ARN only when no keys are in the environment, as the AWS SDK does (cli.ts).
    env: ['AWS_ROLE_ARN'],
    config: bind('roleToAssume', (v, c) => parseRoleArn(v, c.describe)),
  },
  {
    name: 'role-session-name',
    scope: 'both',
    default: 'GitHubActions',
    cliDefault: (ci) => ci.sessionName,
    description: 'Session name for role-to-assume; 2 to 64 characters of letters, digits and _+=,.@-',
    help: 'Session name (default: derived from the CI job, e.g. gitlab-<project>-<job>)',
    env: ['AWS_ROLE_SESSION_NAME'],
    config: bind('roleSessionName', (v, c) => parseSessionName(v, c.describe)),
  },
  {
    name: 'role-duration-seconds',
    scope: 'both',
    default: '900',
    description: 'Lifetime of the assumed role session, 900 to 43200 seconds.',
    help: 'Assumed-role session lifetime, 900-43200 (default 900)',
    config: bind('roleDurationSeconds', (v, c) => parseInteger('role-duration-seconds', v, 900, 43200, c.describe)),
  },
  {
    name: 'web-identity-token-file',
    scope: 'cli',
    help: 'File holding the OIDC token for the role',
    env: ['AWS_WEB_IDENTITY_TOKEN_FILE'],
  },
  {
    name: 'web-identity-token-env',
    scope: 'cli',
    help: 'NAME of a variable holding the OIDC token (e.g. a GitLab id_tokens variable)',
  },
  {
    name: 'web-identity-audience',
    scope: 'both',
    default: 'sts.amazonaws.com',
    description: 'Audience (aud) of the GitHub OIDC token used for role-to-assume.',
    help: 'Audience to request for minted tokens (GitHub, Buildkite; default sts.amazonaws.com)',
    config: bind('webIdentityAudience', (v, c) =>
      requireText(
        'web-identity-audience',
        v,
        c.describe,
        'Use the audience your IAM OIDC provider expects, normally sts.amazonaws.com.',
      ),
    ),
  },
  {
    name: 'allowed-account-ids',
    scope: 'both',
    default: '',
    description:
      "Comma-separated 12-digit AWS account IDs. When set, the account of the AWS credentials is learned (STS GetCallerIdentity, the assumed role, or with proof aws-jwt the token's aws_account) before anything is sent to Mondoo, and another account fails the step with AWS_ACCOUNT_NOT_ALLOWED.",
    help: 'Comma-separated AWS account IDs; credentials of any other account are refused before Mondoo is asked',
    env: ['MONDOO_ALLOWED_ACCOUNT_IDS'],
    config: bind('allowedAccountIds', (v, c) => parseAllowedAccountIds(v, c.describe)),
  },
  {
    name: 'aws-region',
    scope: 'both',
    default: '',
    description:
      "Region for the tool's own STS calls (AssumeRoleWithWebIdentity, the identity lookup, and with proof aws-jwt GetWebIdentityToken). Defaults to AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1. The request signed for Mondoo always targets the global STS endpoint.",
    help: "Region for the tool's own STS calls (default AWS_REGION, AWS_DEFAULT_REGION, us-east-1)",
    env: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    envInValidation: true,
    config: bind('region', (v, c) => resolveRegion(v, c.env, c.describe)),
  },
  {
    name: 'export-env',
    scope: 'action',
    default: 'true',
    cliValue: 'false',
    description: 'Export MONDOO_CONFIG_BASE64 to later steps of the job.',
    config: bind('exportEnv', (v, c) => parseBoolean('export-env', v, c.describe)),
  },
  {
    name: 'max-attempts',
    scope: 'both',
    default: '3',
    description: 'Attempts for each call that fails transiently (network error, 429, 5xx), 1 to 10.',
    help: 'Attempts per call on transient failures, 1-10 (default 3)',
    config: bind('maxAttempts', (v, c) => parseInteger('max-attempts', v, 1, 10, c.describe)),
  },
  {
    name: 'attempt-timeout-seconds',
    scope: 'both',
    default: '10',
    description: 'Time limit of each attempt, in seconds.',
    help: 'Time limit per attempt (default 10)',
    config: bind('attemptTimeoutMs', (v, c) => parseSeconds('attempt-timeout-seconds', v, 0.1, 300, c.describe)),
  },
  {
    name: 'timeout-seconds',
    scope: 'both',
    default: '60',
    description: 'Time limit of the whole step, in seconds; no retry starts after it.',
    help: 'Time limit for the whole run (default 60)',
    config: bind('timeoutMs', (v, c) => parseSeconds('timeout-seconds', v, 0.5, 3600, c.describe)),
  },
  {
    name: 'response-type',
    scope: 'both',
    default: 'credential',
    description:
      'credential (a service-account credential; response_type is not sent) or token (sends response_type TOKEN; Mondoo returns a short-lived bearer token inside base64_credential, masked and passed on as returned).',
    help: 'credential (default): a service account; token: a short-lived bearer token in the same variable',
    env: ['MONDOO_RESPONSE_TYPE'],
    config: bind('responseType', (v, c) => parseResponseTypeSetting(v, c.describe)),
  },
  {
    name: 'proof',
    scope: 'both',
    default: 'signed-request',
    description:
      'signed-request (a SigV4-signed STS GetCallerIdentity, for the Mondoo AWS identity provider) or aws-jwt (a JWT for the Mondoo audience from STS GetWebIdentityToken, for a Mondoo custom OIDC identity provider; needs outbound identity federation).',
    help: 'signed-request (default): a signed GetCallerIdentity; aws-jwt: an AWS-signed JWT for the audience (GetWebIdentityToken)',
    env: ['MONDOO_PROOF'],
    config: bind('proof', (v, c) => parseProof(v, c.describe)),
  },
  {
    name: 'aws-jwt-duration-seconds',
    scope: 'both',
    default: String(AWS_JWT_DEFAULT_SECONDS),
    description: `With proof aws-jwt: lifetime of the AWS JWT, ${AWS_JWT_MIN_SECONDS} to ${AWS_JWT_MAX_SECONDS} seconds.`,
    help: `With --proof aws-jwt: lifetime of the JWT, ${AWS_JWT_MIN_SECONDS}-${AWS_JWT_MAX_SECONDS} (default ${AWS_JWT_DEFAULT_SECONDS})`,
    env: ['MONDOO_AWS_JWT_DURATION_SECONDS'],
    config: bind('awsJwtDurationSeconds', (v, c) =>
      parseInteger('aws-jwt-duration-seconds', v, AWS_JWT_MIN_SECONDS, AWS_JWT_MAX_SECONDS, c.describe),
    ),
  },
  {
    name: 'aws-jwt-algorithm',
    scope: 'both',
    default: 'RS256',
    description: 'With proof aws-jwt: the algorithm STS signs the JWT with, RS256 or ES384.',
    help: 'With --proof aws-jwt: RS256 (default) or ES384',
    env: ['MONDOO_AWS_JWT_ALGORITHM'],
    config: bind('awsJwtAlgorithm', (v, c) => parseJwtAlgorithm(v, c.describe)),
  },
  {
    name: 'output',
    scope: 'cli',
    default: 'shell',
    help: 'raw: the credential alone, to capture and export (see Usage); shell (default): an export line; dotenv; json (adds the AWS identity)',
  },
  {
    name: 'output-file',
    scope: 'cli',
    help: 'Write the output to this file instead of stdout: a new file, or a regular file replaced (mode 0600)',
  },
  { name: 'verbose', scope: 'cli', boolean: true, help: 'Log debug lines to stderr (never secrets)' },
  { name: 'help', scope: 'cli', boolean: true, short: 'h', help: 'Show this help' },
  { name: 'version', scope: 'cli', boolean: true, help: 'Show the version' },
];

/** The Action's inputs, in action.yml's order. */
export const ACTION_INPUTS: readonly Setting[] = SETTINGS.filter((s) => s.scope !== 'cli');
/** The CLI's options, in --help's order. */
export const CLI_OPTIONS: readonly Setting[] = SETTINGS.filter((s) => s.scope !== 'action');

export function settingNamed(name: string): Setting | undefined {
  return SETTINGS.find((s) => s.name === name);
}

/**
 * Validates every setting the core reads, in the table's order, before anything is sent. Empty values take
 * the defaults (as the runner does for action.yml defaults), so the CLI and the Action behave the same.
 * Throws a ConfigError naming the first wrong setting and how to fix it.
 */
export function parseConfig(
  raw: RawInputs,
  env: NodeJS.ProcessEnv,
  describe: Describe = describeAsActionInput,
): Config {
  const ctx: ParseContext = { env, describe };
  const config: Partial<Record<keyof Config, unknown>> = {};
  for (const setting of SETTINGS) {
    if (setting.config === undefined) continue;
    const given = raw[setting.name]?.trim() ?? '';
    config[setting.config.key] = setting.config.parse(given !== '' ? given : (setting.default ?? ''), ctx);
  }
  checkProofSettings(config as Config, describe);
  checkCombinedSettings(config as Config, describe);
  return config as Config;
}
