/**
 * Container credentials (ECS task roles, EKS Pod Identity, CodeBuild), fetched with the tool's own HTTP
 * client instead of the AWS SDK's: every attempt ends at its time limit even when the endpoint accepts and
 * never answers or drips bytes, the answer is read up to a size limit, and the authorization token is handed
 * to the masker before the request is made.
 *
 * The rules are the AWS SDK's (`@aws-sdk/credential-provider-http`):
 * - AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is a path on http://169.254.170.2 (ECS); it wins over _FULL_URI.
 *   No variable moves that host, so a relative URI can never point at another address.
 * - AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address, the ECS host
 *   169.254.170.2 or the EKS Pod Identity hosts 169.254.170.23 and [fd00:ec2::23].
 * - The Authorization header is the content of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, else
 *   AWS_CONTAINER_AUTHORIZATION_TOKEN; the file wins when both are set.
 * - The answer is {AccessKeyId, SecretAccessKey, Token, Expiration}.
 *
 * Why not the SDK's providers (issue 17, item 6), measured by bench/sdk-providers.js (fromHttp,
 * fromContainerMetadata, fromInstanceMetadata with timeout 1000 and maxRetries 0, each raced against a 2 s
 * deadline, against the loopback container simulator): the race settles at 2 s, but against an endpoint that
 * drips bytes none of the three ever ends its request (the child never exited; killed at 20 s); against one that
 * floods, each reads without a limit (peak RSS 0.7 to 1.8 GB within the 2 s, never exited); against one that
 * accepts and never answers, fromHttp only warns and never ends. They take no abort signal and no HTTP handler,
 * so no wrapper can stop the socket or bound the read. The tool's client ends every attempt at its limit and stops
 * reading at 1 MiB (credential-sources.test.ts: "drips", "floods"), so it stays.
 */
import { AuthError, HttpFailure, quoteForLog, truncate } from '../safety/errors.js';
import type { HttpClient } from '../network/http.js';
import { hasUnsafeChar } from '../safety/log-safety.js';
import { CONTAINER_TOKEN_MAX_BYTES, readSecretFile } from '../safety/secret-file.js';
import { acceptSecretUrl } from '../safety/url-input.js';
import { FULL_URI_VAR, RELATIVE_URI_VAR, TOKEN_FILE_VAR, TOKEN_VAR, type AwsEnvironment } from './aws-environment.js';

/** Where ECS serves a relative URI; the AWS SDK has no setting to change it. */
export const ECS_HOST = 'http://169.254.170.2';
/**
 * Hosts the AWS SDK accepts over plain http for AWS_CONTAINER_CREDENTIALS_FULL_URI besides loopback: the ECS
 * agent and the EKS Pod Identity agent (link-local, on the instance itself). The one exception to the tool's
 * secret-URL rule (url-input.ts), passed to it explicitly; pinned by credential-sources.test.ts
 * ("container plain-http hosts").
 */
export const CONTAINER_PLAIN_HTTP_HOSTS: ReadonlySet<string> = new Set([
  '169.254.170.2',
  '169.254.170.23',
  '[fd00:ec2::23]',
]);

export interface ContainerEndpoint {
  /** The variable that gave the URL. */
  variable: typeof RELATIVE_URI_VAR | typeof FULL_URI_VAR;
  url: URL;
  /** Where the authorization token comes from, if anywhere. */
  token: { variable: typeof TOKEN_VAR; value: string } | { variable: typeof TOKEN_FILE_VAR; path: string } | undefined;
  /** Both URL variables (or both token variables) were set: what was ignored, for the log. */
  ignored: string[];
}

export interface ContainerCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** For messages: scheme, host and path only (a query string or user info could carry a secret). */
export function describeUrl(url: URL): string {
  return quoteForLog(`${url.protocol}//${url.host}${url.pathname}`, 200);
}

/** An endpoint that is set but unusable (container credentials, instance metadata): the source is present but broken. */
export function sourceFailure(message: string): AuthError {
  return new AuthError(message, { code: 'AWS_CREDENTIAL_SOURCE_FAILED' });
}

