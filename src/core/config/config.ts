import { ConfigError, quoteForLog, redactUserinfo } from '../safety/errors.js';
import { hasUnsafeChar } from '../safety/log-safety.js';
import type { JwtAlgorithm, ProofKind } from './proof-settings.js';
import { parseResponseType, type ResponseType } from './response-type.js';
import { acceptSecretUrl, quoteUrl } from '../safety/url-input.js';

/** A setting's name: the Action input and, with --, the CLI flag (see settings.ts, the one table of them). */
export type InputName = string;
export type RawInputs = Partial<Record<InputName, string>>;

export const DEFAULT_REGION = 'us-east-1';

export interface Config {
  audience: string;
  universeDomain: string;
  issuerUri: string;
  /** IAM role to assume with a web identity token; undefined means "use the credentials already there". */
  roleToAssume: string | undefined;
  roleSessionName: string;
  roleDurationSeconds: number;
  webIdentityAudience: string;
  /** Region for the tool's own STS calls (never for the request signed for Mondoo). */
  region: string;
  exportEnv: boolean;
  maxAttempts: number;
  attemptTimeoutMs: number;
  timeoutMs: number;
  /** credential: a service-account credential (response_type not sent); token: a short-lived bearer token. */
  responseType: ResponseType;
  /**
   * The AWS accounts whose credentials may be presented (allowed-account-ids); undefined when unset. When set,
   * the account is learned before the proof is sent, and any other account fails the run (authenticate.ts).
   */
  allowedAccountIds: readonly string[] | undefined;
  /** signed-request (default): a signed GetCallerIdentity; aws-jwt: a JWT from STS GetWebIdentityToken (aws-jwt.ts). */
  proof: ProofKind;
  /** With proof aws-jwt: the token's lifetime (GetWebIdentityToken DurationSeconds), 60 to 3600. */
  awsJwtDurationSeconds: number;
  /** With proof aws-jwt: its SigningAlgorithm. */
  awsJwtAlgorithm: JwtAlgorithm;
}

/** How an adapter names a setting in messages: `input "audience"` or `--audience (MONDOO_AUDIENCE)`. */
export type Describe = (name: InputName) => string;

export const describeAsActionInput: Describe = (name) => `input "${name}"`;

const ROLE_ARN = /^arn:(aws|aws-[a-z]+(?:-[a-z]+)*):iam::(\d{12}):role\/(?:[\u0021-\u007e]*\/)?[\w+=,.@-]{1,64}$/;

/**
 * Settings that are each valid but cannot work together, refused before any request (the CLI exits 2):
 * - a role-to-assume of an account that allowed-account-ids does not list would only fail after the OIDC
 *   token and AssumeRoleWithWebIdentity;
 * - with proof aws-jwt in role mode, a token of aws-jwt-duration-seconds at least role-duration-seconds would
 *   outlive the role's session, which STS refuses (SessionDurationEscalationException).
 */
export function checkCombinedSettings(config: Config, describe: Describe): void {
  const roleAccount = config.roleToAssume === undefined ? undefined : ROLE_ARN.exec(config.roleToAssume)?.[2];
  if (
    roleAccount !== undefined &&
    config.allowedAccountIds !== undefined &&
    !config.allowedAccountIds.includes(roleAccount)
  ) {
    throw new ConfigError(
      'allowed-account-ids',
      `${describe('role-to-assume')} is a role of account ${roleAccount}, which ${describe('allowed-account-ids')} (${config.allowedAccountIds.join(', ')}) does not list. Add ${roleAccount} to ${describe('allowed-account-ids')}, or assume a role of a listed account.`,
    );
  }
  if (
    config.proof === 'aws-jwt' &&
    config.roleToAssume !== undefined &&
    config.awsJwtDurationSeconds >= config.roleDurationSeconds
  ) {
    throw new ConfigError(
      'aws-jwt-duration-seconds',
      `${describe('aws-jwt-duration-seconds')} (${config.awsJwtDurationSeconds}) is not shorter than ${describe('role-duration-seconds')} (${config.roleDurationSeconds}): the AWS JWT would outlive the role's session, which STS refuses. Lower ${describe('aws-jwt-duration-seconds')} (the default is 300), or raise ${describe('role-duration-seconds')}.`,
    );
  }
}
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** Shows a user's value in an error message without letting it run on or break the log line. */
function quote(value: string): string {
  return quoteForLog(value, 80);
}

