import { AuthError, ConfigError, errorMessage, truncate } from '../safety/errors.js';
import type { HttpClient } from '../network/http.js';
import { readSecretFile, WEB_IDENTITY_TOKEN_MAX_BYTES } from '../safety/secret-file.js';
import { gitHubTokenSource, type WebIdentityTokenSource } from './token-source.js';

const SESSION_CHARS = /[^\w+=,.@-]+/g;

/** Makes any text a valid role session name: 2–64 characters of [\w+=,.@-]. */
export function sanitizeSessionName(text: string): string {
  const cleaned = text
    .replace(SESSION_CHARS, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return cleaned.length >= 2 ? cleaned : 'mondoo-aws-auth';
}

/** The CI systems the tool knows by their environment; undefined is a plain shell (or one it does not know). */
export type CiSystem = 'gitlab' | 'circleci' | 'buildkite' | 'bitbucket' | 'jenkins' | 'github';

/** Which CI system runs this job, from the variables each one sets (the one detection the tool has). */
export function detectCi(env: NodeJS.ProcessEnv): CiSystem | undefined {
  const v = (name: string): string => env[name]?.trim() ?? '';
  if (v('GITLAB_CI') === 'true' || v('CI_JOB_ID') !== '') return 'gitlab';
  if (v('CIRCLECI') === 'true') return 'circleci';
  if (v('BUILDKITE') === 'true') return 'buildkite';
  if (v('BITBUCKET_BUILD_NUMBER') !== '') return 'bitbucket';
  if (v('JENKINS_URL') !== '' && v('BUILD_NUMBER') !== '') return 'jenkins';
  if (v('GITHUB_ACTIONS') === 'true') return 'github';
  return undefined;
}

/** A session name that says which CI job assumed the role, so CloudTrail shows it. */
export function deriveSessionName(env: NodeJS.ProcessEnv): string {
  const v = (name: string): string => env[name]?.trim() ?? '';
  const name = (prefix: string, ...parts: string[]): string => sanitizeSessionName([prefix, ...parts.filter((p) => p !== '')].join('-'));
  switch (detectCi(env)) {
    case 'gitlab':
      return name('gitlab', v('CI_PROJECT_ID'), v('CI_JOB_ID'));
    case 'circleci':
      return name('circleci', v('CIRCLE_PROJECT_REPONAME'), v('CIRCLE_BUILD_NUM'));
    case 'buildkite':
      return name('buildkite', v('BUILDKITE_PIPELINE_SLUG'), v('BUILDKITE_BUILD_NUMBER'));
    case 'bitbucket':
      return name('bitbucket', v('BITBUCKET_REPO_SLUG'), v('BITBUCKET_BUILD_NUMBER'));
    case 'jenkins':
      return name('jenkins', v('JOB_BASE_NAME') || v('JOB_NAME'), v('BUILD_NUMBER'));
    case 'github':
      return name('github', v('GITHUB_RUN_ID'), v('GITHUB_RUN_ATTEMPT'));
    case undefined:
      return 'mondoo-aws-auth';
  }
}

/**
 * How to give this job AWS credentials, in its CI system's own terms (docs/ci-systems.md): the fix of the
 * "no AWS credentials" error. Setting names are the Action's (role-to-assume); the CLI shows its flags.
 */
export function credentialsFixFor(env: NodeJS.ProcessEnv): string {
  switch (detectCi(env)) {
    case 'github':
      return 'Fix: run aws-actions/configure-aws-credentials before this step, or set role-to-assume (the job needs permissions: id-token: write), or give the runner an instance profile.';
    case 'gitlab':
      return 'Fix (GitLab): assume a role with an ID token: extend the .mondoo-aws-auth job of the mondoo-aws-auth component with its role-to-assume input (it declares the ID token), or declare id_tokens (e.g. MONDOO_AWS_ID_TOKEN with aud: sts.amazonaws.com) and pass role-to-assume ARN --web-identity-token-env MONDOO_AWS_ID_TOKEN; or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY as CI/CD variables, or use a runner with an instance or container role.';
    case 'circleci':
      return "Fix (CircleCI): pass role-to-assume ARN, and the job's OIDC token (CIRCLE_OIDC_TOKEN_V2) is used (the role must trust https://oidc.circleci.com/org/<ORGANIZATION_ID>); or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in a context or the project's environment variables.";
    case 'buildkite':
      return 'Fix (Buildkite): pass role-to-assume ARN, and a token is requested with buildkite-agent oidc request-token (the role must trust https://agent.buildkite.com); or run the agent on EC2 with an instance role.';
    case 'bitbucket':
      return 'Fix (Bitbucket Pipelines): add oidc: true to the step and pass role-to-assume ARN (BITBUCKET_STEP_OIDC_TOKEN is used); or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY as secured repository variables.';
    case 'jenkins':
      return 'Fix (Jenkins): bind AWS keys with the AWS Credentials plugin (withCredentials AmazonWebServicesCredentialsBinding to AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), run the agent with an instance role or on EKS with IAM roles for service accounts, or bind an OpenID Connect id token and pass role-to-assume ARN --web-identity-token-env NAME.';
    case undefined:
      return 'Fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with temporary keys), or AWS_PROFILE naming a profile in ~/.aws/config, or pass role-to-assume ARN with --web-identity-token-file PATH (an OIDC token from your CI system), or run on a machine with an instance or container role.';
  }
}

export interface TokenSourceOptions {
  /** --web-identity-token-env: the name of a variable holding the token (e.g. a GitLab id_tokens variable). */
  tokenEnv: string | undefined;
  /** --web-identity-token-file, else AWS_WEB_IDENTITY_TOKEN_FILE. */
  tokenFile: string | undefined;
  /** Audience for sources that mint a token on request (GitHub Actions, Buildkite). */
  audience: string;
}

export const TOKEN_SOURCE_HELP =
  '--web-identity-token-env NAME (a variable holding the token, such as a GitLab id_tokens variable), --web-identity-token-file PATH or AWS_WEB_IDENTITY_TOKEN_FILE, ' +
  'or run inside GitHub Actions (permissions: id-token: write), CircleCI (CIRCLE_OIDC_TOKEN_V2), Bitbucket Pipelines (oidc: true → BITBUCKET_STEP_OIDC_TOKEN) or Buildkite (buildkite-agent oidc request-token)';

function fromVariable(env: NodeJS.ProcessEnv, variable: string, name: string): WebIdentityTokenSource {
  return {
    name,
    fetch: () => {
      const token = env[variable]?.trim();
      if (!token) return Promise.reject(new AuthError(`${variable} is empty.`, { code: 'OIDC_TOKEN_UNAVAILABLE' }));
      return Promise.resolve(token);
    },
  };
}

/**
 * Reads a web identity token file with the one bounded reader (secret-file.ts): a regular file of at most
 * WEB_IDENTITY_TOKEN_MAX_BYTES. Throws a message naming the file, never its content.
 */
export function readTokenFile(path: string): string {
  return readSecretFile(
    path,
    WEB_IDENTITY_TOKEN_MAX_BYTES,
    'the web identity token file',
    'the web identity token',
    'OIDC_TOKEN_UNAVAILABLE',
  );
}

function fromFile(path: string, name: string): WebIdentityTokenSource {
  return {
    name,
    async fetch() {
      // Read afresh on every attempt: EKS and others rotate the file. Read synchronously as the AWS SDK reads
      // it (and no fs/promises to load for it), with the limits of readTokenFile.
      const token = readTokenFile(path).trim();
      if (token === '') throw new AuthError(`the web identity token file ${path} is empty.`, { code: 'OIDC_TOKEN_UNAVAILABLE' });
      return token;
    },
  };
}

function fromBuildkite(audience: string): WebIdentityTokenSource {
  return {
    name: 'Buildkite OIDC (buildkite-agent oidc request-token)',
    // node:child_process (and what it loads) only when Buildkite's agent is asked: not on every CLI run.
    fetch: async (timeoutMs) => {
      const { execFile } = await import('node:child_process');
      return new Promise((resolve, reject) => {
        execFile(
          'buildkite-agent',
          ['oidc', 'request-token', '--audience', audience],
          { timeout: timeoutMs, maxBuffer: 64 * 1024 },
          (err, stdout, stderr) => {
            if (err) {
              reject(
                new AuthError(`buildkite-agent oidc request-token failed: ${truncate(String(stderr) || errorMessage(err))}`, {
                  code: 'OIDC_TOKEN_UNAVAILABLE',
                  transient: true,
                }),
              );
              return;
            }
            const token = String(stdout).trim();
            if (token === '')
              reject(new AuthError('buildkite-agent oidc request-token printed no token.', { code: 'OIDC_TOKEN_UNAVAILABLE' }));
            else resolve(token);
          },
        );
      });
    },
  };
}

/**
 * Picks the web identity token source for a role to assume, in order: an explicit variable or file, the AWS
 * standard token file, then the CI system's own OIDC mechanism. Problems are ConfigErrors, found before any
 * request is sent.
 */
export function ciTokenSource(env: NodeJS.ProcessEnv, opts: TokenSourceOptions, http: HttpClient): WebIdentityTokenSource {
  if (opts.tokenEnv !== undefined) {
    const variable = opts.tokenEnv.trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      throw new ConfigError(
        'web-identity-token-env',
        `--web-identity-token-env ${JSON.stringify(truncate(variable, 80))} is not a variable name. Give the NAME of the variable that holds the token (for GitLab: the name under id_tokens), not the token itself.`,
      );
    }
    if (!env[variable]?.trim()) {
      throw new ConfigError(
        'web-identity-token-env',
        `--web-identity-token-env names ${variable}, but ${variable} is not set or empty. In GitLab, declare it under id_tokens: in this job (with aud: sts.amazonaws.com).`,
      );
    }
    return fromVariable(env, variable, `the variable ${variable}`);
  }
  if (opts.tokenFile !== undefined && opts.tokenFile.trim() !== '') {
    const path = opts.tokenFile.trim();
    // Checked before any request (and again, on the open file, at every read).
    try {
      readTokenFile(path);
    } catch (err) {
      throw new ConfigError(
        'web-identity-token-file',
        `${errorMessage(err).replace(/\.$/, '')}. Check --web-identity-token-file / AWS_WEB_IDENTITY_TOKEN_FILE.`,
      );
    }
    return fromFile(path, `the file ${path}`);
  }
  if (env['ACTIONS_ID_TOKEN_REQUEST_URL']?.trim() && env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']?.trim()) {
    return gitHubTokenSource(env, opts.audience, http);
  }
  if (env['CIRCLE_OIDC_TOKEN_V2']?.trim()) return fromVariable(env, 'CIRCLE_OIDC_TOKEN_V2', 'CircleCI OIDC (CIRCLE_OIDC_TOKEN_V2)');
  if (env['BITBUCKET_STEP_OIDC_TOKEN']?.trim())
    return fromVariable(env, 'BITBUCKET_STEP_OIDC_TOKEN', 'Bitbucket Pipelines OIDC (BITBUCKET_STEP_OIDC_TOKEN)');
  if (env['BUILDKITE']?.trim() === 'true') return fromBuildkite(opts.audience);
  throw new ConfigError(
    'web-identity-token-env',
    `A role to assume is set, but no web identity token was found. Give one with ${TOKEN_SOURCE_HELP}.`,
  );
}