/**
 * The endpoint the environment names, or undefined when neither URL variable is set. A set but unusable
 * value is an AuthError naming the variable and the fix (the source is present but broken).
 */
export function containerEndpoint(aws: AwsEnvironment): ContainerEndpoint | undefined {
  const relative = aws.containerRelativeUri ?? '';
  const full = aws.containerFullUri ?? '';
  if (relative === '' && full === '') return undefined;
  const ignored: string[] = [];
  let variable: ContainerEndpoint['variable'];
  let url: URL;
  if (relative !== '') {
    if (full !== '') ignored.push(`${FULL_URI_VAR} (${RELATIVE_URI_VAR} takes precedence, as in the AWS SDK)`);
    variable = RELATIVE_URI_VAR;
    if (hasUnsafeChar(relative) || !relative.startsWith('/')) {
      throw new AuthError(
        `${RELATIVE_URI_VAR} ${quoteForLog(relative, 80)} is not a path. It must start with / (ECS sets it to /v2/credentials/…); unset it to use another credential source.`,
        { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
      );
    }
    url = new URL(`${ECS_HOST}${relative}`);
  } else {
    variable = FULL_URI_VAR;
    url = acceptSecretUrl(full, {
      input: sourceFailure,
      what: FULL_URI_VAR,
      fix: 'Set it to the container credentials endpoint (EKS Pod Identity: http://169.254.170.23/v1/credentials) or unset it.',
      carries: 'the authorization token and the credentials',
      plainHttpAlso: {
        hosts: CONTAINER_PLAIN_HTTP_HOSTS,
        fix: 'Use https, a loopback address, 169.254.170.2 (ECS) or 169.254.170.23 / [fd00:ec2::23] (EKS Pod Identity), as the AWS SDK requires.',
      },
      showValue: true,
    });
  }
  const tokenFile = aws.containerTokenFile;
  const tokenValue = aws.containerToken;
  let token: ContainerEndpoint['token'];
  if (tokenFile !== undefined) {
    if (tokenValue !== undefined) ignored.push(`${TOKEN_VAR} (${TOKEN_FILE_VAR} takes precedence, as in the AWS SDK)`);
    token = { variable: TOKEN_FILE_VAR, path: tokenFile };
  } else if (tokenValue !== undefined) {
    token = { variable: TOKEN_VAR, value: tokenValue };
  }
  return { variable, url, token, ignored };
}

/** What the log says about this source: "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI …)". */
export function describeContainerSource(endpoint: ContainerEndpoint): string {
  const token =
    endpoint.token === undefined ? 'no authorization token' : `authorization token from ${endpoint.token.variable}`;
  return `container credentials (${endpoint.variable} ${describeUrl(endpoint.url)}, ${token})`;
}

/**
 * The authorization token, read once per run (a file is re-read by the caller per attempt if it wants
 * rotation; EKS rotates the file well within a run's lifetime). Refuses CR/LF, which would split the header.
 */
export function authorizationToken(endpoint: ContainerEndpoint): string | undefined {
  const source = endpoint.token;
  if (source === undefined) return undefined;
  let token: string;
  if (source.variable === TOKEN_FILE_VAR) {
    token = readSecretFile(
      source.path,
      CONTAINER_TOKEN_MAX_BYTES,
      TOKEN_FILE_VAR,
      'the container authorization token (EKS Pod Identity mounts it at /var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token)',
    ).trim();
    if (token === '')
      throw new AuthError(
        `${TOKEN_FILE_VAR} ${quoteForLog(source.path, 200)} is empty. It must hold the container authorization token.`,
        {
          code: 'AWS_CREDENTIAL_SOURCE_FAILED',
        },
      );
  } else {
    token = source.value.trim();
  }
  if (/[\r\n\u0000]/.test(token)) {
    throw new AuthError(
      `${source.variable} holds a line break or NUL inside the token, which cannot be sent in an Authorization header. Check how the token is written.`,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  }
  return token;
}

/**
 * One GET for the credentials. Network failures are NetworkError (retried by the caller); HTTP errors are
 * AuthError (transient for 429 and 5xx).
 */
export async function fetchContainerCredentials(
  http: HttpClient,
  endpoint: ContainerEndpoint,
  token: string | undefined,
  timeoutMs: number,
  now: number,
): Promise<ContainerCredentials> {
  const where = `the container credentials endpoint ${describeUrl(endpoint.url)} (${endpoint.variable})`;
  const response = await http({
    url: endpoint.url.href,
    method: 'GET',
    headers: { accept: 'application/json', ...(token !== undefined ? { authorization: token } : {}) },
    timeoutMs,
  });
  const parsed = parseJsonObject(response.body);
  if (response.status !== 200) {
    const said =
      typeof parsed?.['Message'] === 'string'
        ? `: ${truncate(String(parsed['Code'] ?? ''), 60)} ${truncate(parsed['Message'], 200)}`.replace(/: +/, ': ')
        : '';
    const fix =
      response.status === 401 || response.status === 403
        ? token === undefined
          ? ` It wants an authorization token: set ${TOKEN_FILE_VAR} (EKS Pod Identity sets it) or ${TOKEN_VAR}.`
          : ` The authorization token from ${endpoint.token?.variable ?? TOKEN_VAR} was refused: check it is the current one for this pod or task.`
        : response.status === 404
          ? ` Check ${endpoint.variable}: the path is wrong, or the task or pod has no IAM role (ECS task role, EKS Pod Identity association).`
          : '';
    throw new HttpFailure(`${where} answered HTTP ${response.status}${said}.${fix}`, response, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  }
  return credentialsFromDocument(
    parsed,
    where,
    `Check ${endpoint.variable} points at the credentials endpoint.`,
    now,
    'The endpoint serves stale credentials: restart the task or pod, or check the agent that serves them (ECS agent, EKS Pod Identity agent).',
  );
}

/**
 * The credentials in a container or instance metadata answer ({AccessKeyId, SecretAccessKey, Token,
 * Expiration}), validated: every field present, the key ID shaped like one, the expiry a date in the future.
 */
export function credentialsFromDocument(
  parsed: Record<string, unknown> | undefined,
  where: string,
  checkHint: string,
  now: number,
  staleHint: string,
): ContainerCredentials {
  if (parsed === undefined)
    throw new AuthError(`${where} answered HTTP 200 without a JSON object. ${checkHint}`, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  const field = (name: string): string => {
    const value = parsed[name];
    if (typeof value !== 'string' || value === '') {
      throw new AuthError(
        `${where} answered without ${name}; expected {AccessKeyId, SecretAccessKey, Token, Expiration}. ${checkHint}`,
        {
          code: 'AWS_CREDENTIAL_SOURCE_FAILED',
        },
      );
    }
    return value;
  };
  const accessKeyId = field('AccessKeyId');
  const secretAccessKey = field('SecretAccessKey');
  const sessionToken = field('Token');
  const expirationText = field('Expiration');
  if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId))
    throw new AuthError(
      `${where} answered an AccessKeyId that does not look like one (16 to 128 upper-case letters and digits).`,
      {
        code: 'AWS_CREDENTIAL_SOURCE_FAILED',
      },
    );
  const expiration = new Date(expirationText);
  if (Number.isNaN(expiration.getTime()))
    throw new AuthError(`${where} answered an Expiration that is not a date: ${quoteForLog(expirationText, 40)}.`, {
      code: 'AWS_CREDENTIAL_SOURCE_FAILED',
    });
  if (expiration.getTime() <= now) {
    throw new AuthError(
      `${where} answered credentials that expired at ${expiration.toISOString()}. ${staleHint} If the local clock is wrong, fix it.`,
      { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
    );
  }
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}

/** A JSON object from a body, or undefined. */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