/**
 * Normalises a Mondoo API base URL: adds https:// when no scheme is given, strips trailing slashes,
 * refuses plain http except to a loopback host, and refuses a path, query string, fragment or credentials
 * (naming the value to use instead: the exchange's path is added to the bare origin).
 */
export function normalizeUniverseDomain(value: string, describe: Describe = describeAsActionInput): string {
  const what = describe('universe-domain');
  const trimmed = value.trim();
  if (trimmed === '')
    throw new ConfigError(
      'universe-domain',
      `${what} is empty. Set it to your Mondoo API URL, for example https://us.api.mondoo.com or https://eu.api.mondoo.com.`,
    );
  const url = acceptSecretUrl(trimmed, {
    input: 'universe-domain',
    what,
    fix: 'Use the API URL Mondoo shows for the identity provider, for example https://us.api.mondoo.com.',
    carries: 'your AWS identity proof',
    defaultScheme: 'https',
    showValue: true,
  });
  // A path, query string or fragment: refused with the value to use (the origin).
  const origin = `${url.protocol}//${url.host}`;
  const extra = url.search !== '' || url.hash !== '' || /[?#]/.test(trimmed) ? 'a query string or fragment' : undefined;
  const path = url.pathname.replace(/\/+$/, '');
  if (extra !== undefined || path !== '') {
    throw new ConfigError(
      'universe-domain',
      `${what} ${quote(redactUserinfo(value))} must not contain ${extra ?? `a path (${quote(path)})`}: it is the API's base URL, to which the tool adds the exchange's path. Use ${origin}.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(
      'universe-domain',
      `${what} must not contain a user name or password. Use just the API base URL, for example https://us.api.mondoo.com.`,
    );
  }
  return origin;
}

export function requireText(name: InputName, value: string | undefined, describe: Describe, fix: string): string {
  const trimmed = (value ?? '').trim();
  if (trimmed === '') throw new ConfigError(name, `${describe(name)} is required. ${fix}`);
  if (hasUnsafeChar(trimmed))
    throw new ConfigError(
      name,
      `${describe(name)} contains a control character or an invisible one (such as a newline). ${fix}`,
    );
  if (trimmed.length > 2048)
    throw new ConfigError(
      name,
      `${describe(name)} is ${trimmed.length} characters long; at most 2048 are accepted. ${fix}`,
    );
  return trimmed;
}

export function parseIssuerUri(value: string, describe: Describe): string {
  const trimmed = requireText(
    'issuer-uri',
    value,
    describe,
    'Use the issuer URL of the Mondoo identity provider, normally https://sts.amazonaws.com.',
  );
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.protocol !== 'https:') {
    throw new ConfigError(
      'issuer-uri',
      `${describe('issuer-uri')} ${quoteUrl(trimmed)} must be an https:// URL, normally https://sts.amazonaws.com (the issuer URL of the Mondoo identity provider).`,
    );
  }
  return trimmed;
}

export function parseRoleArn(
  value: string | undefined,
  describe: Describe = describeAsActionInput,
): string | undefined {
  const trimmed = (value ?? '').trim();
  if (trimmed === '') return undefined;
  if (!ROLE_ARN.test(trimmed)) {
    const hint =
      /^\d{12}$/.test(trimmed) || !trimmed.startsWith('arn:')
        ? ' Give the full ARN, not a role name or account ID.'
        : '';
    throw new ConfigError(
      'role-to-assume',
      `${describe('role-to-assume')} ${quote(trimmed)} is not an IAM role ARN. Use the form arn:aws:iam::123456789012:role/RoleName (arn:<partition>:iam::<12-digit account>:role/<path/name>).${hint}`,
    );
  }
  return trimmed;
}

