import { AuthError, ConfigError, HttpFailure, truncate } from '../safety/errors.js';
import type { HttpClient } from '../network/http.js';
import { acceptSecretUrl } from '../safety/url-input.js';
import type { CiVariables } from './ci-system.js';

/** Where a web identity (OIDC) token comes from. `fetch` is called afresh for every AssumeRole attempt. */
export interface WebIdentityTokenSource {
  /** For the log, e.g. "GitHub Actions OIDC". */
  name: string;
  fetch(timeoutMs: number): Promise<string>;
}

/** The non-secret claims of a JWT, for error messages. Never validates; never throws. */
export function jwtClaims(token: string): { iss?: string; sub?: string; aud?: string } {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const text = (v: unknown): string | undefined =>
      typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : undefined;
    const out: { iss?: string; sub?: string; aud?: string } = {};
    const iss = text(claims['iss']);
    const sub = text(claims['sub']);
    const aud = text(claims['aud']);
    if (iss !== undefined) out.iss = iss;
    if (sub !== undefined) out.sub = sub;
    if (aud !== undefined) out.aud = aud;
    return out;
  } catch {
    return {};
  }
}

export function describeToken(source: string, token: string): string {
  const c = jwtClaims(token);
  const parts = [`from ${source}`];
  if (c.iss) parts.push(`iss "${truncate(c.iss, 120)}"`);
  if (c.aud) parts.push(`aud "${truncate(c.aud, 120)}"`);
  if (c.sub) parts.push(`sub "${truncate(c.sub, 200)}"`);
  return parts.join(', ');
}

/**
 * What a GitHub job gets to ask for an OIDC token (with `permissions: id-token: write`): the endpoint and the
 * runner's request token (a secret, registered before anything else: registerHostSecrets, run-setup.ts).
 */
export const GITHUB_TOKEN_VARIABLES = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const;
export type GitHubTokenVariable = (typeof GITHUB_TOKEN_VARIABLES)[number];

/**
 * GitHub Actions' OIDC token endpoint (what core.getIDToken calls), through the tool's own HTTP client so
 * the proxy settings, timeouts and retries are the same as for every other request.
 * Throws a ConfigError at once when the job has no id-token permission.
 */
export function gitHubTokenSource(
  v: CiVariables<GitHubTokenVariable>,
  audience: string,
  http: HttpClient,
): WebIdentityTokenSource {
  const requestUrl = v.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = v.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (requestUrl === '' || requestToken === '') {
    throw new ConfigError(
      'role-to-assume',
      'role-to-assume is set, but this job cannot request a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set). Add `permissions: id-token: write` to the job or workflow. (Pull requests from forks never get one.)',
      'OIDC_TOKEN_UNAVAILABLE',
    );
  }
  // The runner's request token goes to this URL: never unencrypted, never to a URL the parser had to repair.
  acceptSecretUrl(requestUrl, {
    input: 'role-to-assume',
    what: 'ACTIONS_ID_TOKEN_REQUEST_URL',
    fix: 'It is set by the GitHub runner; check that no step overwrites it.',
    carries: "the runner's token request token",
  });
  return {
    name: 'GitHub Actions OIDC',
    async fetch(timeoutMs) {
      const url = `${requestUrl}${requestUrl.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`;
      const response = await http({
        url,
        method: 'GET',
        headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' },
        timeoutMs,
      });
      if (response.status !== 200) {
        const fix =
          response.status === 401 || response.status === 403
            ? ' Check that the job has `permissions: id-token: write`.'
            : '';
        let message = '';
        try {
          const parsed = JSON.parse(response.body) as { message?: unknown };
          if (typeof parsed.message === 'string') message = `: ${truncate(parsed.message)}`;
        } catch {
          message = response.body.trim() && !/<html/i.test(response.body) ? `: ${truncate(response.body)}` : '';
        }
        throw new HttpFailure(
          `the GitHub OIDC token endpoint answered HTTP ${response.status}${message}.${fix}`,
          response,
          {
            code: 'OIDC_TOKEN_UNAVAILABLE',
          },
        );
      }
      let value: unknown;
      try {
        value = (JSON.parse(response.body) as { value?: unknown }).value;
      } catch {
        value = undefined;
      }
      if (typeof value !== 'string' || value === '')
        throw new AuthError('the GitHub OIDC token endpoint answered without a token.', {
          code: 'OIDC_TOKEN_UNAVAILABLE',
        });
      return value;
    },
  };
}
