/**
 * Where the web identity token for role-to-assume comes from, as a list in the documented order (docs/ci-systems.md,
 * "AWS identity"): an explicit variable or file first, then the CI system's own OIDC mechanism. One file per source
 * behind one interface (ci-system.ts); one loop picks the first that applies. The "no token" message lists the
 * list. Problems are ConfigErrors, found before any request is sent.
 */
import { ConfigError } from '../safety/errors.js';
import type { HttpClient } from '../network/http.js';
import type { CiTokenSource, CiVariables, TokenSourceOptions } from './ci-system.js';
import type { WebIdentityTokenSource } from './token-source.js';
import { tokenEnvSource } from './token-env.js';
import { tokenFileSource } from './token-file.js';
import { gitHubToken } from './github.js';
import { circleCiToken } from './circleci.js';
import { bitbucketToken } from './bitbucket.js';
import { buildkiteToken } from './buildkite.js';

export type { TokenSourceOptions } from './ci-system.js';

export const CI_TOKEN_SOURCES: readonly CiTokenSource[] = [
  tokenEnvSource,
  tokenFileSource,
  gitHubToken,
  circleCiToken,
  bitbucketToken,
  buildkiteToken,
];

/** How to give a token, from the list: "--web-identity-token-env NAME (…), …, or run inside GitHub Actions (…), … or Buildkite (…)". */
export function tokenSourceHelp(sources: readonly CiTokenSource[] = CI_TOKEN_SOURCES): string {
  const options = sources.filter((s) => s.kind === 'option').map((s) => s.help);
  const inside = sources.filter((s) => s.kind === 'ci').map((s) => s.help);
  const ci = inside.length > 1 ? `${inside.slice(0, -1).join(', ')} or ${inside[inside.length - 1]!}` : inside.join('');
  return [...options, ...(ci !== '' ? [`or run inside ${ci}`] : [])].join(', ');
}

export const TOKEN_SOURCE_HELP = tokenSourceHelp();

/** Picks the web identity token source for a role to assume: the first of the list that applies. */
export function ciTokenSource(
  v: CiVariables,
  opts: TokenSourceOptions,
  http: HttpClient,
  sources: readonly CiTokenSource[] = CI_TOKEN_SOURCES,
): WebIdentityTokenSource {
  for (const source of sources) if (source.applies(v, opts)) return source.source(v, opts, http);
  throw new ConfigError(
    'web-identity-token-env',
    `A role to assume is set, but no web identity token was found. Give one with ${tokenSourceHelp(sources)}.`,
  );
}