export function parseSessionName(value: string, describe: Describe = describeAsActionInput): string {
  const trimmed = value.trim();
  if (!SESSION_NAME.test(trimmed)) {
    throw new ConfigError(
      'role-session-name',
      `${describe('role-session-name')} ${quote(trimmed)} is not a valid session name. Use 2 to 64 characters from letters, digits and _+=,.@- (no spaces).`,
    );
  }
  return trimmed;
}

export function parseInteger(name: InputName, value: string, min: number, max: number, describe: Describe): number {
  const trimmed = value.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `${describe(name)} ${quote(trimmed)} must be a whole number from ${min} to ${max}.`);
  }
  return n;
}

export function parseSeconds(name: InputName, value: string, min: number, max: number, describe: Describe): number {
  const trimmed = value.trim();
  const n = /^\d+(?:\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(
      name,
      `${describe(name)} ${quote(trimmed)} must be a number of seconds from ${min} to ${max}.`,
    );
  }
  return Math.round(n * 1000);
}

export function parseBoolean(name: InputName, value: string, describe: Describe = describeAsActionInput): boolean {
  const trimmed = value.trim();
  if (['true', 'True', 'TRUE'].includes(trimmed)) return true;
  if (['false', 'False', 'FALSE'].includes(trimmed)) return false;
  throw new ConfigError(name, `${describe(name)} ${quote(trimmed)} must be true or false.`);
}

export function parseRegion(value: string, describe: Describe, source: string): string {
  const trimmed = value.trim();
  if (!REGION.test(trimmed)) {
    throw new ConfigError(
      'aws-region',
      `${source === 'input' ? describe('aws-region') : source} ${quote(trimmed)} is not an AWS region. Use a region code such as us-east-1 or eu-central-1.`,
    );
  }
  return trimmed;
}

/** The region for the tool's own STS calls: the input, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
export function resolveRegion(input: string | undefined, env: NodeJS.ProcessEnv, describe: Describe): string {
  if (input !== undefined && input.trim() !== '') return parseRegion(input, describe, 'input');
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    const value = env[name]?.trim();
    if (value) return parseRegion(value, describe, `environment variable ${name}`);
  }
  return DEFAULT_REGION;
}

/** An STS endpoint the environment gives, for stsTargetFor (sts/sts.ts): the variable, and its value trimmed. */
export interface StsEndpointSetting {
  variable: 'AWS_ENDPOINT_URL_STS' | 'AWS_ENDPOINT_URL';
  value: string;
}

/** The STS endpoint the environment gives: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL (as the AWS SDK reads them). */
export function readStsEndpoint(env: NodeJS.ProcessEnv): StsEndpointSetting | undefined {
  for (const variable of ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'] as const) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
}

/** The response-type setting: credential (the default) or token, in any letter case. */
export function parseResponseTypeSetting(value: string, describe: Describe): ResponseType {
  const type = parseResponseType(value);
  if (type === undefined) {
    throw new ConfigError(
      'response-type',
      `${describe('response-type')} ${quote(value)} must be credential (a service-account credential, the default) or token (a short-lived bearer token).`,
    );
  }
  return type;
}

/**
 * allowed-account-ids: account IDs separated by commas (spaces and line breaks around them are allowed);
 * undefined when empty. Every entry must be 12 digits; the first that is not is named.
 */
export function parseAllowedAccountIds(value: string, describe: Describe): readonly string[] | undefined {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return undefined;
  const bad = entries.find((entry) => !/^\d{12}$/.test(entry));
  if (bad !== undefined) {
    throw new ConfigError(
      'allowed-account-ids',
      `${describe('allowed-account-ids')} has the entry ${quote(bad)}, which is not a 12-digit AWS account ID. Give account IDs separated by commas, for example 123456789012,210987654321.`,
    );
  }
  return [...new Set(entries)];
}
